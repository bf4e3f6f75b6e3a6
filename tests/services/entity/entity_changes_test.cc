// The alias and role counting helpers and EntityChanges: loading entities
// once, following merges, subtracting a removed document, and the writes
// (entity records and rank keys) that end a change.
#include "services/entity/entity_changes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/entity/entity_keyspace.h"
#include "tests/testing/status_matchers.h"

namespace newsgraph::entity {
namespace {

using ::newsgraph::testing::StatusIs;
using newsgraph::v1::AnnotateDocumentResponse;
using newsgraph::v1::Entity;
using newsgraph::v1::RoleMention;
using storage::WriteBatch;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// The aliases as (text, count) pairs, in stored order.
std::vector<std::pair<std::string, int64_t>> Aliases(const Entity& entity) {
  std::vector<std::pair<std::string, int64_t>> aliases;
  for (const auto& alias : entity.aliases())
    aliases.emplace_back(alias.text(), alias.mention_count());
  return aliases;
}

// The roles as "title|organization|organization_text=count", in stored order.
std::vector<std::string> Roles(const Entity& entity) {
  std::vector<std::string> roles;
  for (const auto& role : entity.roles()) {
    roles.push_back(absl::StrCat(role.title(), "|", role.organization(), "|",
                                 role.organization_text(), "=", role.mention_count()));
  }
  return roles;
}

RoleMention Role(const std::string& title, const std::string& organization,
                 const std::string& organization_text) {
  RoleMention role;
  role.set_person("entities/2");
  role.set_title(title);
  role.set_organization(organization);
  role.set_organization_text(organization_text);
  return role;
}

// --- AdjustAlias ---

TEST(AdjustAliasTest, AddsCountsAndRemovesAliases) {
  Entity entity;
  AdjustAlias(&entity, "Acme", 2);
  AdjustAlias(&entity, "Acme Corp", 1);
  EXPECT_THAT(Aliases(entity), ElementsAre(Pair("Acme", 2), Pair("Acme Corp", 1)));
  AdjustAlias(&entity, "Acme", 3);
  EXPECT_THAT(Aliases(entity), ElementsAre(Pair("Acme", 5), Pair("Acme Corp", 1)));
  AdjustAlias(&entity, "Acme Corp", -1);  // reaches zero: removed
  EXPECT_THAT(Aliases(entity), ElementsAre(Pair("Acme", 5)));
  AdjustAlias(&entity, "Acme", -9);  // below zero: removed as well
  EXPECT_THAT(Aliases(entity), ::testing::IsEmpty());
}

TEST(AdjustAliasTest, NothingIsCreatedWithoutAPositiveDelta) {
  Entity entity;
  AdjustAlias(&entity, "Ghost", -1);
  AdjustAlias(&entity, "Ghost", 0);
  EXPECT_EQ(entity.aliases_size(), 0);
}

TEST(AdjustAliasTest, SurfacesAreComparedExactly) {
  Entity entity;
  AdjustAlias(&entity, "ACME", 1);
  AdjustAlias(&entity, "Acme", 1);
  AdjustAlias(&entity, "Acme ", 1);
  EXPECT_THAT(Aliases(entity), ElementsAre(Pair("ACME", 1), Pair("Acme", 1), Pair("Acme ", 1)));
}

// --- TitleKey and AdjustRole ---

TEST(TitleKeyTest, IgnoresCaseHyphensAndSpaces) {
  EXPECT_EQ(TitleKey("Secretary-General"), "secretarygeneral");
  EXPECT_EQ(TitleKey("secretary general"), "secretarygeneral");
  EXPECT_EQ(TitleKey(" SECRETARY - GENERAL "), "secretarygeneral");
  EXPECT_EQ(TitleKey(""), "");
  EXPECT_NE(TitleKey("Secretary"), TitleKey("Secretary-General"));
  // Bytes outside ASCII are kept as they are.
  EXPECT_EQ(TitleKey("Pr\xC3\xA4sident"), "pr\xC3\xA4sident");
}

TEST(AdjustRoleTest, TitlesThatDifferOnlyInSpellingAreOneRole) {
  Entity entity;
  AdjustRole(&entity, Role("Secretary-General", "entities/9", "United Nations"), 1);
  AdjustRole(&entity, Role("secretary general", "entities/9", "the UN"), 2);
  // With a resolved organisation, the organisation's surface does not matter;
  // the role keeps the first spelling seen.
  EXPECT_THAT(Roles(entity), ElementsAre("Secretary-General|entities/9|United Nations=3"));
  AdjustRole(&entity, Role("Secretary General", "entities/9", ""), -3);
  EXPECT_EQ(entity.roles_size(), 0);
}

TEST(AdjustRoleTest, OrganisationsKeepRolesApart) {
  Entity entity;
  AdjustRole(&entity, Role("Chairman", "entities/9", "Acme"), 1);
  AdjustRole(&entity, Role("Chairman", "entities/10", "Acme Holdings"), 1);
  // Without a resolved organisation the surface text tells roles apart.
  AdjustRole(&entity, Role("Chairman", "", "the club"), 1);
  AdjustRole(&entity, Role("Chairman", "", "the board"), 1);
  AdjustRole(&entity, Role("chairman", "", "the club"), 1);
  EXPECT_THAT(Roles(entity),
              ElementsAre("Chairman|entities/9|Acme=1", "Chairman|entities/10|Acme Holdings=1",
                          "Chairman||the club=2", "Chairman||the board=1"));
  // A negative delta for a role the entity does not have changes nothing.
  AdjustRole(&entity, Role("Treasurer", "entities/9", "Acme"), -1);
  EXPECT_EQ(entity.roles_size(), 4);
}

TEST(SortAliasesTest, MostMentionedFirstAndTiesKeepTheirOrder) {
  Entity entity;
  AdjustAlias(&entity, "b", 1);
  AdjustAlias(&entity, "a", 3);
  AdjustAlias(&entity, "c", 1);
  AdjustAlias(&entity, "d", 5);
  AdjustRole(&entity, Role("Mayor", "", "x"), 1);
  AdjustRole(&entity, Role("Governor", "", "y"), 4);
  AdjustRole(&entity, Role("Senator", "", "z"), 1);
  SortAliases(&entity);
  EXPECT_THAT(Aliases(entity), ElementsAre(Pair("d", 5), Pair("a", 3), Pair("b", 1), Pair("c", 1)));
  EXPECT_THAT(Roles(entity), ElementsAre("Governor||y=4", "Mayor||x=1", "Senator||z=1"));
}

// --- EntityChanges ---

// A store of entities for the reader, counting reads.
class FakeEntities {
 public:
  void Add(uint64_t id, Entity entity) {
    entity.set_name(absl::StrCat("entities/", id));
    entities_[id] = std::move(entity);
  }
  EntityChanges::Reader Reader() {
    return [this](uint64_t id) -> absl::StatusOr<std::optional<Entity>> {
      ++reads_[id];
      if (!failure_.ok()) return failure_;
      auto it = entities_.find(id);
      if (it == entities_.end()) return std::nullopt;
      return it->second;
    };
  }
  int reads(uint64_t id) const {
    auto it = reads_.find(id);
    return it == reads_.end() ? 0 : it->second;
  }
  void Fail(absl::Status status) { failure_ = std::move(status); }

