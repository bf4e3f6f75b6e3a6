// LruCache: values read from RocksDB kept in memory (least recently used
// out first), shared with readers through shared_ptr so a hit costs neither
// a RocksDB read nor a copy. Absent values are cached too (as null).
// Thread-safe. PostingCache holds posting-list values of on-disk segments;
// the index also keeps parsed hit fields in one.
#ifndef NEWSGRAPH_SERVICES_SEARCH_POSTING_CACHE_H_
#define NEWSGRAPH_SERVICES_SEARCH_POSTING_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "base/mutex.h"
#include "google/protobuf/message.h"

namespace newsgraph::search {

// Bytes a cached value holds.
inline size_t CachedBytes(const std::string& value) { return value.size(); }
inline size_t CachedBytes(const google::protobuf::Message& value) {
  return value.SpaceUsedLong();
}

template <typename Value>
class LruCache {
 public:
  explicit LruCache(size_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  // Whether `key` is cached; if so `*value` is its value (null = absent).
  bool Lookup(const std::string& key, std::shared_ptr<const Value>* value) {
    newsgraph::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    lru_.splice(lru_.begin(), lru_, it->second);
    *value = it->second->value;
    return true;
  }

  void Insert(const std::string& key, std::shared_ptr<const Value> value) {
    newsgraph::MutexLock lock(&mu_);
    if (index_.contains(key)) return;
    lru_.push_front(Entry{key, std::move(value)});
    index_.emplace(key, lru_.begin());
    used_bytes_ += Charge(lru_.front());
    while (used_bytes_ > capacity_bytes_ && lru_.size() > 1) {
      used_bytes_ -= Charge(lru_.back());
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
  }

  // Drops the entries whose keys start with `prefix` (a dropped segment).
  void EraseWithPrefix(const std::string& prefix) {
    newsgraph::MutexLock lock(&mu_);
    for (auto it = lru_.begin(); it != lru_.end();) {
      if (absl::StartsWith(it->key, prefix)) {
        used_bytes_ -= Charge(*it);
        index_.erase(it->key);
        it = lru_.erase(it);
      } else {
        ++it;
      }
    }
  }

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const Value> value;
  };
  static size_t Charge(const Entry& e) {
    return e.key.size() + (e.value ? CachedBytes(*e.value) : 0) + 64;
  }

  const size_t capacity_bytes_;
  newsgraph::Mutex mu_;
  std::list<Entry> lru_ ABSL_GUARDED_BY(mu_);  // most recent first
  absl::flat_hash_map<std::string, typename std::list<Entry>::iterator> index_ ABSL_GUARDED_BY(mu_);
  size_t used_bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

using PostingCache = LruCache<std::string>;

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_POSTING_CACHE_H_
