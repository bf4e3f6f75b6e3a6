#include "services/search/query_iterators.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/search/analyzer.h"
#include "services/search/document_terms.h"
#include "services/search/search_keyspace.h"
#include "storage/rocksdb_kv_store.h"
#include "tests/testing/search_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::search {
namespace {

using ::newsgraph::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Scored = std::pair<uint64_t, double>;

// ---------------------------------------------------------------------------
// Composite iterators over fixed lists of (document, score).

// Documents with fixed scores; records every document it stops on.
class ListIterator final : public DocIterator {
 public:
  explicit ListIterator(std::vector<Scored> postings, std::vector<uint64_t>* visited = nullptr)
      : postings_(std::move(postings)), visited_(visited) {
    for (const Scored& p : postings_) max_score_ = std::max(max_score_, p.second);
    Settle();
  }
  void Next() override {
    if (i_ < postings_.size()) ++i_;
    Settle();
  }
  void Advance(uint64_t target) override {
    if (doc_ >= target) return;
    while (i_ < postings_.size() && postings_[i_].first < target) ++i_;
    Settle();
  }
  double Score() override { return postings_[i_].second; }
  double MaxScore() const override { return max_score_; }
  uint64_t Cost() const override { return postings_.size(); }

 private:
  void Settle() {
    doc_ = i_ < postings_.size() ? postings_[i_].first : kNoMoreDocs;
    if (visited_ != nullptr && doc_ != kNoMoreDocs) visited_->push_back(doc_);
  }

