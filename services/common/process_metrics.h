// The standard process_* metrics of the Prometheus client libraries, read
// from /proc at scrape time.
#ifndef NEWSGRAPH_SERVICES_COMMON_PROCESS_METRICS_H_
#define NEWSGRAPH_SERVICES_COMMON_PROCESS_METRICS_H_

#include <vector>

#include "base/metric_values.h"

namespace newsgraph {

// process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds and
// process_start_time_seconds of the calling process; a value /proc does not
// give (not Linux, a read error) is left out.
std::vector<MetricFamilyValues> ProcessMetrics();

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_PROCESS_METRICS_H_
