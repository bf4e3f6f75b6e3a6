// The search service's store for unit tests: RocksDB with the search column
// families in a test's temporary directory.
#ifndef NEWSGRAPH_TESTS_TESTING_SEARCH_STORE_H_
#define NEWSGRAPH_TESTS_TESTING_SEARCH_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/search/search_keyspace.h"
#include "storage/rocksdb_kv_store.h"

namespace newsgraph::testing {

inline absl::StatusOr<std::unique_ptr<storage::KvStore>> OpenSearchStore(const std::string& path) {
  storage::RocksDbOptions options;
  options.path = path;
  options.column_families = search::SearchColumnFamilies();
  options.zstd_column_families = search::SearchZstdColumnFamilies();
  return storage::OpenRocksDbStore(options);
}

}  // namespace newsgraph::testing

#endif  // NEWSGRAPH_TESTS_TESTING_SEARCH_STORE_H_
