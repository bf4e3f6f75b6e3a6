#include "services/entity/mention_resolver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "services/entity/entity_changes.h"
#include "services/entity/entity_core.h"
#include "services/entity/entity_keyspace.h"
#include "services/entity/recognizer.h"
#include "storage/key_codec.h"
#include "storage/testing/faulty_kv_store.h"
#include "storage/testing/memory_kv_store.h"
#include "tests/testing/status_matchers.h"

namespace newsgraph::entity {
namespace {

using ::newsgraph::testing::StatusIs;
using ::newsgraph::v1::Entity;
using ::newsgraph::v1::EntityType;
using ::newsgraph::v1::Mention;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr EntityType kPerson = newsgraph::v1::PERSON;
constexpr EntityType kOrg = newsgraph::v1::ORG;
constexpr EntityType kGpe = newsgraph::v1::GPE;
constexpr EntityType kMisc = newsgraph::v1::MISC;
constexpr EntityType kNorp = newsgraph::v1::NORP;

constexpr char kDocument[] = "documents/7";
constexpr int64_t kSeen = 1700000000;

std::string Id(uint64_t id) { return storage::EncodeBigEndian64(id); }

class MentionResolverTest : public ::testing::Test {
 protected:
  MentionResolverTest()
      : memory_(EntityColumnFamilies()),
        store_(&memory_),
        recognizer_(Gazetteer{{"france", "FR"}, {"french republic", "FR"}, {"china", "CN"}}),
        changes_([this](uint64_t id) { return ReadEntity(id); }) {}

  absl::StatusOr<std::optional<Entity>> ReadEntity(uint64_t id) {
    auto it = stored_.find(id);
    if (it == stored_.end()) return std::optional<Entity>();
    return std::optional<Entity>(it->second);
  }

  // An entity as stored before the document, with aliases to it.
  void Store(uint64_t id, const std::string& canonical, EntityType type, int64_t mentions,
             const std::vector<std::pair<std::string, EntityType>>& aliases = {}) {
    Entity entity;
    entity.set_name(EntityCore::EntityName(id));
    entity.set_canonical_name(canonical);
    entity.set_type(type);
    entity.set_mention_count(mentions);
    entity.mutable_first_seen_time()->set_seconds(kSeen - 1000);
    entity.mutable_last_seen_time()->set_seconds(kSeen - 1000);
    stored_[id] = entity;
    for (const auto& [folded, alias_type] : aliases)
      PutAlias(keys::AliasKey(folded, alias_type), id);
  }
  void PutAlias(const std::string& key, uint64_t id) { PutRaw(key, Id(id)); }
  void PutRaw(const std::string& key, const std::string& value) {
    storage::WriteBatch batch;
    batch.Put(cf::kAliases, key, value);
    NG_ASSERT_OK(memory_.Write(batch, storage::Durability::kSynced));
  }

  MentionResolver::Context MakeContext() {
    MentionResolver::Context context;
    context.store = &store_;
    context.recognizer = &recognizer_;
    context.changes = &changes_;
    context.batch = &batch_;
    context.next_entity_id = &next_id_;
    context.seen.set_seconds(kSeen);
    context.resolve_merged = [this](uint64_t id) -> absl::StatusOr<uint64_t> {
      auto it = merged_.find(id);
      return it == merged_.end() ? id : it->second;
    };
    context.read_entity = [this](uint64_t id) { return ReadEntity(id); };
    return context;
  }

  // Resolves the names of `text` (surface and type, in text order) the way
  // the entity core does: names of several words first. Returns the status
  // of the first failure.
  absl::Status Annotate(const std::string& text,
                        const std::vector<std::pair<std::string, EntityType>>& names) {
    text_ = text;
    recognized_.clear();
    mentions_.Clear();
    size_t from = 0;
    for (const auto& [surface, type] : names) {
      const size_t at = text_.find(surface, from);
      EXPECT_NE(at, std::string::npos) << surface;
      if (at == std::string::npos) return absl::InternalError("bad test");
      RecognizedMention rm;
      rm.byte_begin = at;
      rm.byte_end = at + surface.size();
      rm.type = type;
      recognized_.push_back(rm);
      Mention* mention = mentions_.Add();
      mention->set_document(kDocument);
      mention->set_type(type);
      mention->set_text(surface);
      from = at + surface.size();
    }
    resolver_ = std::make_unique<MentionResolver>(MakeContext(), text_, recognized_);
    for (const bool single_word : {false, true}) {
      for (size_t i = 0; i < recognized_.size(); ++i) {
        if (MentionResolver::IsSingleWord(text_, recognized_[i]) != single_word) continue;
        absl::Status status =
            resolver_->Resolve(recognized_[i], mentions_.Mutable(static_cast<int>(i)));
        if (!status.ok()) return status;
      }
    }
    return absl::OkStatus();
  }

