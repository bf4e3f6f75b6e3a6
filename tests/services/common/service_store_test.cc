// OpenServiceStore: one RocksDB store per service under a shared data
// directory, with the service's column families and the options passed on.
#include "services/common/service_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::StatusIs;
using ::testing::HasSubstr;

class ServiceStoreTest : public ::testing::Test {
 protected:
  // Options for a data directory (not yet existing) in the test's directory;
  // the free-space check is off, so the machine's free space does not matter.
  ServiceStoreOptions Options() {
    ServiceStoreOptions options;
    options.data_dir = dir_.Sub("data/nested");
    options.block_cache_mb = 8;
    options.min_free_disk_bytes = 0;
    return options;
  }

  static absl::Status Put(storage::KvStore& store, storage::ColumnFamily cf, const std::string& key,
                          const std::string& value) {
    storage::WriteBatch batch;
    batch.Put(cf, key, value);
    return store.Write(batch, storage::Durability::kSynced);
  }

  const std::vector<std::string> families_ = {"records", "index", "meta"};
  ::newsgraph::testing::TempDir dir_;
};

TEST_F(ServiceStoreTest, OpensTheServicesStoreUnderTheDataDirectory) {
  const ServiceStoreOptions options = Options();
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::KvStore> store,
                          OpenServiceStore(options, "ingest", families_));
  EXPECT_EQ(store->path(), options.data_dir + "/ingest");
  EXPECT_TRUE(std::filesystem::is_directory(options.data_dir + "/ingest"));
  for (size_t i = 0; i < families_.size(); ++i) {
    NG_ASSERT_OK_AND_ASSIGN(storage::ColumnFamily cf, store->FindColumnFamily(families_[i]));
    EXPECT_EQ(cf.index, static_cast<int>(i)) << families_[i];
  }
  EXPECT_THAT(store->FindColumnFamily("jobs"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("jobs")));
}

TEST_F(ServiceStoreTest, WritesSurviveClosingAndReopening) {
  const ServiceStoreOptions options = Options();
  {
    NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::KvStore> store,
                            OpenServiceStore(options, "entity", families_));
    NG_ASSERT_OK(Put(*store, storage::ColumnFamily{1}, "harbour", "entities/7"));
  }
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::KvStore> store,
                          OpenServiceStore(options, "entity", families_));
  NG_ASSERT_OK_AND_ASSIGN(std::optional<std::string> kept,
                          store->Get(storage::ColumnFamily{1}, "harbour"));
  EXPECT_EQ(kept, "entities/7");
  NG_ASSERT_OK_AND_ASSIGN(std::optional<std::string> other,
                          store->Get(storage::ColumnFamily{0}, "harbour"));
  EXPECT_EQ(other, std::nullopt);
}

TEST_F(ServiceStoreTest, EachServiceHasAStoreOfItsOwn) {
  const ServiceStoreOptions options = Options();
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::KvStore> entity,
                          OpenServiceStore(options, "entity", families_));
  NG_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<storage::KvStore> search,
      OpenServiceStore(options, "search", {"postings", "fields"}, {"postings"}));
  EXPECT_NE(entity->path(), search->path());
  NG_ASSERT_OK(Put(*entity, storage::ColumnFamily{0}, "key", "entity's"));
  NG_ASSERT_OK(Put(*search, storage::ColumnFamily{0}, "key", "search's"));
  NG_ASSERT_OK_AND_ASSIGN(std::optional<std::string> in_entity,
                          entity->Get(storage::ColumnFamily{0}, "key"));
  NG_ASSERT_OK_AND_ASSIGN(std::optional<std::string> in_search,
                          search->Get(storage::ColumnFamily{0}, "key"));
  EXPECT_EQ(in_entity, "entity's");
  EXPECT_EQ(in_search, "search's");
  EXPECT_THAT(search->FindColumnFamily("records"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ServiceStoreTest, AStoreOpenElsewhereIsFailedPrecondition) {
  const ServiceStoreOptions options = Options();
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::KvStore> first,
                          OpenServiceStore(options, "ingest", families_));
  EXPECT_THAT(OpenServiceStore(options, "ingest", families_),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(options.data_dir)));
}

TEST_F(ServiceStoreTest, NoColumnFamiliesIsInvalidArgument) {
  EXPECT_THAT(OpenServiceStore(Options(), "ingest", {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ingest")));
}

// The block cache is at least 1 MiB whatever is asked.
TEST_F(ServiceStoreTest, ANonPositiveBlockCacheStillOpens) {
  for (int mb : {0, -5}) {
    SCOPED_TRACE(mb);
    ServiceStoreOptions options = Options();
    options.block_cache_mb = mb;
    NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::KvStore> store,
                            OpenServiceStore(options, "ingest", families_));
    NG_EXPECT_OK(Put(*store, storage::ColumnFamily{2}, "counter", "1"));
  }
}

// min_free_disk_bytes reaches the store: with more asked than any disk has,
// writes are refused as UNAVAILABLE; reads still work.
TEST_F(ServiceStoreTest, WritesAreRefusedBelowTheFreeSpaceFloor) {
  ServiceStoreOptions options = Options();
  options.min_free_disk_bytes = uint64_t{1} << 62;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::KvStore> store,
                          OpenServiceStore(options, "search", families_));
  EXPECT_THAT(Put(*store, storage::ColumnFamily{0}, "key", "value"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("disk is full")));
  NG_ASSERT_OK_AND_ASSIGN(std::optional<std::string> got,
                          store->Get(storage::ColumnFamily{0}, "key"));
  EXPECT_EQ(got, std::nullopt);
}

TEST_F(ServiceStoreTest, ADataDirectoryThatIsAFileFailsTheOpen) {
  ServiceStoreOptions options = Options();
  options.data_dir = dir_.Sub("plain-file");
  { std::ofstream(options.data_dir) << "not a directory"; }
  EXPECT_THAT(OpenServiceStore(options, "ingest", families_),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(options.data_dir)));
}

}  // namespace
}  // namespace newsgraph