  std::vector<Scored> postings_;
  std::vector<uint64_t>* visited_;
  size_t i_ = 0;
  double max_score_ = 0;
};

DocIteratorPtr List(std::vector<Scored> postings, std::string label = "") {
  auto it = std::make_unique<ListIterator>(std::move(postings));
  it->set_label(std::move(label));
  return it;
}

DocIteratorPtr Docs(const std::vector<uint64_t>& docs, double score = 1) {
  std::vector<Scored> postings;
  for (uint64_t d : docs) postings.emplace_back(d, score);
  return List(std::move(postings));
}

template <typename... Its>
std::vector<DocIteratorPtr> Children(Its... its) {
  std::vector<DocIteratorPtr> children;
  (children.push_back(std::move(its)), ...);
  return children;
}

// Walks the iterator to its end, with scores.
std::vector<Scored> Drain(DocIterator* it) {
  std::vector<Scored> out;
  for (; it->doc() != kNoMoreDocs; it->Next()) out.emplace_back(it->doc(), it->Score());
  return out;
}

std::vector<uint64_t> DocsOf(DocIterator* it) {
  std::vector<uint64_t> out;
  for (; it->doc() != kNoMoreDocs; it->Next()) out.push_back(it->doc());
  return out;
}

std::vector<Scored> HitsOf(const TopDocs& top) {
  std::vector<Scored> out;
  for (const ScoredDoc& h : top.hits) out.emplace_back(h.doc, h.score);
  return out;
}

TEST(AndIteratorTest, MatchesDocumentsOfEveryChildInOrderAndAddsScores) {
  DocIteratorPtr it = MakeAnd(Children(List({{1, 1}, {3, 2}, {5, 3}, {7, 4}}),
                                       List({{3, 10}, {4, 10}, {5, 20}, {8, 1}}),
                                       List({{0, 1}, {3, 100}, {5, 100}, {9, 1}})));
  EXPECT_THAT(Drain(it.get()), ElementsAre(Scored(3, 112), Scored(5, 123)));
  it->Next();  // past the end stays at the end
  EXPECT_EQ(it->doc(), kNoMoreDocs);
}

TEST(AndIteratorTest, OneChildIsThatChild) {
  DocIteratorPtr it = MakeAnd(Children(List({{2, 1.5}, {4, 2.5}})));
  EXPECT_THAT(Drain(it.get()), ElementsAre(Scored(2, 1.5), Scored(4, 2.5)));
}

TEST(AndIteratorTest, AnEmptyChildMatchesNothing) {
  DocIteratorPtr it = MakeAnd(Children(Docs({1, 2, 3}), MakeEmpty()));
  EXPECT_EQ(it->doc(), kNoMoreDocs);
  DocIteratorPtr disjoint = MakeAnd(Children(Docs({1, 3, 5}), Docs({2, 4, 6})));
  EXPECT_EQ(disjoint->doc(), kNoMoreDocs);
}

TEST(AndIteratorTest, AdvanceMovesToTheFirstMatchAtOrAfterTarget) {
  DocIteratorPtr it = MakeAnd(Children(Docs({2, 4, 6, 8, 10}), Docs({4, 5, 6, 10})));
  EXPECT_EQ(it->doc(), 4u);
  it->Advance(5);
  EXPECT_EQ(it->doc(), 6u);
  it->Advance(6);  // already there
  EXPECT_EQ(it->doc(), 6u);
  it->Advance(3);  // behind: nothing happens
  EXPECT_EQ(it->doc(), 6u);
  it->Advance(7);
  EXPECT_EQ(it->doc(), 10u);
  it->Advance(11);
  EXPECT_EQ(it->doc(), kNoMoreDocs);
}

TEST(AndIteratorTest, LeapfrogsOverTheDenseChild) {
  std::vector<uint64_t> visited;
  std::vector<Scored> dense;
  for (uint64_t d = 0; d < 10000; ++d) dense.emplace_back(d, 1);
  DocIteratorPtr it =
      MakeAnd(Children(DocIteratorPtr(std::make_unique<ListIterator>(std::move(dense), &visited)),
                       Docs({5000, 9000})));
  EXPECT_THAT(DocsOf(it.get()), ElementsAre(5000, 9000));
  EXPECT_LT(visited.size(), 10u);
}

TEST(AndIteratorTest, MaxScoreBoundsEveryScore) {
  DocIteratorPtr it = MakeAnd(Children(List({{1, 1}, {2, 4}, {3, 2}}), List({{1, 7}, {3, 9}})));
  const double bound = it->MaxScore();
  EXPECT_GE(bound, 13);  // document 2: 4 + 9
  for (const Scored& s : Drain(it.get())) EXPECT_LE(s.second, bound);
}

TEST(OrIteratorTest, MatchesEachDocumentOfAnyChildOnceInOrderAndAddsScores) {
  DocIteratorPtr it = MakeOr(Children(List({{1, 1}, {3, 2}}), List({{2, 5}, {3, 4}, {6, 1}})));
  EXPECT_THAT(Drain(it.get()), ElementsAre(Scored(1, 1), Scored(2, 5), Scored(3, 6), Scored(6, 1)));
}

TEST(OrIteratorTest, BestOnlyCountsTheBestChild) {
  DocIteratorPtr it = MakeOr(Children(List({{1, 1}, {3, 2}}), List({{2, 5}, {3, 4}, {6, 1}})),
                             /*best_only=*/true);
  EXPECT_GE(it->MaxScore(), 5);
  EXPECT_THAT(Drain(it.get()), ElementsAre(Scored(1, 1), Scored(2, 5), Scored(3, 4), Scored(6, 1)));
}

TEST(OrIteratorTest, AdvanceMovesToTheFirstDocumentAtOrAfterTarget) {
  DocIteratorPtr it = MakeOr(Children(Docs({1, 3, 9}), Docs({2, 6})));
  it->Advance(3);
  EXPECT_EQ(it->doc(), 3u);
  it->Advance(4);
  EXPECT_EQ(it->doc(), 6u);
  it->Advance(2);
  EXPECT_EQ(it->doc(), 6u);
  it->Next();
  EXPECT_EQ(it->doc(), 9u);
  it->Advance(10);
  EXPECT_EQ(it->doc(), kNoMoreDocs);
}

TEST(OrIteratorTest, NothingToMatchMatchesNothing) {
  EXPECT_EQ(MakeOr({})->doc(), kNoMoreDocs);
  EXPECT_EQ(MakeOr(Children(MakeEmpty(), Docs({})))->doc(), kNoMoreDocs);
  DocIteratorPtr one = MakeOr(Children(MakeEmpty(), Docs({4}, 2.5)));
  EXPECT_THAT(Drain(one.get()), ElementsAre(Scored(4, 2.5)));
}

TEST(OrIteratorTest, MaxScoreBoundsEveryScore) {
  DocIteratorPtr it = MakeOr(Children(List({{1, 1}, {3, 2}}), List({{2, 5}, {3, 4}})));
  const double bound = it->MaxScore();
  EXPECT_GE(bound, 6);
  for (const Scored& s : Drain(it.get())) EXPECT_LE(s.second, bound);
}

TEST(RequiredOptionalIteratorTest, RequiredDecidesOptionalAddsItsScore) {
  DocIteratorPtr it =
      MakeRequiredOptional(List({{1, 1}, {3, 1}, {5, 1}}), List({{3, 10}, {4, 10}, {6, 10}}));
  EXPECT_GE(it->MaxScore(), 11);
  EXPECT_THAT(Drain(it.get()), ElementsAre(Scored(1, 1), Scored(3, 11), Scored(5, 1)));
}

TEST(RequiredOptionalIteratorTest, AdvanceKeepsTheOptionalScore) {
  DocIteratorPtr it = MakeRequiredOptional(Docs({1, 3, 5}), List({{3, 10}}));
  it->Advance(2);
  EXPECT_EQ(it->doc(), 3u);
  EXPECT_EQ(it->Score(), 11);
  it->Advance(4);
  EXPECT_EQ(it->doc(), 5u);
  EXPECT_EQ(it->Score(), 1);
}

TEST(AndNotIteratorTest, DropsDocumentsOfAnyExcludedChild) {
  DocIteratorPtr it = MakeAndNot(List({{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {6, 6}, {7, 7}}),
                                 Children(Docs({2, 5}), Docs({5, 7})));
  EXPECT_THAT(Drain(it.get()), ElementsAre(Scored(1, 1), Scored(3, 3), Scored(4, 4), Scored(6, 6)));
}

TEST(AndNotIteratorTest, AdvanceSkipsExcludedDocuments) {
  DocIteratorPtr it = MakeAndNot(Docs({1, 2, 3, 4, 5, 6}), Children(Docs({4, 5})));
  it->Advance(4);
  EXPECT_EQ(it->doc(), 6u);
}

TEST(AndNotIteratorTest, NoExclusionsKeepEverything) {
  DocIteratorPtr it = MakeAndNot(Docs({1, 2}), {});
  EXPECT_THAT(DocsOf(it.get()), ElementsAre(1, 2));
}

TEST(FilterIteratorTest, KeepsWhatThePredicateAcceptsAskingInAscendingOrder) {
  std::vector<uint64_t> asked;
  DocIteratorPtr it = MakeFilter(Docs({1, 2, 3, 4, 5, 6, 7, 8}), [&asked](uint64_t doc) {
    asked.push_back(doc);
    return doc % 2 == 0;
  });
  EXPECT_EQ(it->doc(), 2u);
  it->Advance(5);
  EXPECT_EQ(it->doc(), 6u);
  it->Next();
  EXPECT_EQ(it->doc(), 8u);
  it->Next();
  EXPECT_EQ(it->doc(), kNoMoreDocs);
  EXPECT_TRUE(std::is_sorted(asked.begin(), asked.end()));
  EXPECT_EQ(std::adjacent_find(asked.begin(), asked.end()), asked.end());  // each once
}

// Three word slots: A covers 0, B covers 1, C covers 2.
Coordination ThreeSlots(double exponent) {
  return Coordination{.covers = {0b001, 0b010, 0b100}, .slots = 3, .exponent = exponent};
}

std::vector<DocIteratorPtr> ThreeWords() {
  return Children(List({{1, 2}, {2, 2}, {3, 2}}), List({{2, 4}, {3, 4}}), List({{3, 8}}));
}

TEST(CoordinatedOrTest, ScalesTheSumByTheShareOfWordsCovered) {
  DocIteratorPtr it = MakeCoordinatedOr(ThreeWords(), ThreeSlots(1.0));
  std::vector<Scored> scored;
  std::vector<uint64_t> covered;
  for (; it->doc() != kNoMoreDocs; it->Next()) {
    scored.emplace_back(it->doc(), it->Score());
    covered.push_back(it->Covered());
  }
  ASSERT_EQ(scored.size(), 3u);
  EXPECT_DOUBLE_EQ(scored[0].second, 2.0 * 1 / 3);
  EXPECT_DOUBLE_EQ(scored[1].second, 6.0 * 2 / 3);
  EXPECT_DOUBLE_EQ(scored[2].second, 14.0);
  EXPECT_THAT(covered, ElementsAre(0b001u, 0b011u, 0b111u));
}

TEST(CoordinatedOrTest, ExponentShapesTheFactor) {
  DocIteratorPtr plain = MakeCoordinatedOr(ThreeWords(), ThreeSlots(0.0));
  EXPECT_THAT(Drain(plain.get()), ElementsAre(Scored(1, 2), Scored(2, 6), Scored(3, 14)));
  DocIteratorPtr squared = MakeCoordinatedOr(ThreeWords(), ThreeSlots(2.0));
  const std::vector<Scored> s = Drain(squared.get());
  ASSERT_EQ(s.size(), 3u);
  EXPECT_DOUBLE_EQ(s[0].second, 2.0 / 9);
  EXPECT_DOUBLE_EQ(s[1].second, 6.0 * 4 / 9);
  EXPECT_DOUBLE_EQ(s[2].second, 14.0);
}

TEST(CoordinatedOrTest, WordsThatMatchNothingStillCountAsSlots) {
  DocIteratorPtr it =
      MakeCoordinatedOr(Children(List({{1, 3}}), List({{1, 3}}), MakeEmpty()), ThreeSlots(1.0));
  const std::vector<Scored> s = Drain(it.get());
  ASSERT_EQ(s.size(), 1u);
  EXPECT_DOUBLE_EQ(s[0].second, 6.0 * 2 / 3);
}

TEST(CoordinatedOrTest, NoMatchingChildMatchesNothing) {
  EXPECT_EQ(
      MakeCoordinatedOr(Children(MakeEmpty(), Docs({})), Coordination{.covers = {1, 2}, .slots = 2})
          ->doc(),
      kNoMoreDocs);
}

// Word slots 0 and 1 spell an entity: children W0, W1 and the entity E,
// which covers both slots.
DocIteratorPtr EntityGroup(double tie) {
  Coordination c{.covers = {0b01, 0b10, 0b11},
                 .slots = 2,
                 .exponent = 1.0,
                 .group = {0, 0, 0},
                 .entity = {false, false, true},
                 .groups = 1,
                 .entity_tie = tie};
  return MakeCoordinatedOr(
      Children(List({{1, 1}, {2, 1}}, "word 'zhang'"), List({{1, 2}}, "word 'ming'"),
               List({{1, 4}, {3, 4}}, "entity Zhang Ming")),
      std::move(c));
}

TEST(CoordinatedOrTest, EntityGroupCombinesWordsAndEntityByTheTie) {
  // Document 1: words 1 + 2 = 3, entity 4. Document 2: one word of two.
  // Document 3: the entity alone covers both words.
  EXPECT_THAT(Drain(EntityGroup(0.0).get()),
              ElementsAre(Scored(1, 4), Scored(2, 0.5), Scored(3, 4)));
  EXPECT_THAT(Drain(EntityGroup(0.5).get()),
              ElementsAre(Scored(1, 5.5), Scored(2, 0.5), Scored(3, 4)));
  EXPECT_THAT(Drain(EntityGroup(1.0).get()),
              ElementsAre(Scored(1, 7), Scored(2, 0.5), Scored(3, 4)));
}

TEST(CoordinatedOrTest, ExplanationAddsUpToTheScore) {
  DocIteratorPtr it = EntityGroup(0.5);
  for (; it->doc() != kNoMoreDocs; it->Next()) {
    std::vector<ScoreComponent> parts;
    it->Explain(&parts);
    double sum = 0;
    for (const ScoreComponent& p : parts) sum += p.value;
    EXPECT_NEAR(sum, it->Score(), 1e-12) << "document " << it->doc();
  }
  DocIteratorPtr first = EntityGroup(0.5);
  std::vector<ScoreComponent> parts;
  first->Explain(&parts);
  std::vector<std::string> labels;
  for (const ScoreComponent& p : parts) labels.push_back(p.description);
  EXPECT_THAT(labels,
              ::testing::IsSupersetOf({"word 'zhang'", "word 'ming'", "entity Zhang Ming"}));
}

TEST(ExplainTest, PartsOfNestedConjunctionsAddUpToTheScore) {
  DocIteratorPtr it = MakeRequiredOptional(
      MakeAnd(Children(List({{1, 1.5}, {2, 2}}, "a"), List({{1, 3}, {2, 1}}, "b"))),
      MakeOr(Children(List({{1, 0.25}}, "c"), List({{2, 0.5}}, "d"))));
  for (; it->doc() != kNoMoreDocs; it->Next()) {
    std::vector<ScoreComponent> parts;
    it->Explain(&parts);
    double sum = 0;
    for (const ScoreComponent& p : parts) sum += p.value;
    EXPECT_DOUBLE_EQ(sum, it->Score());
    EXPECT_EQ(parts.size(), 3u);
  }
}

TEST(CollectTopDocsTest, BestFirstWithTiesByDocumentNumber) {
  DocIteratorPtr it = List({{1, 2}, {3, 2}, {5, 1}, {7, 2}, {9, 3}});
  NG_ASSERT_OK_AND_ASSIGN(TopDocs top, CollectTopDocs(it.get(), 3, false, {}));
  EXPECT_THAT(HitsOf(top), ElementsAre(Scored(9, 3), Scored(1, 2), Scored(3, 2)));
  EXPECT_EQ(top.total, 5u);
  EXPECT_FALSE(top.estimated);
}

TEST(CollectTopDocsTest, FewerMatchesThanKGivesAllOfThem) {
  DocIteratorPtr it = List({{4, 1}, {8, 5}});
  NG_ASSERT_OK_AND_ASSIGN(TopDocs top, CollectTopDocs(it.get(), 10, true, {}));
  EXPECT_THAT(HitsOf(top), ElementsAre(Scored(8, 5), Scored(4, 1)));
  EXPECT_EQ(top.total, 2u);
}

TEST(CollectTopDocsTest, NoMatchesGiveNoHits) {
  DocIteratorPtr it = MakeEmpty();
  NG_ASSERT_OK_AND_ASSIGN(TopDocs top, CollectTopDocs(it.get(), 10, true, {}));
  EXPECT_THAT(top.hits, IsEmpty());
  EXPECT_EQ(top.total, 0u);
}

TEST(CollectTopDocsTest, OneHitPerClusterTheBestOfIt) {
  const auto cluster_of = [](uint64_t doc) { return doc / 10; };
  auto make = [] {
    return MakeOr(Children(List({{1, 5}, {11, 7}, {21, 3}}), List({{2, 9}, {12, 1}})));
  };
  for (bool early : {false, true}) {
    DocIteratorPtr two = make();
    NG_ASSERT_OK_AND_ASSIGN(TopDocs top, CollectTopDocs(two.get(), 2, early, cluster_of));
    EXPECT_THAT(HitsOf(top), ElementsAre(Scored(2, 9), Scored(11, 7))) << early;
    DocIteratorPtr all = make();
    NG_ASSERT_OK_AND_ASSIGN(TopDocs every, CollectTopDocs(all.get(), 5, early, cluster_of));
    EXPECT_THAT(HitsOf(every), ElementsAre(Scored(2, 9), Scored(11, 7), Scored(21, 3))) << early;
  }
}

TEST(CollectTopDocsTest, ReportsTheCoveredWordSlots) {
  DocIteratorPtr it = MakeCoordinatedOr(ThreeWords(), ThreeSlots(1.0));
  NG_ASSERT_OK_AND_ASSIGN(TopDocs top, CollectTopDocs(it.get(), 3, false, {}));
  ASSERT_EQ(top.hits.size(), 3u);
  EXPECT_EQ(top.hits[0].doc, 3u);
  EXPECT_EQ(top.hits[0].covered, 0b111u);
  EXPECT_EQ(top.hits[2].doc, 1u);
  EXPECT_EQ(top.hits[2].covered, 0b001u);
}

TEST(CollectTopDocsTest, StopsWithTheStopChecksStatus) {
  const StopCheck stop = [] { return absl::CancelledError("call cancelled"); };
  for (bool early : {false, true}) {
    DocIteratorPtr it = MakeOr(Children(Docs({1, 2, 3}), Docs({2, 4})));
    EXPECT_THAT(CollectTopDocs(it.get(), 2, early, {}, stop),
                StatusIs(absl::StatusCode::kCancelled));
  }
  DocIteratorPtr it = Docs({1, 2, 3});
  EXPECT_THAT(CollectAll(it.get(), stop), StatusIs(absl::StatusCode::kCancelled));
}

// Random disjunctions: a few dense low-scoring clauses and sparse
// high-scoring ones. Scores are multiples of 1/8, so sums are exact in any
// order.
std::vector<std::vector<Scored>> RandomClauses(uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<std::vector<Scored>> clauses;
  const double densities[] = {0.6, 0.3, 0.1, 0.05, 0.02, 0.01};
  for (size_t c = 0; c < std::size(densities); ++c) {
    std::vector<Scored> postings;
    for (uint64_t d = 1; d <= 3000; ++d) {
      if (std::uniform_real_distribution<double>(0, 1)(random) >= densities[c]) continue;
      const int eighths = 1 + static_cast<int>(random() % (8 * (c + 1) * 2));
      postings.emplace_back(d, eighths / 8.0);
    }
    clauses.push_back(std::move(postings));
  }
  return clauses;
}

std::vector<DocIteratorPtr> ListsOf(const std::vector<std::vector<Scored>>& clauses) {
  std::vector<DocIteratorPtr> children;
  for (const auto& c : clauses) children.push_back(List(c));
  return children;
}

TEST(CollectTopDocsTest, MaxScoreFindsTheSameTopDocumentsAsExhaustiveScoring) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    const std::vector<std::vector<Scored>> clauses = RandomClauses(seed);
    for (size_t k : {1, 5, 20, 200}) {
      DocIteratorPtr exhaustive_root = MakeOr(ListsOf(clauses));
      DocIteratorPtr early_root = MakeOr(ListsOf(clauses));
      NG_ASSERT_OK_AND_ASSIGN(TopDocs exhaustive,
                              CollectTopDocs(exhaustive_root.get(), k, false, {}));
      NG_ASSERT_OK_AND_ASSIGN(TopDocs early, CollectTopDocs(early_root.get(), k, true, {}));
      ASSERT_EQ(exhaustive.hits.size(), k);
      EXPECT_EQ(HitsOf(early), HitsOf(exhaustive)) << "seed " << seed << " k " << k;
      EXPECT_FALSE(exhaustive.estimated);
      EXPECT_LE(early.total, exhaustive.total);
      if (!early.estimated) {
        EXPECT_EQ(early.total, exhaustive.total);
      }
    }
  }
}

