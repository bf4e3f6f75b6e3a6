// A store's monitoring figures (storage::StoreStats) as metric families,
// labelled with the store's name, and the free space of its file system.
#ifndef NEWSGRAPH_SERVICES_COMMON_STORE_METRICS_H_
#define NEWSGRAPH_SERVICES_COMMON_STORE_METRICS_H_

#include <string>
#include <vector>

#include "base/metric_values.h"
#include "storage/kv_store.h"

namespace newsgraph {

// newsgraph_store_* families of `store`, each sample labelled
// store=`store_name` ("ingest", "entity", "search").
std::vector<MetricFamilyValues> StoreMetrics(const std::string& store_name,
                                             storage::KvStore& store);

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_STORE_METRICS_H_
