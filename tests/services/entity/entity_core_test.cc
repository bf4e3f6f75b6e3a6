#include "services/entity/entity_core.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "absl/strings/str_cat.h"
#include "services/entity/entity_keyspace.h"
#include "storage/rocksdb_kv_store.h"
#include "tests/testing/entity_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity {
namespace {

using ::newsgraph::testing::StatusIs;
using newsgraph::v1::AnnotateDocumentRequest;

class EntityCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto countries = LoadCountryGazetteer();
    ASSERT_TRUE(countries.ok()) << countries.status();
    recognizer_ = std::make_unique<Recognizer>(*std::move(countries));
    NG_ASSERT_OK_AND_ASSIGN(store_, ::newsgraph::testing::OpenEntityStore(dir_.path()));
    auto core = EntityCore::Open(store_.get(), recognizer_.get());
    ASSERT_TRUE(core.ok()) << core.status();
    core_ = *std::move(core);
  }

  static AnnotateDocumentRequest Doc(const std::string& name, int64_t version,
                                     const std::string& text) {
    AnnotateDocumentRequest request;
    request.set_document(name);
    request.set_version(version);
    request.set_text(text);
    return request;
  }

  const newsgraph::v1::Mention* Find(const newsgraph::v1::AnnotateDocumentResponse& r,
                                     const std::string& text) {
    for (const auto& m : r.mentions()) {
      if (m.text() == text) return &m;
    }
    return nullptr;
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<Recognizer> recognizer_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<EntityCore> core_;
};

TEST_F(EntityCoreTest, RecognizesNamesValuesAndResolvesShortForms) {
  NG_ASSERT_OK_AND_ASSIGN(
      auto r, core_->AnnotateDocument(
                  Doc("documents/1", 1,
                      "The Central Asian Water Council (CAWC) met in Kazakhstan on 12 March 2024. "
                      "Executive secretary Aigerim Bekova said Bekova would seek $45 million, "
                      "about 12 percent more. The CAWC meets again in October.")));
  const auto* council = Find(r, "Central Asian Water Council");
  const auto* acronym = Find(r, "CAWC");
  const auto* person = Find(r, "Aigerim Bekova");
  const auto* surname = Find(r, "Bekova");
  ASSERT_NE(council, nullptr);
  ASSERT_NE(acronym, nullptr);
  ASSERT_NE(person, nullptr);
  ASSERT_NE(surname, nullptr);
  EXPECT_EQ(council->type(), newsgraph::v1::ORG);
  EXPECT_EQ(acronym->entity(), council->entity());
  EXPECT_EQ(person->type(), newsgraph::v1::PERSON);
  EXPECT_EQ(surname->entity(), person->entity());
  const auto* country = Find(r, "Kazakhstan");
  ASSERT_NE(country, nullptr);
  EXPECT_EQ(country->type(), newsgraph::v1::GPE);
  const auto* date = Find(r, "12 March 2024");
  ASSERT_NE(date, nullptr);
  EXPECT_EQ(date->normalized_value(), "2024-03-12");
  const auto* money = Find(r, "$45 million");
  ASSERT_NE(money, nullptr);
  EXPECT_EQ(money->normalized_value(), "USD 45000000");
  ASSERT_NE(Find(r, "12 percent"), nullptr);
  // Offsets point at the mention in the text.
  EXPECT_EQ(council->span().byte_end() - council->span().byte_begin(), 27u);

  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity entity, core_->GetEntity(council->entity()));
  EXPECT_EQ(entity.mention_count(), 3);
  EXPECT_EQ(entity.document_count(), 1);
}

// A short form may come before the full name: the full name still defines
// what "the Council" means later in the document.
TEST_F(EntityCoreTest, FullNameAfterItsShortFormDefinesTheGenericHead) {
  NG_ASSERT_OK(core_->AnnotateDocument(
                        Doc("documents/1", 1,
                            "The Central Asian Water Council (CAWC) met in Kazakhstan."))
                   .status());
  NG_ASSERT_OK_AND_ASSIGN(
      auto r, core_->AnnotateDocument(
                  Doc("documents/2", 1,
                      "The CAWC met in Astana. Later the Central Asian Water Council said "
                      "the Council would publish its data.")));
  const auto* acronym = Find(r, "CAWC");
  const auto* council = Find(r, "Central Asian Water Council");
  const auto* generic = Find(r, "Council");
  ASSERT_NE(acronym, nullptr);
  ASSERT_NE(council, nullptr);
  ASSERT_NE(generic, nullptr);
  EXPECT_EQ(acronym->entity(), council->entity());
  EXPECT_EQ(generic->entity(), council->entity());
  EXPECT_EQ(generic->type(), newsgraph::v1::ORG);
}

// A headline's short form comes before the full name of the text; a
// possessive is not part of the name.
TEST_F(EntityCoreTest, ShortFormsAndPossessivesJoinTheFullNameWhereverItIs) {
  NG_ASSERT_OK_AND_ASSIGN(
      auto r, core_->AnnotateDocument(
                  Doc("documents/1", 1,
                      "Pressure grows on Marchetti\n\nA poll on Aldo Marchetti's record shows "
                      "support for him. He said that Marchetti would stay.")));
  const auto* person = Find(r, "Aldo Marchetti");
  ASSERT_NE(person, nullptr) << r.DebugString();
  int short_forms = 0;
  for (const auto& m : r.mentions()) {
    if (m.text() != "Marchetti") continue;
    ++short_forms;
    EXPECT_EQ(m.entity(), person->entity()) << m.DebugString();
  }
  EXPECT_EQ(short_forms, 2);
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity entity, core_->GetEntity(person->entity()));
  EXPECT_EQ(entity.canonical_name(), "Aldo Marchetti");
  EXPECT_EQ(entity.mention_count(), 3);
}

