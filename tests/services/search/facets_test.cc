#include "services/search/facets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/search/search_keyspace.h"
#include "storage/rocksdb_kv_store.h"
#include "tests/testing/search_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::search {
namespace {

using ::newsgraph::testing::StatusIs;
using newsgraph::v1::SearchRequest;
using newsgraph::v1::SearchResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// (value, count, label) of a facet's values, in response order.
using Values = std::vector<std::tuple<std::string, int64_t, std::string>>;

struct Entity {
  std::string name;
  std::string canonical_name;
  newsgraph::v1::EntityType type;
};

SearchRequest Request(const std::vector<std::string>& facets) {
  SearchRequest request;
  for (const std::string& f : facets) request.add_facets(f);
  return request;
}

absl::Time Utc(int year, int month, int day, int hour, int minute) {
  return absl::FromCivil(absl::CivilMinute(year, month, day, hour, minute), absl::UTCTimeZone());
}

class FacetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ::newsgraph::testing::OpenSearchStore(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto index = SearchIndex::Open(store_.get());
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = *std::move(index);
  }

  void Add(const std::string& name, const std::string& source, const std::string& language = "en",
           std::optional<absl::Time> published = std::nullopt,
           const std::vector<Entity>& entities = {}) {
    newsgraph::v1::IndexDocumentRequest request;
    auto* doc = request.mutable_document();
    doc->set_name(name);
    doc->set_version(1);
    doc->set_title("Title");
    doc->set_text("Some text.");
    doc->set_source(source);
    doc->set_language(language);
    if (published.has_value()) {
      doc->mutable_published_time()->set_seconds(absl::ToUnixSeconds(*published));
    }
    for (const Entity& e : entities) {
      auto* entity = request.add_entities();
      entity->set_entity(e.name);
      entity->set_canonical_name(e.canonical_name);
      entity->set_type(e.type);
      entity->set_mention_count(1);
      entity->set_salience(0.5f);
    }
    auto applied = index_->IndexDocument(request);
    ASSERT_TRUE(applied.ok()) << applied.status();
  }

  // Hits for the named documents, best first in the given order.
  std::vector<ScoredDoc> Hits(const std::vector<std::string>& names) {
    std::map<std::string, uint64_t> numbers;
    SearchIndexReader reader(index_.get());
    for (DocIteratorPtr all = MakeAllDocuments(&reader); all->doc() != kNoMoreDocs; all->Next()) {
      auto stored = reader.StoredDocument(all->doc());
      EXPECT_TRUE(stored.ok()) << stored.status();
      if (stored.ok()) numbers[stored->document().name()] = all->doc();
    }
    std::vector<ScoredDoc> hits;
    double score = static_cast<double>(names.size());
    for (const std::string& name : names) {
      EXPECT_TRUE(numbers.contains(name)) << name;
      hits.push_back({.doc = numbers[name], .score = score--});
    }
    return hits;
  }

  absl::Status Count(const std::vector<ScoredDoc>& hits, const SearchRequest& request,
                     SearchResponse* response, const StopCheck& stop = {}) {
    SearchIndexReader reader(index_.get());
    return CountFacets(&reader, hits, options_, request, stop, response);
  }

