// Document iterators that evaluate a query over the index without
// materializing posting lists: each walks matching documents in ascending
// order, can skip ahead (Advance, which uses the posting lists' skip
// tables), scores the current document and bounds its own score (MaxScore),
// so conjunctions leapfrog and top-k collection can stop scoring documents
// that cannot make the page.
#ifndef NEWSGRAPH_SERVICES_SEARCH_QUERY_ITERATORS_H_
#define NEWSGRAPH_SERVICES_SEARCH_QUERY_ITERATORS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/search/search_index.h"

namespace newsgraph::search {

// BM25F over title and body with per-field length normalization.
struct Bm25fParameters {
  // Term-frequency saturation.
  double k1 = 1.2;
  // Length normalization.
  double b = 0.75;
  // Field weights.
  double title_weight = 2.5;
  double body_weight = 1.0;
};

class Bm25f {
 public:
  Bm25f(const SearchIndexReader* reader, const Bm25fParameters& parameters);
  double Idf(uint64_t document_frequency) const;
  double Score(uint64_t doc, uint32_t title_tf, uint32_t body_tf, double idf) const;
  // Upper bound of Score for any document and frequencies.
  double MaxScore(double idf) const { return idf * (parameters_.k1 + 1); }
  const SearchIndexReader& reader() const { return *reader_; }

 private:
  const SearchIndexReader* const reader_;
  const Bm25fParameters parameters_;
  const double document_count_;
  // Length normalization 1 - b + b * length / average = base_ + scale * length.
  const double base_;
  const double title_scale_;
  const double body_scale_;
};

// One additive part of a document's score, for explanations: the parts of
// a document's explanation add up to its score.
struct ScoreComponent {
  std::string description;
  double value = 0;
};

class DocIterator {
 public:
  virtual ~DocIterator() = default;
  // The current document; kNoMoreDocs at the end.
  uint64_t doc() const { return doc_; }
  virtual void Next() = 0;
  // Moves to the first document >= target; does nothing if already there.
  virtual void Advance(uint64_t target) = 0;
  // Score of the current document.
  virtual double Score() = 0;
  // Upper bound of Score() over all documents.
  virtual double MaxScore() const = 0;
  // Estimated number of documents the iterator visits.
  virtual uint64_t Cost() const = 0;
  // Appends the parts of Score() at the current document; they add up to
  // Score(). Leaves describe themselves with their label.
  virtual void Explain(std::vector<ScoreComponent>* out) {
    out->push_back({label_, Score()});
  }
  // Query word slots (Coordination) the current document covers; 0 where
  // no coordinated disjunction is involved.
  virtual uint64_t Covered() { return 0; }
  // What a leaf matches, for Explain ("word 'bank'").
  void set_label(std::string label) { label_ = std::move(label); }

