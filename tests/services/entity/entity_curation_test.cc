// EntityCore's curation (entity_curation.cc): MergeEntities moves counts,
// aliases, mentions and quotes to the target and redirects the source;
// UpdateEntity applies exactly the update mask's paths. Both check their
// arguments before writing anything.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/entity/entity_core.h"
#include "tests/testing/entity_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity {
namespace {

using ::newsgraph::testing::StatusIs;
using newsgraph::v1::AnnotateDocumentRequest;
using newsgraph::v1::Entity;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class EntityCurationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NG_ASSERT_OK_AND_ASSIGN(Gazetteer countries, LoadCountryGazetteer());
    recognizer_ = std::make_unique<Recognizer>(std::move(countries));
    NG_ASSERT_OK_AND_ASSIGN(store_, ::newsgraph::testing::OpenEntityStore(dir_.path()));
    NG_ASSERT_OK_AND_ASSIGN(core_, EntityCore::Open(store_.get(), recognizer_.get()));
    karin_ =
        EntityOf(Annotate("documents/1", "Karin Holm visited Norway.", 1673308800), "Karin Holm");
    karen_ = EntityOf(
        Annotate("documents/2", "Karen Holm said the plan would help Denmark.", 1717200000),
        "Karen Holm");
    lotte_ = EntityOf(Annotate("documents/3", "Lotte Vermeer praised Sweden.", 1690000000),
                      "Lotte Vermeer");
    ASSERT_FALSE(karin_.empty());
    ASSERT_FALSE(karen_.empty());
    ASSERT_FALSE(lotte_.empty());
    ASSERT_NE(karin_, karen_);
  }

  newsgraph::v1::AnnotateDocumentResponse Annotate(const std::string& name, const std::string& text,
                                                   int64_t seconds, int64_t version = 1) {
    AnnotateDocumentRequest request;
    request.set_document(name);
    request.set_version(version);
    request.set_text(text);
    request.mutable_published_time()->set_seconds(seconds);
    auto response = core_->AnnotateDocument(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : newsgraph::v1::AnnotateDocumentResponse();
  }

  static std::string EntityOf(const newsgraph::v1::AnnotateDocumentResponse& r,
                              const std::string& text) {
    for (const auto& m : r.mentions()) {
      if (m.text() == text) return m.entity();
    }
    return "";
  }

  Entity Get(const std::string& name) {
    auto entity = core_->GetEntity(name);
    EXPECT_TRUE(entity.ok()) << entity.status();
    return entity.ok() ? *entity : Entity();
  }

  absl::StatusOr<Entity> Merge(const std::string& target, const std::vector<std::string>& sources) {
    newsgraph::v1::MergeEntitiesRequest request;
    request.set_target(target);
    for (const std::string& s : sources) request.add_sources(s);
    return core_->MergeEntities(request);
  }

  // Canonical names of the candidates ResolveEntities finds for `text`.
  std::vector<std::string> Resolve(const std::string& text) {
    newsgraph::v1::ResolveEntitiesRequest request;
    request.set_text(text);
    auto resolved = core_->ResolveEntities(request);
    EXPECT_TRUE(resolved.ok()) << resolved.status();
    std::vector<std::string> names;
    if (!resolved.ok()) return names;
    for (const auto& span : resolved->spans()) {
      for (const auto& c : span.candidates()) names.push_back(c.entity().name());
    }
    return names;
  }

  std::vector<std::string> Listed(newsgraph::v1::EntityType type = {}) {
    newsgraph::v1::ListEntitiesRequest request;
    request.set_type(type);
    auto list = core_->ListEntities(request);
    EXPECT_TRUE(list.ok()) << list.status();
    std::vector<std::string> names;
    if (list.ok()) {
      for (const auto& e : list->entities()) names.push_back(e.name());
    }
    return names;
  }

  // "entities/7" -> "entities/007": the same entity, spelled differently.
  static std::string Padded(const std::string& name) {
    return absl::StrCat("entities/00", name.substr(name.find('/') + 1));
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<Recognizer> recognizer_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<EntityCore> core_;
  std::string karin_, karen_, lotte_;
};

// ---------------------------------------------------------------------------
// MergeEntities

TEST_F(EntityCurationTest, MergeFoldsCountsAliasesAndSeenTimesIntoTheTarget) {
  NG_ASSERT_OK_AND_ASSIGN(Entity merged, Merge(karin_, {karen_}));
  EXPECT_EQ(merged.name(), karin_);
  EXPECT_EQ(merged.mention_count(), 2);
  EXPECT_EQ(merged.document_count(), 2);
  EXPECT_THAT(merged.merged_entities(), ElementsAre(karen_));
  std::vector<std::string> aliases;
  for (const auto& alias : merged.aliases()) aliases.push_back(alias.text());
  EXPECT_THAT(aliases, UnorderedElementsAre("Karin Holm", "Karen Holm"));
  EXPECT_EQ(merged.first_seen_time().seconds(), 1673308800);
  EXPECT_EQ(merged.last_seen_time().seconds(), 1717200000);
  // What was returned is what is stored.
  Entity stored = Get(karin_);
  EXPECT_EQ(stored.mention_count(), 2);
  EXPECT_EQ(stored.aliases_size(), 2);
}

TEST_F(EntityCurationTest, AMergedSourceRedirectsAndLeavesTheListings) {
  NG_ASSERT_OK(Merge(karin_, {karen_}));
  EXPECT_EQ(Get(karen_).name(), karin_);
  const std::vector<std::string> listed = Listed();
  EXPECT_EQ(std::count(listed.begin(), listed.end(), karen_), 0);
  EXPECT_EQ(std::count(listed.begin(), listed.end(), karin_), 1);
  // Its name now resolves to the target.
  EXPECT_THAT(Resolve("Karen Holm"), ElementsAre(karin_));
}

TEST_F(EntityCurationTest, MergeMovesMentionsAndQuotesToTheTarget) {
  NG_ASSERT_OK(Merge(karin_, {karen_}));
  newsgraph::v1::ListMentionsRequest mentions;
  mentions.set_entity(karin_);
  NG_ASSERT_OK_AND_ASSIGN(auto listed, core_->ListMentions(mentions));
  ASSERT_EQ(listed.mentions_size(), 2);
  for (const auto& m : listed.mentions()) {
    EXPECT_EQ(m.entity(), karin_);
    EXPECT_EQ(m.type(), newsgraph::v1::PERSON);
  }
  mentions.set_entity(karen_);
  NG_ASSERT_OK_AND_ASSIGN(auto left, core_->ListMentions(mentions));
  EXPECT_THAT(left.mentions(), IsEmpty());

  newsgraph::v1::ListQuotesRequest quotes;
  quotes.set_entity(karin_);
  NG_ASSERT_OK_AND_ASSIGN(auto said, core_->ListQuotes(quotes));
  ASSERT_EQ(said.quotes_size(), 1);
  EXPECT_EQ(said.quotes(0).speaker(), karin_);
  EXPECT_EQ(said.quotes(0).document(), "documents/2");
  // Asked by the source's name, the quotes of the target come back.
  quotes.set_entity(karen_);
  NG_ASSERT_OK_AND_ASSIGN(auto redirected, core_->ListQuotes(quotes));
  EXPECT_EQ(redirected.quotes_size(), 1);
}

TEST_F(EntityCurationTest, MergeChecksItsArgumentsBeforeWritingAnything) {
  EXPECT_THAT(Merge(karin_, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sources")));
  EXPECT_THAT(Merge("people/1", {karen_}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Merge(karin_, {"entities/abc"}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Merge("entities/987654", {karen_}), StatusIs(absl::StatusCode::kNotFound));
  // The second source does not exist: the first is not merged either.
  EXPECT_THAT(Merge(karin_, {karen_, "entities/987654"}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("entities/987654")));
  EXPECT_EQ(Get(karen_).name(), karen_);
  EXPECT_EQ(Get(karin_).mention_count(), 1);
  EXPECT_THAT(Get(karin_).merged_entities(), IsEmpty());
}

TEST_F(EntityCurationTest, MergeLimitsItsSources) {
  EntityLimits limits;
  limits.max_merge_sources = 1;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntityCore> limited,
                          EntityCore::Open(store_.get(), recognizer_.get(), limits));
  newsgraph::v1::MergeEntitiesRequest request;
  request.set_target(karin_);
  request.add_sources(karen_);
  request.add_sources(lotte_);
  EXPECT_THAT(limited->MergeEntities(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 1")));
  request.mutable_sources()->RemoveLast();
  NG_EXPECT_OK(limited->MergeEntities(request));
}

TEST_F(EntityCurationTest, MergedEntitiesCannotBeMergedAgainElsewhereOrBeTargets) {
  NG_ASSERT_OK(Merge(karin_, {karen_}));
  // Into another target: refused.
  EXPECT_THAT(Merge(lotte_, {karen_}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(karin_)));
  // A merged entity is no target.
  EXPECT_THAT(Merge(karen_, {lotte_}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("merge into that")));
  // Into the same target again: nothing to do, nothing counted twice.
  NG_ASSERT_OK_AND_ASSIGN(Entity again, Merge(karin_, {karen_}));
  EXPECT_EQ(again.mention_count(), 2);
  EXPECT_EQ(again.merged_entities_size(), 1);
  EXPECT_EQ(Get(lotte_).name(), lotte_);
}

TEST_F(EntityCurationTest, MergingAnEntityIntoItselfIsRefusedHoweverItIsSpelled) {
  EXPECT_THAT(Merge(karin_, {Padded(karin_)}), StatusIs(absl::StatusCode::kInvalidArgument));
  Entity after = Get(karin_);
  EXPECT_EQ(after.mention_count(), 1);
  EXPECT_THAT(after.merged_entities(), IsEmpty());
}

TEST_F(EntityCurationTest, ASourceListedTwiceUnderTwoSpellingsIsRefused) {
  EXPECT_THAT(Merge(karin_, {karen_, Padded(karen_)}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Get(karin_).mention_count(), 1);
}

// ---------------------------------------------------------------------------
// UpdateEntity

newsgraph::v1::UpdateEntityRequest Update(const std::string& name,
                                          const std::vector<std::string>& paths) {
  newsgraph::v1::UpdateEntityRequest request;
  request.mutable_entity()->set_name(name);
  for (const std::string& p : paths) request.mutable_update_mask()->add_paths(p);
  return request;
}

TEST_F(EntityCurationTest, UpdateChangesOnlyTheMaskedFields) {
  newsgraph::v1::UpdateEntityRequest request = Update(karin_, {"description"});
  request.mutable_entity()->set_description("Chair of the grid agency.");
  request.mutable_entity()->set_canonical_name("Not applied");
  request.mutable_entity()->set_type(newsgraph::v1::ORG);
  (*request.mutable_entity()->mutable_external_ids())["wikidata"] = "Q1";
  NG_ASSERT_OK_AND_ASSIGN(Entity updated, core_->UpdateEntity(request));
  EXPECT_EQ(updated.description(), "Chair of the grid agency.");
  EXPECT_EQ(updated.canonical_name(), "Karin Holm");
  EXPECT_EQ(updated.type(), newsgraph::v1::PERSON);
  EXPECT_TRUE(updated.external_ids().empty());
  EXPECT_EQ(updated.mention_count(), 1);
  Entity stored = Get(karin_);
  EXPECT_EQ(stored.description(), "Chair of the grid agency.");
  EXPECT_EQ(stored.canonical_name(), "Karin Holm");
}

TEST_F(EntityCurationTest, UpdateReplacesExternalIds) {
  newsgraph::v1::UpdateEntityRequest request = Update(karin_, {"external_ids"});
  (*request.mutable_entity()->mutable_external_ids())["wikidata"] = "Q1";
  (*request.mutable_entity()->mutable_external_ids())["viaf"] = "42";
  NG_ASSERT_OK(core_->UpdateEntity(request));
  request.mutable_entity()->mutable_external_ids()->clear();
  (*request.mutable_entity()->mutable_external_ids())["viaf"] = "43";
  NG_ASSERT_OK_AND_ASSIGN(Entity updated, core_->UpdateEntity(request));
  ASSERT_EQ(updated.external_ids_size(), 1);
  EXPECT_EQ(updated.external_ids().at("viaf"), "43");
}

TEST_F(EntityCurationTest, ANewCanonicalNameResolvesAndTheOldOneStill) {
  newsgraph::v1::UpdateEntityRequest request = Update(karin_, {"canonical_name"});
  request.mutable_entity()->set_canonical_name("Karin M. Holm");
  NG_ASSERT_OK_AND_ASSIGN(Entity updated, core_->UpdateEntity(request));
  EXPECT_EQ(updated.canonical_name(), "Karin M. Holm");
  EXPECT_THAT(Resolve("Karin M. Holm"), ElementsAre(karin_));
  EXPECT_THAT(Resolve("Karin Holm"), ElementsAre(karin_));
}

TEST_F(EntityCurationTest, ATypeChangeMovesTheEntityBetweenTypeFilters) {
  newsgraph::v1::UpdateEntityRequest request = Update(lotte_, {"type"});
  request.mutable_entity()->set_type(newsgraph::v1::ORG);
  NG_ASSERT_OK_AND_ASSIGN(Entity updated, core_->UpdateEntity(request));
  EXPECT_EQ(updated.type(), newsgraph::v1::ORG);
  EXPECT_THAT(Listed(newsgraph::v1::ORG), ElementsAre(lotte_));
  const std::vector<std::string> people = Listed(newsgraph::v1::PERSON);
  EXPECT_EQ(std::count(people.begin(), people.end(), lotte_), 0);
  EXPECT_THAT(Resolve("Lotte Vermeer"), ElementsAre(lotte_));
}

TEST_F(EntityCurationTest, TheAliasListReplacesOursKeepingCountsOfKeptAliases) {
  NG_ASSERT_OK(Merge(karin_, {karen_}));
  newsgraph::v1::UpdateEntityRequest request = Update(karin_, {"aliases"});
  request.mutable_entity()->add_aliases()->set_text("Karin Holm");
  request.mutable_entity()->add_aliases()->set_text("K. Holm");
  NG_ASSERT_OK_AND_ASSIGN(Entity updated, core_->UpdateEntity(request));
  ASSERT_EQ(updated.aliases_size(), 2);
  EXPECT_EQ(updated.aliases(0).text(), "Karin Holm");
  EXPECT_EQ(updated.aliases(0).mention_count(), 1);
  EXPECT_EQ(updated.aliases(1).text(), "K. Holm");
  EXPECT_EQ(updated.aliases(1).mention_count(), 0);
  EXPECT_THAT(Resolve("K. Holm"), ElementsAre(karin_));
  // "Karen Holm" was dropped: it no longer resolves here.
  const std::vector<std::string> karen = Resolve("Karen Holm");
  EXPECT_EQ(std::count(karen.begin(), karen.end(), karin_), 0);
}

TEST_F(EntityCurationTest, UpdateRefusesBadMasksAndValues) {
  EXPECT_THAT(core_->UpdateEntity(Update(karin_, {})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("update_mask is required")));
  EXPECT_THAT(core_->UpdateEntity(Update(karin_, {"mention_count"})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'mention_count'")));
  EXPECT_THAT(core_->UpdateEntity(Update("entities/987654", {"description"})),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(core_->UpdateEntity(Update("karin", {"description"})),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(core_->UpdateEntity(Update(karin_, {"canonical_name"})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("must not be empty")));
  EXPECT_THAT(core_->UpdateEntity(Update(karin_, {"type"})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("type must be set")));
  newsgraph::v1::UpdateEntityRequest long_name = Update(karin_, {"canonical_name"});
  long_name.mutable_entity()->set_canonical_name(std::string(1025, 'k'));
  EXPECT_THAT(core_->UpdateEntity(long_name),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1025 bytes")));
  long_name.mutable_entity()->set_canonical_name(std::string(1024, 'k'));
  NG_EXPECT_OK(core_->UpdateEntity(long_name));
  newsgraph::v1::UpdateEntityRequest many_ids = Update(karin_, {"external_ids"});
  for (int i = 0; i < 65; ++i) {
    (*many_ids.mutable_entity()->mutable_external_ids())[absl::StrCat("k", i)] = "v";
  }
  EXPECT_THAT(core_->UpdateEntity(many_ids),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 64")));
  std::vector<std::string> paths;
  for (int i = 0; i < 17; ++i) paths.push_back(absl::StrCat("path", i));
  EXPECT_THAT(core_->UpdateEntity(Update(karin_, paths)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("17 distinct paths")));
}

TEST_F(EntityCurationTest, AFailedUpdateWritesNothing) {
  newsgraph::v1::UpdateEntityRequest request = Update(karin_, {"description", "bogus"});
  request.mutable_entity()->set_description("changed");
  EXPECT_THAT(core_->UpdateEntity(request), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Get(karin_).description(), "");
}

TEST_F(EntityCurationTest, AMergedEntityIsUpdatedThroughItsTarget) {
  NG_ASSERT_OK(Merge(karin_, {karen_}));
  newsgraph::v1::UpdateEntityRequest request = Update(karen_, {"description"});
  request.mutable_entity()->set_description("x");
  EXPECT_THAT(core_->UpdateEntity(request),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(karin_)));
}

}  // namespace
}  // namespace newsgraph::entity