// A family name alone finds the one person known with it, and nobody once
// two people share it.
TEST_F(EntityCoreTest, AFamilyNameAloneFindsTheOnePersonKnownWithIt) {
  NG_ASSERT_OK_AND_ASSIGN(auto first, core_->AnnotateDocument(Doc(
                                          "documents/1", 1, "Minister Aldo Marchetti resigned.")));
  const auto* aldo = Find(first, "Aldo Marchetti");
  ASSERT_NE(aldo, nullptr);
  NG_ASSERT_OK_AND_ASSIGN(
      auto second,
      core_->AnnotateDocument(Doc("documents/2", 1, "On Monday, Marchetti returned to Rome.")));
  const auto* alone = Find(second, "Marchetti");
  ASSERT_NE(alone, nullptr) << second.DebugString();
  EXPECT_EQ(alone->entity(), aldo->entity());

  NG_ASSERT_OK_AND_ASSIGN(
      auto third, core_->AnnotateDocument(
                      Doc("documents/3", 1, "The prize went to the singer Paola Marchetti.")));
  const auto* paola = Find(third, "Paola Marchetti");
  ASSERT_NE(paola, nullptr);
  EXPECT_NE(paola->entity(), aldo->entity());
  NG_ASSERT_OK_AND_ASSIGN(
      auto fourth,
      core_->AnnotateDocument(Doc("documents/4", 1, "On Friday, Marchetti returned to Rome.")));
  const auto* ambiguous = Find(fourth, "Marchetti");
  ASSERT_NE(ambiguous, nullptr) << fourth.DebugString();
  EXPECT_NE(ambiguous->entity(), aldo->entity());
  EXPECT_NE(ambiguous->entity(), paola->entity());
}

TEST_F(EntityCoreTest, CountryAbbreviationsWithOrWithoutTheirDots) {
  const std::string uk = recognizer_->CountryCode("United Kingdom");
  ASSERT_FALSE(uk.empty());
  EXPECT_EQ(recognizer_->CountryCode("UK"), uk);
  EXPECT_EQ(recognizer_->CountryCode("U.K."), uk);
  EXPECT_EQ(recognizer_->CountryCode("U.K"), uk);  // a span that lost its final dot
  EXPECT_EQ(recognizer_->CountryCode("U.N."), "");
}

