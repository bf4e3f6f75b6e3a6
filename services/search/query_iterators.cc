#include "services/search/query_iterators.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <bit>
#include <optional>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace newsgraph::search {

Bm25f::Bm25f(const SearchIndexReader* reader, const Bm25fParameters& parameters)
    : reader_(reader),
      parameters_(parameters),
      document_count_(static_cast<double>(
          std::max(reader->stats().document_count, reader->stats().indexed_documents))),
      base_(1 - parameters.b),
      title_scale_(parameters.b / std::max(1.0, reader->stats().average_title_length)),
      body_scale_(parameters.b / std::max(1.0, reader->stats().average_body_length)) {}

double Bm25f::Idf(uint64_t document_frequency) const {
  const double df = static_cast<double>(document_frequency);
  return std::log(1.0 + std::max(0.0, document_count_ - df + 0.5) / (df + 0.5));
}

double Bm25f::Score(uint64_t doc, uint32_t title_tf, uint32_t body_tf, double idf) const {
  const SearchIndexReader::RankingNorms& lengths = reader_->Ranking(doc);
  // tf = wt * title_tf / nt + wb * body_tf / nb saturated as tf * (k1 + 1) / (tf + k1), with
  // the fractions brought over one denominator: a single division per score.
  double numerator;
  double denominator;
  if (title_tf == 0) {
    numerator = parameters_.body_weight * body_tf;
    denominator = base_ + body_scale_ * lengths.body;
  } else {
    const double title_norm = base_ + title_scale_ * lengths.title;
    if (body_tf == 0) {
      numerator = parameters_.title_weight * title_tf;
      denominator = title_norm;
    } else {
      const double body_norm = base_ + body_scale_ * lengths.body;
      numerator = parameters_.title_weight * title_tf * body_norm +
                  parameters_.body_weight * body_tf * title_norm;
      denominator = title_norm * body_norm;
    }
  }
  return idf * (parameters_.k1 + 1) * numerator / (numerator + parameters_.k1 * denominator);
}

namespace {

class EmptyIterator final : public DocIterator {
 public:
  void Next() override {}
  void Advance(uint64_t) override {}
  double Score() override { return 0; }
  double MaxScore() const override { return 0; }
  uint64_t Cost() const override { return 0; }
  void Explain(std::vector<ScoreComponent>*) override {}
};

class AllDocumentsIterator final : public DocIterator {
 public:
  explicit AllDocumentsIterator(const SearchIndexReader* reader)
      : reader_(reader), limit_(reader->DocumentLimit()) {
    doc_ = 0;
    Next();
  }
  void Next() override {
    while (++doc_ < limit_) {
      if (reader_->Live(doc_)) return;
    }
    doc_ = kNoMoreDocs;
  }
  void Advance(uint64_t target) override {
    if (doc_ >= target) return;
    doc_ = target - 1;
    Next();
  }
  double Score() override { return 0; }
  double MaxScore() const override { return 0; }
  uint64_t Cost() const override { return reader_->stats().document_count; }
  void Explain(std::vector<ScoreComponent>*) override {}

 private:
  const SearchIndexReader* const reader_;
  const uint64_t limit_;
};

class AndIterator final : public DocIterator {
 public:
  explicit AndIterator(std::vector<DocIteratorPtr> children) : children_(std::move(children)) {
    std::sort(children_.begin(), children_.end(),
              [](const DocIteratorPtr& a, const DocIteratorPtr& b) { return a->Cost() < b->Cost(); });
    Find(0);
  }
  void Next() override {
    if (doc_ == kNoMoreDocs) return;
    children_[0]->Next();
    Find(children_[0]->doc());
  }
  void Advance(uint64_t target) override {
    if (doc_ >= target) return;
    Find(target);
  }
  double Score() override {
    double score = 0;
    for (const DocIteratorPtr& c : children_) score += c->Score();
    return score;
  }
  double MaxScore() const override {
    double bound = 0;
    for (const DocIteratorPtr& c : children_) bound += c->MaxScore();
    return bound;
  }
  uint64_t Cost() const override { return children_[0]->Cost(); }
  void Explain(std::vector<ScoreComponent>* out) override {
    for (const DocIteratorPtr& c : children_) c->Explain(out);
  }
  uint64_t Covered() override {
    uint64_t covered = 0;
    for (const DocIteratorPtr& c : children_) covered |= c->Covered();
    return covered;
  }

