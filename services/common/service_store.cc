#include "services/common/service_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"

namespace newsgraph {

absl::StatusOr<std::unique_ptr<storage::KvStore>> OpenServiceStore(
    const ServiceStoreOptions& options, const std::string& service,
    const std::vector<std::string>& column_families,
    const std::vector<std::string>& zstd_column_families) {
  storage::RocksDbOptions rocks;
  rocks.path = absl::StrCat(options.data_dir, "/", service);
  rocks.column_families = column_families;
  rocks.zstd_column_families = zstd_column_families;
  rocks.block_cache_bytes = static_cast<uint64_t>(std::max(1, options.block_cache_mb)) << 20;
  rocks.env = options.env;
  rocks.min_free_disk_bytes = options.min_free_disk_bytes;
  rocks.wal_recovery = options.wal_recovery;
  if (rocks.wal_recovery == storage::RocksDbOptions::WalRecovery::kPointInTime) {
    LogInfo(service, absl::StrCat("opening ", rocks.path,
                                  " with --wal_recovery=point_in_time: writes after a damaged "
                                  "log record are dropped"));
  }
  return storage::OpenRocksDbStore(rocks);
}

}  // namespace newsgraph