TEST_F(EntityCoreTest, AnnotationIsIdempotentPerVersionAndReplacedByNewer) {
  NG_ASSERT_OK(core_->AnnotateDocument(Doc("documents/1", 1, "Karin Holm visited Norway.")));
  NG_ASSERT_OK_AND_ASSIGN(
      auto again, core_->AnnotateDocument(Doc("documents/1", 1, "Karin Holm visited Norway.")));
  EXPECT_TRUE(again.already_annotated());
  newsgraph::v1::ListEntitiesRequest list;
  NG_ASSERT_OK_AND_ASSIGN(auto before, core_->ListEntities(list));
  for (const auto& e : before.entities()) EXPECT_EQ(e.mention_count(), 1) << e.canonical_name();

  NG_ASSERT_OK(core_->AnnotateDocument(Doc("documents/1", 2, "Karin Holm visited Denmark.")));
  EXPECT_THAT(core_->AnnotateDocument(Doc("documents/1", 1, "Karin Holm visited Norway.")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  NG_ASSERT_OK_AND_ASSIGN(auto after, core_->ListEntities(list));
  std::vector<std::string> names;
  for (const auto& e : after.entities()) names.push_back(e.canonical_name());
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("Karin Holm", "Denmark"));

  NG_ASSERT_OK_AND_ASSIGN(int64_t removed, core_->DeleteDocumentAnnotations("documents/1"));
  EXPECT_EQ(removed, 2);
  NG_ASSERT_OK_AND_ASSIGN(auto empty, core_->ListEntities(list));
  EXPECT_EQ(empty.entities_size(), 0);
}

TEST_F(EntityCoreTest, ResolvesQueriesByAliasAndCountryName) {
  NG_ASSERT_OK(core_->AnnotateDocument(
      Doc("documents/1", 1, "The Nordic Grid Agency (NGA) said Türkiye and Norway agreed.")));
  NG_ASSERT_OK_AND_ASSIGN(auto resolved, core_->ResolveEntities([] {
    newsgraph::v1::ResolveEntitiesRequest r;
    r.set_text("nga turkiye prices");
    return r;
  }()));
  ASSERT_EQ(resolved.spans_size(), 2);
  EXPECT_EQ(resolved.spans(0).text(), "nga");
  EXPECT_EQ(resolved.spans(0).candidates(0).entity().canonical_name(), "Nordic Grid Agency");
  EXPECT_EQ(resolved.spans(1).candidates(0).entity().canonical_name(), "Türkiye");
}

// Former and common names of a country are the country: one entity, found
// by any of its names.
TEST_F(EntityCoreTest, AllNamesOfACountryAreOneEntity) {
  NG_ASSERT_OK(core_->AnnotateDocument(
      Doc("documents/1", 1, "Cocoa farmers in the Ivory Coast sold less. Burma exported rice.")));
  NG_ASSERT_OK(core_->AnnotateDocument(Doc(
      "documents/2", 1, "Holland cut rates. Exporters in the Ivory Coast and Myanmar agreed.")));
  NG_ASSERT_OK(core_->AnnotateDocument(Doc("documents/3", 1, "The Netherlands raised rates.")));
  NG_ASSERT_OK_AND_ASSIGN(auto resolved, core_->ResolveEntities([] {
    newsgraph::v1::ResolveEntitiesRequest r;
    r.set_text("cote d'ivoire holland burma");
    return r;
  }()));
  ASSERT_EQ(resolved.spans_size(), 3);
  const std::vector<std::pair<std::string, int>> expected = {
      {"Ivory Coast", 2}, {"Holland", 2}, {"Burma", 2}};
  for (int k = 0; k < 3; ++k) {
    ASSERT_EQ(resolved.spans(k).candidates_size(), 1) << resolved.spans(k).text();
    const auto& entity = resolved.spans(k).candidates(0).entity();
    EXPECT_EQ(entity.canonical_name(), expected[k].first);
    EXPECT_EQ(entity.document_count(), expected[k].second) << entity.canonical_name();
    EXPECT_EQ(entity.type(), newsgraph::v1::GPE) << entity.canonical_name();
  }
}

// A query's acronym finds the one organisation a text named in full with
// those initials; a mention needs the acronym defined in its own document,
// and initials two organisations share find neither.
TEST_F(EntityCoreTest, QueryAcronymsFindTheOrganisationNamedInFull) {
  auto resolve = [&](const std::string& text) {
    newsgraph::v1::ResolveEntitiesRequest r;
    r.set_text(text);
    auto resolved = core_->ResolveEntities(r);
    EXPECT_TRUE(resolved.ok()) << resolved.status();
    std::vector<std::string> names;
    if (resolved.ok()) {
      for (const auto& span : resolved->spans()) {
        for (const auto& c : span.candidates()) names.push_back(c.entity().canonical_name());
      }
    }
    return names;
  };
  NG_ASSERT_OK(core_->AnnotateDocument(
      Doc("documents/1", 1, "The Baltic Grain Council met in Riga on Monday.")));
  EXPECT_THAT(resolve("BGC exports"), ::testing::ElementsAre("Baltic Grain Council"));
  EXPECT_THAT(resolve("bgc exports"), ::testing::ElementsAre("Baltic Grain Council"));
  NG_ASSERT_OK_AND_ASSIGN(
      auto other, core_->AnnotateDocument(Doc("documents/2", 1, "Analysts at BGC agreed.")));
  for (const auto& m : other.mentions()) {
    if (m.text() != "BGC") continue;
    NG_ASSERT_OK_AND_ASSIGN(auto entity, core_->GetEntity(m.entity()));
    EXPECT_NE(entity.canonical_name(), "Baltic Grain Council");
  }
  NG_ASSERT_OK(core_->AnnotateDocument(
      Doc("documents/3", 1, "The Bergen Gas Company raised its prices in Norway.")));
  EXPECT_THAT(resolve("BGX exports"), ::testing::IsEmpty());
  EXPECT_THAT(resolve("bgc"), ::testing::Not(::testing::Contains("Baltic Grain Council")));
  EXPECT_THAT(resolve("bgc"), ::testing::Not(::testing::Contains("Bergen Gas Company")));
}

// One organisation known by its initials in some texts and in full in
// others is two entities; a query naming either finds both, the other one
// marked as an initials match, and initials found inside a longer phrase
// ("ISU rules") or on a person do not count.
TEST_F(EntityCoreTest, QueriesFindAnOrganisationByItsInitialsAndInFull) {
  NG_ASSERT_OK(core_->AnnotateDocument(
      Doc("documents/1", 1, "The International Skating Union met in Oslo on Monday.")));
  NG_ASSERT_OK_AND_ASSIGN(
      auto short_form,
      core_->AnnotateDocument(Doc("documents/2", 1, "On Tuesday the ISU said the rules stand.")));
  ASSERT_NE(Find(short_form, "ISU"), nullptr);
  NG_ASSERT_OK(core_->AnnotateDocument(
      Doc("documents/3", 1, "Ingrid Sofie Ulvang spoke for the skaters in Bergen.")));
  auto resolve = [&](const std::string& text) {
    newsgraph::v1::ResolveEntitiesRequest r;
    r.set_text(text);
    auto resolved = core_->ResolveEntities(r);
    EXPECT_TRUE(resolved.ok()) << resolved.status();
    std::vector<std::pair<std::string, newsgraph::v1::NameMatch>> found;
    if (resolved.ok()) {
      for (const auto& span : resolved->spans()) {
        for (const auto& c : span.candidates()) {
          found.emplace_back(c.entity().canonical_name(), c.match());
        }
      }
    }
    return found;
  };
  using ::testing::Pair;
  using ::testing::UnorderedElementsAre;
  EXPECT_THAT(
      resolve("International Skating Union rules"),
      UnorderedElementsAre(Pair("International Skating Union", newsgraph::v1::NAME_MATCH_ALIAS),
                           Pair("ISU", newsgraph::v1::NAME_MATCH_INITIALS)));
  EXPECT_THAT(resolve("ISU"), UnorderedElementsAre(Pair("ISU", newsgraph::v1::NAME_MATCH_ALIAS),
                                                   Pair("International Skating Union",
                                                        newsgraph::v1::NAME_MATCH_INITIALS)));
  EXPECT_THAT(resolve("Ingrid Sofie Ulvang"),
              UnorderedElementsAre(Pair("Ingrid Sofie Ulvang", newsgraph::v1::NAME_MATCH_ALIAS)));
}

// A document without a publication time is dated by the first full date of
// its opening (a dateline, a transcript's heading), not by the time it was
// annotated; a later date in its body does not count.
TEST_F(EntityCoreTest, UndatedDocumentsTakeTheDateTheirOpeningStates) {
  std::string text = "Moscow, 17 January 2023. Karin Holm met the Nordic Grid Agency.";
  text += std::string(1200, ' ') + "The next meeting is on 5 March 2024.";
  NG_ASSERT_OK_AND_ASSIGN(auto dated, core_->AnnotateDocument(Doc("documents/1", 1, text)));
  EXPECT_EQ(dated.published_time().seconds(),
            absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(2023, 1, 17), absl::UTCTimeZone())));
  NG_ASSERT_OK_AND_ASSIGN(auto entities, core_->ListEntities({}));
  for (const auto& e : entities.entities()) {
    EXPECT_EQ(e.last_seen_time().seconds(), dated.published_time().seconds()) << e.canonical_name();
  }
  // Nothing to go by: the time of annotation.
  const int64_t before = absl::ToUnixSeconds(absl::Now());
  NG_ASSERT_OK_AND_ASSIGN(auto undated,
                          core_->AnnotateDocument(Doc("documents/2", 1, "Karin Holm left.")));
  EXPECT_GE(undated.published_time().seconds(), before);
}

