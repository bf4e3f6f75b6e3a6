// Resolution on the real seed documents with the shipped model: aliases
// that must merge, and names that must stay apart (no over-merging).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/entity/entity_core.h"
#include "services/ingest/document_builder.h"
#include "services/entity/entity_keyspace.h"
#include "storage/rocksdb_kv_store.h"
#include "tests/testing/corpora.h"
#include "tests/testing/entity_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity {
namespace {

class SeedResolutionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto recognizer = LoadRecognizer(NEWSGRAPH_DEFAULT_NER_MODEL);
    ASSERT_TRUE(recognizer.ok()) << recognizer.status();
    recognizer_ = *std::move(recognizer);
    NG_ASSERT_OK_AND_ASSIGN(store_, ::newsgraph::testing::OpenEntityStore(dir_.path()));
    auto core = EntityCore::Open(store_.get(), recognizer_.get());
    ASSERT_TRUE(core.ok()) << core.status();
    core_ = *std::move(core);
  }

  // Annotates the five seed documents in order as documents/1..5.
  void AnnotateSeeds(const std::string& corpora) {
    int n = 0;
    for (const char* file :
         {"000_eea4651c0b5db3fc.txt", "001_718767ae12e098d8.txt", "002_c7246605f658ed7b.txt",
          "003_3f39ec3abb2d5760.txt", "004_f03eb4a15585b205.txt"}) {
      // The document as the ingest service stores and forwards it: text,
      // paragraphs and Q&A passages with who asked and who answered.
      newsgraph::v1::DocumentInput input;
      input.set_content(::newsgraph::testing::ReadWholeFile(corpora + "/seeds/" + file));
      input.set_content_type(newsgraph::v1::TEXT_PLAIN);
      auto document = ingest::BuildDocument(input, /*repair_invalid_utf8=*/true);
      ASSERT_TRUE(document.ok()) << document.status();
      newsgraph::v1::AnnotateDocumentRequest request;
      request.set_document("documents/" + std::to_string(++n));
      request.set_version(1);
      request.set_text(document->text());
      request.set_title(document->title());
      *request.mutable_paragraphs() = document->paragraphs();
      *request.mutable_passages() = document->passages();
      auto response = core_->AnnotateDocument(request);
      ASSERT_TRUE(response.ok()) << response.status();
      annotated_.emplace_back(request.document(), *std::move(response));
    }
  }

  // The entity's roles as "Title @ organisation-text" strings.
  std::vector<std::string> Roles(const std::string& entity) {
    std::vector<std::string> roles;
    auto e = core_->GetEntity(entity);
    EXPECT_TRUE(e.ok()) << e.status();
    if (!e.ok()) return roles;
    for (const auto& r : e->roles()) roles.push_back(r.title() + " @ " + r.organization_text());
    return roles;
  }

  // The entity a surface form resolves to, by annotating all seeds first.
  std::string EntityOf(const std::string& surface) {
    for (const auto& [name, response] : annotated_) {
      for (const auto& m : response.mentions()) {
        if (m.text() == surface && !m.entity().empty()) return m.entity();
      }
    }
    return "";
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<Recognizer> recognizer_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<EntityCore> core_;
  std::vector<std::pair<std::string, newsgraph::v1::AnnotateDocumentResponse>> annotated_;
};

TEST_F(SeedResolutionTest, AliasesMergeAndDistinctNamesStayApart) {
  NG_REQUIRE_CORPORA(corpora);
  AnnotateSeeds(corpora);
  // Merge: the acronym, its spelled-out forms (both spellings) are one entity.
  const std::string sco = EntityOf("SCO");
  ASSERT_FALSE(sco.empty());
  EXPECT_EQ(EntityOf("Shanghai Cooperation Organization"), sco);
  EXPECT_EQ(EntityOf("Shanghai Cooperation Organisation"), sco);
  // Apart: people sharing a family name, and an organisation and its organ.
  const std::string zhang_ming = EntityOf("Zhang Ming");
  ASSERT_FALSE(zhang_ming.empty());
  EXPECT_FALSE(EntityOf("Zhang Deguang").empty());
  EXPECT_NE(EntityOf("Zhang Deguang"), zhang_ming);
  const std::string wang_yi = EntityOf("Wang Yi");
  ASSERT_FALSE(wang_yi.empty());
  EXPECT_NE(EntityOf("Wang Kaiwen"), wang_yi);
  EXPECT_FALSE(EntityOf("Wang Kaiwen").empty());
  const std::string secretariat = EntityOf("SCO Secretariat");
  ASSERT_FALSE(secretariat.empty());
  EXPECT_NE(secretariat, sco);
  // Short forms stay within their document: "the Organization" after the
  // full name is the SCO, "Wang" in the report on Wang Kaiwen is him, and
  // an honorific is no name.
  EXPECT_EQ(EntityOf("Organization"), sco);
  EXPECT_EQ(EntityOf("Wang"), EntityOf("Wang Kaiwen"));
  EXPECT_TRUE(EntityOf("Mr").empty());
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity entity, core_->GetEntity(sco));
  EXPECT_EQ(entity.type(), newsgraph::v1::ORG);
  EXPECT_GE(entity.document_count(), 5);
}

