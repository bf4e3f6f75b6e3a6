// Storage errors inside the entity core are returned, never swallowed: a
// read or write that fails while a document is annotated fails the call,
// and nothing of the document is stored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "services/entity/entity_core.h"
#include "storage/testing/faulty_kv_store.h"
#include "tests/testing/entity_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity {
namespace {

using ::newsgraph::testing::StatusIs;

constexpr char kText[] =
    "Chinese Foreign Minister Wang Yi met Karin Holm of the Harbour Authority in Oslo on "
    "Monday. \"We agree on the shipping lanes,\" Wang Yi said. The Norwegian delegation "
    "and Karin Holm left for Bergen.";

class EntityStoreErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto countries = LoadCountryGazetteer();
    ASSERT_TRUE(countries.ok()) << countries.status();
    recognizer_ = std::make_unique<Recognizer>(*std::move(countries));
    NG_ASSERT_OK_AND_ASSIGN(store_, ::newsgraph::testing::OpenEntityStore(dir_.path()));
    faulty_ = std::make_unique<storage::testing::FaultyKvStore>(store_.get());
    NG_ASSERT_OK_AND_ASSIGN(core_, EntityCore::Open(faulty_.get(), recognizer_.get()));
  }

  absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> Annotate(int number) {
    newsgraph::v1::AnnotateDocumentRequest request;
    request.set_document(absl::StrCat("documents/", number));
    request.set_version(1);
    request.set_text(kText);
    return core_->AnnotateDocument(request);
  }

  // Whether anything of the document was stored.
  bool Stored(int number) {
    newsgraph::v1::ListMentionsRequest request;
    request.set_document(absl::StrCat("documents/", number));
    return core_->ListMentions(request).ok();
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<Recognizer> recognizer_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<storage::testing::FaultyKvStore> faulty_;
  std::unique_ptr<EntityCore> core_;
};

TEST_F(EntityStoreErrorsTest, AFailedReadAnywhereFailsTheAnnotation) {
  NG_ASSERT_OK(Annotate(1).status());  // the entities exist from here on
  faulty_->FailGet(0);
  NG_ASSERT_OK_AND_ASSIGN(auto healthy, Annotate(2));
  ASSERT_FALSE(healthy.roles().empty()) << "the text must exercise role resolution";
  const uint64_t reads = faulty_->gets();
  ASSERT_GT(reads, 0u);
  for (uint64_t k = 1; k <= reads; ++k) {
    SCOPED_TRACE(k);
    const int number = 100 + static_cast<int>(k);
    faulty_->FailGet(k);
    absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> result = Annotate(number);
    const bool failed_read_happened = faulty_->gets() >= k;
    faulty_->FailGet(0);
    if (failed_read_happened) {
      EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnavailable));
      EXPECT_FALSE(Stored(number));
    } else {
      NG_EXPECT_OK(result.status());
    }
  }
}

TEST_F(EntityStoreErrorsTest, AFailedWriteStoresNothing) {
  faulty_->FailWrite(1);
  EXPECT_THAT(Annotate(1), StatusIs(absl::StatusCode::kUnavailable));
  faulty_->FailWrite(0);
  EXPECT_FALSE(Stored(1));
  NG_EXPECT_OK(Annotate(1).status());
  EXPECT_TRUE(Stored(1));
}

}  // namespace
}  // namespace newsgraph::entity
