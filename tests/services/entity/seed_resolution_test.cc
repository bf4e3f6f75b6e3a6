// Resolution on the real seed documents with the shipped model: aliases
// that must merge, and names that must stay apart (no over-merging).
#include <gtest/gtest.h>

#include "services/entity/entity_core.h"
#include "services/entity/entity_keyspace.h"
#include "storage/rocksdb_kv_store.h"
#include "tests/testing/corpora.h"
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
    storage::RocksDbOptions options;
    options.path = dir_.path();
    options.column_families = EntityColumnFamilies();
    auto store = storage::OpenRocksDbStore(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto core = EntityCore::Open(store_.get(), recognizer_.get());
    ASSERT_TRUE(core.ok()) << core.status();
    core_ = *std::move(core);
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
  int n = 0;
  for (const char* file :
       {"000_eea4651c0b5db3fc.txt", "001_718767ae12e098d8.txt", "002_c7246605f658ed7b.txt",
        "003_3f39ec3abb2d5760.txt", "004_f03eb4a15585b205.txt"}) {
    newsgraph::v1::AnnotateDocumentRequest request;
    request.set_document("documents/" + std::to_string(++n));
    request.set_version(1);
    request.set_text(::newsgraph::testing::ReadWholeFile(corpora + "/seeds/" + file));
    NG_ASSERT_OK_AND_ASSIGN(auto response, core_->AnnotateDocument(request));
    annotated_.emplace_back(request.document(), std::move(response));
  }
  // Merge: the acronym, its spelled-out forms (both spellings) are one entity.
  const std::string sco = EntityOf("SCO");
  ASSERT_FALSE(sco.empty());
  EXPECT_EQ(EntityOf("Shanghai Cooperation Organization"), sco);
  EXPECT_EQ(EntityOf("Shanghai Cooperation Organisation"), sco);
  // Apart: people sharing a family name, and an organisation and its organ.
  const std::string zhang_ming = EntityOf("Zhang Ming");
  ASSERT_FALSE(zhang_ming.empty());
  EXPECT_NE(EntityOf("Zhang Deguang"), zhang_ming);
  const std::string wang_yi = EntityOf("Wang Yi");
  ASSERT_FALSE(wang_yi.empty());
  EXPECT_NE(EntityOf("Wang Kaiwen"), wang_yi);
  EXPECT_FALSE(EntityOf("Wang Kaiwen").empty());
  const std::string secretariat = EntityOf("SCO Secretariat");
  ASSERT_FALSE(secretariat.empty());
  EXPECT_NE(secretariat, sco);
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Entity entity, core_->GetEntity(sco));
  EXPECT_EQ(entity.type(), newsgraph::v1::ORG);
  EXPECT_GE(entity.document_count(), 5);
}

}  // namespace
}  // namespace newsgraph::entity
