#include "services/search/search_module.h"

#include "base/status_macros.h"
#include "services/common/store_metrics.h"
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

MetricSource SearchModule::metrics() {
  return [this] {
    using Type = MetricFamilyValues::Type;
    std::vector<MetricFamilyValues> out = StoreMetrics("search", *store_);
    out.push_back(SingleValue("newsgraph_search_index_documents", "Documents in the search index.",
                              Type::kGauge, static_cast<double>(index_->Stats().document_count)));
    out.push_back(SingleValue("newsgraph_search_index_segments",
                              "Index segments on disk (1 after an idle merge).", Type::kGauge,
                              static_cast<double>(index_->SegmentCount())));
    absl::StatusOr<uint64_t> segment_bytes = store_->ColumnFamilyDiskBytes(cf::kSegments);
    if (segment_bytes.ok()) {
      out.push_back(SingleValue("newsgraph_search_index_segments_bytes",
                                "Size of the table files holding the index segments.", Type::kGauge,
                                static_cast<double>(*segment_bytes)));
    }
    return out;
  };
}

}  // namespace newsgraph::search