 private:
  void Find(uint64_t target) {
    DocIterator* lead = children_[0].get();
    lead->Advance(target);
    uint64_t candidate = lead->doc();
    while (candidate != kNoMoreDocs) {
      bool aligned = true;
      for (size_t k = 1; k < children_.size(); ++k) {
        children_[k]->Advance(candidate);
        if (children_[k]->doc() != candidate) {
          lead->Advance(children_[k]->doc());
          candidate = lead->doc();
          aligned = false;
          break;
        }
      }
      if (aligned) break;
    }
    doc_ = candidate;
  }

  std::vector<DocIteratorPtr> children_;
};

// The coordination factor (covered / slots)^exponent, from the table
// MakeCoordinatedOr fills (no pow() per document).
double CoordinationFactor(uint64_t covered, const Coordination& c) {
  const int matched = std::popcount(covered);
  return matched >= c.slots ? 1.0 : c.factors[static_cast<size_t>(matched)];
}

// Adds the scores of a coordinated disjunction's matching children,
// combining each entity group's words and entity as Coordination says.
class ClauseSum {
 public:
  explicit ClauseSum(const Coordination& c)
      : coordination_(c), words_(c.groups), entities_(c.groups) {}
  void Reset() {
    plain_ = 0;
    std::fill(words_.begin(), words_.end(), 0.0);
    std::fill(entities_.begin(), entities_.end(), 0.0);
  }
  void Add(size_t child, double score) {
    const int g = coordination_.group.empty() ? -1 : coordination_.group[child];
    if (g < 0) {
      plain_ += score;
    } else {
      (coordination_.entity[child] ? entities_ : words_)[static_cast<size_t>(g)] += score;
    }
  }
  // The combined score; never above the plain sum of what was added.
  double Total() const {
    double total = plain_;
    for (size_t g = 0; g < words_.size(); ++g) {
      total += std::max(words_[g], entities_[g]) +
               coordination_.entity_tie * std::min(words_[g], entities_[g]);
    }
    return total;
  }
  // Total() minus the plain sum: what the groups' combination takes off.
  double GroupAdjustment() const {
    double adjustment = 0;
    for (size_t g = 0; g < words_.size(); ++g) {
      adjustment -= (1 - coordination_.entity_tie) * std::min(words_[g], entities_[g]);
    }
    return adjustment;
  }

 private:
  const Coordination& coordination_;
  double plain_ = 0;
  std::vector<double> words_;
  std::vector<double> entities_;
};

class OrIterator final : public DocIterator {
 public:
  OrIterator(std::vector<DocIteratorPtr> children, bool best_only,
             std::optional<Coordination> coordination = std::nullopt)
      : children_(std::move(children)),
        best_only_(best_only),
        coordination_(std::move(coordination)) {
    for (const DocIteratorPtr& c : children_) {
      cost_ += c->Cost();
      max_score_ = best_only_ ? std::max(max_score_, c->MaxScore()) : max_score_ + c->MaxScore();
    }
    Settle();
  }
  void Next() override {
    if (doc_ == kNoMoreDocs) return;
    for (const DocIteratorPtr& c : children_) {
      if (c->doc() == doc_) c->Next();
    }
    Settle();
  }
  void Advance(uint64_t target) override {
    if (doc_ >= target) return;
    for (const DocIteratorPtr& c : children_) c->Advance(target);
    Settle();
  }
  double Score() override {
    if (coordination_) return CoordinatedScore();
    double score = 0;
    for (const DocIteratorPtr& c : children_) {
      if (c->doc() != doc_) continue;
      score = best_only_ ? std::max(score, c->Score()) : score + c->Score();
    }
    return score;
  }
  double MaxScore() const override { return max_score_; }
  uint64_t Cost() const override { return cost_; }
  void Explain(std::vector<ScoreComponent>* out) override {
    if (best_only_) {
      DocIterator* best = nullptr;
      for (const DocIteratorPtr& c : children_) {
        if (c->doc() == doc_ && (best == nullptr || c->Score() > best->Score())) best = c.get();
      }
      if (best != nullptr) best->Explain(out);
      return;
    }
    static const Coordination kUncoordinated;
    ClauseSum sum(coordination_ ? *coordination_ : kUncoordinated);
    uint64_t covered = 0;
    for (size_t i = 0; i < children_.size(); ++i) {
      if (children_[i]->doc() != doc_) continue;
      sum.Add(coordination_ ? i : 0, children_[i]->Score());
      children_[i]->Explain(out);
      if (coordination_) covered |= coordination_->covers[i];
    }
    if (!coordination_) return;
    if (sum.GroupAdjustment() != 0) {
      out->push_back({"entity and the words that name it overlap", sum.GroupAdjustment()});
    }
    const double factor = CoordinationFactor(covered, *coordination_);
    if (factor == 1.0) return;
    out->push_back(
        {absl::StrCat("coordination: ", std::popcount(covered), " of ", coordination_->slots,
                      " query words matched (x", absl::SixDigits(factor), ")"),
         sum.Total() * factor - sum.Total()});
  }
  uint64_t Covered() override {
    uint64_t covered = 0;
    for (size_t i = 0; i < children_.size(); ++i) {
      if (children_[i]->doc() != doc_) continue;
      covered |= coordination_ ? coordination_->covers[i] : children_[i]->Covered();
    }
    return covered;
  }
  bool best_only() const { return best_only_; }
  std::vector<DocIteratorPtr>& children() { return children_; }
  const std::optional<Coordination>& coordination() const { return coordination_; }

