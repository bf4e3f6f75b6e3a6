// QueryBuilder over a small real index: which documents each kind of query
// node matches, the coordination slots plain words and entity groups cover,
// the proximity pairs and their slop, exclusion, date ranges and field
// scopes; and the query rewriting helpers RewriteWithEntities and AddFilters.
#include "services/search/query_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/search/analyzer.h"
#include "services/search/search_index.h"
#include "tests/testing/search_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::search {
namespace {

using ::newsgraph::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using Kind = QueryNode::Kind;

absl::Time Day(int year, int month, int day) {
  return absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone());
}

QueryNode Term(const std::string& text, const std::string& field = "") {
  return QueryNode{.kind = Kind::kTerm, .field = field, .text = text};
}

QueryNode Node(Kind kind, std::vector<QueryNode> children) {
  QueryNode node{.kind = kind};
  node.children = std::move(children);
  return node;
}

QueryNode Keyword(const std::string& field, const std::string& text) {
  return QueryNode{.kind = Kind::kKeyword, .field = field, .text = text};
}

// Answers with fixed spans, or an error.
class FixedResolver : public EntityResolver {
 public:
  absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> Resolve(absl::string_view text) override {
    asked.emplace_back(text);
    if (!error.ok()) return error;
    return response;
  }
  newsgraph::v1::ResolveEntitiesResponse response;
  absl::Status error;
  std::vector<std::string> asked;
};

struct DocSpec {
  std::string name;
  std::string title;
  std::string text;
  std::string source;
  absl::Time published = absl::InfinitePast();
  // entities/N, type, salience; empty: none.
  std::string entity;
  newsgraph::v1::EntityType type = newsgraph::v1::ORG;
  float salience = 0;
};

class QueryBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NG_ASSERT_OK_AND_ASSIGN(store_, ::newsgraph::testing::OpenSearchStore(dir_.path()));
    NG_ASSERT_OK_AND_ASSIGN(index_, SearchIndex::Open(store_.get()));
    const std::vector<DocSpec> docs = {
        {"documents/1", "Central bank raises rates",
         "The central bank raised interest rates on Monday.", "Reuters", Day(2023, 3, 1),
         "entities/7", newsgraph::v1::ORG, 0.9f},
        {"documents/2", "Bank holiday", "Markets closed for the holiday and traders went home.",
         "TASS", Day(2022, 5, 1)},
        {"documents/3", "Harvest report", "The wheat harvest in the central region was large.",
         "BBC", Day(2024, 1, 1), "entities/7", newsgraph::v1::ORG, 0.1f},
        {"documents/4", "Planning office", "The bank of central planning met and the bank closed.",
         "Reuters", Day(2023, 12, 31)},
        {"documents/5", "Policy steady", "The ECB kept policy steady.", "TASS",
         absl::InfinitePast(), "entities/7", newsgraph::v1::ORG, 0.7f},
        {"documents/6", "Computer maker",
         "Shares of IBM rose while Wal-Mart fell. The organization grew.", "BBC", Day(2021, 1, 1),
         "entities/9", newsgraph::v1::GPE, 0.5f},
        {"documents/7", "Quiet day", "Central and the bank agreed.", "BBC", Day(2020, 7, 7)},
    };
    for (const DocSpec& spec : docs) {
      newsgraph::v1::IndexDocumentRequest request;
      auto* doc = request.mutable_document();
      doc->set_name(spec.name);
      doc->set_version(1);
      doc->set_title(spec.title);
      doc->set_text(spec.text);
      doc->set_source(spec.source);
      doc->set_language("en");
      if (spec.published != absl::InfinitePast()) {
        doc->mutable_published_time()->set_seconds(absl::ToUnixSeconds(spec.published));
      }
      if (!spec.entity.empty()) {
        auto* e = request.add_entities();
        e->set_entity(spec.entity);
        e->set_type(spec.type);
        e->set_mention_count(1);
        e->set_salience(spec.salience);
      }
      NG_ASSERT_OK(index_->IndexDocument(request));
    }
    reader_ = std::make_unique<SearchIndexReader>(index_.get());
    for (uint64_t doc = 0; doc < reader_->DocumentLimit(); ++doc) {
      if (!reader_->Live(doc)) continue;
      NG_ASSERT_OK_AND_ASSIGN(auto fields, reader_->HitFields(doc));
      numbers_[fields->name()] = doc;
    }
    ASSERT_EQ(numbers_.size(), docs.size());
    request_.set_disable_typo_tolerance(true);
  }

  std::unique_ptr<QueryBuilder> NewBuilder(EntityResolver* resolver = nullptr,
                                           bool explain = false) {
    return std::make_unique<QueryBuilder>(reader_.get(), resolver, options_, request_, &response_,
                                          explain);
  }

  // Names ("documents/N" -> "N") of the documents `it` matches, in order.
  std::vector<std::string> Drain(DocIterator* it) {
    std::vector<std::string> names;
    for (; it->doc() != kNoMoreDocs; it->Next()) names.push_back(NameOf(it->doc()));
    return names;
  }

  std::string NameOf(uint64_t doc) {
    for (const auto& [name, number] : numbers_) {
      if (number == doc) return name.substr(name.find('/') + 1);
    }
    return "?";
  }

  // The documents `node` matches, built with a fresh builder.
  std::vector<std::string> Matches(const QueryNode& node) {
    std::unique_ptr<QueryBuilder> builder = NewBuilder();
    absl::StatusOr<DocIteratorPtr> it = builder->Build(node);
    EXPECT_TRUE(it.ok()) << it.status();
    if (!it.ok()) return {};
    return Drain(it->get());
  }

  // Slots covered at document "documents/<n>" by a built iterator.
  uint64_t CoveredAt(DocIterator* it, const std::string& n) {
    it->Advance(numbers_.at("documents/" + n));
    if (it->doc() != numbers_.at("documents/" + n)) return ~uint64_t{0};
    return it->Covered();
  }

  uint64_t Doc(const std::string& n) { return numbers_.at("documents/" + n); }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<SearchIndex> index_;
  std::unique_ptr<SearchIndexReader> reader_;
  std::map<std::string, uint64_t> numbers_;
  RankingOptions options_;
  newsgraph::v1::SearchRequest request_;
  newsgraph::v1::SearchResponse response_;
};

