#include "services/entity/ner/brown_clusters.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace newsgraph::entity::ner {
namespace {

// Contribution p * log(p / (left * right)) of one cluster pair to the
// mutual information; 0 for an unseen pair.
inline double Term(double p, double left, double right) {
  return p > 0 ? p * std::log(p / (left * right)) : 0.0;
}

struct Neighbour {
  int word;
  double p;
};

// The clustering state: `slots` = clusters + 1 cluster slots, each holding
// the joint probability of adjacent clusters, their terms of the mutual
// information, and the loss of merging every pair.
class BrownClusterer {
 public:
  BrownClusterer(int slots, int threads,
                 std::vector<std::vector<Neighbour>> right, std::vector<std::vector<Neighbour>> left,
                 std::vector<double> left_marginal, std::vector<double> right_marginal)
      : k_(slots),
        threads_(std::max(1, threads)),
        right_(std::move(right)),
        left_(std::move(left)),
        word_left_(std::move(left_marginal)),
        word_right_(std::move(right_marginal)),
        slot_of_word_(right_.size(), -1),
        joint_(static_cast<size_t>(k_) * k_, 0.0),
        term_(static_cast<size_t>(k_) * k_, 0.0),
        loss_(static_cast<size_t>(k_) * k_, 0.0),
        left_p_(k_, 0.0),
        right_p_(k_, 0.0),
        active_(k_, false),
        members_(k_) {}

  // Adds `word` as a new cluster in a free slot.
  void AddWord(int word) {
    const int s = FreeSlot();
    for (int x : ActiveSlots()) {
      J(s, x) = 0;
      J(x, s) = 0;
    }
    J(s, s) = 0;
    for (const Neighbour& n : right_[word]) {
      const int x = n.word == word ? s : slot_of_word_[n.word];
      if (x >= 0) J(s, x) += n.p;
    }
    for (const Neighbour& n : left_[word]) {
      const int x = slot_of_word_[n.word];
      if (x >= 0 && n.word != word) J(x, s) += n.p;
    }
    left_p_[s] = word_left_[word];
    right_p_[s] = word_right_[word];
    slot_of_word_[word] = s;
    members_[s] = {word};
    const std::vector<int> others = ActiveSlots();
    for (int x : others) {
      T(s, x) = Term(J(s, x), left_p_[s], right_p_[x]);
      T(x, s) = Term(J(x, s), left_p_[x], right_p_[s]);
    }
    T(s, s) = Term(J(s, s), left_p_[s], right_p_[s]);
    // Every existing pair's loss gains the terms the new cluster adds.
    ForPairs(others, [&](int i, int j) {
      const double ml = left_p_[i] + left_p_[j];
      const double mr = right_p_[i] + right_p_[j];
      return T(i, s) + T(s, i) + T(j, s) + T(s, j) - Term(J(i, s) + J(j, s), ml, right_p_[s]) -
             Term(J(s, i) + J(s, j), left_p_[s], mr);
    });
    active_[s] = true;
    for (int x : others) Loss(s, x) = ComputeLoss(s, x);
  }

  // Merges the pair whose merge loses the least mutual information; returns
  // the surviving slot and the merged-away one.
  std::pair<int, int> MergeBest() {
    const std::vector<int> slots = ActiveSlots();
    double best = std::numeric_limits<double>::infinity();
    int best_a = -1;
    int best_b = -1;
    for (size_t x = 0; x < slots.size(); ++x) {
      for (size_t y = x + 1; y < slots.size(); ++y) {
        const double l = Loss(slots[x], slots[y]);
        if (l < best) {
          best = l;
          best_a = slots[x];
          best_b = slots[y];
        }
      }
    }
    Merge(best_a, best_b);
    return {best_a, best_b};
  }

  int ActiveCount() const { return static_cast<int>(std::count(active_.begin(), active_.end(), true)); }
  const std::vector<int>& Members(int slot) const { return members_[slot]; }
  std::vector<int> ActiveSlots() const {
    std::vector<int> slots;
    for (int s = 0; s < k_; ++s) {
      if (active_[s]) slots.push_back(s);
    }
    return slots;
  }

 private:
  double& J(int a, int b) { return joint_[static_cast<size_t>(a) * k_ + b]; }
  double& T(int a, int b) { return term_[static_cast<size_t>(a) * k_ + b]; }
  double& Loss(int a, int b) {
    return a < b ? loss_[static_cast<size_t>(a) * k_ + b] : loss_[static_cast<size_t>(b) * k_ + a];
  }

  int FreeSlot() const {
    for (int s = 0; s < k_; ++s) {
      if (!active_[s]) return s;
    }
    return -1;
  }

