#include "services/common/service_store.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "storage/rocksdb_kv_store.h"

ABSL_FLAG(std::string, wal_recovery, "strict",
          "after an unclean shutdown: 'strict' drops only a torn last write and refuses to open "
          "a store whose log is damaged elsewhere; 'point_in_time' keeps the consistent prefix "
          "before the damage and drops the rest (an operator's decision after a DATA_LOSS error)");
ABSL_FLAG(int64_t, min_free_disk_mb, 256,
          "writes are refused with UNAVAILABLE while the data directory's file system has less "
          "free space than this (MiB), so RocksDB never runs out of space mid-write; they resume "
          "by themselves once space is freed. 0 turns the check off");
ABSL_FLAG(std::string, sync_ledger, "",
          "testing only: record every file sync of the stores in this file, so a crash test can "
          "simulate power loss (storage/sync_ledger.h)");

namespace newsgraph {

absl::StatusOr<std::unique_ptr<storage::KvStore>> OpenServiceStore(
    const std::string& data_dir, const std::string& service,
    const std::vector<std::string>& column_families, int block_cache_mb,
    const std::vector<std::string>& zstd_column_families) {
  storage::RocksDbOptions options;
  options.path = absl::StrCat(data_dir, "/", service);
  options.column_families = column_families;
  options.zstd_column_families = zstd_column_families;
  options.block_cache_bytes = static_cast<uint64_t>(std::max(1, block_cache_mb)) << 20;
  options.sync_ledger_path = absl::GetFlag(FLAGS_sync_ledger);
  options.min_free_disk_bytes =
      static_cast<uint64_t>(std::max<int64_t>(0, absl::GetFlag(FLAGS_min_free_disk_mb))) << 20;
  const std::string recovery = absl::GetFlag(FLAGS_wal_recovery);
  if (recovery == "point_in_time") {
    options.wal_recovery = storage::RocksDbOptions::WalRecovery::kPointInTime;
    LogInfo(service, absl::StrCat("opening ", options.path,
                                  " with --wal_recovery=point_in_time: writes after a damaged "
                                  "log record are dropped"));
  } else if (recovery != "strict") {
    return absl::InvalidArgumentError(
        absl::StrCat("--wal_recovery must be 'strict' or 'point_in_time', got '", recovery, "'"));
  }
  return storage::OpenRocksDbStore(options);
}

}  // namespace newsgraph