// ---------------------------------------------------------------------------
// Words, phrases, prefixes

TEST_F(QueryBuilderTest, AWordMatchesTheDocumentsHoldingItAndIsHighlighted) {
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it, builder->Build(Term("Harvest")));
  EXPECT_THAT(Drain(it.get()), ElementsAre("3"));
  EXPECT_THAT(builder->highlight().terms, UnorderedElementsAre(AnalyzeWord("harvest", "en")));
  EXPECT_GT(builder->highlight().weights.at(AnalyzeWord("harvest", "en")), 0);
  EXPECT_EQ(builder->match_slots(), 0);
  EXPECT_THAT(builder->proximity(), IsEmpty());
}

TEST_F(QueryBuilderTest, AFieldScopeLimitsAWordToTitleOrBody) {
  EXPECT_THAT(Matches(Term("bank")), ElementsAre("1", "2", "4", "7"));
  EXPECT_THAT(Matches(Term("bank", "title")), ElementsAre("1", "2"));
  EXPECT_THAT(Matches(Term("bank", "body")), ElementsAre("1", "4", "7"));
  EXPECT_THAT(Matches(Term("harvest", "body")), ElementsAre("3"));
  EXPECT_THAT(Matches(Term("planning", "body")), ElementsAre("4"));
  EXPECT_THAT(Matches(Term("planning", "title")), ElementsAre("4"));
  EXPECT_THAT(Matches(Term("office", "body")), IsEmpty());
}

TEST_F(QueryBuilderTest, AWordWithoutWordCharactersMatchesEveryDocument) {
  EXPECT_THAT(Matches(Term("!!!")), ElementsAre("1", "2", "3", "4", "5", "6", "7"));
}

TEST_F(QueryBuilderTest, AQuotedPhraseNeedsItsWordsInOrderAndNextToEachOther) {
  QueryNode phrase{.kind = Kind::kPhrase, .text = "central bank"};
  EXPECT_THAT(Matches(phrase), ElementsAre("1"));
  QueryNode reversed{.kind = Kind::kPhrase, .text = "bank central"};
  EXPECT_THAT(Matches(reversed), IsEmpty());
  QueryNode title_only{.kind = Kind::kPhrase, .field = "title", .text = "bank holiday"};
  EXPECT_THAT(Matches(title_only), ElementsAre("2"));
  QueryNode in_body{.kind = Kind::kPhrase, .field = "body", .text = "bank holiday"};
  EXPECT_THAT(Matches(in_body), IsEmpty());
  // A phrase with a word the index lacks matches nothing but is highlighted.
  QueryNode missing{.kind = Kind::kPhrase, .text = "central zeppelin"};
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it, builder->Build(missing));
  EXPECT_EQ(it->doc(), kNoMoreDocs);
  EXPECT_TRUE(builder->highlight().terms.contains("central"));
}

TEST_F(QueryBuilderTest, AHyphenatedWordIsSearchedAsAPhrase) {
  EXPECT_THAT(Matches(Term("Wal-Mart")), ElementsAre("6"));
  EXPECT_THAT(Matches(Term("central-bank")), ElementsAre("1"));
}

TEST_F(QueryBuilderTest, APrefixMatchesEveryIndexedTermStartingWithIt) {
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it,
                          builder->Build(QueryNode{.kind = Kind::kPrefix, .text = "Cent"}));
  EXPECT_THAT(Drain(it.get()), ElementsAre("1", "3", "4", "7"));
  EXPECT_THAT(builder->highlight().prefixes, ElementsAre("cent"));
  EXPECT_THAT(Matches(QueryNode{.kind = Kind::kPrefix, .text = "zz"}), IsEmpty());
  EXPECT_THAT(Matches(QueryNode{.kind = Kind::kPrefix, .field = "title", .text = "ba"}),
              ElementsAre("1", "2"));
}

TEST_F(QueryBuilderTest, APrefixOfOneCharacterIsRefused) {
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  EXPECT_THAT(builder->Build(QueryNode{.kind = Kind::kPrefix, .text = "c", .begin = 4}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("position 4")));
}