  static Values ValuesOf(const SearchResponse& response, const std::string& field) {
    Values values;
    for (const auto& facet : response.facets()) {
      if (facet.field() != field) continue;
      for (const auto& v : facet.values()) values.emplace_back(v.value(), v.count(), v.label());
    }
    return values;
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<SearchIndex> index_;
  RankingOptions options_;
};

TEST(ValidateFacetsTest, AcceptsEverySupportedFieldUpToTheLimit) {
  NG_EXPECT_OK(ValidateFacets(
      Request({"source", "language", "entity", "entity_type", "published_year"}), 5));
  NG_EXPECT_OK(ValidateFacets(Request({}), 0));
}

TEST(ValidateFacetsTest, RejectsAnUnknownFieldByName) {
  EXPECT_THAT(ValidateFacets(Request({"source", "author"}), 16),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("author")));
  EXPECT_THAT(ValidateFacets(Request({"Source"}), 16),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Source")));
}

TEST(ValidateFacetsTest, RejectsMoreEntriesThanTheLimitCountingRepeats) {
  EXPECT_THAT(ValidateFacets(Request({"source", "language", "entity"}), 2),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateFacets(Request({"source", "source", "source"}), 2),
              StatusIs(absl::StatusCode::kInvalidArgument));
  NG_EXPECT_OK(ValidateFacets(Request({"source", "source"}), 2));
}

TEST_F(FacetsTest, CountsSourcesOverTheHitsCountDescending) {
  Add("documents/1", "TASS");
  Add("documents/2", "Reuters");
  Add("documents/3", "BBC");
  Add("documents/4", "Reuters");
  Add("documents/5", "TASS");
  Add("documents/6", "Reuters");
  SearchResponse response;
  NG_ASSERT_OK(Count(Hits({"documents/1", "documents/2", "documents/3", "documents/4",
                           "documents/5", "documents/6"}),
                     Request({"source"}), &response));
  ASSERT_EQ(response.facets_size(), 1);
  EXPECT_EQ(response.facets(0).field(), "source");
  EXPECT_THAT(ValuesOf(response, "source"),
              ElementsAre(std::tuple("Reuters", 3, "Reuters"), std::tuple("TASS", 2, "TASS"),
                          std::tuple("BBC", 1, "BBC")));
  EXPECT_EQ(response.warnings_size(), 0);
}

TEST_F(FacetsTest, CountsOnlyTheGivenHits) {
  Add("documents/1", "TASS");
  Add("documents/2", "Reuters");
  Add("documents/3", "Reuters");
  SearchResponse response;
  NG_ASSERT_OK(Count(Hits({"documents/3", "documents/1"}), Request({"source"}), &response));
  EXPECT_THAT(
      ValuesOf(response, "source"),
      UnorderedElementsAre(std::tuple("Reuters", 1, "Reuters"), std::tuple("TASS", 1, "TASS")));
}

TEST_F(FacetsTest, NoHitsGiveEmptyFacets) {
  Add("documents/1", "TASS");
  SearchResponse response;
  NG_ASSERT_OK(Count({}, Request({"source", "language"}), &response));
  ASSERT_EQ(response.facets_size(), 2);
  EXPECT_EQ(response.facets(0).values_size(), 0);
  EXPECT_EQ(response.facets(1).values_size(), 0);
}

TEST_F(FacetsTest, OneFacetPerDistinctField) {
  Add("documents/1", "TASS", "ru");
  Add("documents/2", "Reuters", "en");
  SearchResponse response;
  NG_ASSERT_OK(Count(Hits({"documents/1", "documents/2"}),
                     Request({"language", "source", "language"}), &response));
  std::vector<std::string> fields;
  for (const auto& facet : response.facets()) fields.push_back(facet.field());
  EXPECT_THAT(fields, UnorderedElementsAre("language", "source"));
  EXPECT_THAT(ValuesOf(response, "language"),
              UnorderedElementsAre(std::tuple("en", 1, "en"), std::tuple("ru", 1, "ru")));
}

TEST_F(FacetsTest, PublishedYearIsTheUtcYearOfDatedDocuments) {
  Add("documents/1", "TASS", "en", Utc(2023, 12, 31, 23, 30));
  Add("documents/2", "TASS", "en", Utc(2024, 1, 1, 0, 0));
  Add("documents/3", "TASS", "en", Utc(2024, 7, 1, 12, 0));
  Add("documents/4", "TASS", "en");  // no publication time
  SearchResponse response;
  NG_ASSERT_OK(Count(Hits({"documents/1", "documents/2", "documents/3", "documents/4"}),
                     Request({"published_year"}), &response));
  EXPECT_THAT(ValuesOf(response, "published_year"),
              ElementsAre(std::tuple("2024", 2, "2024"), std::tuple("2023", 1, "2023")));
}

TEST_F(FacetsTest, EntitiesAreLabelledWithTheirCanonicalNames) {
  const Entity sco{"entities/1", "Shanghai Cooperation Organisation", newsgraph::v1::ORG};
  const Entity zhang{"entities/2", "Zhang Ming", newsgraph::v1::PERSON};
  Add("documents/1", "TASS", "en", std::nullopt, {sco, zhang});
  Add("documents/2", "TASS", "en", std::nullopt, {sco});
  Add("documents/3", "TASS", "en", std::nullopt, {});
  SearchResponse response;
  NG_ASSERT_OK(
      Count(Hits({"documents/1", "documents/2", "documents/3"}), Request({"entity"}), &response));
  EXPECT_THAT(ValuesOf(response, "entity"),
              ElementsAre(std::tuple("entities/1", 2, "Shanghai Cooperation Organisation"),
                          std::tuple("entities/2", 1, "Zhang Ming")));
}

TEST_F(FacetsTest, EntityTypeCountsEachDocumentOnce) {
  const Entity sco{"entities/1", "SCO", newsgraph::v1::ORG};
  const Entity asean{"entities/3", "ASEAN", newsgraph::v1::ORG};
  const Entity zhang{"entities/2", "Zhang Ming", newsgraph::v1::PERSON};
  Add("documents/1", "TASS", "en", std::nullopt, {sco, asean, zhang});
  Add("documents/2", "TASS", "en", std::nullopt, {sco, asean});
  SearchResponse response;
  NG_ASSERT_OK(Count(Hits({"documents/1", "documents/2"}), Request({"entity_type"}), &response));
  EXPECT_THAT(ValuesOf(response, "entity_type"),
              ElementsAre(std::tuple("ORG", 2, "ORG"), std::tuple("PERSON", 1, "PERSON")));
}

TEST_F(FacetsTest, MostFrequentValuesComeFirstWithExactCounts) {
  // Source k appears in k documents, for k = 1..12.
  std::vector<std::string> names;
  for (int k = 1; k <= 12; ++k) {
    for (int i = 0; i < k; ++i) {
      names.push_back(absl::StrCat("documents/", k, "-", i));
      Add(names.back(), absl::StrCat("source", k));
    }
  }
  SearchResponse response;
  NG_ASSERT_OK(Count(Hits(names), Request({"source"}), &response));
  const Values values = ValuesOf(response, "source");
  ASSERT_FALSE(values.empty());
  ASSERT_LE(values.size(), 12u);
  // The k most frequent sources, in order: source12 (12), source11 (11), ...
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(std::get<0>(values[i]), absl::StrCat("source", 12 - i));
    EXPECT_EQ(std::get<1>(values[i]), static_cast<int64_t>(12 - i));
  }
}

