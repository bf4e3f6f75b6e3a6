#include "storage/page_token_key.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/page_token.h"
#include "storage/rocksdb_kv_store.h"
#include "storage/testing/faulty_kv_store.h"
#include "storage/testing/memory_kv_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::storage {
namespace {

using ::newsgraph::storage::testing::FaultyKvStore;
using ::newsgraph::storage::testing::MemoryKvStore;
using ::newsgraph::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kStoredUnder[] = "page_token_key";

// Records the durability every Write asked for.
class DurabilityRecorder final : public FaultyKvStore {
 public:
  using FaultyKvStore::FaultyKvStore;
  absl::Status Write(const WriteBatch& batch, Durability durability) override {
    durabilities.push_back(durability);
    batches.push_back(batch);
    return FaultyKvStore::Write(batch, durability);
  }
  std::vector<Durability> durabilities;
  std::vector<WriteBatch> batches;
};

class PageTokenKeyTest : public ::testing::Test {
 protected:
  PageTokenKeyTest() : store_({"data", "meta"}) {}

  std::optional<std::string> Stored(ColumnFamily cf) {
    absl::StatusOr<std::optional<std::string>> value = store_.Get(cf, kStoredUnder);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? *value : std::nullopt;
  }
  void Put(const std::string& value) {
    WriteBatch batch;
    batch.Put(meta_, kStoredUnder, value);
    NG_ASSERT_OK(store_.Write(batch, Durability::kSynced));
  }

  MemoryKvStore store_;
  const ColumnFamily data_{0};
  const ColumnFamily meta_{1};
};

TEST_F(PageTokenKeyTest, FirstUseCreatesA32ByteKeyAndStoresItInMeta) {
  NG_ASSERT_OK_AND_ASSIGN(std::string key, LoadOrCreatePageTokenKey(&store_, meta_));
  EXPECT_EQ(key.size(), 32u);
  EXPECT_EQ(Stored(meta_), key);
  EXPECT_EQ(Stored(data_), std::nullopt);  // only the column family asked for
}

TEST_F(PageTokenKeyTest, LaterUsesReturnTheStoredKeyWithoutWriting) {
  NG_ASSERT_OK_AND_ASSIGN(std::string first, LoadOrCreatePageTokenKey(&store_, meta_));
  DurabilityRecorder recorder(&store_);
  NG_ASSERT_OK_AND_ASSIGN(std::string second, LoadOrCreatePageTokenKey(&recorder, meta_));
  NG_ASSERT_OK_AND_ASSIGN(std::string third, LoadOrCreatePageTokenKey(&recorder, meta_));
  EXPECT_EQ(second, first);
  EXPECT_EQ(third, first);
  EXPECT_EQ(recorder.writes(), 0u);
  EXPECT_EQ(recorder.gets(), 2u);
}

TEST_F(PageTokenKeyTest, AStoredKeyOfTheRightSizeIsReturnedAsIs) {
  const std::string mine(32, '\x7f');
  Put(mine);
  NG_ASSERT_OK_AND_ASSIGN(std::string key, LoadOrCreatePageTokenKey(&store_, meta_));
  EXPECT_EQ(key, mine);
}

TEST_F(PageTokenKeyTest, AStoredKeyIsAnyBinaryValueOf32Bytes) {
  std::string binary(32, '\0');
  binary[5] = '\xff';
  Put(binary);
  NG_ASSERT_OK_AND_ASSIGN(std::string key, LoadOrCreatePageTokenKey(&store_, meta_));
  EXPECT_EQ(key, binary);
}

TEST_F(PageTokenKeyTest, AStoredKeyOfTheWrongSizeIsDataLoss) {
  for (size_t size : {0u, 1u, 16u, 31u, 33u, 64u}) {
    Put(std::string(size, 'k'));
    EXPECT_THAT(LoadOrCreatePageTokenKey(&store_, meta_),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("wrong size")))
        << "size " << size;
    // The damaged key is left alone, not replaced by a fresh one.
    EXPECT_EQ(Stored(meta_), std::string(size, 'k'));
  }
}