 private:
  std::map<uint64_t, Entity> entities_;
  std::map<uint64_t, int> reads_;
  absl::Status failure_;
};

Entity WithCounts(int64_t mentions, int64_t documents) {
  Entity entity;
  entity.set_canonical_name("Some Entity");
  entity.set_mention_count(mentions);
  entity.set_document_count(documents);
  return entity;
}

Entity MergedInto(uint64_t target) {
  Entity entity;
  entity.set_merged_into(absl::StrCat("entities/", target));
  return entity;
}

// The ops of `batch` in column family `cf`, as "put <key>" / "delete <key>"
// (keys raw: callers compare them with keys they build).
std::vector<std::string> Ops(const WriteBatch& batch, storage::ColumnFamily cf) {
  std::vector<std::string> ops;
  for (const WriteBatch::Op& op : batch.ops()) {
    if (op.cf.index != cf.index) continue;
    ops.push_back(absl::StrCat(op.type == WriteBatch::OpType::kPut ? "put " : "delete ", op.key));
  }
  return ops;
}

// The entity written for `id` by `batch` (the last Put).
std::optional<Entity> Written(const WriteBatch& batch, uint64_t id) {
  std::optional<Entity> written;
  for (const WriteBatch::Op& op : batch.ops()) {
    if (op.cf.index != cf::kEntities.index || op.type != WriteBatch::OpType::kPut) continue;
    if (op.key != keys::IdKey(id)) continue;
    Entity entity;
    if (entity.ParseFromString(op.value)) written = entity;
  }
  return written;
}

TEST(EntityChangesTest, LoadReadsEachEntityOnceAndKeepsItsChanges) {
  FakeEntities store;
  store.Add(4, WithCounts(7, 2));
  EntityChanges changes(store.Reader());
  NG_ASSERT_OK_AND_ASSIGN(Entity * first, changes.Load(4));
  EXPECT_EQ(first->mention_count(), 7);
  first->set_mention_count(8);
  NG_ASSERT_OK_AND_ASSIGN(Entity * again, changes.Load(4));
  EXPECT_EQ(again, first);
  EXPECT_EQ(again->mention_count(), 8);
  EXPECT_EQ(store.reads(4), 1);
}

TEST(EntityChangesTest, LoadFailsForAMissingEntityAndPassesOnReadErrors) {
  FakeEntities store;
  EntityChanges changes(store.Reader());
  EXPECT_THAT(changes.Load(31), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("entity 31")));
  store.Fail(absl::UnavailableError("disk gone"));
  EXPECT_THAT(changes.Load(32), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("disk gone")));
}

