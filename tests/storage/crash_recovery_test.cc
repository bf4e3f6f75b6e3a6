// Crash recovery of the RocksDB store: SIGKILL and simulated power loss
// (storage/testing/sync_ledger.h), torn and damaged write-ahead logs.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "rocksdb/env.h"
#include "storage/rocksdb_kv_store.h"
#include "storage/testing/sync_ledger.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::storage {
namespace {

using ::newsgraph::testing::StatusIs;
using ::newsgraph::testing::TempDir;
using ::testing::HasSubstr;

RocksDbOptions Options(const std::string& path) {
  RocksDbOptions options;
  options.path = path;
  options.column_families = {"data"};
  options.block_cache_bytes = 1 << 20;
  return options;
}

std::string Key(int i) { return absl::StrFormat("key-%06d", i); }

// How the writer makes its writes durable.
enum class SyncBy { kSyncedWrite, kSyncCall };

// In the child: opens the store, writes key-000000.. in order, one write per
// key, making every `sync_every`-th durable (a kSynced write, or a
// kProcessCrashSafe one followed by KvStore::Sync); records the last synced
// index in `marker` (a plain file, which survives the kill) and SIGKILLs
// itself.
void WriteAndDie(RocksDbOptions options, const std::string& ledger, int count, int sync_every,
                 const std::string& marker, SyncBy sync_by) {
  std::unique_ptr<rocksdb::Env> ledger_env;
  if (!ledger.empty()) {
    absl::StatusOr<std::unique_ptr<rocksdb::Env>> env = NewSyncLedgerEnv(ledger);
    if (!env.ok()) _exit(5);
    ledger_env = *std::move(env);
    options.env = ledger_env.get();
  }
  absl::StatusOr<std::unique_ptr<KvStore>> store = OpenRocksDbStore(options);
  if (!store.ok()) _exit(2);
  absl::StatusOr<ColumnFamily> cf = (*store)->FindColumnFamily("data");
  if (!cf.ok()) _exit(3);
  for (int i = 0; i < count; ++i) {
    WriteBatch batch;
    batch.Put(*cf, Key(i), std::string(100, 'v'));
    const bool sync = sync_every > 0 && (i + 1) % sync_every == 0;
    const bool synced_write = sync && sync_by == SyncBy::kSyncedWrite;
    if (!(*store)
             ->Write(batch, synced_write ? Durability::kSynced : Durability::kProcessCrashSafe)
             .ok()) {
      _exit(4);
    }
    if (sync && sync_by == SyncBy::kSyncCall) {
      absl::Status synced = (*store)->Sync();
      if (!synced.ok()) {
        fprintf(stderr, "%s\n", synced.ToString().c_str());
        _exit(6);
      }
    }
    if (sync) {
      std::ofstream out(marker, std::ios::trunc);
      out << i << "\n";
    }
  }
  kill(getpid(), SIGKILL);
}

int ReadMarker(const std::string& marker) {
  std::ifstream in(marker);
  int value = -1;
  in >> value;
  return value;
}

// Keys present, checked to be exactly key-000000..key-(n-1): a prefix.
absl::StatusOr<int> CountPrefix(KvStore& store) {
  NG_ASSIGN_OR_RETURN(ColumnFamily cf, store.FindColumnFamily("data"));
  std::unique_ptr<Iterator> it = store.NewIterator(cf);
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
    if (it->key() != Key(n)) {
      return absl::DataLossError(absl::StrCat("hole: expected ", Key(n), ", found ", it->key()));
    }
  }
  return n;
}

// With `ledger`, the child's store records its syncs there.
pid_t ForkWriter(const RocksDbOptions& options, int count, int sync_every,
                 const std::string& marker, const std::string& ledger = "",
                 SyncBy sync_by = SyncBy::kSyncedWrite) {
  const pid_t pid = fork();
  if (pid == 0) WriteAndDie(options, ledger, count, sync_every, marker, sync_by);
  return pid;
}

bool KilledBySigkill(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

std::string OnlyWal(const std::string& dir) {
  std::string found;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log" && std::filesystem::file_size(entry.path()) > 0) {
      found = entry.path().string();
    }
  }
  return found;
}

