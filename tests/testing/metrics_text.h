// Reading Prometheus text exposition in tests.
#ifndef NEWSGRAPH_TESTS_TESTING_METRICS_TEXT_H_
#define NEWSGRAPH_TESTS_TESTING_METRICS_TEXT_H_

#include <map>
#include <string>

namespace newsgraph::testing {

// The value of the sample `name` whose labels are exactly `labels`; -1 when
// there is none.
double MetricValue(const std::string& text, const std::string& name,
                   const std::map<std::string, std::string>& labels);

// What `promtool check metrics` prints for `text` (it says "passed" at
// the end of a clean check, or names each problem), or a line saying that
// promtool (Debian's prometheus package, installed by scripts/setup) is missing.
std::string PromtoolCheck(const std::string& text);

}  // namespace newsgraph::testing

#endif  // NEWSGRAPH_TESTS_TESTING_METRICS_TEXT_H_
