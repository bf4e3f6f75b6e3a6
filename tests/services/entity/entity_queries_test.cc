// EntityCore's read side (entity_queries.cc): ListEntities paging and
// filters, ResolveEntities spans and candidates, ListMentions,
// ListRelatedEntities and ListQuotes, with their argument errors and page
// tokens. Drives a real core over RocksDB in a temporary directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "services/entity/entity_core.h"
#include "tests/testing/entity_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity {
namespace {

using ::newsgraph::testing::StatusIs;
using newsgraph::v1::AnnotateDocumentRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class EntityQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NG_ASSERT_OK_AND_ASSIGN(Gazetteer countries, LoadCountryGazetteer());
    recognizer_ = std::make_unique<Recognizer>(std::move(countries));
    NG_ASSERT_OK_AND_ASSIGN(store_, ::newsgraph::testing::OpenEntityStore(dir_.path()));
    NG_ASSERT_OK_AND_ASSIGN(core_, EntityCore::Open(store_.get(), recognizer_.get()));
    // Norway 5 mentions; Karin Holm, Lotte Vermeer 2; Denmark, Sweden, Türkiye 1.
    Annotate("documents/1", "Karin Holm visited Norway. Lotte Vermeer stayed in Denmark.",
             1673308800);
    Annotate("documents/2",
             "Karin Holm met Lotte Vermeer in Sweden. Norway signed the accord with Türkiye.",
             1717200000);
    Annotate("documents/3", "Norway. Norway again. And Norway.", 1717300000);
  }

  newsgraph::v1::AnnotateDocumentResponse Annotate(const std::string& name, const std::string& text,
                                                   int64_t seconds) {
    AnnotateDocumentRequest request;
    request.set_document(name);
    request.set_version(1);
    request.set_text(text);
    request.mutable_published_time()->set_seconds(seconds);
    auto response = core_->AnnotateDocument(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : newsgraph::v1::AnnotateDocumentResponse();
  }

  // The entity name ("entities/N") of a canonical name.
  std::string Named(const std::string& canonical) {
    auto list = core_->ListEntities({});
    EXPECT_TRUE(list.ok()) << list.status();
    if (!list.ok()) return "";
    for (const auto& e : list->entities()) {
      if (e.canonical_name() == canonical) return e.name();
    }
    ADD_FAILURE() << "no entity " << canonical;
    return "";
  }

  std::vector<std::string> Canonical(const newsgraph::v1::ListEntitiesResponse& page) {
    std::vector<std::string> names;
    for (const auto& e : page.entities()) names.push_back(e.canonical_name());
    return names;
  }

  absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> Resolve(const std::string& text,
                                                                 int max_candidates = 0) {
    newsgraph::v1::ResolveEntitiesRequest request;
    request.set_text(text);
    request.set_max_candidates(max_candidates);
    return core_->ResolveEntities(request);
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<Recognizer> recognizer_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<EntityCore> core_;
};

// ---------------------------------------------------------------------------
// ListEntities

TEST_F(EntityQueriesTest, ListEntitiesOrdersByMentionCountAndDefaultsToOnePage) {
  NG_ASSERT_OK_AND_ASSIGN(auto all, core_->ListEntities({}));
  EXPECT_THAT(Canonical(all), UnorderedElementsAre("Norway", "Karin Holm", "Lotte Vermeer",
                                                   "Denmark", "Sweden", "Türkiye"));
  EXPECT_TRUE(all.next_page_token().empty());
  ASSERT_EQ(all.entities(0).canonical_name(), "Norway");
  EXPECT_EQ(all.entities(0).mention_count(), 5);
  EXPECT_EQ(all.entities(0).document_count(), 3);
  for (int k = 1; k < all.entities_size(); ++k) {
    EXPECT_LE(all.entities(k).mention_count(), all.entities(k - 1).mention_count());
  }
}

TEST_F(EntityQueriesTest, ListEntitiesPagesVisitEveryEntityOnce) {
  NG_ASSERT_OK_AND_ASSIGN(auto all, core_->ListEntities({}));
  newsgraph::v1::ListEntitiesRequest request;
  request.set_page_size(4);
  std::vector<std::string> paged;
  int pages = 0;
  do {
    NG_ASSERT_OK_AND_ASSIGN(auto page, core_->ListEntities(request));
    EXPECT_LE(page.entities_size(), 4);
    for (const auto& e : page.entities()) paged.push_back(e.name());
    request.set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 2);
  std::vector<std::string> expected;
  for (const auto& e : all.entities()) expected.push_back(e.name());
  EXPECT_EQ(paged, expected);
}

TEST_F(EntityQueriesTest, ListEntitiesFiltersByTypeAndFoldedNamePrefix) {
  newsgraph::v1::ListEntitiesRequest request;
  request.set_type(newsgraph::v1::GPE);
  NG_ASSERT_OK_AND_ASSIGN(auto places, core_->ListEntities(request));
  EXPECT_THAT(Canonical(places), UnorderedElementsAre("Norway", "Denmark", "Sweden", "Türkiye"));
  request.set_type(newsgraph::v1::PERSON);
  NG_ASSERT_OK_AND_ASSIGN(auto people, core_->ListEntities(request));
  EXPECT_THAT(Canonical(people), UnorderedElementsAre("Karin Holm", "Lotte Vermeer"));
  request.set_type(newsgraph::v1::ORG);
  NG_ASSERT_OK_AND_ASSIGN(auto none, core_->ListEntities(request));
  EXPECT_THAT(Canonical(none), IsEmpty());
  EXPECT_TRUE(none.next_page_token().empty());

  newsgraph::v1::ListEntitiesRequest by_name;
  by_name.set_name_prefix("KARIN");
  NG_ASSERT_OK_AND_ASSIGN(auto karin, core_->ListEntities(by_name));
  EXPECT_THAT(Canonical(karin), ElementsAre("Karin Holm"));
  by_name.set_name_prefix("turk");  // folded: "Türkiye"
  NG_ASSERT_OK_AND_ASSIGN(auto turkiye, core_->ListEntities(by_name));
  EXPECT_THAT(Canonical(turkiye), ElementsAre("Türkiye"));
  by_name.set_name_prefix("holm");  // a prefix of the name, not of a later word
  NG_ASSERT_OK_AND_ASSIGN(auto holm, core_->ListEntities(by_name));
  EXPECT_THAT(Canonical(holm), IsEmpty());
  by_name.set_name_prefix("s");
  by_name.set_type(newsgraph::v1::GPE);
  NG_ASSERT_OK_AND_ASSIGN(auto sweden, core_->ListEntities(by_name));
  EXPECT_THAT(Canonical(sweden), ElementsAre("Sweden"));
}

TEST_F(EntityQueriesTest, ListEntitiesRejectsBadPageSizesAndForeignTokens) {
  newsgraph::v1::ListEntitiesRequest request;
  request.set_page_size(-1);
  EXPECT_THAT(core_->ListEntities(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")));
  request.set_page_size(1000000);  // more than the maximum is the maximum
  NG_ASSERT_OK_AND_ASSIGN(auto all, core_->ListEntities(request));
  EXPECT_EQ(all.entities_size(), 6);

  request.set_page_size(1);
  request.set_type(newsgraph::v1::GPE);
  NG_ASSERT_OK_AND_ASSIGN(auto first, core_->ListEntities(request));
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  NG_ASSERT_OK(core_->ListEntities(request));
  // The token of another filter, or a made-up one, is refused.
  request.set_type(newsgraph::v1::PERSON);
  EXPECT_THAT(core_->ListEntities(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_type(newsgraph::v1::GPE);
  request.set_name_prefix("n");
  EXPECT_THAT(core_->ListEntities(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.clear_name_prefix();
  request.set_page_token("bm90IGEgdG9rZW4");
  EXPECT_THAT(core_->ListEntities(request), StatusIs(absl::StatusCode::kInvalidArgument));
}

// ---------------------------------------------------------------------------
// ResolveEntities

TEST_F(EntityQueriesTest, ResolveEntitiesChecksItsText) {
  EXPECT_THAT(Resolve(""), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("text")));
  EXPECT_THAT(Resolve("   "), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Resolve("Norway \xff"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Resolve(std::string(4097, 'a')), StatusIs(absl::StatusCode::kInvalidArgument));
  NG_EXPECT_OK(Resolve(std::string(4089, 'a') + " Norway"));  // exactly 4096 bytes
  EXPECT_THAT(Resolve("Norway", -1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_candidates")));
}

TEST_F(EntityQueriesTest, ResolveEntitiesFindsTheLongestKnownNameAtEachWord) {
  NG_ASSERT_OK_AND_ASSIGN(auto resolved, Resolve("did karin holm visit norway, or sweden?"));
  ASSERT_EQ(resolved.spans_size(), 3) << resolved.DebugString();
  EXPECT_EQ(resolved.spans(0).text(), "karin holm");
  EXPECT_EQ(resolved.spans(1).text(), "norway");
  EXPECT_EQ(resolved.spans(2).text(), "sweden");
  ASSERT_EQ(resolved.spans(0).candidates_size(), 1);
  EXPECT_EQ(resolved.spans(0).candidates(0).entity().canonical_name(), "Karin Holm");
  EXPECT_FLOAT_EQ(resolved.spans(0).candidates(0).score(), 1.0f);
  EXPECT_EQ(resolved.spans(1).candidates(0).entity().mention_count(), 5);

  NG_ASSERT_OK_AND_ASSIGN(auto nothing, Resolve("grain prices rose ! ?"));
  EXPECT_THAT(nothing.spans(), IsEmpty());
}

TEST_F(EntityQueriesTest, ResolvedSpansCountCodePointsAndBytes) {
  NG_ASSERT_OK_AND_ASSIGN(auto resolved, Resolve("Über Norway"));
  ASSERT_EQ(resolved.spans_size(), 1) << resolved.DebugString();
  const auto& span = resolved.spans(0).span();
  EXPECT_EQ(span.byte_begin(), 6u);
  EXPECT_EQ(span.byte_end(), 12u);
  EXPECT_EQ(span.begin(), 5u);
  EXPECT_EQ(span.end(), 11u);
  NG_ASSERT_OK_AND_ASSIGN(auto folded, Resolve("TURKIYE"));
  ASSERT_EQ(folded.spans_size(), 1);
  EXPECT_EQ(folded.spans(0).candidates(0).entity().canonical_name(), "Türkiye");
}

TEST_F(EntityQueriesTest, AFamilyNameAloneResolvesToTheOnePersonWithIt) {
  NG_ASSERT_OK_AND_ASSIGN(auto resolved, Resolve("Vermeer and Holm"));
  ASSERT_EQ(resolved.spans_size(), 2) << resolved.DebugString();
  EXPECT_EQ(resolved.spans(0).candidates(0).entity().canonical_name(), "Lotte Vermeer");
  EXPECT_EQ(resolved.spans(1).candidates(0).entity().canonical_name(), "Karin Holm");
}

TEST_F(EntityQueriesTest, ACountryCodeWithOrWithoutDotsResolvesToTheCountry) {
  Annotate("documents/4", "Exports to the United Kingdom rose in May.", 1717400000);
  for (const std::string query : {"UK exports", "U.K. exports", "exports to the uk"}) {
    NG_ASSERT_OK_AND_ASSIGN(auto resolved, Resolve(query));
    bool found = false;
    for (const auto& span : resolved.spans()) {
      for (const auto& c : span.candidates()) {
        found = found || c.entity().canonical_name() == "United Kingdom";
      }
    }
    EXPECT_TRUE(found) << query << ": " << resolved.DebugString();
  }
}

TEST_F(EntityQueriesTest, EntitiesNoLongerMentionedAreNotCandidates) {
  Annotate("documents/4", "Exports to the United Kingdom rose in May.", 1717400000);
  NG_ASSERT_OK_AND_ASSIGN(auto before, Resolve("united kingdom"));
  ASSERT_EQ(before.spans_size(), 1);
  NG_ASSERT_OK(core_->DeleteDocumentAnnotations("documents/4"));
  NG_ASSERT_OK_AND_ASSIGN(auto after, Resolve("united kingdom"));
  EXPECT_THAT(after.spans(), IsEmpty()) << after.DebugString();
}

// ---------------------------------------------------------------------------
// ListMentions

TEST_F(EntityQueriesTest, ListMentionsNeedsExactlyOneOfEntityAndDocument) {
  newsgraph::v1::ListMentionsRequest request;
  EXPECT_THAT(core_->ListMentions(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exactly one")));
  request.set_entity(Named("Norway"));
  request.set_document("documents/1");
  EXPECT_THAT(core_->ListMentions(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.clear_entity();
  request.set_document("documents/404");
  EXPECT_THAT(core_->ListMentions(request), StatusIs(absl::StatusCode::kNotFound));
  request.clear_document();
  request.set_entity("entities/987654");
  EXPECT_THAT(core_->ListMentions(request), StatusIs(absl::StatusCode::kNotFound));
  request.set_entity("entities/x");
  EXPECT_THAT(core_->ListMentions(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_entity(Named("Norway"));
  request.set_page_size(-3);
  EXPECT_THAT(core_->ListMentions(request), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(EntityQueriesTest, ListMentionsOfADocumentPagesInTextOrder) {
  newsgraph::v1::ListMentionsRequest request;
  request.set_document("documents/1");
  NG_ASSERT_OK_AND_ASSIGN(auto all, core_->ListMentions(request));
  std::vector<std::string> texts;
  for (const auto& m : all.mentions()) texts.push_back(m.text());
  EXPECT_THAT(texts, ElementsAre("Karin Holm", "Norway", "Lotte Vermeer", "Denmark"));
  EXPECT_TRUE(all.next_page_token().empty());

  request.set_page_size(3);
  NG_ASSERT_OK_AND_ASSIGN(auto first, core_->ListMentions(request));
  ASSERT_EQ(first.mentions_size(), 3);
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  NG_ASSERT_OK_AND_ASSIGN(auto second, core_->ListMentions(request));
  ASSERT_EQ(second.mentions_size(), 1);
  EXPECT_EQ(second.mentions(0).text(), "Denmark");
  EXPECT_TRUE(second.next_page_token().empty());
  // The token belongs to this document's listing.
  request.set_document("documents/2");
  EXPECT_THAT(core_->ListMentions(request), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(EntityQueriesTest, ListMentionsOfAnEntitySpansItsDocuments) {
  const std::string norway = Named("Norway");
  newsgraph::v1::ListMentionsRequest request;
  request.set_entity(norway);
  request.set_page_size(2);
  std::multiset<std::string> documents;
  int pages = 0;
  do {
    NG_ASSERT_OK_AND_ASSIGN(auto page, core_->ListMentions(request));
    EXPECT_LE(page.mentions_size(), 2);
    for (const auto& m : page.mentions()) {
      EXPECT_EQ(m.entity(), norway);
      EXPECT_EQ(m.text(), "Norway");
      documents.insert(m.document());
    }
    request.set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(documents.count("documents/1"), 1u);
  EXPECT_EQ(documents.count("documents/2"), 1u);
  EXPECT_EQ(documents.count("documents/3"), 3u);
}

// ---------------------------------------------------------------------------
// ListRelatedEntities

TEST_F(EntityQueriesTest, ListRelatedEntitiesChecksItsArguments) {
  const std::string karin = Named("Karin Holm");
  newsgraph::v1::ListRelatedEntitiesRequest request;
  request.set_entity(karin);
  request.set_max_evidence(-1);
  EXPECT_THAT(core_->ListRelatedEntities(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_evidence")));
  request.set_max_evidence(0);
  request.mutable_start_time()->set_seconds(1700000000);
  request.mutable_end_time()->set_seconds(1700000000);
  EXPECT_THAT(core_->ListRelatedEntities(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("before end_time")));
  request.clear_start_time();
  request.clear_end_time();
  request.set_page_size(-1);
  EXPECT_THAT(core_->ListRelatedEntities(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_page_size(0);
  request.set_entity("entities/987654");
  EXPECT_THAT(core_->ListRelatedEntities(request), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(EntityQueriesTest, ListRelatedEntitiesFiltersByTypeAndTimeWindow) {
  newsgraph::v1::ListRelatedEntitiesRequest request;
  request.set_entity(Named("Karin Holm"));
  NG_ASSERT_OK_AND_ASSIGN(auto all, core_->ListRelatedEntities(request));
  std::vector<std::string> names;
  for (const auto& r : all.related_entities()) names.push_back(r.entity().canonical_name());
  EXPECT_THAT(names, UnorderedElementsAre("Norway", "Lotte Vermeer", "Sweden"));
  for (int k = 1; k < all.related_entities_size(); ++k) {
    EXPECT_LE(all.related_entities(k).weight(), all.related_entities(k - 1).weight());
  }

  request.set_type(newsgraph::v1::PERSON);
  NG_ASSERT_OK_AND_ASSIGN(auto people, core_->ListRelatedEntities(request));
  ASSERT_EQ(people.related_entities_size(), 1);
  EXPECT_EQ(people.related_entities(0).entity().canonical_name(), "Lotte Vermeer");
  EXPECT_EQ(people.related_entities(0).sentence_count(), 1);

  // Only 2023: document 1, where she shares a sentence with Norway alone.
  request.clear_type();
  request.mutable_start_time()->set_seconds(1672531200);  // 2023-01-01
  request.mutable_end_time()->set_seconds(1704067200);    // 2024-01-01
  NG_ASSERT_OK_AND_ASSIGN(auto early, core_->ListRelatedEntities(request));
  ASSERT_EQ(early.related_entities_size(), 1) << early.DebugString();
  EXPECT_EQ(early.related_entities(0).entity().canonical_name(), "Norway");
}

TEST_F(EntityQueriesTest, ListRelatedEntitiesPagesAndBoundsEvidence) {
  newsgraph::v1::ListRelatedEntitiesRequest request;
  request.set_entity(Named("Karin Holm"));
  request.set_max_evidence(1);
  NG_ASSERT_OK_AND_ASSIGN(auto all, core_->ListRelatedEntities(request));
  for (const auto& r : all.related_entities()) EXPECT_LE(r.evidence_size(), 1);
  request.set_page_size(2);
  NG_ASSERT_OK_AND_ASSIGN(auto first, core_->ListRelatedEntities(request));
  ASSERT_EQ(first.related_entities_size(), 2);
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  NG_ASSERT_OK_AND_ASSIGN(auto second, core_->ListRelatedEntities(request));
  ASSERT_EQ(second.related_entities_size(), 1);
  EXPECT_TRUE(second.next_page_token().empty());
  EXPECT_EQ(second.related_entities(0).entity().name(), all.related_entities(2).entity().name());
  // The token is tied to the request's filters.
  request.set_type(newsgraph::v1::GPE);
  EXPECT_THAT(core_->ListRelatedEntities(request), StatusIs(absl::StatusCode::kInvalidArgument));
}

// ---------------------------------------------------------------------------
// ListQuotes

TEST_F(EntityQueriesTest, ListQuotesNewestFirstWithPaging) {
  auto older = Annotate("documents/5", "Karin Holm said the plan would help Denmark.", 1700000000);
  auto newer =
      Annotate("documents/6", "Karin Holm said the talks would resume in Norway.", 1710000000);
  ASSERT_EQ(older.quotes_size(), 1) << older.DebugString();
  ASSERT_EQ(newer.quotes_size(), 1) << newer.DebugString();
  newsgraph::v1::ListQuotesRequest request;
  request.set_entity(Named("Karin Holm"));
  NG_ASSERT_OK_AND_ASSIGN(auto all, core_->ListQuotes(request));
  ASSERT_EQ(all.quotes_size(), 2);
  EXPECT_EQ(all.quotes(0).document(), "documents/6");
  EXPECT_EQ(all.quotes(1).document(), "documents/5");

  request.set_page_size(1);
  NG_ASSERT_OK_AND_ASSIGN(auto first, core_->ListQuotes(request));
  ASSERT_EQ(first.quotes_size(), 1);
  EXPECT_EQ(first.quotes(0).document(), "documents/6");
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  NG_ASSERT_OK_AND_ASSIGN(auto second, core_->ListQuotes(request));
  ASSERT_EQ(second.quotes_size(), 1);
  EXPECT_EQ(second.quotes(0).document(), "documents/5");
  EXPECT_TRUE(second.next_page_token().empty());
  // The token is tied to the speaker and the mentioned entity.
  request.set_mentioned_entity(Named("Norway"));
  EXPECT_THAT(core_->ListQuotes(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.clear_page_token();
  NG_ASSERT_OK_AND_ASSIGN(auto about_norway, core_->ListQuotes(request));
  ASSERT_EQ(about_norway.quotes_size(), 1);
  EXPECT_EQ(about_norway.quotes(0).document(), "documents/6");
}

TEST_F(EntityQueriesTest, ListQuotesChecksItsArguments) {
  newsgraph::v1::ListQuotesRequest request;
  request.set_entity("entities/987654");
  EXPECT_THAT(core_->ListQuotes(request), StatusIs(absl::StatusCode::kNotFound));
  request.set_entity("");
  EXPECT_THAT(core_->ListQuotes(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_entity(Named("Karin Holm"));
  request.set_mentioned_entity("entities/987654");
  EXPECT_THAT(core_->ListQuotes(request), StatusIs(absl::StatusCode::kNotFound));
  request.clear_mentioned_entity();
  request.set_page_size(-1);
  EXPECT_THAT(core_->ListQuotes(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_page_size(0);
  request.set_page_token("forged");
  EXPECT_THAT(core_->ListQuotes(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.clear_page_token();
  NG_ASSERT_OK_AND_ASSIGN(auto none, core_->ListQuotes(request));
  EXPECT_THAT(none.quotes(), IsEmpty());
  EXPECT_TRUE(none.next_page_token().empty());
}

}  // namespace
}  // namespace newsgraph::entity
