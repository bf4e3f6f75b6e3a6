// A real newsgraphd with --metrics_listen: its calls show up in the metrics
// it serves over HTTP, which pass promtool's checks; a metrics address off
// loopback is refused at startup.
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>

#include "newsgraph/client.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/http_get.h"
#include "tests/testing/metrics_text.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::newsgraph::testing::MetricValue;
using ::newsgraph::testing::TempDir;
using ::testing::HasSubstr;

TEST(MetricsE2ETest, CallsAreCountedByMethodAndCodeAndTheTextPassesPromtool) {
  TempDir dir;
  const int metrics_port = testing::PickFreePort();
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess daemon,
      DaemonProcess::Start(NEWSGRAPHD_PATH,
                           {"--data_dir=" + dir.path(),
                            "--metrics_listen=127.0.0.1:" + std::to_string(metrics_port)},
                           dir.path()));
  ClientOptions options;
  options.target = daemon.address();
  options.max_attempts = 1;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(options));
  newsgraph::v1::SearchRequest good;
  good.set_query("harbour");
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(client->Search(good).ok());
  newsgraph::v1::SearchRequest bad;
  bad.set_query("harbour");
  bad.set_page_size(-1);
  EXPECT_FALSE(client->Search(bad).ok());

  // Methods the server does not serve share one label value, whatever
  // their names.
  auto channel = grpc::CreateChannel(daemon.address(), grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  for (int i = 0; i < 3; ++i) {
    grpc::CompletionQueue queue;
    grpc::ClientContext context;
    grpc::ByteBuffer request, response;
    grpc::Status status;
    auto call = stub.PrepareUnaryCall(&context, "/attacker.Service/Method" + std::to_string(i),
                                      request, &queue);
    call->StartCall();
    call->Finish(&response, &status, reinterpret_cast<void*>(1));
    void* tag = nullptr;
    bool ok = false;
    ASSERT_TRUE(queue.Next(&tag, &ok));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }

  NG_ASSERT_OK_AND_ASSIGN(std::string text, testing::HttpGet(metrics_port, "/metrics"));
  const std::string search = "/newsgraph.v1.SearchService/Search";
  EXPECT_EQ(MetricValue(text, "newsgraph_grpc_server_handled_total",
                        {{"grpc_method", search}, {"grpc_code", "OK"}}),
            2)
      << text;
  EXPECT_EQ(MetricValue(text, "newsgraph_grpc_server_handled_total",
                        {{"grpc_method", search}, {"grpc_code", "INVALID_ARGUMENT"}}),
            1);
  EXPECT_EQ(
      MetricValue(text, "newsgraph_grpc_server_handling_seconds_count", {{"grpc_method", search}}),
      3);
  EXPECT_EQ(MetricValue(text, "newsgraph_grpc_server_handled_total",
                        {{"grpc_method", "unknown"}, {"grpc_code", "UNIMPLEMENTED"}}),
            3);
  EXPECT_THAT(text, ::testing::Not(HasSubstr("attacker")));
  EXPECT_THAT(testing::PromtoolCheck(text), HasSubstr("passed"));
  ASSERT_TRUE(StopsCleanly(daemon));
}

TEST(MetricsE2ETest, AMetricsAddressOffLoopbackIsRefused) {
  TempDir dir;
  absl::StatusOr<DaemonProcess> daemon = DaemonProcess::Start(
      NEWSGRAPHD_PATH, {"--data_dir=" + dir.path(), "--metrics_listen=0.0.0.0:0"}, dir.path(),
      absl::Seconds(10));
  EXPECT_THAT(daemon, testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                        HasSubstr("refusing to serve metrics on 0.0.0.0:0")));
}

}  // namespace
}  // namespace newsgraph
