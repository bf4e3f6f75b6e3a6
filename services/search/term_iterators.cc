// The leaf iterators of a query: a word term scored by BM25F, a keyword
// term (entity, source, ...) scored by salience, and a phrase (also the
// proximity scorer run over the best candidates).
#include <algorithm>
#include <limits>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/search/query_iterators.h"

namespace newsgraph::search {
namespace {

// Walks one term's postings, skipping those the subclass rejects.
class PostingsIterator : public DocIterator {
 public:
  void Next() override {
    postings_.Next();
    Settle();
  }
  void Advance(uint64_t target) override {
    if (doc_ >= target) return;
    postings_.Advance(target);
    Settle();
  }
  uint64_t Cost() const override { return postings_.document_frequency(); }

 protected:
  explicit PostingsIterator(TermPostings postings) : postings_(std::move(postings)) {}
  // Whether the current posting does not match; subclasses call Settle()
  // at the end of their constructor.
  virtual bool Rejects() = 0;
  void Settle() {
    while (postings_.doc() != kNoMoreDocs && Rejects()) postings_.Next();
    doc_ = postings_.doc();
  }

  TermPostings postings_;
};

class TermIterator final : public PostingsIterator {
 public:
  TermIterator(TermPostings postings, FieldScope scope, const Bm25f* bm25f, double boost)
      : PostingsIterator(std::move(postings)),
        scope_(scope),
        bm25f_(bm25f),
        idf_(bm25f->Idf(postings_.document_frequency())),
        boost_(boost) {
    Settle();
  }
  double Score() override {
    return bm25f_->Score(doc_, TitleTf(), BodyTf(), idf_) * boost_;
  }
  double MaxScore() const override { return bm25f_->MaxScore(idf_) * boost_; }

 private:
  uint32_t TitleTf() { return scope_ == FieldScope::kBody ? 0 : postings_.title_tf(); }
  uint32_t BodyTf() { return scope_ == FieldScope::kTitle ? 0 : postings_.body_tf(); }
  // Every posting of a word has a title or a body occurrence: only a field
  // scope needs the frequencies to decide.
  bool Rejects() override { return scope_ != FieldScope::kAll && TitleTf() + BodyTf() == 0; }

  const FieldScope scope_;
  const Bm25f* const bm25f_;
  const double idf_;
  const double boost_;
};

class KeywordIterator final : public PostingsIterator {
 public:
  KeywordIterator(TermPostings postings, float min_salience, double boost, double floor)
      : PostingsIterator(std::move(postings)),
        min_salience_(min_salience),
        boost_(boost),
        floor_(floor) {
    Settle();
  }
  double Score() override { return (floor_ + (1 - floor_) * postings_.salience()) * boost_; }
  double MaxScore() const override { return boost_; }

 private:
  bool Rejects() override { return min_salience_ > 0 && postings_.salience() < min_salience_; }

  const float min_salience_;
  const double boost_;
  const double floor_;
};

class PhraseIterator final : public DocIterator, public PhraseScorer {
 public:
  // `scan`: position on the first document holding the phrase (as an
  // iterator); otherwise only ScoreAt is used. `slop`: see MakePhraseScorer.
  PhraseIterator(std::vector<TermPostings> postings, std::vector<uint32_t> offsets,
                 FieldScope scope, const Bm25f* bm25f, double boost, bool scan = true,
                 uint32_t slop = 0)
      : postings_(std::move(postings)),
        offsets_(std::move(offsets)),
        scope_(scope),
        bm25f_(bm25f),
        boost_(boost),
        slop_(slop),
        positions_(postings_.size()) {
    for (const TermPostings& p : postings_) {
      idfs_.push_back(bm25f->Idf(p.document_frequency()));
      cost_ = std::min(cost_, p.document_frequency());
    }
    if (scan) Find(0);
  }
  double ScoreAt(uint64_t doc) override {
    for (TermPostings& p : postings_) {
      p.Advance(doc);
      if (p.doc() != doc) return 0;
    }
    if (!CountMatches()) return 0;
    doc_ = doc;
    return Score();
  }
  void Next() override {
    if (doc_ == kNoMoreDocs) return;
    Find(doc_ + 1);
  }
  void Advance(uint64_t target) override {
    if (doc_ >= target) return;
    Find(target);
  }
  double Score() override {
    double score = 0;
    for (double idf : idfs_) score += bm25f_->Score(doc_, title_matches_, body_matches_, idf);
    return score * boost_;
  }
  double MaxScore() const override {
    double bound = 0;
    for (double idf : idfs_) bound += bm25f_->MaxScore(idf);
    return bound * boost_;
  }
  uint64_t Cost() const override { return cost_; }