 protected:
  uint64_t doc_ = kNoMoreDocs;
  std::string label_;
};

using DocIteratorPtr = std::unique_ptr<DocIterator>;

// Which field of a word term counts.
enum class FieldScope { kAll, kTitle, kBody };

DocIteratorPtr MakeEmpty();
// Every live document, score 0.
DocIteratorPtr MakeAllDocuments(const SearchIndexReader* reader);
// A word term scored by BM25F, times `boost`.
DocIteratorPtr MakeTerm(TermPostings postings, FieldScope scope, const Bm25f* bm25f, double boost);
// A keyword term (entity, source, ...): score (floor + (1 - floor) *
// salience) * `boost`; postings with salience below `min_salience` do not
// match.
DocIteratorPtr MakeKeyword(TermPostings postings, float min_salience, double boost,
                           double floor = 0);
// Consecutive words: `postings` opened with positions; `offsets[k]` is word
// k's position relative to word 0.
DocIteratorPtr MakePhrase(std::vector<TermPostings> postings, std::vector<uint32_t> offsets,
                          FieldScope scope, const Bm25f* bm25f, double boost);
// Scores a phrase in chosen documents without scanning for it (proximity
// bonuses for the best hits).
class PhraseScorer {
 public:
  virtual ~PhraseScorer() = default;
  // The phrase's score in `doc`, 0 when `doc` does not hold it. Documents
  // must come in ascending order.
  virtual double ScoreAt(uint64_t doc) = 0;
};
// Scores the phrase of `postings` at `offsets` (the first offset 0). With a
// `slop`, each later word may stand up to `slop` positions before or after
// its offset (never on the first word's position), like Lucene's phrase~slop.
std::unique_ptr<PhraseScorer> MakePhraseScorer(std::vector<TermPostings> postings,
                                               std::vector<uint32_t> offsets, FieldScope scope,
                                               const Bm25f* bm25f, double boost, uint32_t slop = 0);

// Documents matching all children; scores add up. Children must not be empty.
DocIteratorPtr MakeAnd(std::vector<DocIteratorPtr> children);
// Documents matching any child; scores add up (or the best one counts).
DocIteratorPtr MakeOr(std::vector<DocIteratorPtr> children, bool best_only = false);

// Coordination of a disjunction of query words: the summed score of a
// document is multiplied by (covered / slots)^exponent, where `covered`
// counts the query word slots its matching children cover (a word covers
// its own slot; an entity spelled by several words covers all of theirs).
// So documents matching more of the query rank higher, and none is dropped
// for missing a word.
struct Coordination {
  // covers[i]: bit mask of the slots child i covers (slots 0..63).
  std::vector<uint64_t> covers;
  // Number of slots (1..64).
  int slots = 1;
  // 0 = plain sum (no coordination); 1 = Lucene's classic coord factor.
  double exponent = 1.0;
  // factors[m] = (m / slots)^exponent; filled by MakeCoordinatedOr.
  std::vector<double> factors;
  // Entity groups: a recognized entity and the query words that spell it.
  // group[i] is child i's group (-1: none) and entity[i] says whether child
  // i is the group's entity clause (else one of its words). Within a group
  // the words' summed score w and the entity's score e count as
  // max(w, e) + entity_tie * min(w, e): 1 adds them, 0 counts the better.
  // Empty vectors: no groups.
  std::vector<int> group;
  std::vector<bool> entity;
  int groups = 0;
  double entity_tie = 1.0;
};
DocIteratorPtr MakeCoordinatedOr(std::vector<DocIteratorPtr> children, Coordination coordination);
// Documents of `required`; `optional` adds its score where it matches too.
DocIteratorPtr MakeRequiredOptional(DocIteratorPtr required, DocIteratorPtr optional);
// Documents of `required` matching none of `excluded`.
DocIteratorPtr MakeAndNot(DocIteratorPtr required, std::vector<DocIteratorPtr> excluded);
// Documents of `child` for which `keep(doc)` holds.
DocIteratorPtr MakeFilter(DocIteratorPtr child, std::function<bool(uint64_t)> keep);

// A hit of top-k collection.
struct ScoredDoc {
  uint64_t doc = 0;
  double score = 0;
  // Part of `score` added by proximity rescoring.
  double proximity = 0;
  // Query word slots the document covers (DocIterator::Covered).
  uint64_t covered = 0;
};

struct TopDocs {
  // Best first (score descending, then document number ascending).
  std::vector<ScoredDoc> hits;
  // Matching documents counted; a lower bound when `estimated`.
  uint64_t total = 0;
  bool estimated = false;
};

// Asked every few hundred matching documents while collecting: returning a
// non-OK status (deadline passed, call cancelled, work budget spent) stops
// the collection with that status. May be empty.
using StopCheck = std::function<absl::Status()>;

// The `k` best documents of `root`, at most one per story cluster when
// `cluster_of` is set (the best of each cluster counts). With
// `early_termination`, disjunctions skip documents that cannot enter the
// top k (MaxScore), and `total` becomes a lower bound. Errors: whatever
// `stop` returns.
absl::StatusOr<TopDocs> CollectTopDocs(DocIterator* root, size_t k, bool early_termination,
                                       const std::function<uint64_t(uint64_t)>& cluster_of,
                                       const StopCheck& stop = {});

// Every matching document, best first (for facets over all matches).
// Errors: whatever `stop` returns.
absl::StatusOr<std::vector<ScoredDoc>> CollectAll(DocIterator* root, const StopCheck& stop = {});

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_QUERY_ITERATORS_H_
