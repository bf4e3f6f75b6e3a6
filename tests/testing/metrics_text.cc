#include "tests/testing/metrics_text.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::testing {

double MetricValue(const std::string& text, const std::string& name,
                   const std::map<std::string, std::string>& labels) {
  // Labels compare as a set: each wanted one present, and no other.
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    const std::string series = line.substr(0, space);
    const size_t brace = series.find('{');
    if (series.substr(0, brace) != name) continue;
    const std::string body =
        brace == std::string::npos ? "" : series.substr(brace + 1, series.size() - brace - 2);
    size_t count = 0;
    bool all = true;
    for (const auto& [key, value] : labels) {
      const bool has = body.find(absl::StrCat(key, "=\"", value, "\"")) != std::string::npos;
      all = all && has;
    }
    for (char c : body) count += c == '=' ? 1 : 0;
    if (!all || count != labels.size()) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(space + 1), &value)) return value;
  }
  return -1;
}

std::string PromtoolCheck(const std::string& text) {
  if (access("/usr/bin/promtool", X_OK) != 0) {
    return "promtool missing: install Debian's prometheus package (scripts/setup)";
  }
  TempDir dir;
  const std::string input = dir.path() + "/metrics.txt";
  const std::string output = dir.path() + "/promtool.txt";
  std::ofstream(input) << text;
  const int status = std::system(
      absl::StrCat("/usr/bin/promtool check metrics < '", input, "' > '", output, "' 2>&1")
          .c_str());
  std::ifstream in(output);
  std::stringstream problems;
  problems << in.rdbuf();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && problems.str().empty()) return "passed";
  return absl::StrCat("promtool check metrics failed: ", problems.str());
}

}  // namespace newsgraph::testing