 private:
  // Moves to the first document >= target holding the phrase.
  void Find(uint64_t target) {
    uint64_t candidate = target;
    while (true) {
      // Leapfrog until every word sits on the same document.
      bool aligned = false;
      while (!aligned) {
        aligned = true;
        for (TermPostings& p : postings_) {
          p.Advance(candidate);
          if (p.doc() == kNoMoreDocs) {
            doc_ = kNoMoreDocs;
            return;
          }
          if (p.doc() > candidate) {
            candidate = p.doc();
            aligned = false;
          }
        }
      }
      if (CountMatches()) {
        doc_ = candidate;
        return;
      }
      ++candidate;
    }
  }

  // Counts the phrase's occurrences in the aligned document by field.
  bool CountMatches() {
    for (size_t k = 0; k < postings_.size(); ++k) {
      if (!postings_[k].Positions(&positions_[k])) return false;
    }
    title_matches_ = 0;
    body_matches_ = 0;
    for (uint32_t start : positions_[0]) {
      bool ok = true;
      for (size_t k = 1; k < postings_.size() && ok; ++k) ok = HoldsNear(k, start);
      if (!ok) continue;
      // A phrase starting in the title must end there too.
      const bool in_title = start < kBodyOffset;
      if (in_title && start + offsets_.back() >= kBodyOffset) continue;
      (in_title ? title_matches_ : body_matches_)++;
    }
    if (scope_ == FieldScope::kTitle) body_matches_ = 0;
    if (scope_ == FieldScope::kBody) title_matches_ = 0;
    return title_matches_ + body_matches_ > 0;
  }

  // Whether word k stands at start + offsets_[k], or within slop_ of it on
  // either side but never on `start` itself.
  bool HoldsNear(size_t k, uint32_t start) const {
    const std::vector<uint32_t>& at = positions_[k];
    const uint64_t want = uint64_t{start} + offsets_[k];
    if (slop_ == 0) return std::binary_search(at.begin(), at.end(), want);
    const uint64_t low = want > slop_ ? want - slop_ : 0;
    const bool in_title = start < kBodyOffset;
    for (auto it = std::lower_bound(at.begin(), at.end(), low); it != at.end(); ++it) {
      if (*it > want + slop_) return false;
      if (*it != start && (*it < kBodyOffset) == in_title) return true;
    }
    return false;
  }

  std::vector<TermPostings> postings_;
  const std::vector<uint32_t> offsets_;
  const FieldScope scope_;
  const Bm25f* const bm25f_;
  const double boost_;
  const uint32_t slop_;
  std::vector<double> idfs_;
  std::vector<std::vector<uint32_t>> positions_;
  uint32_t title_matches_ = 0;
  uint32_t body_matches_ = 0;
  uint64_t cost_ = std::numeric_limits<uint64_t>::max();
};

}  // namespace

DocIteratorPtr MakeTerm(TermPostings postings, FieldScope scope, const Bm25f* bm25f,
                        double boost) {
  return std::make_unique<TermIterator>(std::move(postings), scope, bm25f, boost);
}
DocIteratorPtr MakeKeyword(TermPostings postings, float min_salience, double boost,
                           double floor) {
  return std::make_unique<KeywordIterator>(std::move(postings), min_salience, boost, floor);
}
DocIteratorPtr MakePhrase(std::vector<TermPostings> postings, std::vector<uint32_t> offsets,
                          FieldScope scope, const Bm25f* bm25f, double boost) {
  return std::make_unique<PhraseIterator>(std::move(postings), std::move(offsets), scope, bm25f,
                                          boost);
}
std::unique_ptr<PhraseScorer> MakePhraseScorer(std::vector<TermPostings> postings,
                                               std::vector<uint32_t> offsets, FieldScope scope,
                                               const Bm25f* bm25f, double boost, uint32_t slop) {
  return std::make_unique<PhraseIterator>(std::move(postings), std::move(offsets), scope, bm25f,
                                          boost, /*scan=*/false, slop);
}

}  // namespace newsgraph::search