TEST_F(FacetsTest, CountsOnlyTheBestMaxFacetDocumentsAndWarns) {
  Add("documents/1", "Reuters");
  Add("documents/2", "Reuters");
  Add("documents/3", "TASS");
  options_.max_facet_documents = 2;
  SearchResponse cut;
  NG_ASSERT_OK(
      Count(Hits({"documents/1", "documents/2", "documents/3"}), Request({"source"}), &cut));
  EXPECT_THAT(ValuesOf(cut, "source"), ElementsAre(std::tuple("Reuters", 2, "Reuters")));
  EXPECT_EQ(cut.warnings_size(), 1);

  // The best two are the ones counted, whatever their document numbers.
  SearchResponse reordered;
  NG_ASSERT_OK(
      Count(Hits({"documents/3", "documents/1", "documents/2"}), Request({"source"}), &reordered));
  EXPECT_THAT(
      ValuesOf(reordered, "source"),
      UnorderedElementsAre(std::tuple("Reuters", 1, "Reuters"), std::tuple("TASS", 1, "TASS")));

  options_.max_facet_documents = 3;
  SearchResponse whole;
  NG_ASSERT_OK(
      Count(Hits({"documents/1", "documents/2", "documents/3"}), Request({"source"}), &whole));
  EXPECT_EQ(whole.warnings_size(), 0);
}

TEST_F(FacetsTest, NoFacetsRequestedAddsNothing) {
  Add("documents/1", "Reuters");
  Add("documents/2", "TASS");
  options_.max_facet_documents = 1;
  SearchResponse response;
  NG_ASSERT_OK(Count(Hits({"documents/1", "documents/2"}), Request({}), &response));
  EXPECT_EQ(response.facets_size(), 0);
  EXPECT_EQ(response.warnings_size(), 0);
}

TEST_F(FacetsTest, InvalidRequestIsRejectedWithoutFacets) {
  Add("documents/1", "Reuters");
  SearchResponse response;
  EXPECT_THAT(Count(Hits({"documents/1"}), Request({"source", "colour"}), &response),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("colour")));
  EXPECT_EQ(response.facets_size(), 0);
}

TEST_F(FacetsTest, ReturnsWhatTheStopCheckReturns) {
  Add("documents/1", "Reuters");
  SearchResponse response;
  int calls = 0;
  const StopCheck stop = [&calls] {
    ++calls;
    return absl::DeadlineExceededError("deadline passed");
  };
  EXPECT_THAT(Count(Hits({"documents/1"}), Request({"source"}), &response, stop),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_GE(calls, 1);
}

TEST_F(FacetsTest, RemovedDocumentIsNotCounted) {
  Add("documents/1", "Reuters");
  Add("documents/2", "TASS");
  const std::vector<ScoredDoc> hits = Hits({"documents/1", "documents/2"});
  auto removed = index_->RemoveDocument("documents/2");
  ASSERT_TRUE(removed.ok()) << removed.status();
  ASSERT_TRUE(*removed);
  SearchResponse response;
  NG_ASSERT_OK(Count(hits, Request({"source"}), &response));
  EXPECT_THAT(ValuesOf(response, "source"), ElementsAre(std::tuple("Reuters", 1, "Reuters")));
}

}  // namespace
}  // namespace newsgraph::search