// A name spelled the British or the American way is one entity, found by
// either spelling.
TEST_F(EntityCoreTest, BritishAndAmericanSpellingsOfANameAreOneEntity) {
  NG_ASSERT_OK(core_->AnnotateDocument(
      Doc("documents/1", 1, "The Nordic Harbour Organisation met in Oslo on Monday.")));
  NG_ASSERT_OK(core_->AnnotateDocument(
      Doc("documents/2", 1, "The Nordic Harbor Organization met in Bergen on Friday.")));
  NG_ASSERT_OK_AND_ASSIGN(auto resolved, core_->ResolveEntities([] {
    newsgraph::v1::ResolveEntitiesRequest r;
    r.set_text("nordic harbor organization");
    return r;
  }()));
  ASSERT_EQ(resolved.spans_size(), 1);
  ASSERT_EQ(resolved.spans(0).candidates_size(), 1);
  const auto& entity = resolved.spans(0).candidates(0).entity();
  EXPECT_EQ(entity.canonical_name(), "Nordic Harbour Organisation");
  EXPECT_EQ(entity.document_count(), 2);
  // People's names stay as written, and so do "Labour" parties: Britain's is
  // not Australia's Labor Party.
  NG_ASSERT_OK(core_->AnnotateDocument(
      Doc("documents/3", 1, "The Labour Party won in Leeds. Edward Grey spoke.")));
  NG_ASSERT_OK(core_->AnnotateDocument(
      Doc("documents/4", 1, "The Labor Party won in Perth. Edward Gray spoke.")));
  for (const char* name : {"Labour Party", "Labor Party", "Edward Grey", "Edward Gray"}) {
    NG_ASSERT_OK_AND_ASSIGN(auto found, core_->ResolveEntities([&] {
      newsgraph::v1::ResolveEntitiesRequest r;
      r.set_text(name);
      return r;
    }()));
    ASSERT_EQ(found.spans_size(), 1) << name;
    ASSERT_GE(found.spans(0).candidates_size(), 1) << name;
    EXPECT_EQ(found.spans(0).candidates(0).entity().canonical_name(), name);
    EXPECT_EQ(found.spans(0).candidates(0).entity().document_count(), 1) << name;
  }
}

// Paragraphs must be in text order (a mention finds its paragraph by binary
// search); a document of many paragraphs gets each mention's right.
TEST_F(EntityCoreTest, ParagraphsAreCheckedAndFoundByOffset) {
  AnnotateDocumentRequest request = Doc("documents/31", 1, "");
  std::string text;
  for (int p = 0; p < 2000; ++p) {
    const size_t begin = text.size();
    text += p % 500 == 0 ? "Norway signed." : "Nothing here.";
    auto* span = request.add_paragraphs()->mutable_span();
    span->set_byte_begin(static_cast<uint32_t>(begin));
    span->set_byte_end(static_cast<uint32_t>(text.size()));
    text += "\n\n";
  }
  request.set_text(text);
  NG_ASSERT_OK_AND_ASSIGN(auto annotated, core_->AnnotateDocument(request));
  std::vector<uint32_t> paragraphs;
  for (const auto& m : annotated.mentions()) {
    if (m.text() == "Norway") paragraphs.push_back(m.paragraph_index());
  }
  EXPECT_THAT(paragraphs, ::testing::ElementsAre(0, 500, 1000, 1500));

  AnnotateDocumentRequest bad = Doc("documents/32", 1, "One. Two.");
  for (const auto& [begin, end] : {std::pair{5u, 9u}, std::pair{0u, 4u}}) {
    auto* span = bad.add_paragraphs()->mutable_span();
    span->set_byte_begin(begin);
    span->set_byte_end(end);
  }
  EXPECT_THAT(core_->AnnotateDocument(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("paragraphs[1]")));
  bad.clear_paragraphs();
  bad.mutable_published_time()->set_seconds(std::numeric_limits<int64_t>::max());
  EXPECT_THAT(core_->AnnotateDocument(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                                     ::testing::HasSubstr("published_time")));
}

TEST_F(EntityCoreTest, AnalyzeTextChecksItsReferenceTime) {
  newsgraph::v1::AnalyzeTextRequest request;
  request.set_text("Norway signed.");
  request.mutable_reference_time()->set_seconds(std::numeric_limits<int64_t>::min());
  EXPECT_THAT(core_->AnalyzeText(request),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("reference_time")));
  request.mutable_reference_time()->set_seconds(1700000000);
  NG_EXPECT_OK(core_->AnalyzeText(request).status());
}