TEST(EntityChangesTest, LoadResolvedFollowsMergesToTheLiveEntity) {
  FakeEntities store;
  store.Add(1, MergedInto(2));
  store.Add(2, MergedInto(3));
  store.Add(3, WithCounts(10, 4));
  EntityChanges changes(store.Reader());
  NG_ASSERT_OK_AND_ASSIGN(auto resolved, changes.LoadResolved(1));
  EXPECT_EQ(resolved.first, 3u);
  EXPECT_EQ(resolved.second->mention_count(), 10);
  NG_ASSERT_OK_AND_ASSIGN(auto live, changes.LoadResolved(3));
  EXPECT_EQ(live.first, 3u);
  EXPECT_EQ(live.second, resolved.second);
  EXPECT_EQ(store.reads(3), 1);
}

TEST(EntityChangesTest, LoadResolvedRejectsCyclesAndBadMergeTargets) {
  FakeEntities store;
  store.Add(1, MergedInto(2));
  store.Add(2, MergedInto(1));
  Entity bad;
  bad.set_merged_into("entities/007");
  store.Add(5, bad);
  store.Add(6, MergedInto(77));  // a target that does not exist
  EntityChanges changes(store.Reader());
  EXPECT_THAT(changes.LoadResolved(1), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("cycle")));
  EXPECT_THAT(changes.LoadResolved(5), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(changes.LoadResolved(6),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("entity 77")));
}

// MergeEntities allows merging an entity that has absorbed others (A into
// B, then B into C, ...) and leaves the earlier links as they are, so a
// chain of merged_into grows one link per such merge. Stored annotations
// still name A, and removing or re-annotating their document follows the
// whole chain.
uint64_t ResolveChainOf(uint64_t links, absl::StatusOr<uint64_t>* resolved) {
  FakeEntities store;
  for (uint64_t id = 1; id <= links; ++id) store.Add(id, MergedInto(id + 1));
  store.Add(links + 1, WithCounts(3, 1));
  EntityChanges changes(store.Reader());
  absl::StatusOr<std::pair<uint64_t, Entity*>> loaded = changes.LoadResolved(1);
  if (loaded.ok()) {
    *resolved = loaded->first;
  } else {
    *resolved = loaded.status();
  }
  return links + 1;
}

