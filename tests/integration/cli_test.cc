// The newsgraph CLI against a real newsgraphd, on the sample corpus.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>

#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
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

// Runs a shell command line, collecting stdout and stderr.
CommandResult RunCommand(const std::string& command_line) {
  const std::string command = command_line + " 2>&1";
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

CommandResult RunCli(const std::string& args) {
  return RunCommand(std::string(NEWSGRAPH_CLI_PATH) + " --no-color " + args);
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

  ASSERT_TRUE(StopsCleanly(daemon));
}

// Parses every non-empty line (JSON Lines) or the whole text as JSON objects.
bool IsJson(const std::string& text, bool lines) {
  std::vector<std::string> objects;
  if (lines) {
    for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
      objects.emplace_back(line);
    }
  } else {
    objects.push_back(text);
  }
  for (const std::string& object : objects) {
    google::protobuf::Struct parsed;
    if (!google::protobuf::util::JsonStringToMessage(object, &parsed).ok()) return false;
  }
  return !objects.empty();
}

TEST(CliTest, EveryVerbAnswersInTextAndJson) {
  ::newsgraph::testing::TempDir dir;
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess daemon,
      DaemonProcess::Start(NEWSGRAPHD_PATH, {"--data_dir=" + dir.path()}, dir.path()));
  const std::string t = "--target=" + daemon.address() + " ";
  CommandResult ingest = RunCli(t + "--json ingest --wait " + EXAMPLES_CORPUS_DIR);
  ASSERT_EQ(ingest.exit_code, 0) << ingest.output;
  EXPECT_TRUE(IsJson(ingest.output, /*lines=*/true)) << ingest.output;

  CommandResult entities = RunCli(t + "--json entity list --page-size=1");
  ASSERT_EQ(entities.exit_code, 0) << entities.output;
  google::protobuf::Struct listed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(entities.output, &listed).ok());
  const std::string entity = listed.fields()
                                 .at("entities")
                                 .list_value()
                                 .values(0)
                                 .struct_value()
                                 .fields()
                                 .at("name")
                                 .string_value();

  const std::vector<std::string> working = {
      "doc get 1",
      "doc get 1 --full",
      "doc list --page-size=2",
      "doc list --filter=state=INDEXED",
      "job get 1",
      "search water council --facet=source --facet=entity --passages=2",
      "search harbour --after=2020-01-01 --type=PERSON",
      "entity get " + entity,
      "entity list --type=GPE",
      "entity resolve Karin Holm",
      // Entity verbs take a name the entity is known by, too.
      "entity get 'Karin Holm'",
      "entity quotes 'Karin Holm'",
      "search harbour --entity='Karin Holm'",
      "entity mentions " + entity,
      "entity mentions --document=documents/1",
      std::string("analyze ") + EXAMPLES_CORPUS_DIR + "/02-port-strike.txt",
      "status",
  };
  for (const std::string& verb : working) {
    CommandResult text = RunCli(t + verb);
    EXPECT_EQ(text.exit_code, 0) << verb << "\n" << text.output;
    EXPECT_FALSE(text.output.empty()) << verb;
    CommandResult json = RunCli(t + "--json " + verb);
    EXPECT_EQ(json.exit_code, 0) << verb << "\n" << json.output;
    EXPECT_TRUE(IsJson(json.output, false)) << verb << "\n" << json.output;
  }
  CommandResult unknown = RunCli(t + "entity get 'Nobody Known Here'");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.output, HasSubstr("no entity is known by the name 'Nobody Known Here'"));
  CommandResult from_stdin =
      RunCli(t + "analyze - < " + std::string(EXAMPLES_CORPUS_DIR) + "/04-trade-talks.txt");
  EXPECT_EQ(from_stdin.exit_code, 0) << from_stdin.output;
  EXPECT_THAT(from_stdin.output, HasSubstr("Paulo Mendes"));

  // Annotating a text directly, again (same version: recorded), and forgetting it.
  const std::string text_file = std::string(EXAMPLES_CORPUS_DIR) + "/04-trade-talks.txt";
  CommandResult annotated =
      RunCli(t + "entity annotate " + text_file + " --document=cli-1 --version=3 --published=2024-05-01");
  EXPECT_EQ(annotated.exit_code, 0) << annotated.output;
  EXPECT_THAT(annotated.output, HasSubstr("Paulo Mendes"));
  CommandResult again = RunCli(t + "--json entity annotate " + text_file +
                               " --document=cli-1 --version=3");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("alreadyAnnotated"));
  CommandResult bad_version = RunCli(t + "entity annotate " + text_file + " --document=cli-1");
  EXPECT_NE(bad_version.exit_code, 0);
  EXPECT_THAT(bad_version.output, HasSubstr("--version"));
  CommandResult forgotten = RunCli(t + "entity forget cli-1");
  EXPECT_EQ(forgotten.exit_code, 0) << forgotten.output;
  EXPECT_THAT(forgotten.output, HasSubstr("mentions removed"));

  for (const std::string& verb : {"entity related " + entity + " --evidence=2 --after=2000-01-01",
                                  "entity quotes " + entity,
                                  "entity update " + entity + " --description=curated"}) {
    CommandResult text = RunCli(t + verb);
    EXPECT_EQ(text.exit_code, 0) << verb << "\n" << text.output;
    CommandResult json = RunCli(t + "--json " + verb);
    EXPECT_EQ(json.exit_code, 0) << verb << "\n" << json.output;
    EXPECT_TRUE(IsJson(json.output, false)) << verb << "\n" << json.output;
  }
  {
    // Merge the second most mentioned entity into the first.
    CommandResult two = RunCli(t + "--json entity list --page-size=2");
    google::protobuf::Struct top;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(two.output, &top).ok());
    const std::string second = top.fields()
                                   .at("entities")
                                   .list_value()
                                   .values(1)
                                   .struct_value()
                                   .fields()
                                   .at("name")
                                   .string_value();
    CommandResult merged = RunCli(t + "--json entity merge " + entity + " " + second);
    EXPECT_EQ(merged.exit_code, 0) << merged.output;
    EXPECT_THAT(merged.output, HasSubstr(second)) << "merged_entities lists the source";
  }
  // A curation mistake gets one clear line and exit 1.
  CommandResult self_merge = RunCli(t + "entity merge " + entity + " " + entity);
  EXPECT_EQ(self_merge.exit_code, 1) << self_merge.output;
  EXPECT_THAT(self_merge.output, HasSubstr("must not contain the target"));
  for (const char* verb : {"ingest", "doc", "job", "search", "entity", "analyze", "status"}) {
    CommandResult help = RunCli(t + verb + " --help");
    EXPECT_EQ(help.exit_code, 0) << verb;
    EXPECT_THAT(help.output, HasSubstr(std::string("newsgraph ") + verb)) << verb;
  }
  CommandResult deleted = RunCli(t + "doc delete 5");
  EXPECT_EQ(deleted.exit_code, 0) << deleted.output;
  CommandResult gone = RunCli(t + "doc get 5");
  EXPECT_EQ(gone.exit_code, 1);
  ASSERT_TRUE(StopsCleanly(daemon));
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
  // Unknown flags and bad values are usage errors, found before any call.
  const std::string unreachable = "--target=127.0.0.1:1 ";
  CommandResult unknown = RunCli(unreachable + "doc list --pagesize=2");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_THAT(unknown.output, HasSubstr("--pagesize"));
  CommandResult bad_number = RunCli(unreachable + "search grain --page-size=ten");
  EXPECT_EQ(bad_number.exit_code, 2) << bad_number.output;
  EXPECT_THAT(bad_number.output, HasSubstr("--page-size"));
  CommandResult bad_date = RunCli(unreachable + "search grain --after=yesterday");
  EXPECT_EQ(bad_date.exit_code, 2) << bad_date.output;
  EXPECT_THAT(bad_date.output, HasSubstr("YYYY-MM-DD"));
  CommandResult bad_timeout = RunCli(unreachable + "--timeout=-1 status");
  EXPECT_EQ(bad_timeout.exit_code, 2) << bad_timeout.output;
}