TEST_F(QueryBuilderTest, APrefixMatchingMoreTermsThanAllowedIsRefused) {
  // "ho" stands for "holiday" and "home".
  options_.max_prefix_expansions = 2;
  EXPECT_THAT(Matches(QueryNode{.kind = Kind::kPrefix, .text = "ho"}), ElementsAre("2"));
  options_.max_prefix_expansions = 1;
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  EXPECT_THAT(builder->Build(QueryNode{.kind = Kind::kPrefix, .text = "ho"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("more than 1 indexed")));
}

TEST_F(QueryBuilderTest, MoreTermsThanMaxQueryTermsIsRefused) {
  options_.max_query_terms = 3;
  EXPECT_THAT(Matches(Node(Kind::kAnd, {Term("central"), Term("bank"), Term("rates")})),
              ElementsAre("1"));
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  EXPECT_THAT(
      builder->Build(Node(Kind::kAnd, {Term("central"), Term("bank"), Term("rates"), Term("the")})),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_query_terms")));
  // The words of a phrase count one by one.
  std::unique_ptr<QueryBuilder> phrase_builder = NewBuilder();
  EXPECT_THAT(
      phrase_builder->Build(QueryNode{.kind = Kind::kPhrase, .text = "the central bank raised"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_query_terms")));
}

// ---------------------------------------------------------------------------
// Spelling: variants, typos, compounds

TEST_F(QueryBuilderTest, EitherSpellingOfAWordFindsTheOther) {
  EXPECT_THAT(Matches(Term("organisation")), ElementsAre("6"));
  EXPECT_THAT(Matches(Term("organization")), ElementsAre("6"));
  EXPECT_THAT(response_.corrections(), IsEmpty());
}

TEST_F(QueryBuilderTest, AnUnknownWordIsCorrectedToAnIndexedOneWhenTyposAreTolerated) {
  request_.set_disable_typo_tolerance(false);
  EXPECT_THAT(Matches(Term("harvesk")), ElementsAre("3"));
  EXPECT_THAT(response_.corrections(), ElementsAre("harvesk -> harvest"));
}

TEST_F(QueryBuilderTest, TyposAreNotCorrectedWhenDisabledOrTheWordIsShort) {
  EXPECT_THAT(Matches(Term("harvesk")), IsEmpty());
  request_.set_disable_typo_tolerance(false);
  // Four letters: too short to correct.
  EXPECT_THAT(Matches(Term("bnak")), IsEmpty());
  // Two edits away from "harvest" is too far for a seven-letter word.
  EXPECT_THAT(Matches(Term("hbrvesk")), IsEmpty());
  EXPECT_THAT(response_.corrections(), IsEmpty());
  options_.max_typo_corrections = 0;
  EXPECT_THAT(Matches(Term("harvesk")), IsEmpty());
  EXPECT_THAT(response_.corrections(), IsEmpty());
}

TEST_F(QueryBuilderTest, AnUnknownCompoundIsSearchedAsTheTwoWordsTheIndexHolds) {
  request_.set_disable_typo_tolerance(false);
  EXPECT_THAT(Matches(Term("walmart")), ElementsAre("6"));
  EXPECT_THAT(response_.corrections(), ElementsAre("walmart -> wal mart"));
}

TEST_F(QueryBuilderTest, AnExcludedWordIsNeitherCorrectedNorHighlighted) {
  request_.set_disable_typo_tolerance(false);
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it, builder->Build(Node(Kind::kNot, {Term("harvesk")})));
  EXPECT_THAT(Drain(it.get()), ElementsAre("1", "2", "3", "4", "5", "6", "7"));
  EXPECT_THAT(response_.corrections(), IsEmpty());
  EXPECT_THAT(builder->highlight().terms, IsEmpty());
}

// ---------------------------------------------------------------------------
// Boolean structure, exclusion, dates

TEST_F(QueryBuilderTest, AndRequiresEveryWordAndOrAnyOfThem) {
  EXPECT_THAT(Matches(Node(Kind::kAnd, {Term("central"), Term("bank")})),
              ElementsAre("1", "4", "7"));
  EXPECT_THAT(Matches(Node(Kind::kOr, {Term("holiday"), Term("harvest")})), ElementsAre("2", "3"));
  EXPECT_THAT(Matches(Node(Kind::kAnd, {Term("holiday"), Term("harvest")})), IsEmpty());
  EXPECT_THAT(Matches(Node(Kind::kAnd, {Term("zeppelin"), Term("bank")})), IsEmpty());
}

TEST_F(QueryBuilderTest, AdjacentRequiredWordsGetOneProximityScorer) {
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it,
                          builder->Build(Node(Kind::kAnd, {Term("central"), Term("bank")})));
  ASSERT_EQ(builder->proximity().size(), 1u);
  // Next to each other in document 1; three apart and reversed in 4.
  EXPECT_GT(builder->proximity()[0]->ScoreAt(Doc("1")), 0);
  EXPECT_EQ(builder->proximity()[0]->ScoreAt(Doc("4")), 0);

  options_.proximity_boost = 0;
  std::unique_ptr<QueryBuilder> without = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr plain,
                          without->Build(Node(Kind::kAnd, {Term("central"), Term("bank")})));
  EXPECT_THAT(Drain(plain.get()), ElementsAre("1", "4", "7"));
  EXPECT_THAT(without->proximity(), IsEmpty());
}

TEST_F(QueryBuilderTest, AWordThatIsNotPlainBreaksTheProximityRun) {
  // A field-scoped word is not a plain word: two runs of one word each.
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(
      DocIteratorPtr it,
      builder->Build(Node(Kind::kAnd, {Term("central"), Term("rates", "title"), Term("bank")})));
  EXPECT_THAT(Drain(it.get()), ElementsAre("1"));
  EXPECT_THAT(builder->proximity(), IsEmpty());
}

TEST_F(QueryBuilderTest, ProximityScorersAndTheirLabelsCorrespond) {
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  QueryNode match = Node(Kind::kMatch, {Term("bank"), Term("holiday")});
  NG_ASSERT_OK_AND_ASSIGN(
      DocIteratorPtr it,
      builder->Build(Node(Kind::kAnd, {Term("central"), Term("bank"), std::move(match)})));
  ASSERT_EQ(builder->proximity().size(), 2u);
  EXPECT_EQ(builder->proximity_labels().size(), builder->proximity().size());
}

TEST_F(QueryBuilderTest, NotExcludesAndExcludedWordsAreNotHighlighted) {
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(
      DocIteratorPtr it,
      builder->Build(Node(Kind::kAnd, {Term("bank"), Node(Kind::kNot, {Term("holiday")})})));
  EXPECT_THAT(Drain(it.get()), ElementsAre("1", "4", "7"));
  EXPECT_TRUE(builder->highlight().terms.contains("bank"));
  EXPECT_FALSE(builder->highlight().terms.contains(AnalyzeWord("holiday", "en")));
  // On its own, NOT keeps every other document.
  EXPECT_THAT(Matches(Node(Kind::kNot, {Term("bank")})), ElementsAre("3", "5", "6"));
  // Only NOT parts in an AND: every document without them.
  EXPECT_THAT(Matches(Node(Kind::kAnd, {Node(Kind::kNot, {Term("central")}),
                                        Node(Kind::kNot, {Term("bank")})})),
              ElementsAre("5", "6"));
}

TEST_F(QueryBuilderTest, ADateRangeIncludesItsStartExcludesItsEndAndUndatedDocuments) {
  QueryNode range{.kind = Kind::kDateRange, .field = "published"};
  range.from = Day(2023, 1, 1);
  range.to = Day(2024, 1, 1);
  EXPECT_THAT(Matches(range), ElementsAre("1", "4"));
  range.from = Day(2024, 1, 1);
  range.to = absl::InfiniteFuture();
  EXPECT_THAT(Matches(range), ElementsAre("3"));
  // Open at both ends: every dated document, never the undated one (5).
  QueryNode open{.kind = Kind::kDateRange, .field = "published"};
  EXPECT_THAT(Matches(open), ElementsAre("1", "2", "3", "4", "6", "7"));
  // Empty range.
  range.from = Day(2023, 3, 1);
  range.to = Day(2023, 3, 1);
  EXPECT_THAT(Matches(range), IsEmpty());
}

TEST_F(QueryBuilderTest, ADateRangeInAnAndFiltersTheOtherParts) {
  QueryNode range{.kind = Kind::kDateRange, .field = "published"};
  range.from = Day(2023, 1, 1);
  EXPECT_THAT(Matches(Node(Kind::kAnd, {Term("bank"), range})), ElementsAre("1", "4"));
  range.from = Day(2021, 1, 1);
  range.to = Day(2023, 1, 1);
  EXPECT_THAT(Matches(Node(Kind::kAnd, {Term("central"), range})), IsEmpty());
}

// ---------------------------------------------------------------------------
// Keyword fields

TEST_F(QueryBuilderTest, SourceAndLanguageMatchTheirFoldedValue) {
  EXPECT_THAT(Matches(Keyword("source", "reuters")), ElementsAre("1", "4"));
  EXPECT_THAT(Matches(Keyword("source", "BBC")), ElementsAre("3", "6", "7"));
  EXPECT_THAT(Matches(Keyword("source", "AP")), IsEmpty());
  EXPECT_THAT(Matches(Keyword("language", "EN")), ElementsAre("1", "2", "3", "4", "5", "6", "7"));
  EXPECT_THAT(Matches(Keyword("language", "de")), IsEmpty());
}

TEST_F(QueryBuilderTest, TypeMatchesDocumentsWithAnEntityOfTheType) {
  EXPECT_THAT(Matches(Keyword("type", "org")), ElementsAre("1", "3", "5"));
  EXPECT_THAT(Matches(Keyword("type", "GPE")), ElementsAre("6"));
  EXPECT_THAT(Matches(Keyword("type", "PERSON")), IsEmpty());
  for (const std::string bad : {"bogus", "entity_type_unspecified", ""}) {
    std::unique_ptr<QueryBuilder> builder = NewBuilder();
    EXPECT_THAT(builder->Build(QueryNode{.kind = Kind::kKeyword, .field = "type", .text = bad}),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown entity type")))
        << bad;
  }
}

TEST_F(QueryBuilderTest, EntityByNameMatchesEveryMentionAndAboutOnlySalientOnes) {
  EXPECT_THAT(Matches(Keyword("entity", "entities/7")), ElementsAre("1", "3", "5"));
  // Document 3 mentions it with salience 0.1, below the default 0.3.
  EXPECT_THAT(Matches(Keyword("about", "entities/7")), ElementsAre("1", "5"));
  request_.set_min_salience(0.8f);
  EXPECT_THAT(Matches(Keyword("about", "entities/7")), ElementsAre("1"));
  request_.set_min_salience(0.05f);
  EXPECT_THAT(Matches(Keyword("about", "entities/7")), ElementsAre("1", "3", "5"));
  EXPECT_THAT(Matches(Keyword("entity", "entities/404")), IsEmpty());
}

TEST_F(QueryBuilderTest, EntityByTextWithoutAResolverMatchesNothingWithAWarning) {
  EXPECT_THAT(Matches(Keyword("entity", "European Central Bank")), IsEmpty());
  ASSERT_EQ(response_.warnings_size(), 1);
  EXPECT_THAT(response_.warnings(0), HasSubstr("no entity service is configured"));
}

TEST_F(QueryBuilderTest, EntityByTextUsesTheCandidatesOfASpanCoveringTheWholeValue) {
  const std::string value = "European Central Bank";
  FixedResolver resolver;
  auto* span = resolver.response.add_spans();
  span->mutable_span()->set_byte_begin(0);
  span->mutable_span()->set_byte_end(static_cast<uint32_t>(value.size()));
  span->add_candidates()->mutable_entity()->set_name("entities/7");
  span->add_candidates()->mutable_entity()->set_name("entities/9");
  // A span over part of the value names nothing.
  auto* part = resolver.response.add_spans();
  part->mutable_span()->set_byte_begin(9);
  part->mutable_span()->set_byte_end(static_cast<uint32_t>(value.size()));
  part->add_candidates()->mutable_entity()->set_name("entities/404");
  std::unique_ptr<QueryBuilder> builder = NewBuilder(&resolver);
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it, builder->Build(Keyword("entity", value)));
  EXPECT_THAT(Drain(it.get()), ElementsAre("1", "3", "5", "6"));
  EXPECT_THAT(resolver.asked, ElementsAre(value));
  EXPECT_THAT(response_.warnings(), IsEmpty());

  // Only the partial span: nothing.
  resolver.response.mutable_spans()->DeleteSubrange(0, 1);
  std::unique_ptr<QueryBuilder> partial = NewBuilder(&resolver);
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr none, partial->Build(Keyword("entity", value)));
  EXPECT_EQ(none->doc(), kNoMoreDocs);
}

TEST_F(QueryBuilderTest, AResolverErrorBecomesAWarningNotAFailure) {
  FixedResolver resolver;
  resolver.error = absl::UnavailableError("entity service down");
  std::unique_ptr<QueryBuilder> builder = NewBuilder(&resolver);
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it, builder->Build(Keyword("entity", "ECB")));
  EXPECT_EQ(it->doc(), kNoMoreDocs);
  ASSERT_EQ(response_.warnings_size(), 1);
  EXPECT_THAT(response_.warnings(0), HasSubstr("entity service down"));
}