TEST(EntityChangesTest, LoadResolvedFollowsAChainOfSevenMerges) {
  absl::StatusOr<uint64_t> resolved;
  const uint64_t live = ResolveChainOf(7, &resolved);
  NG_ASSERT_OK(resolved);
  EXPECT_EQ(*resolved, live);
}

TEST(EntityChangesTest, LoadResolvedFollowsAChainOfEightMerges) {
  absl::StatusOr<uint64_t> resolved;
  const uint64_t live = ResolveChainOf(8, &resolved);
  NG_ASSERT_OK(resolved);
  EXPECT_EQ(*resolved, live);
}

TEST(EntityChangesTest, WriteToMovesRankKeysWithTheMentionCount) {
  FakeEntities store;
  store.Add(1, WithCounts(5, 2));  // count drops to 3
  store.Add(2, WithCounts(4, 1));  // count drops to 0
  store.Add(3, WithCounts(0, 0));  // count rises to 2
  EntityChanges changes(store.Reader());
  NG_ASSERT_OK_AND_ASSIGN(Entity * one, changes.Load(1));
  one->set_mention_count(3);
  AdjustAlias(one, "rare", 1);
  AdjustAlias(one, "common", 2);
  NG_ASSERT_OK_AND_ASSIGN(Entity * two, changes.Load(2));
  two->set_mention_count(0);
  NG_ASSERT_OK_AND_ASSIGN(Entity * three, changes.Load(3));
  three->set_mention_count(2);
  Entity created = WithCounts(6, 1);
  created.set_name("entities/4");
  changes.Create(4, created);

  WriteBatch batch;
  changes.WriteTo(&batch);
  std::vector<std::string> rank_ops = Ops(batch, cf::kEntityRank);
  std::sort(rank_ops.begin(), rank_ops.end());
  std::vector<std::string> expected = {
      "delete " + keys::RankKey(5, 1), "put " + keys::RankKey(3, 1),
      "delete " + keys::RankKey(4, 2), "put " + keys::RankKey(2, 3), "put " + keys::RankKey(6, 4)};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(rank_ops, expected);
  for (uint64_t id : {1, 2, 3, 4}) {
    ASSERT_TRUE(Written(batch, id).has_value()) << id;
  }
  EXPECT_EQ(Written(batch, 1)->mention_count(), 3);
  // Aliases are written most mentioned first.
  EXPECT_THAT(Aliases(*Written(batch, 1)), ElementsAre(Pair("common", 2), Pair("rare", 1)));
  EXPECT_EQ(Written(batch, 4)->canonical_name(), "Some Entity");
  EXPECT_EQ(batch.size(), expected.size() + 4);
}

TEST(EntityChangesTest, AnEntityLoadedButUnchangedKeepsItsRankKey) {
  FakeEntities store;
  store.Add(9, WithCounts(5, 1));
  EntityChanges changes(store.Reader());
  NG_ASSERT_OK(changes.Load(9).status());
  WriteBatch batch;
  changes.WriteTo(&batch);
  // Deleted and put again in that order: the key stays.
  EXPECT_THAT(Ops(batch, cf::kEntityRank),
              ElementsAre("delete " + keys::RankKey(5, 9), "put " + keys::RankKey(5, 9)));
}