TEST_F(EntityCoreTest, ListsMentionsByEntityAndDocumentWithPaging) {
  NG_ASSERT_OK_AND_ASSIGN(
      auto r, core_->AnnotateDocument(Doc("documents/9", 1, "Norway. Norway again. And Norway.")));
  ASSERT_GE(r.mentions_size(), 3);
  newsgraph::v1::ListMentionsRequest request;
  request.set_entity(r.mentions(0).entity());
  request.set_page_size(2);
  NG_ASSERT_OK_AND_ASSIGN(auto first, core_->ListMentions(request));
  EXPECT_EQ(first.mentions_size(), 2);
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  NG_ASSERT_OK_AND_ASSIGN(auto second, core_->ListMentions(request));
  EXPECT_EQ(second.mentions_size(), 1);
  request.set_entity(r.mentions(0).entity() == "entities/1" ? "entities/2" : "entities/1");
  EXPECT_THAT(core_->ListMentions(request), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(core_->GetEntity("entities/12345"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(core_->GetEntity("people/1"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(EntityCoreTest, RelatedEntitiesByDocumentCooccurrence) {
  NG_ASSERT_OK(core_->AnnotateDocument(Doc("documents/1", 1, "Karin Holm visited Norway.")));
  NG_ASSERT_OK(
      core_->AnnotateDocument(Doc("documents/2", 1, "Karin Holm met Lotte Vermeer in Norway.")));
  NG_ASSERT_OK(core_->AnnotateDocument(Doc("documents/3", 1, "Lotte Vermeer praised Denmark.")));
  NG_ASSERT_OK_AND_ASSIGN(auto entities, core_->ListEntities({}));
  std::string karin;
  for (const auto& e : entities.entities()) {
    if (e.canonical_name() == "Karin Holm") karin = e.name();
  }
  ASSERT_FALSE(karin.empty());
  newsgraph::v1::ListRelatedEntitiesRequest request;
  request.set_entity(karin);
  NG_ASSERT_OK_AND_ASSIGN(auto related, core_->ListRelatedEntities(request));
  ASSERT_GE(related.related_entities_size(), 2);
  EXPECT_EQ(related.related_entities(0).entity().canonical_name(), "Norway");
  EXPECT_EQ(related.related_entities(0).document_count(), 2);
  for (const auto& r : related.related_entities()) {
    EXPECT_NE(r.entity().canonical_name(), "Denmark") << "never in a document with Karin Holm";
    EXPECT_GE(r.strength(), 0.0f);
    EXPECT_LE(r.strength(), 1.0f);
  }
  // Deleting a document takes its pairs away.
  NG_ASSERT_OK(core_->DeleteDocumentAnnotations("documents/1"));
  NG_ASSERT_OK_AND_ASSIGN(auto after, core_->ListRelatedEntities(request));
  for (const auto& r : after.related_entities()) {
    if (r.entity().canonical_name() == "Norway") {
      EXPECT_EQ(r.document_count(), 1);
    }
  }
}

TEST_F(EntityCoreTest, RelatedEntitiesBySentenceWithEvidenceAndTimeWindow) {
  AnnotateDocumentRequest first =
      Doc("documents/1", 1, "Karin Holm visited Norway. Lotte Vermeer stayed in Denmark.");
  first.mutable_published_time()->set_seconds(1673308800);  // 2023-01-10
  AnnotateDocumentRequest second =
      Doc("documents/2", 1, "Karin Holm met Lotte Vermeer in Sweden. Norway signed the accord.");
  second.mutable_published_time()->set_seconds(1717200000);  // 2024-06-01
  NG_ASSERT_OK(core_->AnnotateDocument(first));
  NG_ASSERT_OK(core_->AnnotateDocument(second));
  auto entity_named = [&](const std::string& canonical) {
    auto entities = core_->ListEntities({});
    EXPECT_TRUE(entities.ok());
    for (const auto& e : entities->entities()) {
      if (e.canonical_name() == canonical) return e.name();
    }
    return std::string();
  };
  const std::string karin = entity_named("Karin Holm");
  const std::string lotte = entity_named("Lotte Vermeer");
  ASSERT_FALSE(karin.empty());
  ASSERT_FALSE(lotte.empty());
  auto related_names = [](const newsgraph::v1::ListRelatedEntitiesResponse& r) {
    std::vector<std::string> names;
    for (const auto& e : r.related_entities()) names.push_back(e.entity().canonical_name());
    return names;
  };

  newsgraph::v1::ListRelatedEntitiesRequest request;
  request.set_entity(karin);
  NG_ASSERT_OK_AND_ASSIGN(auto all, core_->ListRelatedEntities(request));
  // Same sentence only: Denmark shares a document with Karin Holm but no sentence.
  EXPECT_THAT(related_names(all),
              ::testing::UnorderedElementsAre("Norway", "Lotte Vermeer", "Sweden"));
  // Sweden is named in one sentence, always beside Karin Holm: the strongest
  // association (Norway and Lotte Vermeer also appear apart from her).
  EXPECT_EQ(all.related_entities(0).entity().canonical_name(), "Sweden");
  EXPECT_GT(all.related_entities(0).strength(), 0.3f);
  for (const auto& r : all.related_entities()) {
    EXPECT_EQ(r.sentence_count(), 1) << r.entity().canonical_name();
    EXPECT_EQ(r.document_count(), 1);
    EXPECT_GE(r.strength(), 0.0f);
    EXPECT_LE(r.strength(), 1.0f);
    ASSERT_EQ(r.evidence_size(), 1);
    const auto& evidence = r.evidence(0);
    if (r.entity().canonical_name() == "Norway") {
      EXPECT_EQ(evidence.document(), "documents/1");
      EXPECT_EQ(evidence.text(), "Karin Holm visited Norway.");
      EXPECT_EQ(evidence.span().byte_begin(), 0u);
      EXPECT_EQ(evidence.span().byte_end(), 26u);
      EXPECT_EQ(evidence.published_time().seconds(), 1673308800);
    } else {
      EXPECT_EQ(evidence.document(), "documents/2");
      EXPECT_EQ(evidence.text(), "Karin Holm met Lotte Vermeer in Sweden.");
    }
  }
  // A time window keeps the sentences of documents published inside it.
  request.mutable_start_time()->set_seconds(1704067200);  // 2024-01-01
  NG_ASSERT_OK_AND_ASSIGN(auto recent, core_->ListRelatedEntities(request));
  EXPECT_THAT(related_names(recent), ::testing::UnorderedElementsAre("Lotte Vermeer", "Sweden"));
  request.clear_start_time();
  request.mutable_end_time()->set_seconds(1704067200);
  NG_ASSERT_OK_AND_ASSIGN(auto older, core_->ListRelatedEntities(request));
  EXPECT_THAT(related_names(older), ::testing::ElementsAre("Norway"));
  request.mutable_start_time()->set_seconds(1704067200);
  EXPECT_THAT(core_->ListRelatedEntities(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.clear_start_time();
  request.clear_end_time();
  request.set_max_evidence(-1);
  EXPECT_THAT(core_->ListRelatedEntities(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_max_evidence(0);

  // Merging Lotte Vermeer into Karin Holm: their shared sentence is no pair
  // any more, and Lotte's sentence with Denmark now relates Denmark.
  newsgraph::v1::MergeEntitiesRequest merge;
  merge.set_target(karin);
  merge.add_sources(lotte);
  NG_ASSERT_OK(core_->MergeEntities(merge));
  NG_ASSERT_OK_AND_ASSIGN(auto merged, core_->ListRelatedEntities(request));
  EXPECT_THAT(related_names(merged), ::testing::UnorderedElementsAre("Norway", "Sweden", "Denmark"));

  // Re-annotating and deleting documents take their sentences away.
  NG_ASSERT_OK(core_->DeleteDocumentAnnotations("documents/2"));
  NG_ASSERT_OK_AND_ASSIGN(auto after, core_->ListRelatedEntities(request));
  EXPECT_THAT(related_names(after), ::testing::UnorderedElementsAre("Norway", "Denmark"));
  first.set_version(2);
  first.set_text("Karin Holm visited Norway.");
  NG_ASSERT_OK(core_->AnnotateDocument(first));
  NG_ASSERT_OK_AND_ASSIGN(auto reannotated, core_->ListRelatedEntities(request));
  EXPECT_THAT(related_names(reannotated), ::testing::ElementsAre("Norway"));
  EXPECT_EQ(reannotated.related_entities(0).sentence_count(), 1);
}

TEST_F(EntityCoreTest, QuotesFromInterviewAnswersAndReportedSpeech) {
  const std::string text =
      "What about Norway?\n\nZhang Ming: Norway is a partner of the Council.\n\n"
      "Karin Holm said the plan would help Denmark. The weather was cold.";
  AnnotateDocumentRequest request = Doc("documents/1", 1, text);
  request.mutable_published_time()->set_seconds(1700000000);
  auto* passage = request.add_passages();
  passage->set_question("What about Norway?");
  passage->set_answer("Norway is a partner of the Council.");
  passage->set_answered_by("Secretary-General Zhang Ming");
  passage->set_asked_by("TASS");
  passage->mutable_span()->set_byte_begin(0);
  passage->mutable_span()->set_byte_end(static_cast<uint32_t>(text.find("\n\nKarin")));
  NG_ASSERT_OK_AND_ASSIGN(auto r, core_->AnnotateDocument(request));
  ASSERT_EQ(r.quotes_size(), 2) << r.DebugString();
  EXPECT_EQ(r.quotes(0).kind(), "interview_answer");
  EXPECT_EQ(r.quotes(0).text(), "Norway is a partner of the Council.");
  EXPECT_EQ(r.quotes(1).kind(), "reported_speech");
  EXPECT_EQ(r.quotes(1).text(), "Karin Holm said the plan would help Denmark.");
  const std::string zhang = r.quotes(0).speaker();
  const std::string karin = r.quotes(1).speaker();
  EXPECT_EQ(Find(r, "Karin Holm")->entity(), karin);

  newsgraph::v1::ListQuotesRequest list;
  list.set_entity(karin);
  NG_ASSERT_OK_AND_ASSIGN(auto quoted, core_->ListQuotes(list));
  ASSERT_EQ(quoted.quotes_size(), 1);
  EXPECT_EQ(quoted.quotes(0).document(), "documents/1");
  EXPECT_EQ(quoted.quotes(0).published_time().seconds(), 1700000000);
  // What did Zhang Ming say about Norway?
  list.set_entity(zhang);
  list.set_mentioned_entity(Find(r, "Norway")->entity());
  NG_ASSERT_OK_AND_ASSIGN(auto about, core_->ListQuotes(list));
  ASSERT_EQ(about.quotes_size(), 1);
  list.set_mentioned_entity(Find(r, "Denmark")->entity());
  NG_ASSERT_OK_AND_ASSIGN(auto none, core_->ListQuotes(list));
  EXPECT_EQ(none.quotes_size(), 0);
  // Deleting the document deletes its quotes.
  NG_ASSERT_OK(core_->DeleteDocumentAnnotations("documents/1"));
  list.clear_mentioned_entity();
  list.set_entity(karin);
  NG_ASSERT_OK_AND_ASSIGN(auto gone, core_->ListQuotes(list));
  EXPECT_EQ(gone.quotes_size(), 0);
}

TEST_F(EntityCoreTest, MergeAndUpdateWinOverAutomaticResolution) {
  NG_ASSERT_OK_AND_ASSIGN(auto a,
                          core_->AnnotateDocument(Doc("documents/1", 1, "Karin Holm spoke.")));
  NG_ASSERT_OK_AND_ASSIGN(auto b,
                          core_->AnnotateDocument(Doc("documents/2", 1, "Karen Holm spoke.")));
  const std::string target = Find(a, "Karin Holm")->entity();
  ASSERT_NE(Find(b, "Karen Holm"), nullptr);
  const std::string source = Find(b, "Karen Holm")->entity();
  ASSERT_NE(target, source);

  newsgraph::v1::MergeEntitiesRequest merge;
  merge.set_target(target);
  merge.add_sources(source);
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity merged, core_->MergeEntities(merge));
  EXPECT_EQ(merged.mention_count(), 2);
  EXPECT_THAT(merged.merged_entities(), ::testing::ElementsAre(source));
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity redirected, core_->GetEntity(source));
  EXPECT_EQ(redirected.name(), target) << "a merged entity resolves to its target";
  newsgraph::v1::ListMentionsRequest mentions;
  mentions.set_entity(target);
  NG_ASSERT_OK_AND_ASSIGN(auto listed, core_->ListMentions(mentions));
  EXPECT_EQ(listed.mentions_size(), 2);
  // Re-annotation keeps the curator's decision: "Karen Holm" stays Karin Holm.
  NG_ASSERT_OK_AND_ASSIGN(
      auto again, core_->AnnotateDocument(Doc("documents/2", 2, "Karen Holm spoke again.")));
  EXPECT_EQ(Find(again, "Karen Holm")->entity(), target);
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity after_reannotation, core_->GetEntity(target));
  EXPECT_EQ(after_reannotation.mention_count(), 2);

  newsgraph::v1::UpdateEntityRequest update;
  update.mutable_entity()->set_name(target);
  update.mutable_entity()->set_canonical_name("Karin Holm (NGA)");
  update.mutable_entity()->set_type(newsgraph::v1::PERSON);
  update.mutable_entity()->add_aliases()->set_text("Karin Holm");
  update.mutable_update_mask()->add_paths("canonical_name");
  update.mutable_update_mask()->add_paths("aliases");
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity edited, core_->UpdateEntity(update));
  EXPECT_EQ(edited.canonical_name(), "Karin Holm (NGA)");
  // "Karen Holm" was removed from the aliases: it no longer resolves here.
  NG_ASSERT_OK_AND_ASSIGN(auto third,
                          core_->AnnotateDocument(Doc("documents/3", 1, "Karen Holm left early.")));
  EXPECT_NE(Find(third, "Karen Holm")->entity(), target);
  NG_ASSERT_OK_AND_ASSIGN(auto fourth,
                          core_->AnnotateDocument(Doc("documents/4", 1, "Karin Holm stayed.")));
  EXPECT_EQ(Find(fourth, "Karin Holm")->entity(), target);
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity kept, core_->GetEntity(target));
  EXPECT_EQ(kept.canonical_name(), "Karin Holm (NGA)") << "re-annotation keeps the curated name";

  update.mutable_update_mask()->Clear();
  update.mutable_update_mask()->add_paths("mention_count");
  EXPECT_THAT(core_->UpdateEntity(update), StatusIs(absl::StatusCode::kInvalidArgument));
  merge.clear_sources();
  merge.add_sources(target);
  EXPECT_THAT(core_->MergeEntities(merge), StatusIs(absl::StatusCode::kInvalidArgument));
}

// Two sources of one merge that share a sentence count it once in the
// target, and repeating the merge (a retry after a lost response) changes
// nothing.
TEST_F(EntityCoreTest, MergingSeveralSourcesAtOnceCountsSharedSentencesOnce) {
  NG_ASSERT_OK_AND_ASSIGN(
      auto r, core_->AnnotateDocument(
                  Doc("documents/1", 1, "Karin Holm met Lotte Vermeer and Anna Berg in Norway.")));
  for (const char* name : {"Karin Holm", "Lotte Vermeer", "Anna Berg", "Norway"}) {
    ASSERT_NE(Find(r, name), nullptr) << name << r.DebugString();
  }
  newsgraph::v1::MergeEntitiesRequest merge;
  merge.set_target(Find(r, "Karin Holm")->entity());
  merge.add_sources(Find(r, "Lotte Vermeer")->entity());
  merge.add_sources(Find(r, "Anna Berg")->entity());
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity merged, core_->MergeEntities(merge));
  EXPECT_EQ(merged.mention_count(), 3);
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity retried, core_->MergeEntities(merge));
  EXPECT_EQ(retried.mention_count(), 3);
  EXPECT_EQ(retried.merged_entities_size(), 2);

  newsgraph::v1::ListRelatedEntitiesRequest request;
  request.set_entity(Find(r, "Norway")->entity());
  NG_ASSERT_OK_AND_ASSIGN(auto related, core_->ListRelatedEntities(request));
  ASSERT_EQ(related.related_entities_size(), 1) << related.DebugString();
  EXPECT_EQ(related.related_entities(0).entity().name(), merge.target());
  EXPECT_EQ(related.related_entities(0).sentence_count(), 1);
  // Deleting the document leaves no co-occurrence behind.
  NG_ASSERT_OK(core_->DeleteDocumentAnnotations("documents/1"));
  NG_ASSERT_OK_AND_ASSIGN(auto after, core_->ListRelatedEntities(request));
  EXPECT_EQ(after.related_entities_size(), 0) << after.DebugString();
}

// Repeated fields are bounded, and a duplicate never counts twice: a merge
// listing its source twice is refused instead of adding its counts twice.
TEST_F(EntityCoreTest, RepeatedFieldsAreBoundedAndDuplicatesNeverCountTwice) {
  NG_ASSERT_OK_AND_ASSIGN(auto a,
                          core_->AnnotateDocument(Doc("documents/1", 1, "Karin Holm spoke.")));
  NG_ASSERT_OK_AND_ASSIGN(auto b,
                          core_->AnnotateDocument(Doc("documents/2", 1, "Karen Holm spoke.")));
  const std::string target = Find(a, "Karin Holm")->entity();
  const std::string source = Find(b, "Karen Holm")->entity();
  ASSERT_NE(target, source);

  newsgraph::v1::MergeEntitiesRequest merge;
  merge.set_target(target);
  merge.add_sources(source);
  merge.add_sources(source);
  EXPECT_THAT(core_->MergeEntities(merge),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("twice")));
  merge.clear_sources();
  for (int i = 1; i <= 101; ++i) merge.add_sources(absl::StrCat("entities/", 1000 + i));
  EXPECT_THAT(core_->MergeEntities(merge),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("at most 100")));
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity untouched, core_->GetEntity(target));
  EXPECT_EQ(untouched.mention_count(), 1);
  EXPECT_TRUE(untouched.merged_entities().empty());

  newsgraph::v1::UpdateEntityRequest update;
  update.mutable_entity()->set_name(target);
  update.mutable_update_mask()->add_paths("aliases");
  update.mutable_update_mask()->add_paths("aliases");
  for (int i = 0; i < 3; ++i) update.mutable_entity()->add_aliases()->set_text("K. Holm");
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity edited, core_->UpdateEntity(update));
  ASSERT_EQ(edited.aliases_size(), 1);
  EXPECT_EQ(edited.aliases(0).text(), "K. Holm");
  update.mutable_entity()->clear_aliases();
  for (int i = 0; i < 257; ++i) update.mutable_entity()->add_aliases()->set_text(absl::StrCat(i));
  EXPECT_THAT(core_->UpdateEntity(update),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("at most 256")));
  // 300 entries of 256 distinct texts count as 256.
  update.mutable_entity()->clear_aliases();
  for (int i = 0; i < 300; ++i) {
    update.mutable_entity()->add_aliases()->set_text(absl::StrCat("alias ", i % 256));
  }
  NG_ASSERT_OK(core_->UpdateEntity(update).status());
  update.mutable_entity()->clear_aliases();
  update.mutable_entity()->set_type(static_cast<newsgraph::v1::EntityType>(9999));
  EXPECT_THAT(core_->UpdateEntity(update),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("entity.type")));
  update.mutable_entity()->clear_type();
  update.mutable_entity()->set_description(std::string(20000, 'x'));
  update.mutable_update_mask()->add_paths("description");
  EXPECT_THAT(core_->UpdateEntity(update),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("entity.description is 20000 bytes")));
}

