// The leaf iterators of term_iterators.cc (MakeTerm, MakeKeyword, MakePhrase,
// MakePhraseScorer) beyond query_iterators_test: the keyword salience floor
// and minimum at their boundaries, phrases at the title/body boundary and
// counted per field, Cost, and Advance/Next semantics. Every case runs on
// the in-memory segment and again on written segments.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "services/search/analyzer.h"
#include "services/search/document_terms.h"
#include "services/search/query_iterators.h"
#include "services/search/search_index.h"
#include "tests/testing/search_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::search {
namespace {

using ::testing::ElementsAre;

// Where the documents' postings live when the iterators read them.
enum class Where { kMemory, kOneSegment, kSegments };

std::string WhereName(const ::testing::TestParamInfo<Where>& info) {
  switch (info.param) {
    case Where::kMemory:
      return "Memory";
    case Where::kOneSegment:
      return "OneSegment";
    case Where::kSegments:
      return "Segments";
  }
  return "Unknown";
}

class TermIteratorsTest : public ::testing::TestWithParam<Where> {
 protected:
  void SetUp() override {
    auto store = ::newsgraph::testing::OpenSearchStore(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    SearchIndexOptions options;
    options.flush_documents = 1u << 30;
    auto index = SearchIndex::Open(store_.get(), options);
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = *std::move(index);
    AddDocuments();
    if (HasFailure()) return;
    if (GetParam() == Where::kOneSegment) {
      NG_ASSERT_OK(index_->Flush());
    }
    reader_ = std::make_unique<SearchIndexReader>(index_.get());
    bm25f_ = std::make_unique<Bm25f>(reader_.get(), Bm25fParameters{});
  }
  void TearDown() override {
    bm25f_.reset();
    reader_.reset();
  }

  // Entity "Ines Duarte" with saliences 0.75, 0.5, 0.25, none and 0;
  // phrases "grain prices" in the title, body, both, across the boundary.
  void AddDocuments() {
    Add("k1", "Port deal", "Officials signed.", 0.75f);
    Add("k2", "Port talks", "Officials met.", 0.5f);
    Add("k3", "Port visit", "Officials toured.", 0.25f);
    Add("k4", "Port quiet", "Officials rested.");
    Add("k5", "Port note", "Officials wrote.", 0.0f);
    Add("p1", "Grain prices climb",
        "Traders watched grain prices all day. Grain prices then eased.");
    Add("p2", "Harvest news", "Grain prices steady.");
    Add("p3", "Market grain", "Prices fell.");
    Add("p4", "Grain prices", "Quiet trading.");
    Add("p5", "Prices", "Grain exports grew.");
    Add("p6", "Record grain prices", "Rise again.");
    Add("p7", "Weather", "Grain grain everywhere; grain.");
    Add("p8", "Grain", "A single mention.");
  }

  void Add(const std::string& name, const std::string& title, const std::string& body,
           std::optional<float> salience = std::nullopt) {
    newsgraph::v1::IndexDocumentRequest request;
    auto* doc = request.mutable_document();
    doc->set_name(name);
    doc->set_version(1);
    doc->set_title(title);
    doc->set_text(body);
    doc->set_language("en");
    if (salience.has_value()) {
      auto* e = request.add_entities();
      e->set_entity("Ines Duarte");
      e->set_type(newsgraph::v1::PERSON);
      e->set_mention_count(1);
      e->set_salience(*salience);
    }
    auto applied = index_->IndexDocument(request);
    ASSERT_TRUE(applied.ok()) << applied.status();
    if (GetParam() == Where::kSegments) {
      NG_ASSERT_OK(index_->Flush());
    }
  }

  TermPostings Postings(const std::string& term, bool positions) const {
    auto postings = reader_->Postings(term, positions);
    EXPECT_TRUE(postings.ok()) << postings.status();
    return postings.ok() ? *std::move(postings) : TermPostings();
  }
  TermPostings Word(const std::string& word, bool positions = false) const {
    return Postings(AnalyzeWord(word, "en"), positions);
  }
  TermPostings Entity() const { return Postings(EntityTerm("Ines Duarte"), false); }

  std::vector<TermPostings> Words(const std::vector<std::string>& words) const {
    std::vector<TermPostings> out;
    for (const std::string& w : words) out.push_back(Word(w, /*positions=*/true));
    return out;
  }
  DocIteratorPtr Phrase(const std::vector<std::string>& words, FieldScope scope,
                        double boost = 1.0) const {
    std::vector<uint32_t> offsets;
    for (uint32_t i = 0; i < words.size(); ++i) offsets.push_back(i);
    return MakePhrase(Words(words), offsets, scope, bm25f_.get(), boost);
  }

  std::string NameOf(uint64_t doc) const {
    auto stored = reader_->StoredDocument(doc);
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? stored->document().name() : "";
  }
  uint64_t NumberOf(const std::string& name) const {
    for (DocIteratorPtr all = MakeAllDocuments(reader_.get()); all->doc() != kNoMoreDocs;
         all->Next()) {
      if (NameOf(all->doc()) == name) return all->doc();
    }
    ADD_FAILURE() << "no document " << name;
    return kNoMoreDocs;
  }
  std::vector<std::string> Names(DocIterator* it) const {
    std::vector<std::string> names;
    for (; it->doc() != kNoMoreDocs; it->Next()) names.push_back(NameOf(it->doc()));
    return names;
  }
  // The expected phrase score: every word's idf over the phrase's counts.
  double PhraseScore(const std::vector<std::string>& words, uint64_t doc, uint32_t title,
                     uint32_t body, double boost = 1.0) const {
    double score = 0;
    for (const std::string& w : words) {
      score += bm25f_->Score(doc, title, body, bm25f_->Idf(Word(w).document_frequency()));
    }
    return score * boost;
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<SearchIndex> index_;
  std::unique_ptr<SearchIndexReader> reader_;
  std::unique_ptr<Bm25f> bm25f_;
};

// ---------------------------------------------------------------------------
// Keyword iterator

TEST_P(TermIteratorsTest, KeywordWithoutMinimumMatchesEveryPostingEvenSalienceZero) {
  DocIteratorPtr it = MakeKeyword(Entity(), 0.0f, 1.0);
  EXPECT_THAT(Names(it.get()), ElementsAre("k1", "k2", "k3", "k5"));
}

TEST_P(TermIteratorsTest, KeywordMinimumSalienceIsInclusive) {
  DocIteratorPtr half = MakeKeyword(Entity(), 0.5f, 1.0);
  EXPECT_THAT(Names(half.get()), ElementsAre("k1", "k2"));
  DocIteratorPtr quarter = MakeKeyword(Entity(), 0.25f, 1.0);
  EXPECT_THAT(Names(quarter.get()), ElementsAre("k1", "k2", "k3"));
  DocIteratorPtr just_above = MakeKeyword(Entity(), 0.7501f, 1.0);
  EXPECT_EQ(just_above->doc(), kNoMoreDocs);
  DocIteratorPtr all_of_it = MakeKeyword(Entity(), 1.0f, 1.0);
  EXPECT_EQ(all_of_it->doc(), kNoMoreDocs);
}

TEST_P(TermIteratorsTest, KeywordScoreInterpolatesFromTheFloorToTheBoost) {
  struct Case {
    double floor;
    double boost;
  };
  for (const Case c : {Case{0.0, 1.0}, Case{0.0, 3.0}, Case{0.4, 2.0}, Case{1.0, 5.0}}) {
    DocIteratorPtr it = MakeKeyword(Entity(), 0.0f, c.boost, c.floor);
    EXPECT_DOUBLE_EQ(it->MaxScore(), c.boost);
    std::vector<double> scores;
    for (; it->doc() != kNoMoreDocs; it->Next()) {
      scores.push_back(it->Score());
      EXPECT_LE(it->Score(), it->MaxScore() + 1e-12);
    }
    ASSERT_EQ(scores.size(), 4u);
    const double saliences[] = {0.75, 0.5, 0.25, 0.0};
    for (size_t i = 0; i < 4; ++i) {
      EXPECT_NEAR(scores[i], (c.floor + (1 - c.floor) * saliences[i]) * c.boost, 1e-6)
          << "floor " << c.floor << " boost " << c.boost << " document " << i;
    }
  }
}

TEST_P(TermIteratorsTest, KeywordFloorIsTheScoreOfSalienceZero) {
  DocIteratorPtr it = MakeKeyword(Entity(), 0.0f, 2.0, 0.3);
  it->Advance(NumberOf("k5"));
  ASSERT_EQ(NameOf(it->doc()), "k5");
  EXPECT_NEAR(it->Score(), 0.6, 1e-9);
}

TEST_P(TermIteratorsTest, KeywordAdvanceSkipsPostingsBelowTheMinimum) {
  DocIteratorPtr it = MakeKeyword(Entity(), 0.3f, 1.0);
  ASSERT_EQ(NameOf(it->doc()), "k1");
  it->Advance(NumberOf("k2"));
  EXPECT_EQ(NameOf(it->doc()), "k2");
  it->Advance(NumberOf("k1"));  // behind: stays
  EXPECT_EQ(NameOf(it->doc()), "k2");
  it->Advance(NumberOf("k3"));  // k3 (0.25) and k4 (none) and k5 (0) do not match
  EXPECT_EQ(it->doc(), kNoMoreDocs);
  it->Next();
  EXPECT_EQ(it->doc(), kNoMoreDocs);
}

TEST_P(TermIteratorsTest, KeywordCostCountsEveryPostingNotOnlyMatchingOnes) {
  EXPECT_EQ(MakeKeyword(Entity(), 0.0f, 1.0)->Cost(), 4u);
  EXPECT_EQ(MakeKeyword(Entity(), 0.9f, 1.0)->Cost(), 4u);
  EXPECT_EQ(MakeKeyword(Postings(EntityTerm("Nobody"), false), 0.0f, 1.0)->Cost(), 0u);
}

// ---------------------------------------------------------------------------
// Term iterator

TEST_P(TermIteratorsTest, TermAdvanceMovesOnlyForwardToTheFirstMatchAtOrAfterTarget) {
  DocIteratorPtr it = MakeTerm(Word("prices"), FieldScope::kAll, bm25f_.get(), 1);
  ASSERT_EQ(NameOf(it->doc()), "p1");
  it->Advance(NumberOf("p1"));  // already there
  EXPECT_EQ(NameOf(it->doc()), "p1");
  it->Advance(NumberOf("p6"));
  EXPECT_EQ(NameOf(it->doc()), "p6");
  it->Advance(NumberOf("p2"));  // behind
  EXPECT_EQ(NameOf(it->doc()), "p6");
  it->Advance(NumberOf("p7"));  // p7 and p8 have no "prices"
  EXPECT_EQ(it->doc(), kNoMoreDocs);
  it->Advance(0);
  EXPECT_EQ(it->doc(), kNoMoreDocs);
}

TEST_P(TermIteratorsTest, TermAdvanceInAFieldScopeSkipsDocumentsWithTheWordElsewhere) {
  DocIteratorPtr title = MakeTerm(Word("prices"), FieldScope::kTitle, bm25f_.get(), 1);
  EXPECT_THAT(Names(title.get()), ElementsAre("p1", "p4", "p5", "p6"));
  DocIteratorPtr it = MakeTerm(Word("prices"), FieldScope::kTitle, bm25f_.get(), 1);
  it->Advance(NumberOf("p2"));  // p2 and p3 have it in the body only
  EXPECT_EQ(NameOf(it->doc()), "p4");
  DocIteratorPtr body = MakeTerm(Word("prices"), FieldScope::kBody, bm25f_.get(), 1);
  EXPECT_THAT(Names(body.get()), ElementsAre("p1", "p2", "p3"));
}

TEST_P(TermIteratorsTest, TermScoreInAFieldScopeIgnoresTheOtherField) {
  const double idf = bm25f_->Idf(Word("prices").document_frequency());
  const uint64_t p1 = NumberOf("p1");  // "prices" once in the title, twice in the body
  DocIteratorPtr all = MakeTerm(Word("prices"), FieldScope::kAll, bm25f_.get(), 2);
  DocIteratorPtr title = MakeTerm(Word("prices"), FieldScope::kTitle, bm25f_.get(), 2);
  DocIteratorPtr body = MakeTerm(Word("prices"), FieldScope::kBody, bm25f_.get(), 2);
  ASSERT_EQ(all->doc(), p1);
  ASSERT_EQ(title->doc(), p1);
  ASSERT_EQ(body->doc(), p1);
  EXPECT_DOUBLE_EQ(all->Score(), 2 * bm25f_->Score(p1, 1, 2, idf));
  EXPECT_DOUBLE_EQ(title->Score(), 2 * bm25f_->Score(p1, 1, 0, idf));
  EXPECT_DOUBLE_EQ(body->Score(), 2 * bm25f_->Score(p1, 0, 2, idf));
  EXPECT_GT(all->Score(), title->Score());
  EXPECT_GT(all->Score(), body->Score());
  EXPECT_DOUBLE_EQ(title->MaxScore(), all->MaxScore());
}

TEST_P(TermIteratorsTest, TermCostIsTheDocumentFrequencyWhateverTheScope) {
  EXPECT_EQ(MakeTerm(Word("prices"), FieldScope::kAll, bm25f_.get(), 1)->Cost(), 6u);
  EXPECT_EQ(MakeTerm(Word("prices"), FieldScope::kTitle, bm25f_.get(), 1)->Cost(), 6u);
  EXPECT_EQ(MakeTerm(Word("zzyzx"), FieldScope::kAll, bm25f_.get(), 1)->Cost(), 0u);
}

// ---------------------------------------------------------------------------
// Phrase iterator

TEST_P(TermIteratorsTest, PhraseNeverSpansTheTitleBodyBoundary) {
  // p3: "Market grain" / "Prices fell."; p6: "Record grain prices" / "Rise again.".
  DocIteratorPtr two = Phrase({"grain", "prices"}, FieldScope::kAll);
  EXPECT_THAT(Names(two.get()), ElementsAre("p1", "p2", "p4", "p6"));
  DocIteratorPtr three = Phrase({"grain", "prices", "rise"}, FieldScope::kAll);
  EXPECT_EQ(three->doc(), kNoMoreDocs);
  DocIteratorPtr reversed = Phrase({"prices", "grain"}, FieldScope::kAll);
  EXPECT_EQ(reversed->doc(), kNoMoreDocs);  // p5: "Prices" / "Grain exports" too
}

TEST_P(TermIteratorsTest, PhraseScopeKeepsOnlyOccurrencesInThatField) {
  DocIteratorPtr title = Phrase({"grain", "prices"}, FieldScope::kTitle);
  EXPECT_THAT(Names(title.get()), ElementsAre("p1", "p4", "p6"));
  DocIteratorPtr body = Phrase({"grain", "prices"}, FieldScope::kBody);
  EXPECT_THAT(Names(body.get()), ElementsAre("p1", "p2"));
}

TEST_P(TermIteratorsTest, PhraseScoreCountsOccurrencesPerField) {
  const std::vector<std::string> words = {"grain", "prices"};
  const uint64_t p1 = NumberOf("p1");  // once in the title, twice in the body
  DocIteratorPtr all = Phrase(words, FieldScope::kAll, 1.5);
  ASSERT_EQ(all->doc(), p1);
  EXPECT_NEAR(all->Score(), PhraseScore(words, p1, 1, 2, 1.5), 1e-12);
  DocIteratorPtr title = Phrase(words, FieldScope::kTitle, 1.5);
  ASSERT_EQ(title->doc(), p1);
  EXPECT_NEAR(title->Score(), PhraseScore(words, p1, 1, 0, 1.5), 1e-12);
  DocIteratorPtr body = Phrase(words, FieldScope::kBody, 1.5);
  ASSERT_EQ(body->doc(), p1);
  EXPECT_NEAR(body->Score(), PhraseScore(words, p1, 0, 2, 1.5), 1e-12);

  all->Next();
  ASSERT_EQ(NameOf(all->doc()), "p2");
  EXPECT_NEAR(all->Score(), PhraseScore(words, all->doc(), 0, 1, 1.5), 1e-12);
  all->Next();
  ASSERT_EQ(NameOf(all->doc()), "p4");
  EXPECT_NEAR(all->Score(), PhraseScore(words, all->doc(), 1, 0, 1.5), 1e-12);
}

TEST_P(TermIteratorsTest, PhraseMaxScoreSumsItsWordsBoundsAndBoundsEveryScore) {
  const std::vector<std::string> words = {"grain", "prices"};
  DocIteratorPtr it = Phrase(words, FieldScope::kAll, 2.0);
  double bound = 0;
  for (const std::string& w : words) {
    bound += bm25f_->MaxScore(bm25f_->Idf(Word(w).document_frequency()));
  }
  EXPECT_DOUBLE_EQ(it->MaxScore(), 2.0 * bound);
  for (; it->doc() != kNoMoreDocs; it->Next()) EXPECT_LE(it->Score(), it->MaxScore());
}

TEST_P(TermIteratorsTest, PhraseAdvanceMovesToTheNextDocumentHoldingThePhrase) {
  DocIteratorPtr it = Phrase({"grain", "prices"}, FieldScope::kAll);
  ASSERT_EQ(NameOf(it->doc()), "p1");
  it->Advance(NumberOf("p1"));
  EXPECT_EQ(NameOf(it->doc()), "p1");
  it->Advance(NumberOf("p3"));  // p3 holds both words, not the phrase
  EXPECT_EQ(NameOf(it->doc()), "p4");
  it->Advance(NumberOf("p2"));  // behind
  EXPECT_EQ(NameOf(it->doc()), "p4");
  it->Advance(NumberOf("p5"));
  EXPECT_EQ(NameOf(it->doc()), "p6");
  it->Next();
  EXPECT_EQ(it->doc(), kNoMoreDocs);
  it->Next();
  EXPECT_EQ(it->doc(), kNoMoreDocs);
  it->Advance(NumberOf("p1"));
  EXPECT_EQ(it->doc(), kNoMoreDocs);
}

TEST_P(TermIteratorsTest, PhraseCostIsItsRarestWord) {
  // "grain" is in p1-p8, "prices" in p1-p6, "rise" in p6 only.
  EXPECT_EQ(Phrase({"grain", "prices"}, FieldScope::kAll)->Cost(), 6u);
  EXPECT_EQ(Phrase({"grain", "prices", "rise"}, FieldScope::kAll)->Cost(), 1u);
  EXPECT_EQ(Phrase({"grain"}, FieldScope::kAll)->Cost(), 8u);
}

TEST_P(TermIteratorsTest, PhraseWithAnUnknownWordMatchesNothingAndCostsNothing) {
  DocIteratorPtr it = Phrase({"grain", "zzyzx"}, FieldScope::kAll);
  EXPECT_EQ(it->doc(), kNoMoreDocs);
  EXPECT_EQ(it->Cost(), 0u);
}

TEST_P(TermIteratorsTest, PhraseOfOneWordCountsItsOccurrencesPerField) {
  DocIteratorPtr it = Phrase({"grain"}, FieldScope::kBody);
  EXPECT_THAT(Names(it.get()), ElementsAre("p1", "p2", "p5", "p7"));
  DocIteratorPtr p7 = Phrase({"grain"}, FieldScope::kAll);
  p7->Advance(NumberOf("p7"));
  ASSERT_EQ(NameOf(p7->doc()), "p7");
  EXPECT_NEAR(p7->Score(), PhraseScore({"grain"}, p7->doc(), 0, 3), 1e-12);
}

TEST_P(TermIteratorsTest, PhraseOfARepeatedWordNeedsTwoOccurrencesInARow) {
  // p7: "Grain grain everywhere; grain."; p8 mentions grain once per field.
  DocIteratorPtr it = Phrase({"grain", "grain"}, FieldScope::kAll);
  EXPECT_THAT(Names(it.get()), ElementsAre("p7"));
}

// ---------------------------------------------------------------------------
// Phrase scorer

TEST_P(TermIteratorsTest, PhraseScorerScoresChosenDocumentsInAscendingOrder) {
  const std::vector<std::string> words = {"grain", "prices"};
  std::unique_ptr<PhraseScorer> scorer =
      MakePhraseScorer(Words(words), {0, 1}, FieldScope::kAll, bm25f_.get(), 2.0);
  EXPECT_EQ(scorer->ScoreAt(NumberOf("k1")), 0);  // neither word
  const uint64_t p1 = NumberOf("p1");
  EXPECT_NEAR(scorer->ScoreAt(p1), PhraseScore(words, p1, 1, 2, 2.0), 1e-12);
  EXPECT_EQ(scorer->ScoreAt(NumberOf("p3")), 0);  // both words, across the boundary
  const uint64_t p4 = NumberOf("p4");
  EXPECT_NEAR(scorer->ScoreAt(p4), PhraseScore(words, p4, 1, 0, 2.0), 1e-12);
  EXPECT_EQ(scorer->ScoreAt(NumberOf("p5")), 0);
  EXPECT_EQ(scorer->ScoreAt(NumberOf("p8")), 0);  // past the last "prices"
}

TEST_P(TermIteratorsTest, PhraseScorerInAFieldScopeScoresOnlyThatField) {
  const std::vector<std::string> words = {"grain", "prices"};
  std::unique_ptr<PhraseScorer> title =
      MakePhraseScorer(Words(words), {0, 1}, FieldScope::kTitle, bm25f_.get(), 1.0);
  EXPECT_EQ(title->ScoreAt(NumberOf("p2")), 0);  // body only
  const uint64_t p4 = NumberOf("p4");
  EXPECT_NEAR(title->ScoreAt(p4), PhraseScore(words, p4, 1, 0), 1e-12);
}

TEST_P(TermIteratorsTest, PhraseScorerSlopNeverLetsAWordStandOnTheFirstWordsPosition) {
  // "grain grain"~1 must not match the single "grain" of p8 with itself.
  std::unique_ptr<PhraseScorer> scorer = MakePhraseScorer(
      Words({"grain", "grain"}), {0, 1}, FieldScope::kAll, bm25f_.get(), 1.0, /*slop=*/1);
  EXPECT_GT(scorer->ScoreAt(NumberOf("p7")), 0);
  EXPECT_EQ(scorer->ScoreAt(NumberOf("p8")), 0);
}

TEST_P(TermIteratorsTest, PhraseScorerSlopCountsWordsWithinTheDistance) {
  auto scorer = [&](uint32_t slop) {
    return MakePhraseScorer(Words({"grain", "exports"}), {0, 2}, FieldScope::kAll, bm25f_.get(),
                            1.0, slop);
  };
  // p5's body: "grain exports": "exports" one position before where {0, 2} wants it.
  EXPECT_EQ(scorer(0)->ScoreAt(NumberOf("p5")), 0);
  EXPECT_GT(scorer(1)->ScoreAt(NumberOf("p5")), 0);
}

INSTANTIATE_TEST_SUITE_P(AllStorage, TermIteratorsTest,
                         ::testing::Values(Where::kMemory, Where::kOneSegment, Where::kSegments),
                         WhereName);

}  // namespace
}  // namespace newsgraph::search
