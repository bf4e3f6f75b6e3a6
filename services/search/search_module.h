// The search service as one unit a daemon serves: its store under the data
// directory, the index, the searcher (resolving query entities through the
// entity service once a channel to it is set) and the gRPC adapter.
#ifndef NEWSGRAPH_SERVICES_SEARCH_SEARCH_MODULE_H_
#define NEWSGRAPH_SERVICES_SEARCH_SEARCH_MODULE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "base/metric_values.h"
#include "services/common/service_store.h"
#include "services/search/caching_entity_resolver.h"
#include "services/search/grpc_entity_resolver.h"
#include "services/search/search_grpc_service.h"
#include "services/search/search_index.h"
#include "services/search/searcher.h"

namespace newsgraph::search {

struct SearchModuleOptions {
  ServiceStoreOptions store;
  SearchIndexOptions index;
  RankingOptions ranking;
  // Whether searches resolve entities through the entity service (false:
  // words only, for a search service deployed without one).
  bool resolve_entities = true;
  // Recent resolutions of query texts, reused while the index is unchanged.
  EntityCacheOptions entity_cache;

  // The cache options for a time to live (zero: no cache).
  static EntityCacheOptions EntityCache(absl::Duration ttl) {
    return {.capacity = ttl > absl::ZeroDuration() ? EntityCacheOptions{}.capacity : 0, .ttl = ttl};
  }
};

class SearchModule {
 public:
  static constexpr char kServiceName[] = "newsgraph.v1.SearchService";

  // Opens <data_dir>/search and loads the index. Errors: the store's and
  // the index's (FAILED_PRECONDITION for an index of another format).
  static absl::StatusOr<std::unique_ptr<SearchModule>> Open(const SearchModuleOptions& options);

  // Entity resolution calls the entity service over `channel`; until it is
  // set, searches that would resolve entities search words only.
  void SetEntityChannel(std::shared_ptr<grpc::Channel> channel) {
    resolver_.SetChannel(std::move(channel));
  }

  grpc::Service* service() { return &service_; }
  SearchIndex* index() { return index_.get(); }
  // The index's and the store's metrics (newsgraph_search_index_*,
  // newsgraph_store_*{store="search"}); valid while the module lives.
  MetricSource metrics();
  const std::string& data_description() const { return data_description_; }

 private:
  SearchModule(std::unique_ptr<storage::KvStore> store, std::unique_ptr<SearchIndex> index,
               const SearchModuleOptions& options)
      : store_(std::move(store)),
        index_(std::move(index)),
        cached_resolver_(
            &resolver_, [index = index_.get()] { return index->UpdateCount(); },
            options.entity_cache),
        searcher_(index_.get(), options.resolve_entities ? &cached_resolver_ : nullptr,
                  options.ranking),
        service_(index_.get(), &searcher_),
        data_description_(options.store.data_dir + "/search") {
    service_.set_checkpointer(MakeCheckpointer(store_.get(), options.store.backup_dir, "search"));
  }

  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<SearchIndex> index_;
  GrpcEntityResolver resolver_;
  CachingEntityResolver cached_resolver_;
  Searcher searcher_;
  SearchGrpcService service_;
  std::string data_description_;
};

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_SEARCH_MODULE_H_