TEST_F(PageTokenKeyTest, TheNewKeyIsWrittenSyncedInOneBatchOfOnePut) {
  DurabilityRecorder recorder(&store_);
  NG_ASSERT_OK_AND_ASSIGN(std::string key, LoadOrCreatePageTokenKey(&recorder, meta_));
  ASSERT_EQ(recorder.durabilities.size(), 1u);
  EXPECT_EQ(recorder.durabilities[0], Durability::kSynced);
  ASSERT_EQ(recorder.batches[0].size(), 1u);
  const WriteBatch::Op& op = recorder.batches[0].ops()[0];
  EXPECT_EQ(op.type, WriteBatch::OpType::kPut);
  EXPECT_EQ(op.cf.index, meta_.index);
  EXPECT_EQ(op.key, kStoredUnder);
  EXPECT_EQ(op.value, key);
}

TEST_F(PageTokenKeyTest, EveryStoreGetsAKeyOfItsOwn) {
  MemoryKvStore other({"meta"});
  NG_ASSERT_OK_AND_ASSIGN(std::string mine, LoadOrCreatePageTokenKey(&store_, meta_));
  NG_ASSERT_OK_AND_ASSIGN(std::string theirs, LoadOrCreatePageTokenKey(&other, ColumnFamily{0}));
  EXPECT_NE(mine, theirs);
  // And a key is not all one byte (it is random).
  EXPECT_NE(mine, std::string(32, mine[0]));
}

TEST_F(PageTokenKeyTest, AReadErrorIsReturnedAndNothingIsWritten) {
  FaultyKvStore faulty(&store_);
  faulty.FailGet(1, absl::UnavailableError("disk went away"));
  EXPECT_THAT(LoadOrCreatePageTokenKey(&faulty, meta_),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("disk went away")));
  EXPECT_EQ(faulty.writes(), 0u);
  EXPECT_EQ(Stored(meta_), std::nullopt);
}

TEST_F(PageTokenKeyTest, AWriteErrorIsReturnedAndTheNextCallStartsAfresh) {
  FaultyKvStore faulty(&store_);
  faulty.FailWrite(1, absl::ResourceExhaustedError("disk full"));
  EXPECT_THAT(LoadOrCreatePageTokenKey(&faulty, meta_),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("disk full")));
  EXPECT_EQ(Stored(meta_), std::nullopt);
  NG_ASSERT_OK_AND_ASSIGN(std::string key, LoadOrCreatePageTokenKey(&faulty, meta_));
  EXPECT_EQ(key.size(), 32u);
  EXPECT_EQ(Stored(meta_), key);
}

TEST_F(PageTokenKeyTest, AnUnknownColumnFamilyIsAnError) {
  // MemoryKvStore rejects writes to a column family it does not have.
  EXPECT_THAT(LoadOrCreatePageTokenKey(&store_, ColumnFamily{7}),
              ::testing::Not(::newsgraph::testing::IsOk()));
}

TEST(PageTokenKeyRocksDbTest, TheKeySurvivesReopeningTheStoreAndTokensStayValid) {
  ::newsgraph::testing::TempDir dir;
  RocksDbOptions options;
  options.path = dir.Sub("db");
  options.column_families = {"meta"};
  options.block_cache_bytes = 1 << 20;
  std::string key;
  std::string token;
  {
    NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> store, OpenRocksDbStore(options));
    NG_ASSERT_OK_AND_ASSIGN(ColumnFamily meta, store->FindColumnFamily("meta"));
    NG_ASSERT_OK_AND_ASSIGN(key, LoadOrCreatePageTokenKey(store.get(), meta));
    token = PageTokens(key).Encode("docs", "filter", "position-42");
  }
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> reopened, OpenRocksDbStore(options));
  NG_ASSERT_OK_AND_ASSIGN(ColumnFamily meta, reopened->FindColumnFamily("meta"));
  NG_ASSERT_OK_AND_ASSIGN(std::string again, LoadOrCreatePageTokenKey(reopened.get(), meta));
  EXPECT_EQ(again, key);
  NG_ASSERT_OK_AND_ASSIGN(std::string position, PageTokens(again).Decode(token, "docs", "filter"));
  EXPECT_EQ(position, "position-42");

  // Another store's key does not verify this store's tokens.
  ::newsgraph::testing::TempDir other_dir;
  options.path = other_dir.Sub("db");
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> other, OpenRocksDbStore(options));
  NG_ASSERT_OK_AND_ASSIGN(ColumnFamily other_meta, other->FindColumnFamily("meta"));
  NG_ASSERT_OK_AND_ASSIGN(std::string foreign, LoadOrCreatePageTokenKey(other.get(), other_meta));
  EXPECT_THAT(PageTokens(foreign).Decode(token, "docs", "filter"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace newsgraph::storage
