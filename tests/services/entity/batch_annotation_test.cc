// EntityCore::BatchAnnotateDocuments: the same records as annotating one
// document after the other, whatever the batch size and thread count; each
// document's failure its own; limits on the batch as a whole.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/mutex.h"
#include "services/entity/entity_core.h"
#include "services/entity/entity_keyspace.h"
#include "storage/testing/faulty_kv_store.h"
#include "tests/testing/entity_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity {
namespace {

using ::newsgraph::testing::StatusIs;
using newsgraph::v1::AnnotateDocumentRequest;
using newsgraph::v1::AnnotateDocumentResponse;

// Short stories in which the same people, organisations and places recur
// under full and short names, so that resolution depends on what came
// before.
std::vector<AnnotateDocumentRequest> Stories(size_t count) {
  const char* const people[] = {"Maria Lindqvist", "Tomasz Wojcik", "Kwame Mensah",
                                "Nadia Petrova"};
  const char* const families[] = {"Lindqvist", "Wojcik", "Mensah", "Petrova"};
  const char* const orgs[] = {"Baltic Grain Council (BGC)", "Northern Freight Union",
                              "Harbour Authority of Gdansk"};
  const char* const places[] = {"Poland", "Ghana", "Sweden", "Rotterdam", "Tema"};
  std::vector<AnnotateDocumentRequest> stories;
  for (size_t i = 0; i < count; ++i) {
    AnnotateDocumentRequest request;
    request.set_document(absl::StrCat("documents/", i + 1));
    request.set_version(1);
    request.mutable_published_time()->set_seconds(1700000000 + 86400 * static_cast<int64_t>(i));
    request.set_text(absl::StrCat(
        people[i % 4], " of the ", orgs[i % 3], " said grain shipments from ", places[i % 5],
        " rose 12 percent on 3 March 2024. ", families[(i + 1) % 4], " told reporters in ",
        places[(i + 2) % 5], " that the ", i % 2 == 0 ? "BGC" : "Northern Freight Union",
        " expected $40 million in new orders. ", families[i % 4], " agreed."));
    stories.push_back(std::move(request));
  }
  return stories;
}

std::vector<const AnnotateDocumentRequest*> Pointers(
    const std::vector<AnnotateDocumentRequest>& requests, size_t begin, size_t end) {
  std::vector<const AnnotateDocumentRequest*> pointers;
  for (size_t i = begin; i < end && i < requests.size(); ++i) pointers.push_back(&requests[i]);
  return pointers;
}

class BatchAnnotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NG_ASSERT_OK_AND_ASSIGN(Gazetteer countries, LoadCountryGazetteer());
    recognizer_ = std::make_unique<Recognizer>(std::move(countries));
  }

  // A core over a new store in its own directory.
  struct Instance {
    ::newsgraph::testing::TempDir dir;
    std::unique_ptr<storage::KvStore> store;
    std::unique_ptr<EntityCore> core;
  };
  std::unique_ptr<Instance> NewInstance(size_t threads, EntityLimits limits = {}) {
    auto instance = std::make_unique<Instance>();
    auto store = ::newsgraph::testing::OpenEntityStore(instance->dir.path());
    EXPECT_TRUE(store.ok()) << store.status();
    instance->store = *std::move(store);
    auto core = EntityCore::Open(instance->store.get(), recognizer_.get(), limits, threads);
    EXPECT_TRUE(core.ok()) << core.status();
    instance->core = *std::move(core);
    return instance;
  }

  // Every key and value of every column family, in order (but the page
  // token key, which each store draws at random).
  static std::string Dump(storage::KvStore& store) {
    std::string dump;
    for (const std::string& name : EntityColumnFamilies()) {
      absl::StatusOr<storage::ColumnFamily> cf = store.FindColumnFamily(name);
      EXPECT_TRUE(cf.ok()) << name;
      if (!cf.ok()) continue;
      std::unique_ptr<storage::Iterator> it = store.NewIterator(*cf);
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        if (it->key() == "page_token_key") continue;
        absl::StrAppend(&dump, name, ":", it->key(), "=", it->value(), "\n");
      }
    }
    return dump;
  }

  std::unique_ptr<Recognizer> recognizer_;
};

TEST_F(BatchAnnotationTest, BatchesRecordExactlyWhatOneByOneRecords) {
  const std::vector<AnnotateDocumentRequest> stories = Stories(40);
  std::unique_ptr<Instance> one_by_one = NewInstance(1);
  std::vector<AnnotateDocumentResponse> expected;
  for (const AnnotateDocumentRequest& story : stories) {
    NG_ASSERT_OK_AND_ASSIGN(AnnotateDocumentResponse response,
                            one_by_one->core->AnnotateDocument(story));
    expected.push_back(std::move(response));
  }
  const std::string reference = Dump(*one_by_one->store);
  ASSERT_THAT(reference, ::testing::HasSubstr("Lindqvist"));

  for (const auto& [batch_size, threads] : std::vector<std::pair<size_t, size_t>>{
           {1, 1}, {7, 2}, {40, 8}}) {
    SCOPED_TRACE(absl::StrCat("batches of ", batch_size, " on ", threads, " threads"));
    std::unique_ptr<Instance> batched = NewInstance(threads);
    for (size_t begin = 0; begin < stories.size(); begin += batch_size) {
      const std::vector<const AnnotateDocumentRequest*> batch =
          Pointers(stories, begin, begin + batch_size);
      NG_ASSERT_OK_AND_ASSIGN(auto results, batched->core->BatchAnnotateDocuments(batch));
      ASSERT_EQ(results.size(), batch.size());
      for (size_t i = 0; i < batch.size(); ++i) {
        ASSERT_TRUE(results[i].ok()) << results[i].status();
        EXPECT_EQ(results[i]->SerializeAsString(), expected[begin + i].SerializeAsString())
            << batch[i]->document();
      }
    }
    EXPECT_EQ(Dump(*batched->store), reference);
  }
}

