// Store flags (daemon_flags.h).
#include <algorithm>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "services/common/daemon_flags.h"

ABSL_FLAG(std::string, data_dir, "./data",
          "data directory; each service's store lives in <data_dir>/<service>");
ABSL_FLAG(int, block_cache_mb, 0,
          "RocksDB block cache per store in MiB; 0: the daemon's default (searchd 128, else 64)");
ABSL_FLAG(std::string, wal_recovery, "strict",
          "after an unclean shutdown: 'strict' drops only a torn last write and refuses to open "
          "a store whose log is damaged elsewhere; 'point_in_time' keeps the consistent prefix "
          "before the damage and drops the rest (an operator's decision after a DATA_LOSS error)");
ABSL_FLAG(int64_t, min_free_disk_mb, 256,
          "writes are refused with UNAVAILABLE while the data directory's file system has less "
          "free space than this (MiB), so RocksDB never runs out of space mid-write; they resume "
          "by themselves once space is freed. 0 turns the check off");

ABSL_FLAG(std::string, backup_dir, "",
          "directory for backups (IngestService.CreateBackup, `newsgraph admin backup`): each "
          "backup's checkpoint of this daemon's stores goes to <backup_dir>/<id>/<service>; "
          "empty: backups are refused");

namespace newsgraph {
namespace {

rocksdb::Env* store_env_for_testing = nullptr;

}  // namespace

void SetStoreEnvForTesting(rocksdb::Env* env) { store_env_for_testing = env; }

absl::StatusOr<ServiceStoreOptions> StoreOptionsFromFlags(int default_block_cache_mb) {
  ServiceStoreOptions options;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.env = store_env_for_testing;
  options.backup_dir = absl::GetFlag(FLAGS_backup_dir);
  const int block_cache_mb = absl::GetFlag(FLAGS_block_cache_mb);
  options.block_cache_mb = block_cache_mb > 0 ? block_cache_mb : default_block_cache_mb;
  options.min_free_disk_bytes =
      static_cast<uint64_t>(std::max<int64_t>(0, absl::GetFlag(FLAGS_min_free_disk_mb))) << 20;
  const std::string recovery = absl::GetFlag(FLAGS_wal_recovery);
  if (recovery == "point_in_time") {
    options.wal_recovery = storage::RocksDbOptions::WalRecovery::kPointInTime;
  } else if (recovery != "strict") {
    return absl::InvalidArgumentError(
        absl::StrCat("--wal_recovery must be 'strict' or 'point_in_time', got '", recovery, "'"));
  }
  return options;
}

}  // namespace newsgraph