TEST(CrashRecoveryTest, SigkillKeepsEveryWriteEvenUnsynced) {
  TempDir dir;
  const std::string marker = dir.Sub("marker");
  ASSERT_TRUE(KilledBySigkill(ForkWriter(Options(dir.Sub("db")), 500, 0, marker)));
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> store, OpenRocksDbStore(Options(dir.Sub("db"))));
  NG_ASSERT_OK_AND_ASSIGN(int present, CountPrefix(*store));
  EXPECT_EQ(present, 500) << "the WAL in the page cache survives a process crash";
}

TEST(CrashRecoveryTest, PowerLossKeepsEverySyncedWriteAndLeavesAPrefix) {
  const std::pair<SyncBy, int> cases[] = {
      {SyncBy::kSyncedWrite, 1}, {SyncBy::kSyncedWrite, 7}, {SyncBy::kSyncedWrite, 50},
      {SyncBy::kSyncCall, 1},    {SyncBy::kSyncCall, 7},    {SyncBy::kSyncCall, 50}};
  for (const auto& [sync_by, sync_every] : cases) {
    SCOPED_TRACE(absl::StrCat("sync every ", sync_every,
                              sync_by == SyncBy::kSyncCall ? " by Sync()" : " by synced write"));
    TempDir dir;
    const std::string ledger = dir.Sub("ledger");
    const std::string marker = dir.Sub("marker");
    ASSERT_TRUE(KilledBySigkill(
        ForkWriter(Options(dir.Sub("db")), 503, sync_every, marker, ledger, sync_by)));
    const int last_synced = ReadMarker(marker);
    ASSERT_GE(last_synced, 0);
    NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger));
    if (sync_every > 1) {
      EXPECT_GT(report.bytes_dropped, 0u) << "unsynced tail must be cut";
    }

    NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> store,
                            OpenRocksDbStore(Options(dir.Sub("db"))));
    NG_ASSERT_OK_AND_ASSIGN(int present, CountPrefix(*store));
    EXPECT_GE(present, last_synced + 1) << "a synced (acknowledged) write was lost";
    if (sync_every > 1) {
      EXPECT_LT(present, 503) << "power loss should cost the unsynced tail";
    }
  }
}

TEST(CrashRecoveryTest, TornLastRecordIsDroppedQuietly) {
  TempDir dir;
  const std::string marker = dir.Sub("marker");
  ASSERT_TRUE(KilledBySigkill(ForkWriter(Options(dir.Sub("db")), 200, 1, marker)));
  const std::string wal = OnlyWal(dir.Sub("db"));
  ASSERT_FALSE(wal.empty());
  {
    // The start of a record header whose body never reached the disk.
    std::ofstream out(wal, std::ios::app | std::ios::binary);
    out.write("\x12\x34\x56\x78\xff\x00", 6);
  }
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> store, OpenRocksDbStore(Options(dir.Sub("db"))));
  NG_ASSERT_OK_AND_ASSIGN(int present, CountPrefix(*store));
  EXPECT_EQ(present, 200);
}

TEST(CrashRecoveryTest, DamageInsideTheLogIsReportedNotSkipped) {
  TempDir dir;
  const std::string marker = dir.Sub("marker");
  ASSERT_TRUE(KilledBySigkill(ForkWriter(Options(dir.Sub("db")), 400, 1, marker)));
  const std::string wal = OnlyWal(dir.Sub("db"));
  ASSERT_FALSE(wal.empty());
  const uintmax_t size = std::filesystem::file_size(wal);
  {
    std::fstream file(wal, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size / 2));
    file.write("garbage!", 8);
  }
  EXPECT_THAT(OpenRocksDbStore(Options(dir.Sub("db"))),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("--wal_recovery=point_in_time")));

  // The operator's deliberate choice: keep the prefix before the damage.
  RocksDbOptions recover = Options(dir.Sub("db"));
  recover.wal_recovery = RocksDbOptions::WalRecovery::kPointInTime;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvStore> store, OpenRocksDbStore(recover));
  NG_ASSERT_OK_AND_ASSIGN(int present, CountPrefix(*store));
  EXPECT_GT(present, 100);
  EXPECT_LT(present, 400);
}

}  // namespace
}  // namespace newsgraph::storage
