// PostingCache: values read from RocksDB (posting lists of on-disk segments,
// hit fields) kept in memory
// (least recently used out first), so hot terms cost no RocksDB read and no
// copy. Absent values are cached too. Thread-safe.
#ifndef NEWSGRAPH_SERVICES_SEARCH_POSTING_CACHE_H_
#define NEWSGRAPH_SERVICES_SEARCH_POSTING_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "base/mutex.h"

namespace newsgraph::search {

class PostingCache {
 public:
  explicit PostingCache(size_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  // Whether `key` is cached; if so `*value` is its value (null = absent).
  bool Lookup(const std::string& key, std::shared_ptr<const std::string>* value);
  void Insert(const std::string& key, std::shared_ptr<const std::string> value);
  // Drops the entries whose keys start with `prefix` (a dropped segment).
  void EraseWithPrefix(const std::string& prefix);

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const std::string> value;
  };
  static size_t Charge(const Entry& e) { return e.key.size() + (e.value ? e.value->size() : 0) + 64; }

  const size_t capacity_bytes_;
  newsgraph::Mutex mu_;
  std::list<Entry> lru_ ABSL_GUARDED_BY(mu_);  // most recent first
  absl::flat_hash_map<std::string, std::list<Entry>::iterator> index_ ABSL_GUARDED_BY(mu_);
  size_t used_bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_POSTING_CACHE_H_
