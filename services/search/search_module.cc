#include "services/search/search_module.h"

#include "base/status_macros.h"
#include "services/search/search_keyspace.h"

namespace newsgraph::search {

absl::StatusOr<std::unique_ptr<SearchModule>> SearchModule::Open(
    const SearchModuleOptions& options) {
  NG_ASSIGN_OR_RETURN(std::unique_ptr<storage::KvStore> store,
                      OpenServiceStore(options.store, "search", SearchColumnFamilies(),
                                       SearchZstdColumnFamilies()));
  NG_ASSIGN_OR_RETURN(std::unique_ptr<SearchIndex> index,
                      SearchIndex::Open(store.get(), options.index));
  return std::unique_ptr<SearchModule>(
      new SearchModule(std::move(store), std::move(index), options));
}

}  // namespace newsgraph::search
