// Opens the RocksDB store of one service under a shared data directory.
#ifndef NEWSGRAPH_SERVICES_COMMON_SERVICE_STORE_H_
#define NEWSGRAPH_SERVICES_COMMON_SERVICE_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/kv_store.h"

namespace newsgraph {

// Opens (creating when missing) <data_dir>/<service> with `column_families`
// and a block cache of `block_cache_mb` MiB. Errors as OpenRocksDbStore.
absl::StatusOr<std::unique_ptr<storage::KvStore>> OpenServiceStore(
    const std::string& data_dir, const std::string& service,
    const std::vector<std::string>& column_families, int block_cache_mb,
    const std::vector<std::string>& zstd_column_families = {});

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_SERVICE_STORE_H_
