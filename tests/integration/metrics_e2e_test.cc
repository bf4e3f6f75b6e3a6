// A real newsgraphd with --metrics_listen: its calls show up in the metrics
// it serves over HTTP, which pass promtool's checks; a metrics address off
// loopback is refused at startup.
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

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

// A newsgraphd serving metrics on metrics_port_, and a client of it.
class MetricsE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    metrics_port_ = testing::PickFreePort();
    NG_ASSERT_OK_AND_ASSIGN(daemon_, DaemonProcess::Start(NEWSGRAPHD_PATH,
                                                          {"--data_dir=" + dir_.path(),
                                                           "--metrics_listen=127.0.0.1:" +
                                                               std::to_string(metrics_port_)},
                                                          dir_.path()));
    ClientOptions options;
    options.target = daemon_->address();
    options.max_attempts = 1;
    NG_ASSERT_OK_AND_ASSIGN(client_, Client::Create(options));
  }

  TempDir dir_;
  int metrics_port_ = 0;
  std::optional<DaemonProcess> daemon_;
  std::unique_ptr<Client> client_;
};

TEST_F(MetricsE2ETest, CallsAreCountedByMethodAndCodeAndTheTextPassesPromtool) {
  newsgraph::v1::SearchRequest good;
  good.set_query("harbour");
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(client_->Search(good).ok());
  newsgraph::v1::SearchRequest bad;
  bad.set_query("harbour");
  bad.set_page_size(-1);
  EXPECT_FALSE(client_->Search(bad).ok());

  // Methods the server does not serve share one label value, whatever
  // their names.
  auto channel = grpc::CreateChannel(daemon_->address(), grpc::InsecureChannelCredentials());
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

  NG_ASSERT_OK_AND_ASSIGN(std::string text, testing::HttpGet(metrics_port_, "/metrics"));
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
  ASSERT_TRUE(StopsCleanly(*daemon_));
}

// The modules' own metrics: the backlog drains, completions and batches
// are counted, every store reports, and the whole text passes promtool.
TEST_F(MetricsE2ETest, PipelineIndexAndStoreMetricsFollowIngest) {
  std::vector<newsgraph::v1::DocumentInput> inputs(3);
  inputs[0].set_content("The ferry to Skye was cancelled because of the gale.");
  inputs[1].set_content("Ferry services resumed on Tuesday, the operator said.");
  inputs[2].set_content("A new ferry terminal opens in Oban next spring.");
  NG_ASSERT_OK_AND_ASSIGN(BatchIngestSummary summary, client_->BatchIngest(inputs));
  ASSERT_EQ(summary.accepted, 3);
  // Indexing is asynchronous: poll the metrics until the backlog is gone.
  std::string text;
  for (int i = 0; i < 300; ++i) {
    NG_ASSERT_OK_AND_ASSIGN(text, testing::HttpGet(metrics_port_, "/metrics"));
    if (MetricValue(text, "newsgraph_pipeline_completed_total", {{"outcome", "indexed"}}) == 3) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(MetricValue(text, "newsgraph_pipeline_completed_total", {{"outcome", "indexed"}}), 3)
      << text;
  EXPECT_EQ(MetricValue(text, "newsgraph_pipeline_completed_total", {{"outcome", "failed"}}), 0);
  EXPECT_EQ(MetricValue(text, "newsgraph_ingest_outbox_items", {}), 0);
  EXPECT_EQ(MetricValue(text, "newsgraph_pipeline_lag_seconds", {}), 0);
  EXPECT_EQ(MetricValue(text, "newsgraph_pipeline_batch_documents_sum", {{"stage", "index"}}), 3);
  EXPECT_GE(MetricValue(text, "newsgraph_pipeline_batch_seconds_count", {{"stage", "annotate"}}),
            1);
  EXPECT_EQ(MetricValue(text, "newsgraph_search_index_documents", {}), 3);
  for (const char* store : {"ingest", "entity", "search"}) {
    EXPECT_GE(MetricValue(text, "newsgraph_store_wal_syncs_total", {{"store", store}}), 1) << store;
    EXPECT_GT(MetricValue(text, "newsgraph_store_filesystem_size_bytes", {{"store", store}}), 0);
  }
  EXPECT_GT(MetricValue(text, "process_resident_memory_bytes", {}), 0);
  EXPECT_GT(MetricValue(text, "process_open_fds", {}), 0);
  EXPECT_THAT(testing::PromtoolCheck(text), HasSubstr("passed"));
  ASSERT_TRUE(StopsCleanly(*daemon_));
}

TEST(MetricsAddressTest, AMetricsAddressOffLoopbackIsRefused) {
  TempDir dir;
  absl::StatusOr<DaemonProcess> daemon = DaemonProcess::Start(
      NEWSGRAPHD_PATH, {"--data_dir=" + dir.path(), "--metrics_listen=0.0.0.0:0"}, dir.path(),
      absl::Seconds(10));
  EXPECT_THAT(daemon, testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                        HasSubstr("refusing to serve metrics on 0.0.0.0:0")));
}

}  // namespace
}  // namespace newsgraph