TEST(CliTest, FlagsTakeSpacedValuesAndGlobalFlagsGoAnywhere) {
  // "--flag value" and global flags after the verb: both reach the
  // (unreachable) target, so the call fails as unreachable (3), not as usage.
  CommandResult spaced = RunCli("--target 127.0.0.1:1 --timeout 1 status");
  EXPECT_EQ(spaced.exit_code, 3) << spaced.output;
  CommandResult after = RunCli("doc list --page-size 2 --target=127.0.0.1:1 --timeout=1");
  EXPECT_EQ(after.exit_code, 3) << after.output;
  EXPECT_THAT(after.output, HasSubstr("127.0.0.1:1"));
}

TEST(CliTest, VersionAndBashCompletionComeFromTheDefinitions) {
  CommandResult version = RunCli("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.output, ::testing::StartsWith("newsgraph "));
  CommandResult completion = RunCli("completion bash");
  EXPECT_EQ(completion.exit_code, 0);
  EXPECT_THAT(completion.output, HasSubstr("complete -o default -F _newsgraph newsgraph"));
  EXPECT_THAT(completion.output, HasSubstr("\"entity related\") words=\"--type --after"));
  EXPECT_THAT(completion.output, HasSubstr("--page-size"));
  // The script is valid bash.
  ::newsgraph::testing::TempDir dir;
  const std::string script = dir.path() + "/newsgraph.bash";
  CommandResult syntax = RunCommand(std::string(NEWSGRAPH_CLI_PATH) + " completion bash > " +
                                    script + " && bash -n " + script);
  EXPECT_EQ(syntax.exit_code, 0) << syntax.output;
}

}  // namespace
}  // namespace newsgraph
