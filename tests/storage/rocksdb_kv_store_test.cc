#include "storage/rocksdb_kv_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "storage/key_codec.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::storage {
namespace {

using ::newsgraph::testing::StatusIs;
using ::newsgraph::testing::TempDir;

RocksDbOptions Options(const std::string& path) {
  RocksDbOptions options;
  options.path = path;
  options.column_families = {"alpha", "beta"};
  options.block_cache_bytes = 1 << 20;
  return options;
}

TEST(RocksDbKvStoreTest, PutGetDeleteAcrossColumnFamilies) {
  TempDir dir;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> store, OpenRocksDbStore(Options(dir.path())));
  NG_ASSERT_OK_AND_ASSIGN(ColumnFamily alpha, store->FindColumnFamily("alpha"));
  NG_ASSERT_OK_AND_ASSIGN(ColumnFamily beta, store->FindColumnFamily("beta"));
  EXPECT_THAT(store->FindColumnFamily("gamma"), StatusIs(absl::StatusCode::kNotFound));

  WriteBatch batch;
  batch.Put(alpha, "k", "in-alpha");
  batch.Put(beta, "k", "in-beta");
  NG_ASSERT_OK(store->Write(batch, Durability::kSynced));
  NG_ASSERT_OK_AND_ASSIGN(std::optional<std::string> a, store->Get(alpha, "k"));
  NG_ASSERT_OK_AND_ASSIGN(std::optional<std::string> b, store->Get(beta, "k"));
  EXPECT_EQ(a, "in-alpha");
  EXPECT_EQ(b, "in-beta");

  WriteBatch removal;
  removal.Delete(alpha, "k");
  NG_ASSERT_OK(store->Write(removal, Durability::kProcessCrashSafe));
  NG_ASSERT_OK_AND_ASSIGN(std::optional<std::string> gone, store->Get(alpha, "k"));
  EXPECT_FALSE(gone.has_value());
}

TEST(RocksDbKvStoreTest, DataSurvivesReopen) {
  TempDir dir;
  {
    NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> store, OpenRocksDbStore(Options(dir.path())));
    WriteBatch batch;
    for (uint64_t i = 0; i < 100; ++i) {
      batch.Put(ColumnFamily{1}, KeyBuilder().AddUint64(i).key(), std::to_string(i));
    }
    NG_ASSERT_OK(store->Write(batch, Durability::kSynced));
  }
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> store, OpenRocksDbStore(Options(dir.path())));
  NG_ASSERT_OK_AND_ASSIGN(std::optional<std::string> v,
                          store->Get(ColumnFamily{1}, KeyBuilder().AddUint64(57).key()));
  EXPECT_EQ(v, "57");
}

TEST(RocksDbKvStoreTest, IteratorHonoursUpperBoundAndOrder) {
  TempDir dir;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> store, OpenRocksDbStore(Options(dir.path())));
  WriteBatch batch;
  for (const char* term : {"apple", "apricot", "banana", "ap"}) {
    for (uint64_t doc : {3, 1, 2}) {
      batch.Put(ColumnFamily{0}, KeyBuilder().AddString(term).AddUint64(doc).key(), term);
    }
  }
  NG_ASSERT_OK(store->Write(batch, Durability::kSynced));
  const std::string prefix = KeyBuilder().AddString("ap").key();
  ReadOptions options;
  options.upper_bound = PrefixSuccessor(prefix);
  std::unique_ptr<Iterator> it = store->NewIterator(ColumnFamily{0}, options);
  std::vector<uint64_t> docs;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    KeyReader reader(it->key());
    NG_ASSERT_OK_AND_ASSIGN(std::string term, reader.ReadString());
    NG_ASSERT_OK_AND_ASSIGN(uint64_t doc, reader.ReadUint64());
    EXPECT_EQ(term, "ap");
    docs.push_back(doc);
  }
  NG_EXPECT_OK(it->status());
  EXPECT_EQ(docs, (std::vector<uint64_t>{1, 2, 3}));
}

TEST(RocksDbKvStoreTest, SnapshotIsolatesLaterWrites) {
  TempDir dir;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> store, OpenRocksDbStore(Options(dir.path())));
  WriteBatch first;
  first.Put(ColumnFamily{0}, "k", "old");
  NG_ASSERT_OK(store->Write(first, Durability::kSynced));
  std::unique_ptr<Snapshot> snapshot = store->GetSnapshot();
  WriteBatch second;
  second.Put(ColumnFamily{0}, "k", "new");
  NG_ASSERT_OK(store->Write(second, Durability::kSynced));
  ReadOptions at_snapshot;
  at_snapshot.snapshot = snapshot.get();
  NG_ASSERT_OK_AND_ASSIGN(std::optional<std::string> old_value,
                          store->Get(ColumnFamily{0}, "k", at_snapshot));
  NG_ASSERT_OK_AND_ASSIGN(std::optional<std::string> new_value, store->Get(ColumnFamily{0}, "k"));
  EXPECT_EQ(old_value, "old");
  EXPECT_EQ(new_value, "new");
}