// ---------------------------------------------------------------------------
// Coordinated plain words, entity groups, acronyms, proximity pairs

TEST_F(QueryBuilderTest, PlainWordsMatchAnyAndCoverOneSlotEach) {
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it,
                          builder->Build(Node(Kind::kMatch, {Term("central"), Term("bank")})));
  EXPECT_EQ(builder->match_slots(), 2);
  EXPECT_EQ(CoveredAt(it.get(), "1"), 0b11u);
  EXPECT_EQ(CoveredAt(it.get(), "2"), 0b10u);
  EXPECT_EQ(CoveredAt(it.get(), "3"), 0b01u);
  std::unique_ptr<QueryBuilder> again = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr all,
                          again->Build(Node(Kind::kMatch, {Term("central"), Term("bank")})));
  EXPECT_THAT(Drain(all.get()), ElementsAre("1", "2", "3", "4", "7"));
}

TEST_F(QueryBuilderTest, AHyphenatedWordIsOneSlot) {
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it,
                          builder->Build(Node(Kind::kMatch, {Term("Wal-Mart"), Term("harvest")})));
  EXPECT_EQ(builder->match_slots(), 2);
  EXPECT_EQ(CoveredAt(it.get(), "3"), 0b10u);
  EXPECT_EQ(CoveredAt(it.get(), "6"), 0b01u);
}

