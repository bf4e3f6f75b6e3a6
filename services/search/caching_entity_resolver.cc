#include "services/search/caching_entity_resolver.h"

#include <utility>

namespace newsgraph::search {

using newsgraph::v1::ResolveEntitiesResponse;

CachingEntityResolver::CachingEntityResolver(EntityResolver* inner,
                                             std::function<uint64_t()> generation,
                                             EntityCacheOptions options, const Clock* clock)
    : inner_(inner), generation_(std::move(generation)), options_(options), clock_(clock) {}

absl::StatusOr<ResolveEntitiesResponse> CachingEntityResolver::Resolve(absl::string_view text) {
  if (options_.capacity == 0 || text.size() > options_.max_text_bytes) {
    return inner_->Resolve(text);
  }
  const std::string key(text);
  // The generation is read before the call, so an answer that raced with
  // an index change is stored under the older number and not used again.
  const uint64_t generation = generation_();
  if (auto cached = Lookup(key, generation)) return *cached;
  absl::StatusOr<ResolveEntitiesResponse> resolved = inner_->Resolve(text);
  if (resolved.ok()) {
    Insert(key, generation, std::make_shared<const ResolveEntitiesResponse>(*resolved));
  }
  return resolved;
}

std::shared_ptr<const ResolveEntitiesResponse> CachingEntityResolver::Lookup(
    const std::string& text, uint64_t generation) {
  newsgraph::MutexLock lock(&mu_);
  auto it = entries_.find(text);
  if (it == entries_.end()) {
    ++misses_;
    return nullptr;
  }
  if (!Fresh(it->second, generation)) {
    Erase(it);
    ++misses_;
    return nullptr;
  }
  recency_.splice(recency_.begin(), recency_, it->second.recency);
  ++hits_;
  return it->second.response;
}

void CachingEntityResolver::Insert(const std::string& text, uint64_t generation,
                                   std::shared_ptr<const ResolveEntitiesResponse> response) {
  newsgraph::MutexLock lock(&mu_);
  if (auto it = entries_.find(text); it != entries_.end()) Erase(it);
  while (entries_.size() >= options_.capacity) Erase(entries_.find(recency_.back()));
  recency_.push_front(text);
  entries_.emplace(text, Entry{.response = std::move(response),
                               .generation = generation,
                               .expires = clock_->Now() + options_.ttl,
                               .recency = recency_.begin()});
}

bool CachingEntityResolver::IsCached(absl::string_view text) const {
  if (options_.capacity == 0 || text.size() > options_.max_text_bytes) return false;
  const uint64_t generation = generation_();
  newsgraph::MutexLock lock(&mu_);
  auto it = entries_.find(text);
  return it != entries_.end() && Fresh(it->second, generation);
}

bool CachingEntityResolver::Fresh(const Entry& entry, uint64_t generation) const {
  return entry.generation == generation && clock_->Now() < entry.expires;
}

void CachingEntityResolver::Erase(absl::flat_hash_map<std::string, Entry>::iterator it) {
  recency_.erase(it->second.recency);
  entries_.erase(it);
}

uint64_t CachingEntityResolver::hits() const {
  newsgraph::MutexLock lock(&mu_);
  return hits_;
}

uint64_t CachingEntityResolver::misses() const {
  newsgraph::MutexLock lock(&mu_);
  return misses_;
}

}  // namespace newsgraph::search
