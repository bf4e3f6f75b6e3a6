#include "services/entity/ner/decoder.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "services/entity/ner/tagger.h"

namespace newsgraph::entity::ner {
namespace {

// Whether tag `next` may follow tag `previous` (-1 = sentence start).
bool ValidTransitionSlow(int previous, int next) {
  const std::vector<std::string>& tags = BilouTagSet();
  const bool previous_open = previous > 0 && (tags[previous][0] == 'B' || tags[previous][0] == 'I');
  const char kind = tags[next][0];
  const bool continues = kind == 'I' || kind == 'L';
  if (!previous_open) return !continues;
  return continues && tags[next].substr(2) == tags[previous].substr(2);
}


// ValidTransition(previous, next) for previous in -1..16, as a table.
struct TransitionTable {
  bool valid[kMaxTags + 1][kMaxTags];
  bool closes[kMaxTags];  // the tag may end a sentence (O, L-, U-)
  TransitionTable() {
    const int n = static_cast<int>(BilouTagSet().size());
    for (int p = -1; p < n; ++p) {
      for (int l = 0; l < n; ++l) valid[p + 1][l] = ValidTransitionSlow(p, l);
    }
    for (int l = 0; l < n; ++l) closes[l] = ValidTransitionSlow(l, 0);
  }
};

const TransitionTable& Transitions() {
  static const TransitionTable* table = new TransitionTable();
  return *table;
}

// 0 for O, 1 + type index for an entity tag.
int TypeIdOf(int tag) {
  if (tag <= 0) return 0;
  return (tag - 1) / 4 + 1;
}

bool Capitalized(const std::string& word) {
  return !word.empty() && absl::ascii_isupper(static_cast<unsigned char>(word[0]));
}

// The search space of one sentence: per token its features, emission
// scores and (filled on first use) transition scores from each previous tag,
// and the Viterbi table over them.
class Lattice {
 public:
  Lattice(const Perceptron& model, const std::vector<TokenInfo>& tokens,
          const absl::flat_hash_map<std::string, int>& document_memory)
      : model_(model),
        n_(tokens.size()),
        labels_(model.num_labels()),
        features_(n_),
        bases_(n_),
        emission_(n_ * labels_),
        transition_(n_ * (labels_ + 1) * labels_, 0.0f),
        extended_(n_ * (labels_ + 1), false),
        best_(n_ * labels_, kImpossible),
        back_(n_ * labels_, -1) {
    std::vector<float> scores;
    for (size_t i = 0; i < n_; ++i) {
      int memory = -1;
      if (auto it = document_memory.find(tokens[i].lower); it != document_memory.end()) {
        memory = it->second;
      }
      ExtractFeatures(tokens, i, memory, &features_[i]);
      model.Score(features_[i], &scores);
      std::copy(scores.begin(), scores.end(), emission_.begin() + i * labels_);
      bases_[i] = TransitionBases(tokens, i);
    }
  }

  // Viterbi under the BILOU constraints: the tag sequence with the highest
  // sum of emission and transition scores, extending the `beam` best
  // prefixes at each token (kMaxTags = exhaustive).
  std::vector<int> BestTags(int beam) {
    Forward(beam);
    std::vector<int> tags(n_, 0);
    float final_score = kImpossible;
    for (int l = 0; l < labels_; ++l) {
      if (table_.closes[l] && best_[(n_ - 1) * labels_ + l] > final_score) {
        final_score = best_[(n_ - 1) * labels_ + l];
        tags[n_ - 1] = l;
      }
    }
    for (size_t i = n_ - 1; i > 0; --i) tags[i - 1] = back_[i * labels_ + tags[i]];
    return tags;
  }

  // After BestTags: appends for each token the softmax over its tags of the
  // max-marginal scores divided by `temperature` (the chosen tag's share).
  void AppendConfidences(const std::vector<int>& tags, float temperature,
                         std::vector<float>* confidences) {
    const std::vector<float> after = BestSuffixes();
    for (size_t i = 0; i < n_; ++i) {
      const float chosen = best_[i * labels_ + tags[i]] + after[i * labels_ + tags[i]];
      double total = 0;
      for (int l = 0; l < labels_; ++l) {
        const float m = best_[i * labels_ + l] + after[i * labels_ + l];
        if (m != kImpossible) total += std::exp(static_cast<double>(m - chosen) / temperature);
      }
      confidences->push_back(static_cast<float>(1.0 / std::max(total, 1.0)));
    }
  }