// Every query asks its stop predicate while it works: a cancelled call or
// one past its deadline ends with CANCELLED.
TEST_F(EntityCoreTest, EveryQueryStopsWhenAsked) {
  NG_ASSERT_OK_AND_ASSIGN(
      auto a, core_->AnnotateDocument(Doc("documents/1", 1,
                                          "Karin Holm met Ola Berg in Oslo. \"We agree,\" "
                                          "Karin Holm said.")));
  const std::string holm = Find(a, "Karin Holm")->entity();
  const std::string berg = Find(a, "Ola Berg")->entity();
  const std::function<bool()> stop = [] { return true; };
  const auto cancelled = StatusIs(absl::StatusCode::kCancelled);
  newsgraph::v1::ListEntitiesRequest entities;
  EXPECT_THAT(core_->ListEntities(entities, stop), cancelled);
  newsgraph::v1::ResolveEntitiesRequest resolve;
  resolve.set_text("Karin Holm");
  EXPECT_THAT(core_->ResolveEntities(resolve, stop), cancelled);
  newsgraph::v1::ListMentionsRequest mentions;
  mentions.set_entity(holm);
  EXPECT_THAT(core_->ListMentions(mentions, stop), cancelled);
  newsgraph::v1::ListQuotesRequest quotes;
  quotes.set_entity(holm);
  EXPECT_THAT(core_->ListQuotes(quotes, stop), cancelled);
  newsgraph::v1::ListRelatedEntitiesRequest related;
  related.set_entity(holm);
  EXPECT_THAT(core_->ListRelatedEntities(related, stop), cancelled);
  newsgraph::v1::MergeEntitiesRequest merge;
  merge.set_target(holm);
  merge.add_sources(berg);
  EXPECT_THAT(core_->MergeEntities(merge, stop), cancelled);
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity kept, core_->GetEntity(berg));
  EXPECT_EQ(kept.name(), berg) << "a stopped merge writes nothing";
  // (Recognition's own stop is tested with the tagger: ner_test.)
}