TEST_F(QueryBuilderTest, MatchSlotsAreThoseOfTheFirstCoordinatedDisjunction) {
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  QueryNode first = Node(Kind::kMatch, {Term("central"), Term("bank"), Term("rates")});
  QueryNode second = Node(Kind::kMatch, {Term("holiday")});
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it,
                          builder->Build(Node(Kind::kOr, {std::move(first), std::move(second)})));
  EXPECT_EQ(builder->match_slots(), 3);
  // An empty match still counts one slot.
  std::unique_ptr<QueryBuilder> empty = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr none, empty->Build(Node(Kind::kMatch, {})));
  EXPECT_EQ(none->doc(), kNoMoreDocs);
  EXPECT_EQ(empty->match_slots(), 1);
}

TEST_F(QueryBuilderTest, SlotsBeyondSixtyFourShareTheLastBit) {
  std::vector<QueryNode> words;
  for (int i = 0; i < 70; ++i) words.push_back(Term("bank"));
  words.push_back(Term("harvest"));
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it, builder->Build(Node(Kind::kMatch, std::move(words))));
  EXPECT_EQ(builder->match_slots(), 64);
  EXPECT_EQ(CoveredAt(it.get(), "3"), uint64_t{1} << 63);
  EXPECT_EQ(CoveredAt(it.get(), "4"), ~uint64_t{0});
}

TEST_F(QueryBuilderTest, PlainWordsAboveAMatchRequiredDecideAndTheMatchOnlyRanks) {
  // AND(holiday, MATCH(central, bank)): only "holiday" is required.
  QueryNode root = Node(Kind::kAnd, {Term("holiday"), Node(Kind::kMatch, {Term("central")})});
  EXPECT_THAT(Matches(root), ElementsAre("2"));
  // A match alone in an AND decides by itself.
  EXPECT_THAT(Matches(Node(Kind::kAnd, {Node(Kind::kMatch, {Term("harvest"), Term("holiday")})})),
              ElementsAre("2", "3"));
}

TEST_F(QueryBuilderTest, AnEntityGroupCoversTheSlotsOfTheWordsThatSpellIt) {
  QueryNode group = Node(Kind::kEntityGroup, {Term("european"), Term("central"), Term("bank"),
                                              Keyword("entity", "entities/7")});
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it, builder->Build(Node(Kind::kMatch, {group})));
  EXPECT_EQ(builder->match_slots(), 3);
  // Document 5 names the entity without any of the words.
  EXPECT_EQ(CoveredAt(it.get(), "2"), 0b100u);
  EXPECT_EQ(CoveredAt(it.get(), "5"), 0b111u);
  // The words of one name earn no proximity pair of their own.
  EXPECT_THAT(builder->proximity(), IsEmpty());

  // Built directly, a group is a match of itself.
  std::unique_ptr<QueryBuilder> direct = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr alone, direct->Build(group));
  EXPECT_THAT(Drain(alone.get()), ElementsAre("1", "2", "3", "4", "5", "7"));
  EXPECT_EQ(direct->match_slots(), 3);
}

// One organisation under two entities (named in full and by its initials):
// a document mentioning either stands for the words.
TEST_F(QueryBuilderTest, AnEntityGroupOfTwoEntitiesCoversTheWordsWhereEitherIsMentioned) {
  QueryNode entities =
      Node(Kind::kOr, {Keyword("entity", "entities/7"), Keyword("entity", "entities/9")});
  QueryNode group = Node(Kind::kEntityGroup,
                         {Term("european"), Term("central"), Term("bank"), std::move(entities)});
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it, builder->Build(Node(Kind::kMatch, {group})));
  EXPECT_EQ(CoveredAt(it.get(), "5"), 0b111u);
  EXPECT_EQ(CoveredAt(it.get(), "6"), 0b111u);
  EXPECT_THAT(Matches(Node(Kind::kMatch, {group})), ElementsAre("1", "2", "3", "4", "5", "6", "7"));
}

TEST_F(QueryBuilderTest, AnEntityGroupOfAnUnindexedEntityStillMatchesItsWords) {
  QueryNode group =
      Node(Kind::kEntityGroup, {Term("wheat"), Term("harvest"), Keyword("entity", "entities/404")});
  EXPECT_THAT(Matches(Node(Kind::kMatch, {group})), ElementsAre("3"));
}

