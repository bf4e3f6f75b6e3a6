// Remembers the entity service's answers to recent query texts, so a
// repeated query does not pay a ResolveEntities call. An answer is used
// only while the search index has not changed since it was fetched (new
// documents bring new entities and aliases) and for at most a few seconds
// (entities merged or renamed through the entity service).
#ifndef NEWSGRAPH_SERVICES_SEARCH_CACHING_ENTITY_RESOLVER_H_
#define NEWSGRAPH_SERVICES_SEARCH_CACHING_ENTITY_RESOLVER_H_

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/mutex.h"
#include "services/search/searcher.h"

namespace newsgraph::search {

struct EntityCacheOptions {
  // Texts remembered (least recently used go first); 0 turns caching off.
  size_t capacity = 4096;
  // How long an answer is used at most.
  absl::Duration ttl = absl::Seconds(10);
  // Longer texts are always sent (they are rarely repeated).
  size_t max_text_bytes = 1024;
};

// Thread-safe. Only successful answers are kept.
class CachingEntityResolver final : public EntityResolver {
 public:
  // `inner` and `clock` are borrowed. `generation` returns a number that
  // changes whenever the entities may have changed (the index's update
  // count); an answer fetched under another number is not used.
  CachingEntityResolver(EntityResolver* inner, std::function<uint64_t()> generation,
                        EntityCacheOptions options = {}, const Clock* clock = &Clock::Real());

  absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> Resolve(absl::string_view text) override;
  bool IsCached(absl::string_view text) const override;

  // Answers served from the cache and calls passed on, since construction.
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  struct Entry {
    std::shared_ptr<const newsgraph::v1::ResolveEntitiesResponse> response;
    uint64_t generation = 0;
    absl::Time expires;
    std::list<std::string>::iterator recency;  // into recency_
  };
  std::shared_ptr<const newsgraph::v1::ResolveEntitiesResponse> Lookup(const std::string& text,
                                                                       uint64_t generation);
  void Insert(const std::string& text, uint64_t generation,
              std::shared_ptr<const newsgraph::v1::ResolveEntitiesResponse> response);
  void Erase(absl::flat_hash_map<std::string, Entry>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Fresh(const Entry& entry, uint64_t generation) const;

  EntityResolver* const inner_;
  const std::function<uint64_t()> generation_;
  const EntityCacheOptions options_;
  const Clock* const clock_;
  mutable newsgraph::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> recency_ ABSL_GUARDED_BY(mu_);  // most recent first
  uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_CACHING_ENTITY_RESOLVER_H_