TEST(CollectTopDocsTest, MaxScoreMatchesExhaustiveScoringWithCoordination) {
  const std::vector<std::vector<Scored>> clauses = RandomClauses(7);
  // Six words; the last two also spell an entity (a seventh clause).
  std::vector<std::vector<Scored>> with_entity = clauses;
  std::vector<Scored> entity;
  for (uint64_t d = 5; d <= 3000; d += 97) entity.emplace_back(d, 3.5);
  with_entity.push_back(entity);
  const Coordination coordination{.covers = {1, 2, 4, 8, 16, 32, 48},
                                  .slots = 6,
                                  .exponent = 0.5,
                                  .group = {-1, -1, -1, -1, 0, 0, 0},
                                  .entity = {false, false, false, false, false, false, true},
                                  .groups = 1,
                                  .entity_tie = 0.5};
  const auto cluster_of = [](uint64_t doc) { return doc / 3; };
  for (size_t k : {1, 10, 50}) {
    for (bool clustered : {false, true}) {
      const std::function<uint64_t(uint64_t)> clusters =
          clustered ? std::function<uint64_t(uint64_t)>(cluster_of) : nullptr;
      DocIteratorPtr exhaustive_root = MakeCoordinatedOr(ListsOf(with_entity), coordination);
      DocIteratorPtr early_root = MakeCoordinatedOr(ListsOf(with_entity), coordination);
      NG_ASSERT_OK_AND_ASSIGN(TopDocs exhaustive,
                              CollectTopDocs(exhaustive_root.get(), k, false, clusters));
      NG_ASSERT_OK_AND_ASSIGN(TopDocs early, CollectTopDocs(early_root.get(), k, true, clusters));
      ASSERT_EQ(exhaustive.hits.size(), k);
      ASSERT_EQ(HitsOf(early), HitsOf(exhaustive)) << "k " << k << " clustered " << clustered;
      for (size_t i = 0; i < k; ++i) EXPECT_EQ(early.hits[i].covered, exhaustive.hits[i].covered);
    }
  }
}