  // The structured perceptron update of `train` from `tags` towards `gold`.
  void Update(const std::vector<int>& tags, const std::vector<int>& gold, Perceptron* train) const {
    for (size_t i = 0; i < n_; ++i) {
      const int gold_previous = i == 0 ? -1 : gold[i - 1];
      const int previous = i == 0 ? -1 : tags[i - 1];
      if (gold[i] == tags[i] && gold_previous == previous) continue;
      if (gold[i] != tags[i]) {
        train->Adjust(features_[i], gold[i], 1.0f);
        train->Adjust(features_[i], tags[i], -1.0f);
      }
      for (uint64_t base : bases_[i]) {
        train->Adjust(TransitionFeature(base, gold_previous), gold[i], 1.0f);
        train->Adjust(TransitionFeature(base, previous), tags[i], -1.0f);
      }
    }
    train->NextExample();
  }

 private:
  static constexpr float kImpossible = -std::numeric_limits<float>::infinity();

  // transition[(i * (labels + 1) + p + 1) * labels + l], filled for the
  // previous tags the search extends.
  const float* TransitionAt(size_t i, int p) {
    float* t = transition_.data() + (i * (labels_ + 1) + p + 1) * labels_;
    if (!extended_[i * (labels_ + 1) + p + 1]) {
      extended_[i * (labels_ + 1) + p + 1] = true;
      std::array<uint64_t, kTransitionTemplates> ids;
      for (size_t k = 0; k < kTransitionTemplates; ++k) ids[k] = TransitionFeature(bases_[i][k], p);
      model_.AddWeights(ids.data(), ids.size(), t);
    }
    return t;
  }

  // best[i * labels + l]: the best score of a valid prefix ending in l.
  void Forward(int beam) {
    for (int l = 0; l < labels_; ++l) {
      if (table_.valid[0][l]) best_[l] = emission_[l] + TransitionAt(0, -1)[l];
    }
    std::array<int, kMaxTags + 1> order;  // one spare slot keeps nth_element's end in bounds
    for (size_t i = 1; i < n_; ++i) {
      const float* previous_best = best_.data() + (i - 1) * labels_;
      int kept = 0;
      for (int p = 0; p < labels_; ++p) {
        if (previous_best[p] != kImpossible) order[kept++] = p;
      }
      if (kept > beam) {
        std::nth_element(order.begin(), order.begin() + beam, order.begin() + kept,
                         [&](int a, int b) { return previous_best[a] > previous_best[b]; });
        kept = beam;
      }
      // Start the memory loads of every transition feature to be read.
      for (int k = 0; k < kept; ++k) {
        for (uint64_t base : bases_[i]) model_.Prefetch(TransitionFeature(base, order[k]));
      }
      for (int k = 0; k < kept; ++k) {
        const int p = order[k];
        const float from = previous_best[p];
        const float* t = TransitionAt(i, p);
        for (int l = 0; l < labels_; ++l) {
          if (!table_.valid[p + 1][l]) continue;
          const float score = from + t[l];
          if (score > best_[i * labels_ + l]) {
            best_[i * labels_ + l] = score;
            back_[i * labels_ + l] = p;
          }
        }
      }
      for (int l = 0; l < labels_; ++l) best_[i * labels_ + l] += emission_[i * labels_ + l];
    }
  }

  // after[i * labels + l]: the best score of a valid suffix after token i
  // given tag l at i, over the transitions the forward search extended.
  std::vector<float> BestSuffixes() {
    std::vector<float> after(n_ * labels_, kImpossible);
    for (int l = 0; l < labels_; ++l) {
      if (table_.closes[l]) after[(n_ - 1) * labels_ + l] = 0;
    }
    for (size_t i = n_ - 1; i > 0; --i) {
      for (int p = 0; p < labels_; ++p) {
        if (!extended_[i * (labels_ + 1) + p + 1]) continue;  // outside the beam
        const float* t = TransitionAt(i, p);
        float top = kImpossible;
        for (int l = 0; l < labels_; ++l) {
          if (!table_.valid[p + 1][l] || after[i * labels_ + l] == kImpossible) continue;
          top = std::max(top, t[l] + emission_[i * labels_ + l] + after[i * labels_ + l]);
        }
        after[(i - 1) * labels_ + p] = top;
      }
    }
    return after;
  }