 private:
  void Settle() {
    uint64_t smallest = kNoMoreDocs;
    for (const DocIteratorPtr& c : children_) smallest = std::min(smallest, c->doc());
    doc_ = smallest;
  }
  double CoordinatedScore() {
    ClauseSum sum(*coordination_);
    uint64_t covered = 0;
    for (size_t i = 0; i < children_.size(); ++i) {
      if (children_[i]->doc() != doc_) continue;
      sum.Add(i, children_[i]->Score());
      covered |= coordination_->covers[i];
    }
    return sum.Total() * CoordinationFactor(covered, *coordination_);
  }

  std::vector<DocIteratorPtr> children_;
  const bool best_only_;
  const std::optional<Coordination> coordination_;
  uint64_t cost_ = 0;
  double max_score_ = 0;
};

// Documents of a required iterator, with an optional one's score added
// where it matches the same document.
class RequiredOptionalIterator final : public DocIterator {
 public:
  RequiredOptionalIterator(DocIteratorPtr required, DocIteratorPtr optional)
      : required_(std::move(required)), optional_(std::move(optional)) {
    doc_ = required_->doc();
  }
  void Next() override {
    required_->Next();
    doc_ = required_->doc();
  }
  void Advance(uint64_t target) override {
    required_->Advance(target);
    doc_ = required_->doc();
  }
  double Score() override {
    double score = required_->Score();
    if (OptionalMatches()) score += optional_->Score();
    return score;
  }
  double MaxScore() const override { return required_->MaxScore() + optional_->MaxScore(); }
  uint64_t Cost() const override { return required_->Cost(); }
  void Explain(std::vector<ScoreComponent>* out) override {
    required_->Explain(out);
    if (OptionalMatches()) optional_->Explain(out);
  }
  uint64_t Covered() override {
    return required_->Covered() | (OptionalMatches() ? optional_->Covered() : 0);
  }

 private:
  bool OptionalMatches() {
    if (doc_ == kNoMoreDocs) return false;
    optional_->Advance(doc_);
    return optional_->doc() == doc_;
  }

  DocIteratorPtr required_;
  DocIteratorPtr optional_;
};

// Documents of a child that pass a predicate, which is asked in ascending
// document order.
class FilterIterator final : public DocIterator {
 public:
  FilterIterator(DocIteratorPtr child, std::function<bool(uint64_t)> keep)
      : child_(std::move(child)), keep_(std::move(keep)) {
    Settle();
  }
  void Next() override {
    child_->Next();
    Settle();
  }
  void Advance(uint64_t target) override {
    if (doc_ >= target) return;
    child_->Advance(target);
    Settle();
  }
  double Score() override { return child_->Score(); }
  double MaxScore() const override { return child_->MaxScore(); }
  uint64_t Cost() const override { return child_->Cost(); }
  void Explain(std::vector<ScoreComponent>* out) override { child_->Explain(out); }
  uint64_t Covered() override { return child_->Covered(); }

 private:
  void Settle() {
    while (child_->doc() != kNoMoreDocs && !keep_(child_->doc())) child_->Next();
    doc_ = child_->doc();
  }

  DocIteratorPtr child_;
  std::function<bool(uint64_t)> keep_;
};

// Ordering of hits: higher score first, then lower document number.
struct Better {
  bool operator()(const ScoredDoc& a, const ScoredDoc& b) const {
    return a.score != b.score ? a.score > b.score : a.doc < b.doc;
  }
};

// The k best hits seen, at most one per cluster when clusters are used.
class TopCollector {
 public:
  TopCollector(size_t k, const std::function<uint64_t(uint64_t)>& cluster_of)
      : k_(std::max<size_t>(1, k)), cluster_of_(cluster_of) {}

  // Scores at or below this cannot enter.
  double Threshold() const {
    return hits_.size() < k_ ? -std::numeric_limits<double>::infinity() : hits_.rbegin()->score;
  }