// A selective ListEntities filter reads a bounded number of entities per
// call: short pages carry a token, and paging on finds every match.
TEST_F(EntityCoreTest, SelectiveListFiltersPageThroughTheStoreInSteps) {
  NG_ASSERT_OK(core_->AnnotateDocument(
                        Doc("documents/1", 1,
                            "Karin Holm met Ola Berg and Nils Dahl in Oslo, Bergen and Tromso."))
                   .status());
  EntityLimits limits;
  limits.max_scanned_per_page = 2;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntityCore> stepping,
                          EntityCore::Open(store_.get(), recognizer_.get(), limits));
  newsgraph::v1::ListEntitiesRequest request;
  request.set_name_prefix("nils");
  int calls = 0;
  std::vector<std::string> found;
  do {
    NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::ListEntitiesResponse page,
                            stepping->ListEntities(request));
    EXPECT_LE(page.entities_size(), 2);
    for (const auto& entity : page.entities()) found.push_back(entity.canonical_name());
    request.set_page_token(page.next_page_token());
    ++calls;
  } while (!request.page_token().empty() && calls < 100);
  EXPECT_THAT(found, ::testing::ElementsAre("Nils Dahl"));
  EXPECT_GT(calls, 1);
}

}  // namespace
}  // namespace newsgraph::entity
