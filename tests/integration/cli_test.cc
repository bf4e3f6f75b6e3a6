// The newsgraph CLI against a real newsgraphd, on the sample corpus.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>

#include "google/protobuf/util/json_util.h"
#include "newsgraph/v1/search_service.pb.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::testing::HasSubstr;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

CommandResult RunCli(const std::string& args) {
  const std::string command = std::string(NEWSGRAPH_CLI_PATH) + " --no-color " + args + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TEST(CliTest, IngestsSampleCorpusSearchesAndListsEntities) {
  ::newsgraph::testing::TempDir dir;
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess daemon,
      DaemonProcess::Start(NEWSGRAPHD_PATH, {"--data_dir=" + dir.path()}, dir.path()));
  const std::string target = "--target=" + daemon.address() + " ";

  CommandResult ingest = RunCli(target + "ingest --wait " + EXAMPLES_CORPUS_DIR);
  ASSERT_EQ(ingest.exit_code, 0) << ingest.output;
  EXPECT_THAT(ingest.output, HasSubstr("5 accepted"));

  CommandResult search = RunCli(target + "search water council");
  ASSERT_EQ(search.exit_code, 0) << search.output;
  EXPECT_THAT(search.output, HasSubstr("River Basin Summit Ends With Joint Water Plan"));
  EXPECT_THAT(search.output, HasSubstr("[Water] [Council]"));

  CommandResult json = RunCli(target + "--json search \"orbital lift\"");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  newsgraph::v1::SearchResponse parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json.output, &parsed).ok())
      << json.output;
  ASSERT_GE(parsed.hits_size(), 1);
  EXPECT_EQ(parsed.hits(0).title(), "Orbital Lift Completes First Reusable Launch");

  CommandResult entities = RunCli(target + "entity list");
  ASSERT_EQ(entities.exit_code, 0) << entities.output;
  EXPECT_THAT(entities.output, HasSubstr("Central Asian Water Council"));

  CommandResult doc = RunCli(target + "doc get 1");
  ASSERT_EQ(doc.exit_code, 0) << doc.output;
  EXPECT_THAT(doc.output, HasSubstr("state: INDEXED"));

  CommandResult missing = RunCli(target + "doc get 999");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.output, HasSubstr("does not exist"));

  CommandResult syntax = RunCli(target + "search '(unclosed'");
  EXPECT_EQ(syntax.exit_code, 1);
  EXPECT_THAT(syntax.output, HasSubstr("position 0"));

  CommandResult status = RunCli(target + "status");
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_THAT(status.output, HasSubstr("index: 5 documents"));

  ASSERT_EQ(*daemon.Stop(SIGTERM), 0) << daemon.Log();
}

TEST(CliTest, UnreachableDaemonIsOneLineAndNonZero) {
  CommandResult result = RunCli("--target=127.0.0.1:1 --timeout=2 status");
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.output, HasSubstr("cannot reach newsgraph at 127.0.0.1:1"));
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
}

TEST(CliTest, UsageErrorsExitWithTwo) {
  CommandResult result = RunCli("frobnicate");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output, HasSubstr("unknown command 'frobnicate'"));
}

}  // namespace
}  // namespace newsgraph