  void Offer(uint64_t doc, double score, uint64_t covered) {
    const ScoredDoc hit{.doc = doc, .score = score, .covered = covered};
    if (cluster_of_) {
      const uint64_t cluster = cluster_of_(doc);
      auto found = by_cluster_.find(cluster);
      if (found != by_cluster_.end()) {
        if (Better()(hit, *found->second)) {
          hits_.erase(found->second);
          found->second = hits_.insert(hit).first;
        }
        return;
      }
      if (!Admit(hit)) return;
      by_cluster_[cluster] = hits_.insert(hit).first;
      return;
    }
    if (Admit(hit)) hits_.insert(hit);
  }

  std::vector<ScoredDoc> Take() { return std::vector<ScoredDoc>(hits_.begin(), hits_.end()); }

 private:
  // Makes room for `hit` if it belongs in the top k.
  bool Admit(const ScoredDoc& hit) {
    if (hits_.size() < k_) return true;
    auto worst = std::prev(hits_.end());
    if (!Better()(hit, *worst)) return false;
    if (cluster_of_) by_cluster_.erase(cluster_of_(worst->doc));
    hits_.erase(worst);
    return true;
  }

  const size_t k_;
  const std::function<uint64_t(uint64_t)>& cluster_of_;
  std::set<ScoredDoc, Better> hits_;
  absl::flat_hash_map<uint64_t, std::set<ScoredDoc, Better>::iterator> by_cluster_;
};

// How many matching documents pass between two calls of a StopCheck.
constexpr uint64_t kStopCheckInterval = 256;

// MaxScore (Turtle and Flood) over a sum of clauses: clauses whose summed
// bounds cannot lift a document above the current threshold stop leading
// the iteration and are only probed for candidates found by the others.
// With coordination the sum is scaled by a factor <= 1, so the summed
// bounds stay upper bounds.
absl::Status CollectMaxScore(OrIterator* disjunction, TopCollector* collector, TopDocs* top,
                             const StopCheck& stop) {
  std::vector<DocIteratorPtr>& children = disjunction->children();
  const std::optional<Coordination>& coordination = disjunction->coordination();
  const size_t n = children.size();
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return children[a]->MaxScore() < children[b]->MaxScore();
  });
  std::vector<DocIterator*> clauses(n);
  std::vector<uint64_t> covers(n, 0);
  std::vector<double> bound(n);  // bound[i]: summed MaxScore of clauses 0..i
  // The exact score of a candidate; the running plain sum (at least as
  // large) decides the pruning, so the bounds stay upper bounds.
  const Coordination no_groups;
  ClauseSum exact(coordination ? *coordination : no_groups);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    clauses[i] = children[order[i]].get();
    if (coordination) covers[i] = coordination->covers[order[i]];
    bound[i] = sum += clauses[i]->MaxScore();
  }
  while (true) {
    if (stop && top->total % kStopCheckInterval == 0) NG_RETURN_IF_ERROR(stop());
    const double threshold = collector->Threshold();
    size_t essential = 0;
    while (essential < n && bound[essential] <= threshold) ++essential;
    if (essential == n) {
      top->estimated = true;
      break;
    }
    if (essential > 0) top->estimated = true;
    uint64_t doc = kNoMoreDocs;
    for (size_t i = essential; i < n; ++i) doc = std::min(doc, clauses[i]->doc());
    if (doc == kNoMoreDocs) break;
    double score = 0;
    uint64_t covered = 0;
    exact.Reset();
    auto add = [&](size_t i) {
      const double s = clauses[i]->Score();
      score += s;
      exact.Add(coordination ? order[i] : 0, s);
      covered |= covers[i];
    };
    for (size_t i = essential; i < n; ++i) {
      if (clauses[i]->doc() == doc) add(i);
    }
    for (size_t i = essential; i-- > 0;) {
      if (score + bound[i] <= threshold) break;
      clauses[i]->Advance(doc);
      if (clauses[i]->doc() == doc) add(i);
    }
    score = exact.Total();
    if (coordination) score *= CoordinationFactor(covered, *coordination);
    ++top->total;
    if (score > threshold) collector->Offer(doc, score, covered);
    for (size_t i = essential; i < n; ++i) {
      if (clauses[i]->doc() == doc) clauses[i]->Next();
    }
  }
  return absl::OkStatus();
}

}  // namespace

