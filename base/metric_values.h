// Metric values a library reports when asked (at scrape time), without
// depending on a metrics library: the daemon's exporter turns them into
// Prometheus families (services/common/server_metrics.h).
#ifndef NEWSGRAPH_BASE_METRIC_VALUES_H_
#define NEWSGRAPH_BASE_METRIC_VALUES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace newsgraph {

// One labelled value of a family. For a summary, `value` is the sum of the
// observations and `count` their number.
struct MetricSample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
  uint64_t count = 0;
};

// A metric family named by the Prometheus conventions: snake_case with the
// unit as suffix (_bytes, _seconds), counters ending in _total.
struct MetricFamilyValues {
  enum class Type { kGauge, kCounter, kSummary };
  std::string name;
  std::string help;
  Type type = Type::kGauge;
  std::vector<MetricSample> samples;
};

// Reports current values. Called from the exporter's thread at each scrape:
// must be thread-safe and cheap (no scans of stored data).
using MetricSource = std::function<std::vector<MetricFamilyValues>()>;

// A family with one unlabelled sample.
inline MetricFamilyValues SingleValue(std::string name, std::string help,
                                      MetricFamilyValues::Type type, double value) {
  return {std::move(name), std::move(help), type, {{{}, value, 0}}};
}

}  // namespace newsgraph

#endif  // NEWSGRAPH_BASE_METRIC_VALUES_H_
