// A newsgraphd with --log_format=json --access_log and a slow-call
// threshold every call passes: each line is a JSON object, a call's request
// id comes from its traceparent (or is made up when the client's id could
// forge lines), returns in x-request-id, and follows the call into the
// entity service and, for an ingest, through the pipeline.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "newsgraph/client.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::newsgraph::testing::TempDir;
using ::testing::HasSubstr;

constexpr char kTrace[] = "4bf92f3577b34da6a3ce929d0e0e4736";

std::string Field(const google::protobuf::Struct& line, const std::string& name) {
  auto it = line.fields().find(name);
  return it == line.fields().end() ? "" : it->second.string_value();
}

// Searches with `metadata`; returns the x-request-id the server sent back.
std::string SearchWith(Client& client, const std::multimap<std::string, std::string>& metadata) {
  grpc::ClientContext context;
  for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
  newsgraph::v1::SearchRequest request;
  request.set_query("harbour storm");
  newsgraph::v1::SearchResponse response;
  EXPECT_TRUE(client.search_stub().Search(&context, request, &response).ok());
  auto it = context.GetServerInitialMetadata().find("x-request-id");
  if (it == context.GetServerInitialMetadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

TEST(RequestLogE2ETest, JsonLinesCarryRequestIdsAcrossServicesAndThePipeline) {
  TempDir dir;
  NG_ASSERT_OK_AND_ASSIGN(DaemonProcess daemon,
                          DaemonProcess::Start(NEWSGRAPHD_PATH,
                                               {"--data_dir=" + dir.path(), "--log_format=json",
                                                "--access_log", "--slow_call=1us"},
                                               dir.path()));
  ClientOptions options;
  options.target = daemon.address();
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(options));
  newsgraph::v1::DocumentInput input;
  input.set_content("The harbour of Oban reopened after the storm, the council said.");
  NG_ASSERT_OK_AND_ASSIGN(auto ingested, client->IngestDocument(input));
  NG_ASSERT_OK(client->WaitUntilProcessed(ingested.document().name(), absl::Seconds(30)).status());

  EXPECT_EQ(
      SearchWith(*client, {{"traceparent", std::string("00-") + kTrace + "-00f067aa0ba902b7-01"}}),
      kTrace);
  EXPECT_EQ(SearchWith(*client, {{"x-request-id", "job-7"}}), "job-7");
  const std::string made_up = SearchWith(*client, {{"x-request-id", "a\"forged\" E line"}});
  EXPECT_EQ(made_up.size(), 32u) << made_up;
  ASSERT_TRUE(StopsCleanly(daemon));

  std::istringstream lines(daemon.Log());
  std::string text;
  std::vector<google::protobuf::Struct> parsed;
  while (std::getline(lines, text)) {
    google::protobuf::Struct line;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(text, &line).ok()) << text;
    EXPECT_EQ(Field(line, "service"), "newsgraphd") << text;
    EXPECT_FALSE(Field(line, "time").empty()) << text;
    EXPECT_THAT(text, ::testing::Not(HasSubstr("forged"))) << text;
    parsed.push_back(line);
  }
  // method -> request ids of its access lines.
  std::multimap<std::string, std::string> calls;
  bool slow_search_rendered = false;
  for (const google::protobuf::Struct& line : parsed) {
    if (Field(line, "message") != "call" && Field(line, "message") != "slow call") continue;
    calls.emplace(Field(line, "method"), Field(line, "request_id"));
    if (Field(line, "method") == "/newsgraph.v1.SearchService/Search" &&
        Field(line, "message") == "slow call") {
      slow_search_rendered |= absl::StrContains(Field(line, "request"), "harbour storm");
    }
  }
  auto ids_of = [&](const std::string& method) {
    std::vector<std::string> ids;
    for (auto [it, end] = calls.equal_range(method); it != end; ++it) ids.push_back(it->second);
    return ids;
  };
  EXPECT_THAT(ids_of("/newsgraph.v1.SearchService/Search"),
              ::testing::IsSupersetOf({std::string(kTrace), std::string("job-7"), made_up}));
  // The search's entity resolution carries the search's id.
  EXPECT_THAT(ids_of("/newsgraph.v1.EntityService/ResolveEntities"),
              ::testing::Contains(std::string(kTrace)));
  EXPECT_TRUE(slow_search_rendered);
  // The pipeline's annotate and index calls for the document carry the id of
  // the call that ingested it.
  const std::vector<std::string> ingest = ids_of("/newsgraph.v1.IngestService/IngestDocument");
  ASSERT_EQ(ingest.size(), 1u) << daemon.Log();
  EXPECT_THAT(ids_of("/newsgraph.v1.EntityService/BatchAnnotateDocuments"),
              ::testing::Contains(ingest.front()));
  EXPECT_THAT(ids_of("/newsgraph.v1.SearchService/BatchIndexDocuments"),
              ::testing::Contains(ingest.front()));
}

// Flags can come from a file (absl's --flagfile), one per line.
TEST(RequestLogE2ETest, FlagsComeFromAFlagfile) {
  TempDir dir;
  const std::string flags = dir.path() + "/newsgraphd.flags";
  std::ofstream(flags) << "# newsgraphd configuration\n--log_format=json\n--access_log\n";
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess daemon,
      DaemonProcess::Start(NEWSGRAPHD_PATH, {"--data_dir=" + dir.path(), "--flagfile=" + flags},
                           dir.path()));
  ASSERT_TRUE(StopsCleanly(daemon));
  std::istringstream lines(daemon.Log());
  std::string first;
  ASSERT_TRUE(std::getline(lines, first));
  google::protobuf::Struct line;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(first, &line).ok()) << first;
}

TEST(RequestLogE2ETest, AnUnknownLogFormatIsRefused) {
  TempDir dir;
  absl::StatusOr<DaemonProcess> daemon =
      DaemonProcess::Start(NEWSGRAPHD_PATH, {"--data_dir=" + dir.path(), "--log_format=xml"},
                           dir.path(), absl::Seconds(10));
  EXPECT_THAT(daemon, testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                        HasSubstr("--log_format must be text or json")));
}

}  // namespace
}  // namespace newsgraph