  // Adds `delta(i, j)` to the loss of every pair of `slots`, split over threads.
  template <typename Delta>
  void ForPairs(const std::vector<int>& slots, const Delta& delta) {
    auto work = [&](int part) {
      for (size_t x = static_cast<size_t>(part); x < slots.size(); x += threads_) {
        for (size_t y = x + 1; y < slots.size(); ++y) Loss(slots[x], slots[y]) += delta(slots[x], slots[y]);
      }
    };
    if (threads_ == 1 || slots.size() < 64) {
      for (int part = 0; part < threads_; ++part) work(part);
      return;
    }
    std::vector<std::thread> pool;
    for (int part = 1; part < threads_; ++part) pool.emplace_back(work, part);
    work(0);
    for (std::thread& t : pool) t.join();
  }

  // Mutual information lost by merging active clusters i and j.
  double ComputeLoss(int i, int j) {
    const double ml = left_p_[i] + left_p_[j];
    const double mr = right_p_[i] + right_p_[j];
    double before = 0;
    double after = 0;
    for (int x = 0; x < k_; ++x) {
      if (!active_[x]) continue;
      before += T(i, x) + T(j, x);
      if (x == i || x == j) continue;
      before += T(x, i) + T(x, j);
      after += Term(J(i, x) + J(j, x), ml, right_p_[x]) + Term(J(x, i) + J(x, j), left_p_[x], mr);
    }
    after += Term(J(i, i) + J(i, j) + J(j, i) + J(j, j), ml, mr);
    return before - after;
  }

  // Merges b into a.
  void Merge(int a, int b) {
    std::vector<int> others;
    for (int x : ActiveSlots()) {
      if (x != a && x != b) others.push_back(x);
    }
    const double cl = left_p_[a] + left_p_[b];
    const double cr = right_p_[a] + right_p_[b];
    std::vector<double> row(k_, 0.0);  // p(c, x)
    std::vector<double> col(k_, 0.0);  // p(x, c)
    std::vector<double> row_term(k_, 0.0);
    std::vector<double> col_term(k_, 0.0);
    for (int x : others) {
      row[x] = J(a, x) + J(b, x);
      col[x] = J(x, a) + J(x, b);
      row_term[x] = Term(row[x], cl, right_p_[x]);
      col_term[x] = Term(col[x], left_p_[x], cr);
    }
    const double self = J(a, a) + J(a, b) + J(b, a) + J(b, b);
    // The loss of merging i and j changes only in the terms that pair them
    // with a and b, which become terms with the merged cluster c.
    ForPairs(others, [&](int i, int j) {
      const double ml = left_p_[i] + left_p_[j];
      const double mr = right_p_[i] + right_p_[j];
      double delta = -(T(i, a) + T(a, i) + T(i, b) + T(b, i) + T(j, a) + T(a, j) + T(j, b) + T(b, j));
      delta += col_term[i] + row_term[i] + col_term[j] + row_term[j];
      delta += Term(J(i, a) + J(j, a), ml, right_p_[a]) + Term(J(a, i) + J(a, j), left_p_[a], mr);
      delta += Term(J(i, b) + J(j, b), ml, right_p_[b]) + Term(J(b, i) + J(b, j), left_p_[b], mr);
      delta -= Term(col[i] + col[j], ml, cr) + Term(row[i] + row[j], cl, mr);
      return delta;
    });
    for (int x : others) {
      J(a, x) = row[x];
      J(x, a) = col[x];
      T(a, x) = row_term[x];
      T(x, a) = col_term[x];
    }
    J(a, a) = self;
    left_p_[a] = cl;
    right_p_[a] = cr;
    T(a, a) = Term(self, cl, cr);
    active_[b] = false;
    for (int w : members_[b]) slot_of_word_[w] = a;
    members_[a].insert(members_[a].end(), members_[b].begin(), members_[b].end());
    members_[b].clear();
    for (int x : others) Loss(a, x) = ComputeLoss(a, x);
  }

  const int k_;
  const int threads_;
  std::vector<std::vector<Neighbour>> right_;  // word -> words after it
  std::vector<std::vector<Neighbour>> left_;   // word -> words before it
  std::vector<double> word_left_;
  std::vector<double> word_right_;
  std::vector<int> slot_of_word_;
  std::vector<double> joint_;
  std::vector<double> term_;
  std::vector<double> loss_;
  std::vector<double> left_p_;
  std::vector<double> right_p_;
  std::vector<bool> active_;
  std::vector<std::vector<int>> members_;
};

}  // namespace