// What a document contributed, as the entity service records it.
AnnotateDocumentResponse Contribution() {
  AnnotateDocumentResponse annotations;
  auto add_mention = [&](const std::string& entity, const std::string& text, uint32_t byte_begin) {
    newsgraph::v1::Mention* mention = annotations.add_mentions();
    mention->set_entity(entity);
    mention->set_text(text);
    mention->mutable_span()->set_byte_begin(byte_begin);
  };
  add_mention("entities/1", "Acme", 0);
  add_mention("entities/1", "Acme Corp", 40);
  add_mention("", "Tuesday", 60);         // a value, resolved to no entity
  add_mention("entities/3", "ACME", 80);  // merged into entities/1 since
  annotations.add_entities()->set_entity("entities/1");
  annotations.add_entities()->set_entity("entities/2");
  RoleMention role = Role("Chief Executive", "entities/1", "Acme");
  role.set_person("entities/2");
  *annotations.add_roles() = role;
  return annotations;
}

TEST(EntityChangesTest, RemoveDocumentSubtractsWhatTheDocumentContributed) {
  FakeEntities store;
  Entity acme = WithCounts(10, 3);
  AdjustAlias(&acme, "Acme", 6);
  AdjustAlias(&acme, "Acme Corp", 1);
  AdjustAlias(&acme, "ACME", 3);
  store.Add(1, acme);
  Entity person = WithCounts(4, 2);
  AdjustRole(&person, Role("Chief-Executive", "entities/1", "Acme"), 1);
  AdjustRole(&person, Role("Founder", "entities/1", "Acme"), 2);
  store.Add(2, person);
  store.Add(3, MergedInto(1));
  EntityChanges changes(store.Reader());
  WriteBatch batch;
  NG_ASSERT_OK(changes.RemoveDocument("documents/42", Contribution(), &batch));
  EXPECT_THAT(Ops(batch, cf::kEntityMentions),
              ElementsAre("delete " + keys::MentionKey(1, "documents/42", 0),
                          "delete " + keys::MentionKey(1, "documents/42", 40),
                          "delete " + keys::MentionKey(1, "documents/42", 80)));

  NG_ASSERT_OK_AND_ASSIGN(Entity * after, changes.Load(1));
  EXPECT_EQ(after->mention_count(), 7);
  EXPECT_EQ(after->document_count(), 2);
  EXPECT_THAT(Aliases(*after), ElementsAre(Pair("Acme", 5), Pair("ACME", 2)));
  NG_ASSERT_OK_AND_ASSIGN(Entity * person_after, changes.Load(2));
  EXPECT_EQ(person_after->document_count(), 1);
  EXPECT_EQ(person_after->mention_count(), 4);
  EXPECT_THAT(Roles(*person_after), ElementsAre("Founder|entities/1|Acme=2"));

  WriteBatch write;
  changes.WriteTo(&write);
  ASSERT_TRUE(Written(write, 1).has_value());
  EXPECT_EQ(Written(write, 1)->mention_count(), 7);
  // The merged entity was read to follow its merge, and is written back
  // unchanged.
  ASSERT_TRUE(Written(write, 3).has_value());
  EXPECT_EQ(Written(write, 3)->merged_into(), "entities/1");
}

TEST(EntityChangesTest, RemoveDocumentFailsOnBadOrMissingEntities) {
  FakeEntities store;
  store.Add(1, WithCounts(1, 1));
  {
    EntityChanges changes(store.Reader());
    AnnotateDocumentResponse annotations;
    annotations.add_mentions()->set_entity("entity/1");
    WriteBatch batch;
    EXPECT_THAT(changes.RemoveDocument("documents/1", annotations, &batch),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("entity/1")));
  }
  {
    EntityChanges changes(store.Reader());
    AnnotateDocumentResponse annotations;
    annotations.add_entities()->set_entity("entities/55");
    WriteBatch batch;
    EXPECT_THAT(changes.RemoveDocument("documents/1", annotations, &batch),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("entity 55")));
  }
  {
    EntityChanges changes(store.Reader());
    AnnotateDocumentResponse annotations;
    annotations.add_roles()->set_person("");
    WriteBatch batch;
    EXPECT_THAT(changes.RemoveDocument("documents/1", annotations, &batch),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

}  // namespace
}  // namespace newsgraph::entity
