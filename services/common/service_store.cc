#include "services/common/service_store.h"

#include "absl/strings/str_cat.h"
#include "storage/rocksdb_kv_store.h"

namespace newsgraph {

absl::StatusOr<std::unique_ptr<storage::KvStore>> OpenServiceStore(
    const std::string& data_dir, const std::string& service,
    const std::vector<std::string>& column_families, int block_cache_mb) {
  storage::RocksDbOptions options;
  options.path = absl::StrCat(data_dir, "/", service);
  options.column_families = column_families;
  options.block_cache_bytes = static_cast<uint64_t>(std::max(1, block_cache_mb)) << 20;
  return storage::OpenRocksDbStore(options);
}

}  // namespace newsgraph