// The press conference (seed 000) and the interview (seed 001): who holds
// which position, and who said what about whom.
TEST_F(SeedResolutionTest, RolesAndQuotesOnTheSeedPressConference) {
  NG_REQUIRE_CORPORA(corpora);
  AnnotateSeeds(corpora);
  const std::string sco = EntityOf("SCO");
  const std::string zhang_ming = EntityOf("Zhang Ming");
  const std::string zhang_deguang = EntityOf("Zhang Deguang");
  ASSERT_FALSE(zhang_ming.empty());
  ASSERT_FALSE(zhang_deguang.empty());
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity ming, core_->GetEntity(zhang_ming));
  ASSERT_GE(ming.roles_size(), 1);
  EXPECT_EQ(ming.roles(0).title(), "Secretary-General");
  EXPECT_EQ(ming.roles(0).organization(), sco);
  EXPECT_GE(ming.roles(0).mention_count(), 10) << "every answer of the press conference";
  // The predecessor keeps his own, older position.
  EXPECT_THAT(Roles(zhang_deguang), ::testing::Contains("Executive Secretary @ SCO"));
  EXPECT_THAT(Roles(zhang_deguang),
              ::testing::Not(::testing::Contains("Secretary-General @ SCO")));
  // A nationality before the title names the country.
  const std::string wang_yi = EntityOf("Wang Yi");
  ASSERT_FALSE(wang_yi.empty());
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity wang, core_->GetEntity(wang_yi));
  ASSERT_GE(wang.roles_size(), 1);
  EXPECT_EQ(wang.roles(0).title(), "Foreign Minister");
  EXPECT_EQ(wang.roles(0).organization_text(), "Chinese");
  EXPECT_EQ(wang.roles(0).organization(), EntityOf("China"));
  // The documents' role mentions point at the right text.
  const auto& press_conference = annotated_[0].second;
  ASSERT_GE(press_conference.roles_size(), 1);
  for (const auto& role : press_conference.roles()) {
    EXPECT_GT(role.span().byte_end(), role.span().byte_begin());
    EXPECT_GE(role.span().end(), role.span().begin());
  }

  // Interview answers belong to the answerer, not to a namesake.
  newsgraph::v1::ListQuotesRequest quotes;
  quotes.set_entity(zhang_ming);
  quotes.set_page_size(200);
  NG_ASSERT_OK_AND_ASSIGN(auto said, core_->ListQuotes(quotes));
  EXPECT_GE(said.quotes_size(), 10);
  quotes.set_entity(zhang_deguang);
  NG_ASSERT_OK_AND_ASSIGN(auto predecessor, core_->ListQuotes(quotes));
  EXPECT_EQ(predecessor.quotes_size(), 0);
  // What did Zhang Ming say about ASEAN?
  const std::string asean = EntityOf("ASEAN");
  ASSERT_FALSE(asean.empty());
  quotes.set_entity(zhang_ming);
  quotes.set_mentioned_entity(asean);
  NG_ASSERT_OK_AND_ASSIGN(auto about, core_->ListQuotes(quotes));
  ASSERT_GE(about.quotes_size(), 1);
  for (const auto& quote : about.quotes()) {
    EXPECT_NE(quote.text().find("ASEAN"), std::string::npos) << quote.text();
    EXPECT_THAT(quote.mentioned_entities(), ::testing::Contains(asean));
  }
  // Reported speech in the summit report (seed 002).
  const std::string li = EntityOf("Li Keqiang");
  ASSERT_FALSE(li.empty());
  quotes.set_entity(li);
  quotes.clear_mentioned_entity();
  NG_ASSERT_OK_AND_ASSIGN(auto li_said, core_->ListQuotes(quotes));
  ASSERT_GE(li_said.quotes_size(), 2);
  for (const auto& quote : li_said.quotes()) EXPECT_EQ(quote.kind(), "reported_speech");
}

}  // namespace
}  // namespace newsgraph::entity