  const Perceptron& model_;
  const TransitionTable& table_ = Transitions();
  const size_t n_;
  const int labels_;
  std::vector<std::vector<uint64_t>> features_;
  std::vector<std::array<uint64_t, kTransitionTemplates>> bases_;
  std::vector<float> emission_;    // emission[i * labels + l]
  std::vector<float> transition_;  // see TransitionAt
  std::vector<bool> extended_;
  std::vector<float> best_;
  std::vector<int> back_;
};

}  // namespace

// Decodes one sentence (Lattice::BestTags with `beam`); with `confidences`,
// appends each token's confidence; with `train`, applies the perceptron
// update towards `gold_tags`. Afterwards records the first type given to
// each capitalized word in `document_memory`.
std::vector<int> Decode(const Perceptron& model, const std::vector<TokenInfo>& tokens, int beam,
                        absl::flat_hash_map<std::string, int>* document_memory,
                        std::vector<float>* confidences, float temperature, Perceptron* train,
                        const std::vector<int>* gold_tags) {
  if (tokens.empty()) return {};
  Lattice lattice(model, tokens, *document_memory);
  const std::vector<int> tags = lattice.BestTags(beam);
  if (confidences != nullptr) lattice.AppendConfidences(tags, temperature, confidences);
  if (train != nullptr) lattice.Update(tags, *gold_tags, train);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (Capitalized(tokens[i].word) && !document_memory->contains(tokens[i].lower)) {
      (*document_memory)[tokens[i].lower] = TypeIdOf(tags[i]);
    }
  }
  return tags;
}

std::vector<Span> SpansOf(const std::vector<int>& tags) {
  std::vector<std::string> names;
  names.reserve(tags.size());
  for (int t : tags) names.push_back(BilouTagSet()[t]);
  return SpansFromBilou(names);
}

void FirstPassSummary::Add(const std::vector<TokenInfo>& tokens, const std::vector<int>& tags) {
  for (size_t i = 0; i < tokens.size(); ++i) ++votes_[tokens[i].lower][TypeIdOf(tags[i])];
  for (const Span& span : SpansOf(tags)) {
    const int length = static_cast<int>(span.end - span.begin);
    const int type = TypeIdOf(tags[span.begin]);
    for (size_t i = span.begin; i < span.end; ++i) {
      auto [it, inserted] = longest_.try_emplace(tokens[i].lower, length, type);
      if (!inserted && length > it->second.first) it->second = {length, type};
    }
  }
}

void FirstPassSummary::Apply(const std::vector<int>& tags, std::vector<TokenInfo>* tokens) const {
  static constexpr std::array<int, 5> kNoVotes = {};
  for (size_t i = 0; i < tokens->size(); ++i) {
    TokenInfo& token = (*tokens)[i];
    token.first_pass_type = TypeIdOf(tags[i]);
    const auto found = votes_.find(token.lower);
    const std::array<int, 5>& v = found == votes_.end() ? kNoVotes : found->second;
    int majority = 0;
    for (int t = 1; t < 5; ++t) {
      if (v[t] > v[majority] || (majority == 0 && v[t] > 0)) majority = t;
    }
    token.first_pass_majority = majority;
    token.first_pass_longest_type = 0;
    token.first_pass_longest_length = 0;
    if (auto it = longest_.find(token.lower); it != longest_.end()) {
      token.first_pass_longest_type = it->second.second;
      token.first_pass_longest_length = std::min(it->second.first, 3);
    }
  }
}

void AddFirstPassEvidence(const std::vector<std::vector<int>>& first_pass_tags,
                          std::vector<std::vector<TokenInfo>>* document) {
  FirstPassSummary summary;
  for (size_t s = 0; s < document->size(); ++s) summary.Add((*document)[s], first_pass_tags[s]);
  for (size_t s = 0; s < document->size(); ++s) summary.Apply(first_pass_tags[s], &(*document)[s]);
}