WordPaths LearnBrownClusters(const std::vector<std::vector<std::string>>& sentences,
                             const BrownOptions& options,
                             const std::function<void(size_t words, size_t total)>& progress) {
  // Vocabulary: frequent lower-cased words, most frequent first.
  absl::flat_hash_map<std::string, long> counts;
  for (const auto& sentence : sentences) {
    for (const std::string& token : sentence) {
      ++counts[options.lowercase ? absl::AsciiStrToLower(token) : token];
    }
  }
  std::vector<std::pair<std::string, long>> vocabulary;
  for (auto& [word, count] : counts) {
    if (count >= options.min_count) vocabulary.emplace_back(word, count);
  }
  std::sort(vocabulary.begin(), vocabulary.end(), [](const auto& x, const auto& y) {
    return x.second != y.second ? x.second > y.second : x.first < y.first;
  });
  if (vocabulary.size() > options.max_words) vocabulary.resize(options.max_words);
  absl::flat_hash_map<std::string, int> id;
  for (size_t i = 0; i < vocabulary.size(); ++i) id[vocabulary[i].first] = static_cast<int>(i);

  // Bigrams of adjacent vocabulary words.
  absl::flat_hash_map<uint64_t, long> bigrams;
  long total = 0;
  for (const auto& sentence : sentences) {
    int previous = -1;
    for (const std::string& token : sentence) {
      auto it = id.find(options.lowercase ? absl::AsciiStrToLower(token) : token);
      const int current = it == id.end() ? -1 : it->second;
      if (previous >= 0 && current >= 0) {
        ++bigrams[(static_cast<uint64_t>(previous) << 32) | static_cast<uint32_t>(current)];
        ++total;
      }
      previous = current;
    }
  }
  const size_t n = vocabulary.size();
  std::vector<std::vector<Neighbour>> right(n);
  std::vector<std::vector<Neighbour>> left(n);
  std::vector<double> left_marginal(n, 0.0);
  std::vector<double> right_marginal(n, 0.0);
  for (const auto& [key, count] : bigrams) {
    const int a = static_cast<int>(key >> 32);
    const int b = static_cast<int>(key & 0xFFFFFFFFu);
    const double p = static_cast<double>(count) / static_cast<double>(std::max(total, 1L));
    right[a].push_back({b, p});
    left[b].push_back({a, p});
    left_marginal[a] += p;
    right_marginal[b] += p;
  }
  // Words only ever seen beside out-of-vocabulary words get a tiny marginal
  // so that every log stays finite.
  for (size_t w = 0; w < n; ++w) {
    left_marginal[w] = std::max(left_marginal[w], 1e-12);
    right_marginal[w] = std::max(right_marginal[w], 1e-12);
  }
  WordPaths paths;
  if (n == 0) return paths;
  const int clusters = std::max(2, std::min(options.clusters, static_cast<int>(n)));
  BrownClusterer clusterer(clusters + 1, options.threads, std::move(right), std::move(left),
                           std::move(left_marginal), std::move(right_marginal));
  for (size_t w = 0; w < n; ++w) {
    clusterer.AddWord(static_cast<int>(w));
    if (clusterer.ActiveCount() > clusters) clusterer.MergeBest();
    if (progress && (w + 1) % 2000 == 0) progress(w + 1, n);
  }
  // The merge tree over the remaining clusters: node ids, children.
  std::vector<std::pair<int, int>> children;  // internal node -> (left, right)
  std::vector<int> node_of_slot(clusters + 1, -1);
  std::vector<std::vector<int>> leaf_members;
  for (int slot : clusterer.ActiveSlots()) {
    node_of_slot[slot] = static_cast<int>(leaf_members.size());
    leaf_members.push_back(clusterer.Members(slot));
  }
  const int leaves = static_cast<int>(leaf_members.size());
  while (clusterer.ActiveCount() > 1) {
    const auto [a, b] = clusterer.MergeBest();
    children.emplace_back(node_of_slot[a], node_of_slot[b]);
    node_of_slot[a] = leaves + static_cast<int>(children.size()) - 1;
  }
  // Paths from the root down: left child "0", right child "1".
  std::vector<std::string> node_path(static_cast<size_t>(leaves) + children.size());
  for (int node = static_cast<int>(node_path.size()) - 1; node >= leaves; --node) {
    const auto [l, r] = children[static_cast<size_t>(node - leaves)];
    node_path[static_cast<size_t>(l)] = node_path[static_cast<size_t>(node)] + "0";
    node_path[static_cast<size_t>(r)] = node_path[static_cast<size_t>(node)] + "1";
  }
  for (int leaf = 0; leaf < leaves; ++leaf) {
    for (int w : leaf_members[static_cast<size_t>(leaf)]) {
      paths[vocabulary[static_cast<size_t>(w)].first] = node_path[static_cast<size_t>(leaf)];
    }
  }
  return paths;
}

}  // namespace newsgraph::entity::ner
