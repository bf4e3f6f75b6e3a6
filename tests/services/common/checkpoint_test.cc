#include "services/common/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "storage/rocksdb_kv_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::StatusIs;
using ::newsgraph::testing::TempDir;

TEST(ValidateBackupIdTest, NamesOneDirectoryNeverAPath) {
  for (const char* good : {"nightly", "2026-12-07", "a", "b-1-c"}) {
    NG_EXPECT_OK(ValidateBackupId(good)) << good;
  }
  for (const std::string bad :
       {std::string(""), std::string(".."), std::string("a/b"), std::string("-x"),
        std::string("Nightly"), std::string("a b"), std::string(64, 'a'), std::string("a\0b", 3)}) {
    EXPECT_THAT(ValidateBackupId(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

storage::RocksDbOptions StoreAt(const std::string& path) {
  storage::RocksDbOptions options;
  options.path = path;
  options.column_families = {"docs"};
  return options;
}

TEST(CheckpointerTest, WritesAStoreThatOpensWithTheDataOnce) {
  TempDir dir;
  storage::RocksDbOptions options = StoreAt(dir.path() + "/live");
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::KvStore> store,
                          storage::OpenRocksDbStore(options));
  storage::WriteBatch batch;
  batch.Put(storage::ColumnFamily{0}, "k", "before");
  NG_ASSERT_OK(store->Write(batch, storage::Durability::kProcessCrashSafe));
  const Checkpointer checkpointer =
      MakeCheckpointer(store.get(), dir.path() + "/backups", "ingest");
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Checkpoint checkpoint, checkpointer("first"));
  EXPECT_EQ(checkpoint.service(), "ingest");
  EXPECT_EQ(checkpoint.directory(), dir.path() + "/backups/first/ingest");
  EXPECT_GT(checkpoint.size_bytes(), 0);
  batch.Clear();
  batch.Put(storage::ColumnFamily{0}, "k", "after");
  NG_ASSERT_OK(store->Write(batch, storage::Durability::kSynced));
  EXPECT_THAT(checkpointer("first"), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(checkpointer("../first"), StatusIs(absl::StatusCode::kInvalidArgument));

  options.path = checkpoint.directory();
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::KvStore> copy,
                          storage::OpenRocksDbStore(options));
  NG_ASSERT_OK_AND_ASSIGN(std::optional<std::string> value,
                          copy->Get(storage::ColumnFamily{0}, "k"));
  EXPECT_EQ(value, "before");
}

TEST(CheckpointerTest, WithoutABackupDirectoryNothingIsWritten) {
  TempDir dir;
  storage::RocksDbOptions options = StoreAt(dir.path() + "/live");
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::KvStore> store,
                          storage::OpenRocksDbStore(options));
  EXPECT_THAT(MakeCheckpointer(store.get(), "", "search")("nightly"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace newsgraph