  std::vector<std::string> EntitiesOfMentions() const {
    std::vector<std::string> out;
    for (const Mention& m : mentions_) out.push_back(m.entity());
    return out;
  }
  Entity EntityNow(uint64_t id) {
    absl::StatusOr<Entity*> entity = changes_.Load(id);
    EXPECT_TRUE(entity.ok()) << entity.status();
    return entity.ok() ? **entity : Entity();
  }
  // The values the batch puts under `key` in the aliases keyspace, in order.
  std::vector<std::string> AliasWrites(const std::string& key) const {
    std::vector<std::string> values;
    for (const storage::WriteBatch::Op& op : batch_.ops()) {
      if (op.type == storage::WriteBatch::OpType::kPut && op.cf.index == cf::kAliases.index &&
          op.key == key) {
        values.push_back(op.value);
      }
    }
    return values;
  }
  std::optional<Mention> MentionWritten(uint64_t entity, size_t begin) const {
    const std::string key = keys::MentionKey(entity, kDocument, begin);
    for (const storage::WriteBatch::Op& op : batch_.ops()) {
      if (op.type == storage::WriteBatch::OpType::kPut &&
          op.cf.index == cf::kEntityMentions.index && op.key == key) {
        Mention m;
        EXPECT_TRUE(m.ParseFromString(op.value));
        return m;
      }
    }
    return std::nullopt;
  }

