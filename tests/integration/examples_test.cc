// The example programs, run against a real daemon.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>

#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::testing::HasSubstr;

std::pair<int, std::string> RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(ExamplesTest, EveryExampleWorksAgainstADaemon) {
  ::newsgraph::testing::TempDir dir;
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess daemon,
      DaemonProcess::Start(NEWSGRAPHD_PATH, {"--data_dir=" + dir.path()}, dir.path()));
  const std::string target = " " + daemon.address();

  auto [stubs_code, stubs] = RunCommand(std::string(MINIMAL_STUBS_PATH) + target);
  EXPECT_EQ(stubs_code, 0) << stubs;
  EXPECT_THAT(stubs, HasSubstr("(INDEXED)"));
  EXPECT_THAT(stubs, HasSubstr("hit documents/"));

  auto [batch_code, batch] =
      RunCommand(std::string(BATCH_JOB_PATH) + target + " " + EXAMPLES_CORPUS_DIR);
  EXPECT_EQ(batch_code, 0) << batch;
  EXPECT_THAT(batch, HasSubstr("5 accepted, 0 rejected, 5 indexed, 0 failed"));

  auto [query_code, query] =
      RunCommand(std::string(SEARCH_AND_ENTITIES_PATH) + target + " 'Karin Holm'");
  EXPECT_EQ(query_code, 0) << query;
  EXPECT_THAT(query, HasSubstr("best hit: documents/"));
  EXPECT_THAT(query, HasSubstr("Karin Holm"));

  ASSERT_TRUE(StopsCleanly(daemon));
}

}  // namespace
}  // namespace newsgraph
