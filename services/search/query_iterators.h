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
#include <vector>

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

 protected:
  uint64_t doc_ = kNoMoreDocs;
};

using DocIteratorPtr = std::unique_ptr<DocIterator>;

// Which field of a word term counts.
enum class FieldScope { kAll, kTitle, kBody };

DocIteratorPtr MakeEmpty();
// Every live document, score 0.
DocIteratorPtr MakeAllDocuments(const SearchIndexReader* reader);
// A word term scored by BM25F, times `boost`.
DocIteratorPtr MakeTerm(TermPostings postings, FieldScope scope, const Bm25f* bm25f, double boost);
// A keyword term (entity, source, ...): score salience * `boost`; postings
// with salience below `min_salience` do not match.
DocIteratorPtr MakeKeyword(TermPostings postings, float min_salience, double boost);
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
std::unique_ptr<PhraseScorer> MakePhraseScorer(std::vector<TermPostings> postings,
                                               std::vector<uint32_t> offsets, FieldScope scope,
                                               const Bm25f* bm25f, double boost);

// Documents matching all children; scores add up. Children must not be empty.
DocIteratorPtr MakeAnd(std::vector<DocIteratorPtr> children);
// Documents matching any child; scores add up (or the best one counts).
DocIteratorPtr MakeOr(std::vector<DocIteratorPtr> children, bool best_only = false);
// Documents of `required` matching none of `excluded`.
DocIteratorPtr MakeAndNot(DocIteratorPtr required, std::vector<DocIteratorPtr> excluded);
// Documents of `child` for which `keep(doc)` holds.
DocIteratorPtr MakeFilter(DocIteratorPtr child, std::function<bool(uint64_t)> keep);

// A hit of top-k collection.
struct ScoredDoc {
  uint64_t doc = 0;
  double score = 0;
};

struct TopDocs {
  // Best first (score descending, then document number ascending).
  std::vector<ScoredDoc> hits;
  // Matching documents counted; a lower bound when `estimated`.
  uint64_t total = 0;
  bool estimated = false;
};

// The `k` best documents of `root`, at most one per story cluster when
// `cluster_of` is set (the best of each cluster counts). With
// `early_termination`, disjunctions skip documents that cannot enter the
// top k (MaxScore), and `total` becomes a lower bound.
TopDocs CollectTopDocs(DocIterator* root, size_t k, bool early_termination,
                       const std::function<uint64_t(uint64_t)>& cluster_of);

// Every matching document, best first (for facets over all matches).
std::vector<ScoredDoc> CollectAll(DocIterator* root);

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_QUERY_ITERATORS_H_
