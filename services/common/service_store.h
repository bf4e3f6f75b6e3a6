// Opens the RocksDB store of one service under a shared data directory.
#ifndef NEWSGRAPH_SERVICES_COMMON_SERVICE_STORE_H_
#define NEWSGRAPH_SERVICES_COMMON_SERVICE_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/kv_store.h"
#include "storage/rocksdb_kv_store.h"

namespace newsgraph {

// How the daemons open their stores (set from flags by daemon_flags.h).
struct ServiceStoreOptions {
  // Directory holding one store per service. Default "./data".
  std::string data_dir = "./data";
  // Block cache of each store, in MiB. Default 64.
  int block_cache_mb = 64;
  // What to do with a log damaged by an unclean shutdown. Default: drop
  // only a torn last record (--wal_recovery=strict).
  storage::RocksDbOptions::WalRecovery wal_recovery =
      storage::RocksDbOptions::WalRecovery::kTolerateTornTail;
  // Writes are refused while less is free. Default 256 MiB; 0 disables.
  uint64_t min_free_disk_bytes = uint64_t{256} << 20;
  // Where checkpoints for backups go (checkpoint.h); empty: backups are
  // refused.
  std::string backup_dir;
  // Testing only: the Env the stores run on (nullptr: the real file
  // system). Borrowed; must outlive the stores.
  rocksdb::Env* env = nullptr;
};

// Opens (creating when missing) <options.data_dir>/<service> with
// `column_families`. Errors as OpenRocksDbStore.
absl::StatusOr<std::unique_ptr<storage::KvStore>> OpenServiceStore(
    const ServiceStoreOptions& options, const std::string& service,
    const std::vector<std::string>& column_families,
    const std::vector<std::string>& zstd_column_families = {});

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_SERVICE_STORE_H_
