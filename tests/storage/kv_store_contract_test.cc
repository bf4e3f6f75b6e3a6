// KvStore's contract, checked on both implementations: RocksDB (what the
// services run on) and MemoryKvStore (the fake unit tests may use).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "storage/kv_store.h"
#include "storage/rocksdb_kv_store.h"
#include "storage/testing/memory_kv_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::storage {
namespace {

using ::newsgraph::testing::StatusIs;

struct Implementation {
  std::string name;
  std::function<std::unique_ptr<KvStore>(const std::string& dir)> open;
};

class KvStoreContractTest : public ::testing::TestWithParam<Implementation> {
 protected:
  void SetUp() override {
    store_ = GetParam().open(dir_.path());
    ASSERT_NE(store_, nullptr);
    NG_ASSERT_OK_AND_ASSIGN(alpha_, store_->FindColumnFamily("alpha"));
    NG_ASSERT_OK_AND_ASSIGN(beta_, store_->FindColumnFamily("beta"));
  }
  void Put(ColumnFamily cf, const std::string& key, const std::string& value) {
    WriteBatch batch;
    batch.Put(cf, key, value);
    NG_ASSERT_OK(store_->Write(batch, Durability::kSynced));
  }
  std::optional<std::string> Get(ColumnFamily cf, const std::string& key,
                                 const ReadOptions& options = {}) {
    absl::StatusOr<std::optional<std::string>> value = store_->Get(cf, key, options);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? *value : std::nullopt;
  }
  // The keys an iterator walks forward from Seek(from), or from the start.
  std::vector<std::string> Keys(ColumnFamily cf, const ReadOptions& options = {},
                                const std::string& from = "") {
    std::vector<std::string> keys;
    std::unique_ptr<Iterator> it = store_->NewIterator(cf, options);
    for (from.empty() ? it->SeekToFirst() : it->Seek(from); it->Valid(); it->Next()) {
      keys.emplace_back(it->key());
    }
    EXPECT_TRUE(it->status().ok());
    return keys;
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<KvStore> store_;
  ColumnFamily alpha_, beta_;
};

TEST_P(KvStoreContractTest, ColumnFamiliesAreSeparateKeyspaces) {
  EXPECT_THAT(store_->FindColumnFamily("gamma"), StatusIs(absl::StatusCode::kNotFound));
  Put(alpha_, "k", "a");
  Put(beta_, "k", "b");
  EXPECT_EQ(Get(alpha_, "k"), "a");
  EXPECT_EQ(Get(beta_, "k"), "b");
  EXPECT_EQ(Get(alpha_, "missing"), std::nullopt);
}

TEST_P(KvStoreContractTest, ABatchAppliesItsOperationsInOrder) {
  Put(alpha_, "kept", "old");
  WriteBatch batch;
  batch.Put(alpha_, "a", "1");
  batch.Delete(alpha_, "a");       // put then delete: gone
  batch.Delete(alpha_, "b");       // delete then put: present
  batch.Put(alpha_, "b", "2");
  batch.Put(alpha_, "kept", "new");  // last put wins
  NG_ASSERT_OK(store_->Write(batch, Durability::kProcessCrashSafe));
  EXPECT_EQ(Get(alpha_, "a"), std::nullopt);
  EXPECT_EQ(Get(alpha_, "b"), "2");
  EXPECT_EQ(Get(alpha_, "kept"), "new");
}

TEST_P(KvStoreContractTest, SyncKeepsEarlierWritesVisible) {
  WriteBatch batch;
  batch.Put(alpha_, "a", "1");
  NG_ASSERT_OK(store_->Write(batch, Durability::kProcessCrashSafe));
  NG_ASSERT_OK(store_->Sync());
  NG_ASSERT_OK(store_->Sync());  // nothing new: still fine
  EXPECT_EQ(Get(alpha_, "a"), "1");
}

TEST_P(KvStoreContractTest, DeleteRangeRemovesTheHalfOpenRange) {
  for (const char* key : {"a", "b", "b1", "c", "d"}) Put(alpha_, key, "v");
  WriteBatch batch;
  batch.DeleteRange(alpha_, "b", "c");
  NG_ASSERT_OK(store_->Write(batch, Durability::kSynced));
  EXPECT_EQ(Keys(alpha_), (std::vector<std::string>{"a", "c", "d"}));
}

TEST_P(KvStoreContractTest, IteratorsWalkInKeyOrderBelowTheirBound) {
  for (const char* key : {"b", "a", "d", "c", "e"}) Put(alpha_, key, std::string("v") + key);
  EXPECT_EQ(Keys(alpha_), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  ReadOptions bounded;
  bounded.upper_bound = "d";
  EXPECT_EQ(Keys(alpha_, bounded), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Keys(alpha_, bounded, "bb"), (std::vector<std::string>{"c"}));
  std::unique_ptr<Iterator> it = store_->NewIterator(alpha_, bounded);
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c");
  EXPECT_EQ(it->value(), "vc");
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->SeekForPrev("bz");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->SeekForPrev("0");
  EXPECT_FALSE(it->Valid());
  it->Seek("zz");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(Keys(beta_).empty());
}

TEST_P(KvStoreContractTest, SnapshotsAndIteratorsKeepTheStateTheyWereMadeOn) {
  Put(alpha_, "a", "1");
  std::unique_ptr<Snapshot> snapshot = store_->GetSnapshot();
  std::unique_ptr<Iterator> early = store_->NewIterator(alpha_);
  Put(alpha_, "a", "2");
  Put(alpha_, "b", "new");
  ReadOptions at_snapshot;
  at_snapshot.snapshot = snapshot.get();
  EXPECT_EQ(Get(alpha_, "a", at_snapshot), "1");
  EXPECT_EQ(Get(alpha_, "b", at_snapshot), std::nullopt);
  EXPECT_EQ(Keys(alpha_, at_snapshot), (std::vector<std::string>{"a"}));
  early->SeekToFirst();
  ASSERT_TRUE(early->Valid());
  EXPECT_EQ(early->value(), "1");
  early->Next();
  EXPECT_FALSE(early->Valid()) << "an iterator does not see later writes";
  EXPECT_EQ(Get(alpha_, "a"), "2");
  EXPECT_EQ(Keys(alpha_), (std::vector<std::string>{"a", "b"}));
  early.reset();
  snapshot.reset();
}

TEST_P(KvStoreContractTest, SizesGrowWithData) {
  NG_ASSERT_OK_AND_ASSIGN(uint64_t before, store_->ApproximateDiskBytes());
  for (int i = 0; i < 200; ++i) Put(alpha_, "key" + std::to_string(i), std::string(1000, 'x'));
  NG_ASSERT_OK(store_->Flush());
  NG_ASSERT_OK_AND_ASSIGN(uint64_t after, store_->ApproximateDiskBytes());
  EXPECT_GT(after, before);
  NG_ASSERT_OK_AND_ASSIGN(uint64_t alpha_bytes, store_->ColumnFamilyDiskBytes(alpha_));
  EXPECT_GT(alpha_bytes, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Implementations, KvStoreContractTest,
    ::testing::Values(
        Implementation{"rocksdb",
                       [](const std::string& dir) -> std::unique_ptr<KvStore> {
                         RocksDbOptions options;
                         options.path = dir;
                         options.column_families = {"alpha", "beta"};
                         options.block_cache_bytes = 1 << 20;
                         absl::StatusOr<std::unique_ptr<KvStore>> store = OpenRocksDbStore(options);
                         return store.ok() ? *std::move(store) : nullptr;
                       }},
        Implementation{"memory",
                       [](const std::string&) -> std::unique_ptr<KvStore> {
                         return std::make_unique<testing::MemoryKvStore>(
                             std::vector<std::string>{"alpha", "beta"});
                       }}),
    [](const ::testing::TestParamInfo<Implementation>& info) { return info.param.name; });

}  // namespace
}  // namespace newsgraph::storage