TEST(RocksDbKvStoreTest, WriteBatchIsAtomicDeleteRange) {
  TempDir dir;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> store, OpenRocksDbStore(Options(dir.path())));
  WriteBatch batch;
  for (uint64_t i = 0; i < 10; ++i)
    batch.Put(ColumnFamily{0}, KeyBuilder().AddUint64(i).key(), "v");
  NG_ASSERT_OK(store->Write(batch, Durability::kSynced));
  WriteBatch range;
  range.DeleteRange(ColumnFamily{0}, KeyBuilder().AddUint64(2).key(),
                    KeyBuilder().AddUint64(8).key());
  NG_ASSERT_OK(store->Write(range, Durability::kSynced));
  int count = 0;
  std::unique_ptr<Iterator> it = store->NewIterator(ColumnFamily{0});
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
  EXPECT_EQ(count, 4);
}

TEST(RocksDbKvStoreTest, SecondOpenOfSameDirectoryFailsClearly) {
  TempDir dir;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> store, OpenRocksDbStore(Options(dir.path())));
  absl::StatusOr<std::unique_ptr<KvStore>> second = OpenRocksDbStore(Options(dir.path()));
  EXPECT_THAT(second,
              StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::HasSubstr(dir.path())));
}

TEST(RocksDbKvStoreTest, RejectsBadOptions) {
  RocksDbOptions no_path;
  no_path.column_families = {"a"};
  EXPECT_THAT(OpenRocksDbStore(no_path), StatusIs(absl::StatusCode::kInvalidArgument));
  TempDir dir;
  RocksDbOptions no_families;
  no_families.path = dir.path();
  EXPECT_THAT(OpenRocksDbStore(no_families), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RocksDbKvStoreTest, ConcurrentWritersAllLand) {
  TempDir dir;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> store, OpenRocksDbStore(Options(dir.path())));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = 0; i < 200; ++i) {
        WriteBatch batch;
        batch.Put(ColumnFamily{0}, KeyBuilder().AddUint64(t).AddUint64(i).key(), "v");
        EXPECT_TRUE(store->Write(batch, Durability::kProcessCrashSafe).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  int count = 0;
  std::unique_ptr<Iterator> it = store->NewIterator(ColumnFamily{0});
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
  EXPECT_EQ(count, 800);
}

TEST(RocksDbKvStoreTest, StatsFollowWritesFlushesAndCachedReads) {
  TempDir dir;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> store, OpenRocksDbStore(Options(dir.path())));
  StoreStats stats = store->Stats();
  EXPECT_EQ(stats.table_files_bytes, 0u);
  EXPECT_EQ(stats.block_cache_capacity_bytes, 1u << 20);
  EXPECT_FALSE(stats.writes_stopped);
  WriteBatch batch;
  for (uint64_t i = 0; i < 1000; ++i) {
    batch.Put(ColumnFamily{0}, KeyBuilder().AddUint64(i).key(), std::string(100, 'x'));
  }
  NG_ASSERT_OK(store->Write(batch, Durability::kSynced));
  stats = store->Stats();
  EXPECT_GT(stats.memtable_bytes, 100'000u);
  EXPECT_GE(stats.wal_syncs, 1u);
  NG_ASSERT_OK(store->Flush());
  for (int round = 0; round < 2; ++round) {
    for (uint64_t i = 0; i < 1000; i += 100) {
      NG_ASSERT_OK(store->Get(ColumnFamily{0}, KeyBuilder().AddUint64(i).key()).status());
    }
  }
  stats = store->Stats();
  EXPECT_GT(stats.table_files_bytes, 0u);
  EXPECT_GT(stats.live_data_bytes, 0u);
  EXPECT_GT(stats.flush_written_bytes, 0u);
  EXPECT_GT(stats.block_cache_misses, 0u);  // the first reads
  EXPECT_GT(stats.block_cache_hits, 0u);    // the second round
  EXPECT_GT(stats.block_cache_usage_bytes, 0u);
}

}  // namespace
}  // namespace newsgraph::storage
