#include "services/search/posting_cache.h"

#include "absl/strings/match.h"

namespace newsgraph::search {

bool PostingCache::Lookup(const std::string& key, std::shared_ptr<const std::string>* value) {
  newsgraph::MutexLock lock(&mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  lru_.splice(lru_.begin(), lru_, it->second);
  *value = it->second->value;
  return true;
}

void PostingCache::Insert(const std::string& key, std::shared_ptr<const std::string> value) {
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

void PostingCache::EraseWithPrefix(const std::string& prefix) {
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

}  // namespace newsgraph::search