  storage::testing::MemoryKvStore memory_;
  storage::testing::FaultyKvStore store_;
  Recognizer recognizer_;
  std::map<uint64_t, Entity> stored_;
  std::map<uint64_t, uint64_t> merged_;
  EntityChanges changes_;
  storage::WriteBatch batch_;
  uint64_t next_id_ = 100;
  std::string text_;
  std::vector<RecognizedMention> recognized_;
  google::protobuf::RepeatedPtrField<Mention> mentions_;
  std::unique_ptr<MentionResolver> resolver_;
};

TEST_F(MentionResolverTest, IsSingleWordLooksForASpace) {
  const std::string text = "Jean-Pierre met Zhang Ming.";
  EXPECT_TRUE(
      MentionResolver::IsSingleWord(text, RecognizedMention{.byte_begin = 0, .byte_end = 11}));
  EXPECT_FALSE(
      MentionResolver::IsSingleWord(text, RecognizedMention{.byte_begin = 16, .byte_end = 26}));
  EXPECT_TRUE(
      MentionResolver::IsSingleWord(text, RecognizedMention{.byte_begin = 16, .byte_end = 21}));
}

TEST_F(MentionResolverTest, ANewNameBecomesANewEntityWithItsAliasAndMention) {
  NG_ASSERT_OK(Annotate("Talks in Geneva ended.", {{"Geneva", kGpe}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100"));
  EXPECT_EQ(next_id_, 101u);
  const Entity created = EntityNow(100);
  EXPECT_EQ(created.name(), "entities/100");
  EXPECT_EQ(created.canonical_name(), "Geneva");
  EXPECT_EQ(created.type(), kGpe);
  EXPECT_EQ(created.mention_count(), 1);
  EXPECT_EQ(created.first_seen_time().seconds(), kSeen);
  EXPECT_EQ(created.last_seen_time().seconds(), kSeen);
  EXPECT_TRUE(created.external_ids().empty());
  EXPECT_THAT(AliasWrites(keys::AliasKey("geneva", kGpe)), ElementsAre(Id(100)));
  const std::optional<Mention> written = MentionWritten(100, 9);
  ASSERT_TRUE(written.has_value());
  EXPECT_EQ(written->entity(), "entities/100");
  EXPECT_EQ(written->text(), "Geneva");
  ASSERT_EQ(resolver_->in_document().size(), 1u);
  EXPECT_EQ(resolver_->in_document().at(100).mentions, 1u);
  EXPECT_EQ(resolver_->in_document().at(100).first_byte, 9u);
}

TEST_F(MentionResolverTest, ANameRepeatedInTheDocumentIsOneEntityLearnedOnce) {
  NG_ASSERT_OK(Annotate("Geneva hosted. In Geneva, talks. geneva",
                        {{"Geneva", kGpe}, {"Geneva", kGpe}, {"geneva", kGpe}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100", "entities/100", "entities/100"));
  EXPECT_EQ(next_id_, 101u);
  EXPECT_EQ(EntityNow(100).mention_count(), 3);
  EXPECT_THAT(AliasWrites(keys::AliasKey("geneva", kGpe)), ElementsAre(Id(100)));
  EXPECT_EQ(resolver_->in_document().at(100).mentions, 3u);
  EXPECT_EQ(resolver_->in_document().at(100).first_byte, 0u);
}

TEST_F(MentionResolverTest, TheSameWordsWithAnotherTypeAreAnotherEntity) {
  NG_ASSERT_OK(Annotate("Jordan met Jordan.", {{"Jordan", kGpe}, {"Jordan", kPerson}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100", "entities/101"));
}

TEST_F(MentionResolverTest, AKnownAliasFindsTheStoredEntityAndCountsOnIt) {
  Store(5, "Acme Corporation", kOrg, 3, {{"acme corp", kOrg}});
  NG_ASSERT_OK(Annotate("Acme Corp grew.", {{"Acme Corp", kOrg}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/5"));
  EXPECT_EQ(next_id_, 100u);
  const Entity entity = EntityNow(5);
  EXPECT_EQ(entity.mention_count(), 4);
  EXPECT_EQ(entity.first_seen_time().seconds(), kSeen - 1000);  // earlier: kept
  EXPECT_EQ(entity.last_seen_time().seconds(), kSeen);          // later: moved
  EXPECT_TRUE(resolver_->in_document().contains(5));
}

TEST_F(MentionResolverTest, AnEarlierDocumentMovesFirstSeenBack) {
  Store(5, "Acme", kOrg, 3, {{"acme", kOrg}});
  stored_[5].mutable_first_seen_time()->set_seconds(kSeen + 50);
  stored_[5].mutable_last_seen_time()->set_seconds(kSeen + 90);
  NG_ASSERT_OK(Annotate("Acme grew.", {{"Acme", kOrg}}));
  EXPECT_EQ(EntityNow(5).first_seen_time().seconds(), kSeen);
  EXPECT_EQ(EntityNow(5).last_seen_time().seconds(), kSeen + 90);
}

TEST_F(MentionResolverTest, AMentionTakesTheTypeOfTheEntityItResolvesTo) {
  Store(5, "Acme", kOrg, 3, {{"acme", kMisc}});
  NG_ASSERT_OK(Annotate("Acme grew.", {{"Acme", kMisc}}));
  ASSERT_THAT(EntitiesOfMentions(), ElementsAre("entities/5"));
  EXPECT_EQ(mentions_[0].type(), kOrg);
}

TEST_F(MentionResolverTest, AnAliasOfAMergedEntityCountsOnTheEntityThatAbsorbedIt) {
  Store(7, "Acme Ltd", kOrg, 2, {{"acme ltd", kOrg}});
  Store(9, "Acme", kOrg, 20);
  stored_[7].set_merged_into("entities/9");
  NG_ASSERT_OK(Annotate("Acme Ltd grew.", {{"Acme Ltd", kOrg}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/9"));
  EXPECT_EQ(EntityNow(9).mention_count(), 21);
  EXPECT_TRUE(resolver_->in_document().contains(9));
  EXPECT_FALSE(resolver_->in_document().contains(7));
  EXPECT_TRUE(MentionWritten(9, 0).has_value());
}

TEST_F(MentionResolverTest, AFamilyOrGivenNameOfAPersonOfTheDocumentIsThatPerson) {
  NG_ASSERT_OK(Annotate("Zhang Ming arrived. Zhang said so. Ming left.",
                        {{"Zhang Ming", kPerson}, {"Zhang", kPerson}, {"Ming", kMisc}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100", "entities/100", "entities/100"));
  EXPECT_EQ(EntityNow(100).mention_count(), 3);
  // Short forms stay local: no alias is learned for them.
  EXPECT_THAT(AliasWrites(keys::AliasKey("zhang", kPerson)), ElementsAre());
  EXPECT_THAT(AliasWrites(keys::AliasKey("ming", kMisc)), ElementsAre());
  EXPECT_THAT(AliasWrites(keys::AliasKey("zhang ming", kPerson)), ElementsAre(Id(100)));
  // The full name teaches the family name.
  EXPECT_THAT(AliasWrites(keys::FamilyNameKey("ming")), ElementsAre(Id(100)));
}

TEST_F(MentionResolverTest, AShortFormTwoPeopleOfTheDocumentShareIsANameOfItsOwn) {
  NG_ASSERT_OK(Annotate("Zhang Ming and Zhang Wei met. Zhang spoke.",
                        {{"Zhang Ming", kPerson}, {"Zhang Wei", kPerson}, {"Zhang", kPerson}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100", "entities/101", "entities/102"));
  EXPECT_EQ(EntityNow(102).canonical_name(), "Zhang");
}

TEST_F(MentionResolverTest, ShortFormsOnlyApplyToPeopleAndWeakTypes) {
  NG_ASSERT_OK(
      Annotate("Zhang Ming arrived in Zhang.", {{"Zhang Ming", kPerson}, {"Zhang", kGpe}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100", "entities/101"));
}

TEST_F(MentionResolverTest, TheOnePersonKnownWithAFamilyNameIsFoundLocally) {
  Store(7, "David Blunkett", kPerson, 12);
  PutAlias(keys::FamilyNameKey("blunkett"), 7);
  NG_ASSERT_OK(Annotate("Blunkett said no.", {{"Blunkett", kPerson}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/7"));
  EXPECT_EQ(EntityNow(7).mention_count(), 13);
  EXPECT_THAT(AliasWrites(keys::AliasKey("blunkett", kPerson)), ElementsAre());
}

TEST_F(MentionResolverTest, AFamilyNameFollowsMergesAndIgnoresOtherTypes) {
  Store(7, "David Blunkett", kPerson, 12);
  Store(8, "David Blunkett MP", kPerson, 30);
  merged_[7] = 8;
  PutAlias(keys::FamilyNameKey("blunkett"), 7);
  NG_ASSERT_OK(
      Annotate("Blunkett said no. Blunkett Street.", {{"Blunkett", kMisc}, {"Blunkett", kGpe}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/8", "entities/100"));
}

TEST_F(MentionResolverTest, ASharedFamilyNameFindsNobody) {
  PutRaw(keys::FamilyNameKey("smith"), "");
  NG_ASSERT_OK(Annotate("Smith said no.", {{"Smith", kPerson}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100"));
}

TEST_F(MentionResolverTest, AFamilyNameOfAnotherPersonIsMarkedShared) {
  Store(3, "John Smith", kPerson, 5);
  PutAlias(keys::FamilyNameKey("smith"), 3);
  NG_ASSERT_OK(Annotate("Anna Smith spoke.", {{"Anna Smith", kPerson}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100"));
  EXPECT_THAT(AliasWrites(keys::FamilyNameKey("smith")), ElementsAre(""));
}

TEST_F(MentionResolverTest, AFamilyNameAlreadySharedOrOwnIsNotWrittenAgain) {
  PutRaw(keys::FamilyNameKey("smith"), "");
  Store(4, "Anna Jones", kPerson, 5, {{"anna jones", kPerson}});
  PutAlias(keys::FamilyNameKey("jones"), 4);
  NG_ASSERT_OK(
      Annotate("Anna Smith met Anna Jones.", {{"Anna Smith", kPerson}, {"Anna Jones", kPerson}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100", "entities/4"));
  EXPECT_THAT(AliasWrites(keys::FamilyNameKey("smith")), ElementsAre());
  EXPECT_THAT(AliasWrites(keys::FamilyNameKey("jones")), ElementsAre());
}

TEST_F(MentionResolverTest, TwoPeopleOfOneDocumentWithOneFamilyNameShareIt) {
  NG_ASSERT_OK(
      Annotate("Anna Smith met John Smith.", {{"Anna Smith", kPerson}, {"John Smith", kPerson}}));
  EXPECT_THAT(AliasWrites(keys::FamilyNameKey("smith")), ElementsAre(Id(100), ""));
}

TEST_F(MentionResolverTest, AGenericHeadWordIsTheOrganisationTheDocumentNamedWithIt) {
  NG_ASSERT_OK(Annotate("The Shanghai Cooperation Organisation met. The Organization said.",
                        {{"Shanghai Cooperation Organisation", kOrg}, {"Organization", kMisc}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100", "entities/100"));
  EXPECT_EQ(mentions_[1].type(), kOrg);
  EXPECT_THAT(AliasWrites(keys::AliasKey("organization", kMisc)), ElementsAre());
  EXPECT_THAT(AliasWrites(keys::AliasKey("organization", kOrg)), ElementsAre());
}

TEST_F(MentionResolverTest, AHeadWordIsTheLatestOrganisationBeforeItElseTheFirstAfter) {
  NG_ASSERT_OK(Annotate(
      "The Council spoke. The European Council met. The Council agreed. The Security Council "
      "voted. The Council closed.",
      {{"Council", kOrg},
       {"European Council", kOrg},
       {"Council", kOrg},
       {"Security Council", kOrg},
       {"Council", kOrg}}));
  // Names of several words are resolved first: 100 European, 101 Security.
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100", "entities/100", "entities/100",
                                                "entities/101", "entities/101"));
}

TEST_F(MentionResolverTest, ANonGenericHeadWordIsNoShortForm) {
  NG_ASSERT_OK(
      Annotate("Acme Widgets grew. Widgets sold.", {{"Acme Widgets", kOrg}, {"Widgets", kOrg}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100", "entities/101"));
}

TEST_F(MentionResolverTest, AnAcronymOfAnOrganisationTheDocumentNamedIsThatOrganisation) {
  NG_ASSERT_OK(
      Annotate("The Shanghai Cooperation Organization (SCO) met. SCO said.",
               {{"Shanghai Cooperation Organization", kOrg}, {"SCO", kOrg}, {"SCO", kOrg}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100", "entities/100", "entities/100"));
  // The acronym is learned as an alias, and the initials for queries.
  EXPECT_THAT(AliasWrites(keys::AliasKey("sco", kOrg)), ElementsAre(Id(100)));
  EXPECT_THAT(AliasWrites(keys::InitialsKey("sco")), ElementsAre(Id(100)));
}

TEST_F(MentionResolverTest, TwoLetterInitialsAreNotLearnedForQueries) {
  NG_ASSERT_OK(Annotate("Acme Group (AG) grew.", {{"Acme Group", kOrg}, {"AG", kOrg}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100", "entities/100"));
  EXPECT_THAT(AliasWrites(keys::InitialsKey("ag")), ElementsAre());
}

TEST_F(MentionResolverTest, ALongNameIsTheKnownOrganisationOfTheAcronymTheDocumentUses) {
  Store(42, "SCO", kOrg, 50, {{"sco", kOrg}});
  NG_ASSERT_OK(Annotate("SCO leaders met. The Shanghai Cooperation Organization said.",
                        {{"SCO", kOrg}, {"Shanghai Cooperation Organization", kOrg}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/42", "entities/42"));
  EXPECT_THAT(AliasWrites(keys::AliasKey("shanghai cooperation organization", kOrg)),
              ElementsAre(Id(42)));
}

TEST_F(MentionResolverTest, WithoutTheAcronymInTheDocumentInitialsProveNothing) {
  Store(42, "SCO", kOrg, 50, {{"sco", kOrg}});
  NG_ASSERT_OK(
      Annotate("The Supreme Court of Ontario ruled.", {{"Supreme Court of Ontario", kOrg}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100"));
}

TEST_F(MentionResolverTest, AWeaklyTypedNameJoinsTheMostMentionedStronglyTypedEntity) {
  Store(5, "Apple", kOrg, 10, {{"apple", kOrg}});
  Store(6, "Apple", kGpe, 2, {{"apple", kGpe}});
  Store(7, "Apples", kNorp, 100, {{"apple", kNorp}});
  PutRaw(keys::AliasKey("apple", kPerson), "bad");  // not an id: skipped
  NG_ASSERT_OK(Annotate("Apple fans queued.", {{"Apple", kMisc}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/5"));
  EXPECT_EQ(mentions_[0].type(), kOrg);
}

TEST_F(MentionResolverTest, AWeaklyTypedNameKnownOnlyWeaklyIsANewEntity) {
  Store(7, "Apples", kNorp, 100, {{"apple", kNorp}});
  NG_ASSERT_OK(Annotate("Apple fans queued.", {{"Apple", kMisc}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100"));
  // A strong type does not look for other types.
  Store(8, "Pear", kOrg, 10, {{"pear", kOrg}});
  NG_ASSERT_OK(Annotate("Pear grew.", {{"Pear", kPerson}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/101"));
}

TEST_F(MentionResolverTest, CountriesAreKeyedByTheirCodeAndReachableByName) {
  NG_ASSERT_OK(Annotate("France and the French Republic agreed.",
                        {{"France", kGpe}, {"French Republic", kGpe}}));
  EXPECT_THAT(EntitiesOfMentions(), ElementsAre("entities/100", "entities/100"));
  const Entity country = EntityNow(100);
  EXPECT_EQ(country.canonical_name(), "French Republic");  // named first: resolved first
  EXPECT_EQ(country.external_ids().at("iso3166"), "FR");
  EXPECT_THAT(AliasWrites(keys::AliasKey("iso3166:FR", kGpe)), ElementsAre(Id(100)));
  EXPECT_THAT(AliasWrites(keys::AliasKey("french republic", kGpe)), ElementsAre(Id(100)));
}

TEST_F(MentionResolverTest, AStoreErrorFailsTheResolution) {
  store_.FailGet(1, absl::UnavailableError("aliases unreadable"));
  EXPECT_THAT(Annotate("Geneva.", {{"Geneva", kGpe}}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("aliases unreadable")));
}

TEST_F(MentionResolverTest, AnEntityMissingFromTheStoreIsDataLoss) {
  PutAlias(keys::AliasKey("ghost", kOrg), 77);  // no entity 77
  EXPECT_THAT(Annotate("Ghost grew.", {{"Ghost", kOrg}}), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(MentionResolverTest, EveryEntityOfTheDocumentIsCountedWithItsFirstMention) {
  NG_ASSERT_OK(
      Annotate("Oslo and Bergen. Later Oslo.", {{"Oslo", kGpe}, {"Bergen", kGpe}, {"Oslo", kGpe}}));
  const auto& in_document = resolver_->in_document();
  ASSERT_EQ(in_document.size(), 2u);
  EXPECT_EQ(in_document.at(100).mentions, 2u);
  EXPECT_EQ(in_document.at(100).first_byte, 0u);
  EXPECT_EQ(in_document.at(101).mentions, 1u);
  EXPECT_EQ(in_document.at(101).first_byte, 9u);
}

// ---------------------------------------------------------------------------
// OrganizationOf and SpeakerOf

TEST_F(MentionResolverTest, AnOrganisationMentionStandsForItsOwnEntity) {
  NG_ASSERT_OK(Annotate("Acme Corp.", {{"Acme Corp", kOrg}}));
  EXPECT_EQ(resolver_->OrganizationOf(mentions_[0]), "entities/100");
  Mention unresolved;
  unresolved.set_type(kOrg);
  EXPECT_EQ(resolver_->OrganizationOf(unresolved), "");
}

TEST_F(MentionResolverTest, ANationalityStandsForItsCountry) {
  Store(11, "China", kGpe, 40);
  PutAlias(keys::AliasKey("iso3166:CN", kGpe), 11);
  NG_ASSERT_OK(Annotate("Chinese officials met.", {}));
  Mention chinese;
  chinese.set_type(kNorp);
  chinese.set_text("Chinese");
  EXPECT_EQ(resolver_->OrganizationOf(chinese), "entities/11");
  merged_[11] = 12;
  EXPECT_EQ(resolver_->OrganizationOf(chinese), "entities/12");
  Mention martian;
  martian.set_type(kNorp);
  martian.set_text("Martian");
  EXPECT_EQ(resolver_->OrganizationOf(martian), "");
  NG_EXPECT_OK(resolver_->lookup_error());
}

TEST_F(MentionResolverTest, ANationalityOfACountryTheDocumentNamedNeedsNoStore) {
  NG_ASSERT_OK(Annotate("France said.", {{"France", kGpe}}));
  Mention french;
  french.set_type(kNorp);
  french.set_text("French");
  EXPECT_EQ(resolver_->OrganizationOf(french), "entities/100");
  Mention unknown_country;
  unknown_country.set_type(kNorp);
  unknown_country.set_text("Chinese");  // China is named nowhere
  EXPECT_EQ(resolver_->OrganizationOf(unknown_country), "");
}

TEST_F(MentionResolverTest, AStoreErrorInOrganizationOfIsKeptFirstOnly) {
  NG_ASSERT_OK(Annotate("Chinese officials met.", {}));
  Mention chinese;
  chinese.set_type(kNorp);
  chinese.set_text("Chinese");
  store_.FailGet(1, absl::UnavailableError("first failure"));
  EXPECT_EQ(resolver_->OrganizationOf(chinese), "");
  store_.FailGet(1, absl::InternalError("second failure"));
  EXPECT_EQ(resolver_->OrganizationOf(chinese), "");
  EXPECT_THAT(resolver_->lookup_error(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("first failure")));
}

TEST_F(MentionResolverTest, ASpeakerIsTheLongestPersonOfTheDocumentEndingTheAttribution) {
  NG_ASSERT_OK(
      Annotate("Zhang Ming spoke. Ming added.", {{"Zhang Ming", kPerson}, {"Ming", kPerson}}));
  google::protobuf::RepeatedPtrField<Mention> people = mentions_;
  people[1].set_entity("entities/555");  // pretend the short form were someone else
  EXPECT_EQ(resolver_->SpeakerOf("SCO Secretary-General Zhang Ming", people), "entities/100");
  EXPECT_EQ(resolver_->SpeakerOf("Ming", people), "entities/555");
  EXPECT_EQ(resolver_->SpeakerOf("SECRETARY-GENERAL ZHANG MING", people), "entities/100");
}

TEST_F(MentionResolverTest, SpeakersSkipOtherTypesAndUnresolvedMentions) {
  google::protobuf::RepeatedPtrField<Mention> mentions;
  Mention* org = mentions.Add();
  org->set_type(kOrg);
  org->set_text("Zhang Ming");
  org->set_entity("entities/1");
  Mention* unresolved = mentions.Add();
  unresolved->set_type(kPerson);
  unresolved->set_text("Zhang Ming");
  NG_ASSERT_OK(Annotate("Nothing here.", {}));
  EXPECT_EQ(resolver_->SpeakerOf("Spokesman", mentions), std::nullopt);
  NG_EXPECT_OK(resolver_->lookup_error());
}

TEST_F(MentionResolverTest, ASpeakerTheDocumentDoesNotNameIsLookedUpByName) {
  Store(33, "Li Wei", kPerson, 8, {{"li wei", kPerson}});
  NG_ASSERT_OK(Annotate("Nothing here.", {}));
  EXPECT_EQ(resolver_->SpeakerOf("Li Wei", {}), "entities/33");
  EXPECT_EQ(resolver_->SpeakerOf("Wang Tao", {}), std::nullopt);
  store_.FailGet(1, absl::UnavailableError("alias read failed"), /*sticky=*/true);
  EXPECT_EQ(resolver_->SpeakerOf("Li Wei", {}), std::nullopt);
  EXPECT_THAT(resolver_->lookup_error(), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace newsgraph::entity
