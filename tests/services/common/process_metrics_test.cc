#include "services/common/process_metrics.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace newsgraph {
namespace {

// The value of the unlabelled family `name`; -1 when it is missing.
double Value(const std::vector<MetricFamilyValues>& families, const std::string& name) {
  for (const MetricFamilyValues& family : families) {
    if (family.name == name && family.samples.size() == 1) return family.samples[0].value;
  }
  return -1;
}

TEST(ProcessMetricsTest, ReportsMemoryCpuStartTimeAndDescriptors) {
  const std::vector<MetricFamilyValues> before = ProcessMetrics();
  EXPECT_GT(Value(before, "process_resident_memory_bytes"), 1 << 20);
  EXPECT_GE(Value(before, "process_virtual_memory_bytes"),
            Value(before, "process_resident_memory_bytes"));
  EXPECT_GE(Value(before, "process_cpu_seconds_total"), 0);
  const double started = Value(before, "process_start_time_seconds");
  const double now = absl::ToUnixSeconds(absl::Now());
  EXPECT_LE(started, now + 1);
  EXPECT_GT(started, now - 24 * 3600);
  EXPECT_GT(Value(before, "process_max_fds"), 0);

  const int fd = open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  const std::vector<MetricFamilyValues> after = ProcessMetrics();
  close(fd);
  EXPECT_EQ(Value(after, "process_open_fds"), Value(before, "process_open_fds") + 1);
  for (const MetricFamilyValues& family : after) {
    EXPECT_EQ(family.type == MetricFamilyValues::Type::kCounter, family.name.ends_with("_total"))
        << family.name;
  }
}

}  // namespace
}  // namespace newsgraph