TEST_F(BatchAnnotationTest, EachDocumentFailsOrIsAnsweredOnItsOwn) {
  std::unique_ptr<Instance> instance = NewInstance(2);
  std::vector<AnnotateDocumentRequest> stories = Stories(4);
  stories[1].set_version(3);
  NG_ASSERT_OK(instance->core->AnnotateDocument(stories[1]).status());
  stories[1].set_version(2);    // older than the recorded version 3
  stories[2].set_version(0);    // invalid
  NG_ASSERT_OK(instance->core->AnnotateDocument(stories[3]).status());  // recorded already

  NG_ASSERT_OK_AND_ASSIGN(auto results,
                          instance->core->BatchAnnotateDocuments(Pointers(stories, 0, 4)));
  ASSERT_EQ(results.size(), 4u);
  NG_EXPECT_OK(results[0].status());
  EXPECT_FALSE(results[0]->already_annotated());
  EXPECT_FALSE(results[0]->entities().empty());
  EXPECT_THAT(results[1], StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(results[2], StatusIs(absl::StatusCode::kInvalidArgument,
                                   ::testing::HasSubstr("requests[2]")));
  NG_EXPECT_OK(results[3].status());
  EXPECT_TRUE(results[3]->already_annotated());
}

TEST_F(BatchAnnotationTest, TheBatchAsAWholeIsBounded) {
  EntityLimits limits;
  limits.max_batch_documents = 3;
  limits.max_annotate_bytes = 1000;
  std::unique_ptr<Instance> instance = NewInstance(2, limits);
  const std::vector<AnnotateDocumentRequest> stories = Stories(6);
  EXPECT_THAT(instance->core->BatchAnnotateDocuments(Pointers(stories, 0, 4)),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("limit is 3")));
  const std::vector<const AnnotateDocumentRequest*> twice = {&stories[0], &stories[1],
                                                              &stories[0]};
  EXPECT_THAT(instance->core->BatchAnnotateDocuments(twice),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("requests[2].document documents/1 appears twice")));
  std::vector<AnnotateDocumentRequest> long_texts = Stories(3);
  for (AnnotateDocumentRequest& request : long_texts) request.set_text(std::string(400, 'a'));
  EXPECT_THAT(instance->core->BatchAnnotateDocuments(Pointers(long_texts, 0, 3)),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("1200 bytes")));
  // Nothing was recorded by the refused batches.
  EXPECT_EQ(Dump(*instance->store).find("documents/1"), std::string::npos);
  NG_ASSERT_OK_AND_ASSIGN(auto empty, instance->core->BatchAnnotateDocuments({}));
  EXPECT_TRUE(empty.empty());
}

TEST_F(BatchAnnotationTest, AStoppedBatchStoresNothing) {
  std::unique_ptr<Instance> instance = NewInstance(2);
  const std::vector<AnnotateDocumentRequest> stories = Stories(8);
  const std::string before = Dump(*instance->store);
  EXPECT_THAT(instance->core->BatchAnnotateDocuments(Pointers(stories, 0, 8), [] { return true; }),
              StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(Dump(*instance->store), before);
}

// A store whose Sync waits until the test lets it through.
class GatedSyncStore : public storage::testing::FaultyKvStore {
 public:
  using FaultyKvStore::FaultyKvStore;
  absl::Status Sync() override {
    {
      newsgraph::MutexLock lock(&mu_);
      entered_ = true;
    }  // (unlocking wakes AwaitSyncEntered)
    {
      newsgraph::MutexLock lock(&mu_);
      mu_.Await(newsgraph::Condition(&open_));
    }
    return FaultyKvStore::Sync();
  }
  void AwaitSyncEntered() {
    newsgraph::MutexLock lock(&mu_);
    mu_.Await(newsgraph::Condition(&entered_));
  }
  void Open() {
    newsgraph::MutexLock lock(&mu_);
    open_ = true;
  }

 private:
  newsgraph::Mutex mu_;
  bool entered_ ABSL_GUARDED_BY(mu_) = false;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
};

// A retry that finds the record of a batch still between its write and its
// sync (the first call is still running) is answered only once that record
// is durable: a power cut in between must not leave the pipeline holding an
// annotation the store lost.
TEST_F(BatchAnnotationTest, ARetryIsNotAnsweredFromARecordNotYetSynced) {
  ::newsgraph::testing::TempDir dir;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::KvStore> base,
                          ::newsgraph::testing::OpenEntityStore(dir.path()));
  GatedSyncStore store(base.get());
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntityCore> core,
                          EntityCore::Open(&store, recognizer_.get(), EntityLimits{}, 1));
  const std::vector<AnnotateDocumentRequest> stories = Stories(1);
  std::thread batch([&] {
    absl::StatusOr<std::vector<absl::StatusOr<AnnotateDocumentResponse>>> done =
        core->BatchAnnotateDocuments(Pointers(stories, 0, 1));
    EXPECT_TRUE(done.ok()) << done.status();
  });
  store.AwaitSyncEntered();  // written, not yet synced
  std::atomic<bool> answered{false};
  std::thread retry([&] {
    absl::StatusOr<AnnotateDocumentResponse> again = core->AnnotateDocument(stories[0]);
    answered = true;
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_TRUE(again->already_annotated());
  });
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_FALSE(answered) << "answered from a record that was not yet synced";
  store.Open();
  batch.join();
  retry.join();
  EXPECT_TRUE(answered);
}

}  // namespace
}  // namespace newsgraph::entity