TEST_F(QueryBuilderTest, AWordNextToAnEntityGroupEarnsAProximityPair) {
  QueryNode group =
      Node(Kind::kEntityGroup, {Term("central"), Term("bank"), Keyword("entity", "entities/7")});
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it,
                          builder->Build(Node(Kind::kMatch, {group, Term("holiday")})));
  EXPECT_THAT(builder->proximity_labels(), ElementsAre("proximity 'bank holiday'"));
  ASSERT_EQ(builder->proximity().size(), 1u);
  EXPECT_EQ(builder->proximity()[0]->ScoreAt(Doc("1")), 0);
  EXPECT_GT(builder->proximity()[0]->ScoreAt(Doc("2")), 0);
}

TEST_F(QueryBuilderTest, AdjacentPlainWordsEarnAProximityPairWithinTheSlop) {
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it,
                          builder->Build(Node(Kind::kMatch, {Term("central"), Term("bank")})));
  EXPECT_THAT(builder->proximity_labels(), ElementsAre("proximity 'central bank'"));
  ASSERT_EQ(builder->proximity().size(), 1u);
  // Document 4 has "bank of central": three positions from where the query
  // puts "bank", beyond the default slop of 2.
  EXPECT_GT(builder->proximity()[0]->ScoreAt(Doc("1")), 0);
  EXPECT_EQ(builder->proximity()[0]->ScoreAt(Doc("4")), 0);
  EXPECT_GT(builder->proximity()[0]->ScoreAt(Doc("7")), 0);  // two apart

  options_.proximity_slop = 3;
  std::unique_ptr<QueryBuilder> wider = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it3,
                          wider->Build(Node(Kind::kMatch, {Term("central"), Term("bank")})));
  ASSERT_EQ(wider->proximity().size(), 1u);
  EXPECT_GT(wider->proximity()[0]->ScoreAt(Doc("4")), 0);

  options_.proximity_slop = 0;
  std::unique_ptr<QueryBuilder> exact = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it0,
                          exact->Build(Node(Kind::kMatch, {Term("central"), Term("bank")})));
  ASSERT_EQ(exact->proximity().size(), 1u);
  EXPECT_GT(exact->proximity()[0]->ScoreAt(Doc("1")), 0);
  EXPECT_EQ(exact->proximity()[0]->ScoreAt(Doc("7")), 0);
}

TEST_F(QueryBuilderTest, SkippedFunctionWordsWidenTheExpectedDistance) {
  // "central ... bank" with two words left out between them in the query.
  options_.proximity_slop = 0;
  QueryNode bank = Term("bank");
  bank.skipped_before = 2;
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it,
                          builder->Build(Node(Kind::kMatch, {Term("central"), bank})));
  ASSERT_EQ(builder->proximity().size(), 1u);
  EXPECT_EQ(builder->proximity()[0]->ScoreAt(Doc("1")), 0);
  EXPECT_GT(builder->proximity()[0]->ScoreAt(Doc("7")), 0);  // "Central and the bank"
}

TEST_F(QueryBuilderTest, NoProximityPairForAnUnindexedWordOrWhenTurnedOff) {
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it,
                          builder->Build(Node(Kind::kMatch, {Term("central"), Term("zeppelin")})));
  EXPECT_THAT(builder->proximity(), IsEmpty());
  options_.proximity_boost = 0;
  std::unique_ptr<QueryBuilder> off = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it2,
                          off->Build(Node(Kind::kMatch, {Term("central"), Term("bank")})));
  EXPECT_THAT(off->proximity(), IsEmpty());
  EXPECT_THAT(off->proximity_labels(), IsEmpty());
}

TEST_F(QueryBuilderTest, ThreeCapitalizedWordsAlsoMatchTheirInitials) {
  std::unique_ptr<QueryBuilder> builder = NewBuilder();
  NG_ASSERT_OK_AND_ASSIGN(
      DocIteratorPtr it, builder->Build(Node(Kind::kMatch, {Term("International"), Term("Business"),
                                                            Term("Machines")})));
  EXPECT_TRUE(builder->highlight().terms.contains("ibm"));
  EXPECT_EQ(builder->match_slots(), 3);
  EXPECT_EQ(CoveredAt(it.get(), "6"), 0b111u);
}

TEST_F(QueryBuilderTest, NoInitialsForLowerCaseAllCapsOrShortRuns) {
  EXPECT_THAT(
      Matches(Node(Kind::kMatch, {Term("international"), Term("business"), Term("machines")})),
      IsEmpty());
  EXPECT_THAT(
      Matches(Node(Kind::kMatch, {Term("INTERNATIONAL"), Term("BUSINESS"), Term("MACHINES")})),
      IsEmpty());
  EXPECT_THAT(Matches(Node(Kind::kMatch, {Term("Intl"), Term("Business"), Term("Machines")})),
              ElementsAre("6"));
  EXPECT_THAT(Matches(Node(Kind::kMatch, {Term("Business"), Term("Machines")})), IsEmpty());
  // A lower-case word breaks the run into runs too short.
  EXPECT_THAT(
      Matches(Node(Kind::kMatch, {Term("International"), Term("business"), Term("Machines")})),
      IsEmpty());
}

TEST_F(QueryBuilderTest, ExplainLabelsTheLeaves) {
  std::unique_ptr<QueryBuilder> builder = NewBuilder(nullptr, /*explain=*/true);
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr it, builder->Build(Term("bank", "title")));
  ASSERT_NE(it->doc(), kNoMoreDocs);
  std::vector<ScoreComponent> parts;
  it->Explain(&parts);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].description, "bm25f title:word 'bank'");
  EXPECT_GT(parts[0].value, 0);

  std::unique_ptr<QueryBuilder> keyword = NewBuilder(nullptr, /*explain=*/true);
  NG_ASSERT_OK_AND_ASSIGN(DocIteratorPtr source, keyword->Build(Keyword("source", "TASS")));
  std::vector<ScoreComponent> source_parts;
  source->Explain(&source_parts);
  ASSERT_FALSE(source_parts.empty());
  EXPECT_EQ(source_parts.back().description, "source:TASS");
}

