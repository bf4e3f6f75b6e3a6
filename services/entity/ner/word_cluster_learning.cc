#include "services/entity/ner/word_cluster_learning.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/ascii.h"

namespace newsgraph::entity::ner {
namespace {

using Vector = std::vector<float>;

void Normalize(float* v, int d) {
  double norm = 0;
  for (int k = 0; k < d; ++k) norm += static_cast<double>(v[k]) * v[k];
  if (norm <= 0) return;
  const float inv = static_cast<float>(1.0 / std::sqrt(norm));
  for (int k = 0; k < d; ++k) v[k] *= inv;
}

// Spherical k-means over `n` unit vectors of dimension `d`; returns the
// cluster of each vector.
std::vector<uint16_t> SphericalKMeans(const std::vector<float>& data, size_t n, int d, int k,
                                      int iterations, std::mt19937_64* rng) {
  std::vector<float> centroids(static_cast<size_t>(k) * d);
  // Initialize with random points (an empty cluster is re-seeded below).
  std::uniform_int_distribution<size_t> pick(0, n - 1);
  for (int c = 0; c < k; ++c) {
    const size_t i = pick(*rng);
    std::copy(data.begin() + static_cast<long>(i * d),
              data.begin() + static_cast<long>((i + 1) * d),
              centroids.begin() + static_cast<long>(c) * d);
  }
  std::vector<uint16_t> assignment(n, 0);
  for (int iteration = 0; iteration < iterations; ++iteration) {
    for (size_t i = 0; i < n; ++i) {
      const float* v = data.data() + i * d;
      float best = -2;
      for (int c = 0; c < k; ++c) {
        const float* m = centroids.data() + static_cast<size_t>(c) * d;
        float dot = 0;
        for (int j = 0; j < d; ++j) dot += v[j] * m[j];
        if (dot > best) {
          best = dot;
          assignment[i] = static_cast<uint16_t>(c);
        }
      }
    }
    std::fill(centroids.begin(), centroids.end(), 0.0f);
    std::vector<size_t> sizes(k, 0);
    for (size_t i = 0; i < n; ++i) {
      float* m = centroids.data() + static_cast<size_t>(assignment[i]) * d;
      const float* v = data.data() + i * d;
      for (int j = 0; j < d; ++j) m[j] += v[j];
      ++sizes[assignment[i]];
    }
    for (int c = 0; c < k; ++c) {
      float* m = centroids.data() + static_cast<size_t>(c) * d;
      if (sizes[c] == 0) {  // Re-seed an empty cluster.
        const size_t i = pick(*rng);
        std::copy(data.begin() + static_cast<long>(i * d),
                  data.begin() + static_cast<long>((i + 1) * d), m);
      }
      Normalize(m, d);
    }
  }
  return assignment;
}

}  // namespace

WordClusters LearnWordClusters(const std::vector<std::vector<std::string>>& sentences,
                               const ClusterOptions& options) {
  // Lower-case the corpus once.
  absl::flat_hash_map<std::string, uint32_t> ids;
  std::vector<std::string> words;
  std::vector<uint64_t> counts;
  std::vector<std::vector<uint32_t>> corpus;
  corpus.reserve(sentences.size());
  for (const auto& sentence : sentences) {
    std::vector<uint32_t> encoded;
    encoded.reserve(sentence.size());
    for (const std::string& token : sentence) {
      const std::string lower = absl::AsciiStrToLower(token);
      auto [it, inserted] = ids.try_emplace(lower, static_cast<uint32_t>(words.size()));
      if (inserted) {
        words.push_back(lower);
        counts.push_back(0);
      }
      ++counts[it->second];
      encoded.push_back(it->second);
    }
    corpus.push_back(std::move(encoded));
  }
  // Rank words by frequency (ties by spelling, for determinism).
  std::vector<uint32_t> order(words.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return counts[a] != counts[b] ? counts[a] > counts[b] : words[a] < words[b];
  });
  std::vector<int32_t> vocab_index(words.size(), -1);
  std::vector<int32_t> context_index(words.size(), -1);
  size_t vocab_size = 0;
  for (uint32_t w : order) {
    if (counts[w] < static_cast<uint64_t>(options.min_count) || vocab_size == options.max_words)
      break;
    vocab_index[w] = static_cast<int32_t>(vocab_size);
    if (vocab_size < options.context_words) context_index[w] = static_cast<int32_t>(vocab_size);
    ++vocab_size;
  }
  const size_t contexts = std::min(options.context_words, vocab_size);
  // Co-occurrence counts with left (c) and right (contexts + c) neighbours.
  std::vector<absl::flat_hash_map<uint32_t, float>> cooccurrence(vocab_size);
  std::vector<double> context_totals(2 * contexts, 0);
  double total = 0;
  for (const auto& sentence : corpus) {
    for (size_t i = 0; i < sentence.size(); ++i) {
      const int32_t v = vocab_index[sentence[i]];
      if (v < 0) continue;
      if (i > 0 && context_index[sentence[i - 1]] >= 0) {
        const uint32_t c = static_cast<uint32_t>(context_index[sentence[i - 1]]);
        cooccurrence[v][c] += 1;
        context_totals[c] += 1;
        total += 1;
      }
      if (i + 1 < sentence.size() && context_index[sentence[i + 1]] >= 0) {
        const uint32_t c = static_cast<uint32_t>(contexts + context_index[sentence[i + 1]]);
        cooccurrence[v][c] += 1;
        context_totals[c] += 1;
        total += 1;
      }
    }
  }
  // Random +-1 projection of each context dimension.
  const int d = options.dimensions;
  std::mt19937_64 rng(options.seed);
  std::vector<float> projection(2 * contexts * static_cast<size_t>(d));
  std::normal_distribution<float> gaussian(0.0f, 1.0f);
  for (float& x : projection) x = gaussian(rng);
  std::vector<float> vectors(vocab_size * static_cast<size_t>(d), 0.0f);
  for (size_t v = 0; v < vocab_size; ++v) {
    // Sorted, so that float sums (and so the clusters) do not depend on
    // hash-map iteration order.
    std::vector<std::pair<uint32_t, float>> row(cooccurrence[v].begin(), cooccurrence[v].end());
    std::sort(row.begin(), row.end());
    double row_total = 0;
    for (const auto& [c, count] : row) row_total += count;
    float* out = vectors.data() + v * d;
    for (const auto& [c, count] : row) {
      const double pmi = std::log(count * total / (row_total * context_totals[c]));
      if (pmi <= 0) continue;
      const float* r = projection.data() + static_cast<size_t>(c) * d;
      for (int j = 0; j < d; ++j) out[j] += static_cast<float>(pmi) * r[j];
    }
    Normalize(out, d);
  }
  const std::vector<uint16_t> coarse =
      SphericalKMeans(vectors, vocab_size, d, options.coarse_clusters, options.iterations, &rng);
  const std::vector<uint16_t> fine =
      SphericalKMeans(vectors, vocab_size, d, options.fine_clusters, options.iterations, &rng);
  WordClusters clusters;
  for (uint32_t w = 0; w < words.size(); ++w) {
    const int32_t v = vocab_index[w];
    if (v >= 0) clusters[words[w]] = ClusterIds{coarse[v], fine[v]};
  }
  return clusters;
}

}  // namespace newsgraph::entity::ner
