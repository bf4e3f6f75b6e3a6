#include "services/common/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace newsgraph {
namespace {

using Type = MetricFamilyValues::Type;

std::optional<std::string> ReadSmallFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Seconds since the epoch at which the machine booted ("btime" of /proc/stat).
std::optional<double> BootTime() {
  std::optional<std::string> stat = ReadSmallFile("/proc/stat");
  if (!stat) return std::nullopt;
  for (absl::string_view line : absl::StrSplit(*stat, '\n')) {
    if (!absl::ConsumePrefix(&line, "btime ")) continue;
    double seconds = 0;
    if (absl::SimpleAtod(line, &seconds)) return seconds;
  }
  return std::nullopt;
}

// The fields of /proc/self/stat after the command name, which may itself
// hold spaces and parentheses: field 3 ("state") is element 0.
std::optional<std::vector<std::string>> SelfStatFields() {
  std::optional<std::string> stat = ReadSmallFile("/proc/self/stat");
  if (!stat) return std::nullopt;
  const size_t name_end = stat->rfind(')');
  if (name_end == std::string::npos || name_end + 2 > stat->size()) return std::nullopt;
  return absl::StrSplit(absl::string_view(*stat).substr(name_end + 2), ' ', absl::SkipEmpty());
}

void AddStatMetrics(std::vector<MetricFamilyValues>* out) {
  std::optional<std::vector<std::string>> fields = SelfStatFields();
  // utime 14, stime 15, starttime 22, vsize 23, rss 24 (man 5 proc).
  if (!fields || fields->size() < 22) return;
  auto field = [&](int number) {
    double value = 0;
    return absl::SimpleAtod((*fields)[static_cast<size_t>(number - 3)], &value) ? value : -1;
  };
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  if (field(14) >= 0 && field(15) >= 0 && ticks > 0) {
    out->push_back(SingleValue("process_cpu_seconds_total",
                               "User and system CPU time spent, in seconds.", Type::kCounter,
                               (field(14) + field(15)) / ticks));
  }
  if (std::optional<double> boot = BootTime(); boot && field(22) >= 0 && ticks > 0) {
    out->push_back(SingleValue("process_start_time_seconds",
                               "Start time of the process since the Unix epoch, in seconds.",
                               Type::kGauge, *boot + field(22) / ticks));
  }
  if (field(23) >= 0) {
    out->push_back(SingleValue("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                               Type::kGauge, field(23)));
  }
  if (field(24) >= 0 && page > 0) {
    out->push_back(SingleValue("process_resident_memory_bytes", "Resident memory size in bytes.",
                               Type::kGauge, field(24) * page));
  }
}

void AddDescriptorMetrics(std::vector<MetricFamilyValues>* out) {
  std::error_code ec;
  double open = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++open;
  }
  // The directory's own descriptor, open while it was read, is not counted.
  if (!ec && open > 0) {
    out->push_back(SingleValue("process_open_fds", "Number of open file descriptors.", Type::kGauge,
                               open - 1));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    out->push_back(SingleValue("process_max_fds", "Maximum number of open file descriptors.",
                               Type::kGauge, static_cast<double>(limit.rlim_cur)));
  }
}

}  // namespace

std::vector<MetricFamilyValues> ProcessMetrics() {
  std::vector<MetricFamilyValues> out;
  AddStatMetrics(&out);
  AddDescriptorMetrics(&out);
  return out;
}

}  // namespace newsgraph