TEST(CollectAllTest, EveryMatchBestFirstWithTiesByDocumentNumber) {
  DocIteratorPtr it = MakeOr(Children(List({{1, 1}, {4, 2}}), List({{2, 3}, {3, 2}})));
  NG_ASSERT_OK_AND_ASSIGN(std::vector<ScoredDoc> all, CollectAll(it.get()));
  std::vector<Scored> got;
  for (const ScoredDoc& d : all) got.emplace_back(d.doc, d.score);
  EXPECT_THAT(got, ElementsAre(Scored(2, 3), Scored(3, 2), Scored(4, 2), Scored(1, 1)));
}

// ---------------------------------------------------------------------------
// Leaf iterators over a small real index.

class TermIteratorsTest : public ::testing::Test {
 protected:
  void SetUp() override { Open({}); }

  void Open(SearchIndexOptions options) {
    auto store = ::newsgraph::testing::OpenSearchStore(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto index = SearchIndex::Open(store_.get(), options);
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = *std::move(index);
  }

  // The six documents most tests use.
  void AddStories() {
    Add("d1", "Wheat harvest", "Farmers sold the grain.", {{"entities/1", 0.8f}});
    Add("d2", "Oil markets", "Wheat prices rose. Wheat exports fell.");
    Add("d3", "Bank rates", "Grain prices rose sharply.", {{"entities/1", 0.2f}});
    Add("d4", "Grain prices", "Traders waited.");
    Add("d5", "Summit ends with grain", "Prices of fuel fell.");
    Add("d6", "Talks", "Prices of grain fell.");
  }

  void Add(const std::string& name, const std::string& title, const std::string& body,
           const std::vector<std::pair<std::string, float>>& entities = {}) {
    newsgraph::v1::IndexDocumentRequest request;
    auto* doc = request.mutable_document();
    doc->set_name(name);
    doc->set_version(1);
    doc->set_title(title);
    doc->set_text(body);
    doc->set_language("en");
    for (const auto& [entity, salience] : entities) {
      auto* e = request.add_entities();
      e->set_entity(entity);
      e->set_type(newsgraph::v1::ORG);
      e->set_mention_count(1);
      e->set_salience(salience);
    }
    auto applied = index_->IndexDocument(request);
    ASSERT_TRUE(applied.ok()) << applied.status();
  }

  static TermPostings Postings(const SearchIndexReader& reader, const std::string& word,
                               bool positions = false) {
    auto postings = reader.Postings(AnalyzeWord(word, "en"), positions);
    EXPECT_TRUE(postings.ok()) << postings.status();
    return postings.ok() ? *std::move(postings) : TermPostings();
  }

  static std::string NameOf(const SearchIndexReader& reader, uint64_t doc) {
    auto stored = reader.StoredDocument(doc);
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? stored->document().name() : "";
  }

  // The names of the documents an iterator walks, checking doc order.
  static std::vector<std::string> Names(const SearchIndexReader& reader, DocIterator* it) {
    std::vector<std::string> names;
    uint64_t last = 0;
    for (; it->doc() != kNoMoreDocs; it->Next()) {
      EXPECT_TRUE(names.empty() || it->doc() > last);
      last = it->doc();
      names.push_back(NameOf(reader, it->doc()));
    }
    return names;
  }

  static uint64_t NumberOf(const SearchIndexReader& reader, const std::string& name) {
    for (DocIteratorPtr all = MakeAllDocuments(&reader); all->doc() != kNoMoreDocs; all->Next()) {
      if (NameOf(reader, all->doc()) == name) return all->doc();
    }
    ADD_FAILURE() << "no document " << name;
    return kNoMoreDocs;
  }

  // Textbook BM25F: field frequencies weighted and length-normalized, then
  // saturated once.
  static double ExpectedBm25f(const SearchIndexReader& reader, uint64_t doc, uint32_t title_tf,
                              uint32_t body_tf, double idf, const Bm25fParameters& p) {
    const auto& lengths = reader.Ranking(doc);
    const CorpusStats& stats = reader.stats();
    const double title_norm = 1 - p.b + p.b * lengths.title / stats.average_title_length;
    const double body_norm = 1 - p.b + p.b * lengths.body / stats.average_body_length;
    const double tf = p.title_weight * title_tf / title_norm + p.body_weight * body_tf / body_norm;
    return idf * (p.k1 + 1) * tf / (tf + p.k1);
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<SearchIndex> index_;
};

TEST_F(TermIteratorsTest, TermWalksTheDocumentsHoldingTheWordInItsScope) {
  AddStories();
  SearchIndexReader reader(index_.get());
  const Bm25f bm25f(&reader, {});
  DocIteratorPtr all = MakeTerm(Postings(reader, "wheat"), FieldScope::kAll, &bm25f, 1);
  EXPECT_THAT(Names(reader, all.get()), ElementsAre("d1", "d2"));
  DocIteratorPtr title = MakeTerm(Postings(reader, "wheat"), FieldScope::kTitle, &bm25f, 1);
  EXPECT_THAT(Names(reader, title.get()), ElementsAre("d1"));
  DocIteratorPtr body = MakeTerm(Postings(reader, "wheat"), FieldScope::kBody, &bm25f, 1);
  EXPECT_THAT(Names(reader, body.get()), ElementsAre("d2"));
  DocIteratorPtr none = MakeTerm(Postings(reader, "zebra"), FieldScope::kAll, &bm25f, 1);
  EXPECT_EQ(none->doc(), kNoMoreDocs);
}

TEST_F(TermIteratorsTest, TermScoreIsBoostedBm25fOfItsFieldFrequencies) {
  AddStories();
  SearchIndexReader reader(index_.get());
  const Bm25fParameters parameters;
  const Bm25f bm25f(&reader, parameters);
  const double idf = bm25f.Idf(2);  // "wheat" is in two documents
  DocIteratorPtr it = MakeTerm(Postings(reader, "wheat"), FieldScope::kAll, &bm25f, 2.0);
  ASSERT_EQ(NameOf(reader, it->doc()), "d1");  // once in the title
  EXPECT_NEAR(it->Score(), 2.0 * ExpectedBm25f(reader, it->doc(), 1, 0, idf, parameters), 1e-9);
  EXPECT_LE(it->Score(), it->MaxScore());
  it->Next();
  ASSERT_EQ(NameOf(reader, it->doc()), "d2");  // twice in the body
  EXPECT_NEAR(it->Score(), 2.0 * ExpectedBm25f(reader, it->doc(), 0, 2, idf, parameters), 1e-9);
  EXPECT_LE(it->Score(), it->MaxScore());
  EXPECT_DOUBLE_EQ(it->MaxScore(), 2.0 * bm25f.MaxScore(idf));
}

TEST_F(TermIteratorsTest, Bm25fCombinesBothFieldsBeforeSaturating) {
  AddStories();
  SearchIndexReader reader(index_.get());
  const Bm25fParameters parameters{.k1 = 1.5, .b = 0.5, .title_weight = 3, .body_weight = 0.5};
  const Bm25f bm25f(&reader, parameters);
  const uint64_t doc = NumberOf(reader, "d3");
  for (auto [title_tf, body_tf] : {std::pair(1u, 0u), std::pair(0u, 1u), std::pair(2u, 3u)}) {
    EXPECT_NEAR(bm25f.Score(doc, title_tf, body_tf, 1.7),
                ExpectedBm25f(reader, doc, title_tf, body_tf, 1.7, parameters), 1e-9);
  }
  EXPECT_LT(bm25f.Score(doc, 1000, 1000, 1.7), bm25f.MaxScore(1.7));
}

TEST_F(TermIteratorsTest, RarerTermsWeighMore) {
  AddStories();
  SearchIndexReader reader(index_.get());
  const Bm25f bm25f(&reader, {});
  EXPECT_GT(bm25f.Idf(1), bm25f.Idf(2));
  EXPECT_GT(bm25f.Idf(2), bm25f.Idf(6));
  EXPECT_GE(bm25f.Idf(6), 0);
}

TEST_F(TermIteratorsTest, KeywordScoresBySalienceAboveTheMinimum) {
  AddStories();
  SearchIndexReader reader(index_.get());
  auto postings = [&reader] {
    auto p = reader.Postings(EntityTerm("entities/1"), false);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *std::move(p) : TermPostings();
  };
  DocIteratorPtr salient = MakeKeyword(postings(), 0.5f, 3.0, 0.5);
  ASSERT_EQ(NameOf(reader, salient->doc()), "d1");
  EXPECT_NEAR(salient->Score(), (0.5 + 0.5 * 0.8) * 3.0, 1e-6);
  EXPECT_LE(salient->Score(), salient->MaxScore());
  salient->Next();
  EXPECT_EQ(salient->doc(), kNoMoreDocs);

  DocIteratorPtr any = MakeKeyword(postings(), 0, 2.0);
  std::vector<Scored> scored = Drain(any.get());
  ASSERT_EQ(scored.size(), 2u);
  EXPECT_EQ(NameOf(reader, scored[1].first), "d3");
  EXPECT_NEAR(scored[0].second, 0.8 * 2.0, 1e-6);
  EXPECT_NEAR(scored[1].second, 0.2 * 2.0, 1e-6);
}

TEST_F(TermIteratorsTest, PhraseMatchesConsecutiveWordsWithinOneField) {
  AddStories();
  SearchIndexReader reader(index_.get());
  const Bm25f bm25f(&reader, {});
  auto phrase = [&](FieldScope scope) {
    std::vector<TermPostings> postings;
    postings.push_back(Postings(reader, "grain", true));
    postings.push_back(Postings(reader, "prices", true));
    return MakePhrase(std::move(postings), {0, 1}, scope, &bm25f, 1);
  };
  // d5 has "grain" ending its title and "Prices" starting its body; d6 has
  // the words apart and reversed.
  DocIteratorPtr all = phrase(FieldScope::kAll);
  EXPECT_THAT(Names(reader, all.get()), ElementsAre("d3", "d4"));
  DocIteratorPtr title = phrase(FieldScope::kTitle);
  EXPECT_THAT(Names(reader, title.get()), ElementsAre("d4"));
  DocIteratorPtr body = phrase(FieldScope::kBody);
  EXPECT_THAT(Names(reader, body.get()), ElementsAre("d3"));
}

TEST_F(TermIteratorsTest, PhraseScorerScoresLikeThePhraseIterator) {
  AddStories();
  SearchIndexReader reader(index_.get());
  const Bm25f bm25f(&reader, {});
  auto postings = [&] {
    std::vector<TermPostings> p;
    p.push_back(Postings(reader, "grain", true));
    p.push_back(Postings(reader, "prices", true));
    return p;
  };
  DocIteratorPtr it = MakePhrase(postings(), {0, 1}, FieldScope::kAll, &bm25f, 1.5);
  const std::vector<Scored> matches = Drain(it.get());
  ASSERT_EQ(matches.size(), 2u);
  std::unique_ptr<PhraseScorer> scorer =
      MakePhraseScorer(postings(), {0, 1}, FieldScope::kAll, &bm25f, 1.5);
  EXPECT_EQ(scorer->ScoreAt(NumberOf(reader, "d1")), 0);
  EXPECT_DOUBLE_EQ(scorer->ScoreAt(matches[0].first), matches[0].second);
  EXPECT_DOUBLE_EQ(scorer->ScoreAt(matches[1].first), matches[1].second);
  EXPECT_EQ(scorer->ScoreAt(NumberOf(reader, "d6")), 0);
  EXPECT_GT(matches[0].second, 0);
}

// d6 says "Prices of grain": "prices" stands three words before where the
// phrase "grain prices" wants it. d5 has "grain" in its title and "prices"
// in its body, which never count as near.
TEST_F(TermIteratorsTest, PhraseScorerWithSlopAcceptsNearWordsInEitherOrder) {
  AddStories();
  SearchIndexReader reader(index_.get());
  const Bm25f bm25f(&reader, {});
  auto scorer = [&](uint32_t slop) {
    std::vector<TermPostings> p;
    p.push_back(Postings(reader, "grain", true));
    p.push_back(Postings(reader, "prices", true));
    return MakePhraseScorer(std::move(p), {0, 1}, FieldScope::kAll, &bm25f, 1.5, slop);
  };
  EXPECT_EQ(scorer(0)->ScoreAt(NumberOf(reader, "d6")), 0);
  EXPECT_EQ(scorer(2)->ScoreAt(NumberOf(reader, "d6")), 0);
  EXPECT_GT(scorer(3)->ScoreAt(NumberOf(reader, "d6")), 0);
  EXPECT_EQ(scorer(16)->ScoreAt(NumberOf(reader, "d5")), 0);
  // The exact phrase scores the same with or without slop.
  EXPECT_DOUBLE_EQ(scorer(3)->ScoreAt(NumberOf(reader, "d3")),
                   scorer(0)->ScoreAt(NumberOf(reader, "d3")));
}

TEST_F(TermIteratorsTest, RemovedDocumentsAreSkipped) {
  AddStories();
  auto removed = index_->RemoveDocument("d2");
  ASSERT_TRUE(removed.ok()) << removed.status();
  SearchIndexReader reader(index_.get());
  const Bm25f bm25f(&reader, {});
  DocIteratorPtr all = MakeAllDocuments(&reader);
  EXPECT_THAT(Names(reader, all.get()), ElementsAre("d1", "d3", "d4", "d5", "d6"));
  DocIteratorPtr wheat = MakeTerm(Postings(reader, "wheat"), FieldScope::kAll, &bm25f, 1);
  EXPECT_THAT(Names(reader, wheat.get()), ElementsAre("d1"));
}

TEST_F(TermIteratorsTest, AllDocumentsAdvanceSkipsToTheNextLiveDocument) {
  AddStories();
  uint64_t d3 = 0;
  {
    SearchIndexReader before(index_.get());
    d3 = NumberOf(before, "d3");
  }
  ASSERT_TRUE(index_->RemoveDocument("d3").ok());
  SearchIndexReader reader(index_.get());
  DocIteratorPtr all = MakeAllDocuments(&reader);
  EXPECT_EQ(NameOf(reader, all->doc()), "d1");
  EXPECT_EQ(all->Score(), 0);
  all->Advance(d3);
  EXPECT_EQ(NameOf(reader, all->doc()), "d4");
  const uint64_t d6 = NumberOf(reader, "d6");
  all->Advance(d6);
  EXPECT_EQ(all->doc(), d6);
  all->Next();
  EXPECT_EQ(all->doc(), kNoMoreDocs);
}

// Many documents over several written segments: conjunctions and skips must
// still find exactly the documents holding every word.
class SegmentedIndexTest : public TermIteratorsTest {
 protected:
  void SetUp() override {
    Open({.flush_documents = 32});
    for (int n = 1; n <= 400; ++n) {
      std::string body = "common";
      if (n % 5 == 0) body += " five";
      if (n % 7 == 0) body += " seven";
      // Bodies of different lengths: no two documents score the same.
      for (int i = 0; i < n; ++i) body += " filler";
      Add(absl::StrCat("n", n), absl::StrCat("story ", n), body);
    }
  }
};

TEST_F(SegmentedIndexTest, ConjunctionFindsTheCommonMultiples) {
  ASSERT_GT(index_->SegmentCount(), 1u);
  SearchIndexReader reader(index_.get());
  const Bm25f bm25f(&reader, {});
  DocIteratorPtr it =
      MakeAnd(Children(MakeTerm(Postings(reader, "common"), FieldScope::kAll, &bm25f, 1),
                       MakeTerm(Postings(reader, "five"), FieldScope::kAll, &bm25f, 1),
                       MakeTerm(Postings(reader, "seven"), FieldScope::kAll, &bm25f, 1)));
  std::vector<std::string> expected;
  for (int n = 35; n <= 400; n += 35) expected.push_back(absl::StrCat("n", n));
  EXPECT_EQ(Names(reader, it.get()), expected);
}

TEST_F(SegmentedIndexTest, AdvanceLandsOnTheFirstMatchAtOrAfterTarget) {
  SearchIndexReader reader(index_.get());
  const Bm25f bm25f(&reader, {});
  DocIteratorPtr seven = MakeTerm(Postings(reader, "seven"), FieldScope::kAll, &bm25f, 1);
  seven->Advance(NumberOf(reader, "n100"));
  EXPECT_EQ(NameOf(reader, seven->doc()), "n105");
  seven->Advance(NumberOf(reader, "n350"));
  EXPECT_EQ(NameOf(reader, seven->doc()), "n350");
  seven->Advance(NumberOf(reader, "n400"));
  EXPECT_EQ(seven->doc(), kNoMoreDocs);
}

TEST_F(SegmentedIndexTest, MaxScoreRanksLikeExhaustiveScoring) {
  SearchIndexReader reader(index_.get());
  const Bm25f bm25f(&reader, {});
  auto query = [&] {
    return MakeOr(Children(MakeTerm(Postings(reader, "common"), FieldScope::kAll, &bm25f, 1),
                           MakeTerm(Postings(reader, "five"), FieldScope::kAll, &bm25f, 1),
                           MakeTerm(Postings(reader, "seven"), FieldScope::kAll, &bm25f, 1),
                           MakeTerm(Postings(reader, "filler"), FieldScope::kAll, &bm25f, 1)));
  };
  for (size_t k : {1, 10, 60}) {
    DocIteratorPtr exhaustive_root = query();
    DocIteratorPtr early_root = query();
    NG_ASSERT_OK_AND_ASSIGN(TopDocs exhaustive,
                            CollectTopDocs(exhaustive_root.get(), k, false, {}));
    NG_ASSERT_OK_AND_ASSIGN(TopDocs early, CollectTopDocs(early_root.get(), k, true, {}));
    EXPECT_EQ(exhaustive.total, 400u);
    ASSERT_EQ(early.hits.size(), exhaustive.hits.size());
    for (size_t i = 0; i < k; ++i) {
      EXPECT_EQ(early.hits[i].doc, exhaustive.hits[i].doc) << "k " << k << " rank " << i;
      EXPECT_NEAR(early.hits[i].score, exhaustive.hits[i].score, 1e-9);
    }
  }
}

}  // namespace
}  // namespace newsgraph::search