DocIteratorPtr MakeEmpty() { return std::make_unique<EmptyIterator>(); }
DocIteratorPtr MakeAllDocuments(const SearchIndexReader* reader) {
  return std::make_unique<AllDocumentsIterator>(reader);
}
DocIteratorPtr MakeAnd(std::vector<DocIteratorPtr> children) {
  if (children.size() == 1) return std::move(children[0]);
  return std::make_unique<AndIterator>(std::move(children));
}
DocIteratorPtr MakeOr(std::vector<DocIteratorPtr> children, bool best_only) {
  std::erase_if(children, [](const DocIteratorPtr& c) { return c->doc() == kNoMoreDocs; });
  if (children.empty()) return MakeEmpty();
  if (children.size() == 1) return std::move(children[0]);
  return std::make_unique<OrIterator>(std::move(children), best_only);
}
DocIteratorPtr MakeCoordinatedOr(std::vector<DocIteratorPtr> children, Coordination coordination) {
  // Children that match nothing are dropped with their covers; their
  // slots still count.
  std::vector<DocIteratorPtr> kept;
  std::vector<uint64_t> covers;
  std::vector<int> group;
  std::vector<bool> entity;
  const bool grouped = !coordination.group.empty();
  for (size_t i = 0; i < children.size(); ++i) {
    if (children[i]->doc() == kNoMoreDocs) continue;
    kept.push_back(std::move(children[i]));
    covers.push_back(coordination.covers[i]);
    if (grouped) {
      group.push_back(coordination.group[i]);
      entity.push_back(coordination.entity[i]);
    }
  }
  if (kept.empty()) return MakeEmpty();
  coordination.covers = std::move(covers);
  coordination.group = std::move(group);
  coordination.entity = std::move(entity);
  if (!grouped) coordination.groups = 0;
  coordination.factors.resize(static_cast<size_t>(coordination.slots) + 1);
  for (int m = 0; m <= coordination.slots; ++m) {
    coordination.factors[static_cast<size_t>(m)] =
        coordination.exponent == 0
            ? 1.0
            : std::pow(static_cast<double>(m) / coordination.slots, coordination.exponent);
  }
  return std::make_unique<OrIterator>(std::move(kept), /*best_only=*/false,
                                      std::move(coordination));
}
DocIteratorPtr MakeRequiredOptional(DocIteratorPtr required, DocIteratorPtr optional) {
  if (optional->doc() == kNoMoreDocs) return required;
  return std::make_unique<RequiredOptionalIterator>(std::move(required), std::move(optional));
}
DocIteratorPtr MakeAndNot(DocIteratorPtr required, std::vector<DocIteratorPtr> excluded) {
  if (excluded.empty()) return required;
  auto shared = std::make_shared<std::vector<DocIteratorPtr>>(std::move(excluded));
  return MakeFilter(std::move(required), [shared](uint64_t doc) {
    for (const DocIteratorPtr& e : *shared) {
      e->Advance(doc);
      if (e->doc() == doc) return false;
    }
    return true;
  });
}
DocIteratorPtr MakeFilter(DocIteratorPtr child, std::function<bool(uint64_t)> keep) {
  return std::make_unique<FilterIterator>(std::move(child), std::move(keep));
}

absl::StatusOr<TopDocs> CollectTopDocs(DocIterator* root, size_t k, bool early_termination,
                                       const std::function<uint64_t(uint64_t)>& cluster_of,
                                       const StopCheck& stop) {
  TopDocs top;
  TopCollector collector(k, cluster_of);
  auto* disjunction = dynamic_cast<OrIterator*>(root);
  if (early_termination && disjunction != nullptr && !disjunction->best_only()) {
    NG_RETURN_IF_ERROR(CollectMaxScore(disjunction, &collector, &top, stop));
  } else {
    for (; root->doc() != kNoMoreDocs; root->Next()) {
      if (stop && top.total % kStopCheckInterval == 0) NG_RETURN_IF_ERROR(stop());
      ++top.total;
      const double threshold = collector.Threshold();
      const double score = root->Score();
      if (score >= threshold) collector.Offer(root->doc(), score, root->Covered());
    }
  }
  top.hits = collector.Take();
  return top;
}

absl::StatusOr<std::vector<ScoredDoc>> CollectAll(DocIterator* root, const StopCheck& stop) {
  std::vector<ScoredDoc> all;
  for (; root->doc() != kNoMoreDocs; root->Next()) {
    if (stop && all.size() % kStopCheckInterval == 0) NG_RETURN_IF_ERROR(stop());
    all.push_back({.doc = root->doc(), .score = root->Score(), .covered = root->Covered()});
  }
  std::sort(all.begin(), all.end(), Better());
  return all;
}

}  // namespace newsgraph::search