// ---------------------------------------------------------------------------
// RewriteWithEntities

newsgraph::v1::ResolveEntitiesResponse Resolved(size_t begin, size_t end, const std::string& name,
                                                float score = 0.9f) {
  newsgraph::v1::ResolveEntitiesResponse resolved;
  auto* span = resolved.add_spans();
  span->mutable_span()->set_byte_begin(static_cast<uint32_t>(begin));
  span->mutable_span()->set_byte_end(static_cast<uint32_t>(end));
  auto* candidate = span->add_candidates();
  candidate->set_score(score);
  candidate->mutable_entity()->set_name(name);
  return resolved;
}

// "european central bank rates" as the parser would place it.
std::vector<QueryNode> QueryWords() {
  std::vector<QueryNode> words;
  size_t at = 0;
  for (const std::string w : {"european", "central", "bank", "rates"}) {
    words.push_back(QueryNode{.kind = Kind::kTerm, .text = w, .begin = at, .end = at + w.size()});
    at += w.size() + 1;
  }
  return words;
}

TEST(RewriteWithEntitiesTest, WordsSpellingAnEntityInAnAndBecomeWordsOrEntity) {
  QueryNode root = Node(Kind::kAnd, QueryWords());
  RewriteWithEntities(Resolved(0, 21, "entities/7"), &root);
  ASSERT_EQ(root.children.size(), 2u);
  const QueryNode& either = root.children[0];
  EXPECT_EQ(either.kind, Kind::kOr);
  ASSERT_EQ(either.children.size(), 2u);
  EXPECT_EQ(either.children[0].kind, Kind::kAnd);
  ASSERT_EQ(either.children[0].children.size(), 3u);
  EXPECT_EQ(either.children[0].children[2].text, "bank");
  EXPECT_EQ(either.children[1].kind, Kind::kKeyword);
  EXPECT_EQ(either.children[1].field, "entity");
  EXPECT_EQ(either.children[1].text, "entities/7");
  EXPECT_EQ(either.children[1].begin, 0u);
  EXPECT_EQ(either.children[1].end, 21u);
  EXPECT_EQ(root.children[1].text, "rates");
}

TEST(RewriteWithEntitiesTest, WordsSpellingAnEntityInAMatchBecomeAnEntityGroup) {
  QueryNode root = Node(Kind::kMatch, QueryWords());
  RewriteWithEntities(Resolved(9, 21, "entities/7"), &root);
  ASSERT_EQ(root.children.size(), 3u);
  EXPECT_EQ(root.children[0].text, "european");
  const QueryNode& group = root.children[1];
  EXPECT_EQ(group.kind, Kind::kEntityGroup);
  ASSERT_EQ(group.children.size(), 3u);
  EXPECT_EQ(group.children[0].text, "central");
  EXPECT_EQ(group.children[1].text, "bank");
  EXPECT_EQ(group.children[2].kind, Kind::kKeyword);
  EXPECT_EQ(group.children[2].text, "entities/7");
  EXPECT_EQ(root.children[2].text, "rates");
}

TEST(RewriteWithEntitiesTest, OrganisationsNamedByTheirInitialsJoinTheBestCandidate) {
  newsgraph::v1::ResolveEntitiesResponse resolved = Resolved(9, 21, "entities/7");
  auto* span = resolved.mutable_spans(0);
  auto* initials = span->add_candidates();
  initials->mutable_entity()->set_name("entities/9");
  initials->set_match(newsgraph::v1::NAME_MATCH_INITIALS);
  span->add_candidates()->mutable_entity()->set_name("entities/11");  // another reading
  QueryNode root = Node(Kind::kMatch, QueryWords());
  RewriteWithEntities(resolved, &root);
  ASSERT_EQ(root.children.size(), 3u);
  const QueryNode& group = root.children[1];
  ASSERT_EQ(group.kind, Kind::kEntityGroup);
  ASSERT_EQ(group.children.size(), 3u);
  const QueryNode& entities = group.children[2];
  EXPECT_EQ(entities.kind, Kind::kOr);
  ASSERT_EQ(entities.children.size(), 2u);
  EXPECT_EQ(entities.children[0].text, "entities/7");
  EXPECT_EQ(entities.children[1].text, "entities/9");
}

TEST(RewriteWithEntitiesTest, OneWordInAMatchIsAGroupOfOneAndInAnAndAWordOrEntity) {
  QueryNode match = Node(Kind::kMatch, QueryWords());
  RewriteWithEntities(Resolved(17, 21, "entities/8"), &match);
  ASSERT_EQ(match.children.size(), 4u);
  EXPECT_EQ(match.children[2].kind, Kind::kEntityGroup);
  EXPECT_EQ(match.children[2].children.size(), 2u);

  QueryNode conjunction = Node(Kind::kAnd, QueryWords());
  RewriteWithEntities(Resolved(17, 21, "entities/8"), &conjunction);
  ASSERT_EQ(conjunction.children.size(), 4u);
  const QueryNode& either = conjunction.children[2];
  EXPECT_EQ(either.kind, Kind::kOr);
  ASSERT_EQ(either.children.size(), 2u);
  EXPECT_EQ(either.children[0].kind, Kind::kTerm);
  EXPECT_EQ(either.children[0].text, "bank");
  EXPECT_EQ(either.children[1].text, "entities/8");
}

TEST(RewriteWithEntitiesTest, AQuotedPhraseIsMatchedInsideItsQuotes) {
  // "\"central bank\" rates": the phrase spans 0..14, its words 1..13.
  QueryNode phrase{.kind = Kind::kPhrase, .text = "central bank", .begin = 0, .end = 14};
  QueryNode root =
      Node(Kind::kAnd,
           {phrase, QueryNode{.kind = Kind::kTerm, .text = "rates", .begin = 15, .end = 20}});
  RewriteWithEntities(Resolved(1, 13, "entities/7"), &root);
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(root.children[0].kind, Kind::kOr);
  ASSERT_EQ(root.children[0].children.size(), 2u);
  EXPECT_EQ(root.children[0].children[0].kind, Kind::kPhrase);
  EXPECT_EQ(root.children[0].children[1].text, "entities/7");
}