// Sentences between two polls of a stop predicate.
constexpr size_t kStopPollStride = 32;

// True when `stop` is set and, polled at every kStopPollStride-th sentence,
// asks to stop.
bool StopRequested(const std::function<bool()>& stop, size_t sentence) {
  return stop && sentence % kStopPollStride == 0 && stop();
}

// Describes every token of the document; with `first_pass`, adds its tags as
// evidence. Returns fewer sentences than given when `stop` asked to stop.
std::vector<std::vector<TokenInfo>> DescribeDocument(
    const std::vector<std::vector<std::string>>& sentences, const Lexicons& lexicons,
    const Perceptron* first_pass, const std::function<bool()>& stop) {
  std::vector<const std::vector<std::string>*> pointers;
  for (const auto& s : sentences) pointers.push_back(&s);
  const absl::flat_hash_set<std::string> lowercase = LowercaseWords(pointers);
  std::vector<std::vector<TokenInfo>> document;
  document.reserve(sentences.size());
  for (const auto& s : sentences) {
    if (StopRequested(stop, document.size())) return document;
    document.push_back(DescribeTokens(s, lexicons, &lowercase));
  }
  if (first_pass != nullptr) {
    absl::flat_hash_map<std::string, int> memory;
    std::vector<std::vector<int>> tags;
    for (const auto& tokens : document) {
      if (StopRequested(stop, tags.size())) return {};
      tags.push_back(Decode(*first_pass, tokens, kSearchBeam, &memory, nullptr, 1, nullptr, nullptr));
    }
    AddFirstPassEvidence(tags, &document);
  }
  return document;
}

bool ForEachDescribedSentence(const std::vector<std::vector<std::string>>& sentences,
                              const Lexicons& lexicons, const Perceptron* first_pass,
                              size_t chunk_sentences, const std::function<bool()>& stop,
                              const std::function<bool(std::vector<TokenInfo>&)>& each) {
  std::vector<const std::vector<std::string>*> pointers;
  for (const auto& s : sentences) pointers.push_back(&s);
  const absl::flat_hash_set<std::string> lowercase = LowercaseWords(pointers);
  chunk_sentences = std::max<size_t>(chunk_sentences, 1);
  std::vector<std::vector<TokenInfo>> chunk;
  size_t chunk_begin = sentences.size();  // what `chunk` holds: none yet
  // Describes sentences [begin, begin + chunk_sentences) into `chunk`.
  const auto describe = [&](size_t begin) {
    if (chunk_begin == begin) return true;
    chunk.clear();
    const size_t end = std::min(sentences.size(), begin + chunk_sentences);
    for (size_t s = begin; s < end; ++s) {
      if (StopRequested(stop, s)) return false;
      chunk.push_back(DescribeTokens(sentences[s], lexicons, &lowercase));
    }
    chunk_begin = begin;
    return true;
  };
  std::vector<std::vector<int>> first_pass_tags;
  FirstPassSummary summary;
  if (first_pass != nullptr) {
    absl::flat_hash_map<std::string, int> memory;
    for (size_t begin = 0; begin < sentences.size(); begin += chunk_sentences) {
      if (!describe(begin)) return false;
      for (const std::vector<TokenInfo>& tokens : chunk) {
        if (StopRequested(stop, first_pass_tags.size())) return false;
        first_pass_tags.push_back(
            Decode(*first_pass, tokens, kSearchBeam, &memory, nullptr, 1, nullptr, nullptr));
        summary.Add(tokens, first_pass_tags.back());
      }
    }
  }
  for (size_t begin = 0; begin < sentences.size(); begin += chunk_sentences) {
    if (!describe(begin)) return false;
    for (size_t i = 0; i < chunk.size(); ++i) {
      if (first_pass != nullptr) summary.Apply(first_pass_tags[begin + i], &chunk[i]);
      if (!each(chunk[i])) return false;
    }
  }
  return true;
}

}  // namespace newsgraph::entity::ner