TEST(RewriteWithEntitiesTest, LeavesTheQueryAloneForWeakUnwantedOrMisalignedSpans) {
  const QueryNode original = Node(Kind::kAnd, QueryWords());
  auto unchanged = [&](const QueryNode& root) {
    ASSERT_EQ(root.children.size(), original.children.size());
    for (size_t i = 0; i < root.children.size(); ++i) {
      EXPECT_EQ(root.children[i].kind, Kind::kTerm);
      EXPECT_EQ(root.children[i].text, original.children[i].text);
    }
  };
  QueryNode weak = original;
  RewriteWithEntities(Resolved(0, 21, "entities/7", 0.1f), &weak);
  unchanged(weak);
  QueryNode unwanted = original;
  RewriteWithEntities(Resolved(0, 21, "entities/7"), &unwanted,
                      [](const newsgraph::v1::ResolvedSpan&) { return false; });
  unchanged(unwanted);
  QueryNode misaligned = original;
  RewriteWithEntities(Resolved(2, 21, "entities/7"), &misaligned);
  unchanged(misaligned);
  QueryNode no_candidates = original;
  newsgraph::v1::ResolveEntitiesResponse empty = Resolved(0, 21, "entities/7");
  empty.mutable_spans(0)->clear_candidates();
  RewriteWithEntities(empty, &no_candidates);
  unchanged(no_candidates);
  // A field-scoped word is not a plain word.
  QueryNode scoped = original;
  scoped.children[2].field = "title";
  RewriteWithEntities(Resolved(17, 21, "entities/7"), &scoped);
  EXPECT_EQ(scoped.children[2].kind, Kind::kTerm);
}

TEST(RewriteWithEntitiesTest, WordsUnderANotAreLeftAlone) {
  QueryNode root = Node(
      Kind::kAnd,
      {Node(Kind::kNot, {QueryNode{.kind = Kind::kTerm, .text = "bank", .begin = 1, .end = 5}})});
  RewriteWithEntities(Resolved(1, 5, "entities/7"), &root);
  ASSERT_EQ(root.children[0].children.size(), 1u);
  EXPECT_EQ(root.children[0].children[0].kind, Kind::kTerm);
}

// ---------------------------------------------------------------------------
// AddFilters

TEST(AddFiltersTest, AppendsOneRequiredClausePerFilterWithDistinctValues) {
  newsgraph::v1::SearchFilter filter;
  filter.add_sources("Reuters");
  filter.add_sources("TASS");
  filter.add_sources("Reuters");
  filter.add_languages("en");
  filter.add_entity_types(newsgraph::v1::ORG);
  filter.add_entity_types(newsgraph::v1::ORG);
  filter.add_entity_types(newsgraph::v1::GPE);
  filter.add_entities("entities/7");
  filter.add_entities("entities/7");
  filter.add_entities("Zhang Ming");
  filter.mutable_published_after()->set_seconds(absl::ToUnixSeconds(Day(2023, 1, 1)));
  QueryNode root = Node(Kind::kAnd, {Term("bank")});
  AddFilters(filter, &root);
  ASSERT_EQ(root.children.size(), 7u);
  EXPECT_EQ(root.children[0].text, "bank");

  const QueryNode& sources = root.children[1];
  EXPECT_EQ(sources.kind, Kind::kOr);
  ASSERT_EQ(sources.children.size(), 2u);
  EXPECT_EQ(sources.children[0].field, "source");
  EXPECT_EQ(sources.children[0].text, "Reuters");
  EXPECT_EQ(sources.children[1].text, "TASS");

  ASSERT_EQ(root.children[2].children.size(), 1u);
  EXPECT_EQ(root.children[2].children[0].field, "language");

  const QueryNode& types = root.children[3];
  ASSERT_EQ(types.children.size(), 2u);
  EXPECT_EQ(types.children[0].field, "type");
  EXPECT_EQ(types.children[0].text, "ORG");
  EXPECT_EQ(types.children[1].text, "GPE");

  EXPECT_EQ(root.children[4].kind, Kind::kKeyword);
  EXPECT_EQ(root.children[4].field, "entity");
  EXPECT_EQ(root.children[4].text, "entities/7");
  EXPECT_EQ(root.children[5].text, "Zhang Ming");

  const QueryNode& range = root.children[6];
  EXPECT_EQ(range.kind, Kind::kDateRange);
  EXPECT_EQ(range.from, Day(2023, 1, 1));
  EXPECT_EQ(range.to, absl::InfiniteFuture());
}

TEST(AddFiltersTest, AnEmptyFilterAddsNothingAndABeforeBoundIsTheRangeEnd) {
  QueryNode root = Node(Kind::kAnd, {});
  AddFilters(newsgraph::v1::SearchFilter(), &root);
  EXPECT_THAT(root.children, IsEmpty());
  newsgraph::v1::SearchFilter filter;
  filter.mutable_published_before()->set_seconds(absl::ToUnixSeconds(Day(2020, 2, 29)));
  AddFilters(filter, &root);
  ASSERT_EQ(root.children.size(), 1u);
  EXPECT_EQ(root.children[0].from, absl::InfinitePast());
  EXPECT_EQ(root.children[0].to, Day(2020, 2, 29));
}

TEST_F(QueryBuilderTest, FiltersAddedToAQueryNarrowItsDocuments) {
  newsgraph::v1::SearchFilter filter;
  filter.add_sources("BBC");
  filter.add_entity_types(newsgraph::v1::ORG);
  QueryNode root = Node(Kind::kAnd, {Term("central")});
  AddFilters(filter, &root);
  EXPECT_THAT(Matches(root), ElementsAre("3"));
}

}  // namespace
}  // namespace newsgraph::search
