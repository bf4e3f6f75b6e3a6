#include "services/common/server_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/http_get.h"
#include "tests/testing/metrics_text.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::testing::HasSubstr;

TEST(ServerMetricsTest, CountsAndTimesCallsByMethodAndCode) {
  const std::string search = "/newsgraph.v1.SearchService/Search";
  absl::StatusOr<std::unique_ptr<ServerMetrics>> metrics =
      ServerMetrics::Start("127.0.0.1:0", {search});
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  ASSERT_GT((*metrics)->port(), 0);
  for (int i = 0; i < 3; ++i) {
    (*metrics)->CallStarted();
    (*metrics)->CallFinished(search, grpc::StatusCode::OK, 0.002);
  }
  (*metrics)->CallStarted();
  (*metrics)->CallFinished(search, grpc::StatusCode::INVALID_ARGUMENT, 0.0005);
  for (const char* other : {"/a.B/C", "/d.E/F"}) {
    (*metrics)->CallStarted();
    (*metrics)->CallFinished(other, grpc::StatusCode::UNIMPLEMENTED, 0.0001);
  }
  (*metrics)->CallStarted();  // still running

  absl::StatusOr<std::string> text = testing::HttpGet((*metrics)->port(), "/metrics");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(testing::MetricValue(*text, "newsgraph_grpc_server_handled_total",
                                 {{"grpc_method", search}, {"grpc_code", "OK"}}),
            3);
  EXPECT_EQ(testing::MetricValue(*text, "newsgraph_grpc_server_handled_total",
                                 {{"grpc_method", search}, {"grpc_code", "INVALID_ARGUMENT"}}),
            1);
  EXPECT_EQ(testing::MetricValue(*text, "newsgraph_grpc_server_handling_seconds_count",
                                 {{"grpc_method", search}}),
            4);
  EXPECT_DOUBLE_EQ(testing::MetricValue(*text, "newsgraph_grpc_server_handling_seconds_sum",
                                        {{"grpc_method", search}}),
                   0.0065);
  EXPECT_EQ(testing::MetricValue(*text, "newsgraph_grpc_server_handled_total",
                                 {{"grpc_method", "unknown"}, {"grpc_code", "UNIMPLEMENTED"}}),
            2);
  EXPECT_EQ(testing::MetricValue(*text, "newsgraph_grpc_server_calls_in_flight", {}), 1);
  EXPECT_THAT(testing::PromtoolCheck(*text), HasSubstr("passed"));
}

// Calls on many threads, first calls of a method and code racing each
// other, all count; a code gRPC does not define counts as UNKNOWN.
TEST(ServerMetricsTest, ConcurrentCallsAllCountAndStrangeCodesAreUnknown) {
  const std::string search = "/newsgraph.v1.SearchService/Search";
  absl::StatusOr<std::unique_ptr<ServerMetrics>> metrics =
      ServerMetrics::Start("127.0.0.1:0", {search});
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        (*metrics)->CallStarted();
        (*metrics)->CallFinished(
            search, i % 2 == 0 ? grpc::StatusCode::OK : grpc::StatusCode::NOT_FOUND, 0.001);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  (*metrics)->CallStarted();
  (*metrics)->CallFinished(search, static_cast<grpc::StatusCode>(99), 0.001);
  (*metrics)->CallStarted();
  (*metrics)->CallFinished(search, static_cast<grpc::StatusCode>(-1), 0.001);
  absl::StatusOr<std::string> text = testing::HttpGet((*metrics)->port(), "/metrics");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(testing::MetricValue(*text, "newsgraph_grpc_server_handled_total",
                                 {{"grpc_method", search}, {"grpc_code", "OK"}}),
            1000);
  EXPECT_EQ(testing::MetricValue(*text, "newsgraph_grpc_server_handled_total",
                                 {{"grpc_method", search}, {"grpc_code", "NOT_FOUND"}}),
            1000);
  EXPECT_EQ(testing::MetricValue(*text, "newsgraph_grpc_server_handled_total",
                                 {{"grpc_method", search}, {"grpc_code", "UNKNOWN"}}),
            2);
  EXPECT_EQ(testing::MetricValue(*text, "newsgraph_grpc_server_handling_seconds_count",
                                 {{"grpc_method", search}}),
            2002);
  EXPECT_EQ(testing::MetricValue(*text, "newsgraph_grpc_server_calls_in_flight", {}), 0);
}

TEST(ServerMetricsTest, SourcesAreReadAtEachScrapeAndFamiliesOfOneNameMerged) {
  absl::StatusOr<std::unique_ptr<ServerMetrics>> metrics = ServerMetrics::Start("127.0.0.1:0", {});
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  int scrapes = 0;
  auto store = [&scrapes](const char* name) {
    return [&scrapes, name] {
      ++scrapes;
      return std::vector<MetricFamilyValues>{{"newsgraph_test_store_bytes",
                                              "Bytes of a store.",
                                              MetricFamilyValues::Type::kGauge,
                                              {{{{"store", name}}, 10.0 * scrapes, 0}}},
                                             {"newsgraph_test_batch_seconds",
                                              "Batch durations.",
                                              MetricFamilyValues::Type::kSummary,
                                              {{{{"store", name}}, 1.5, 3}}}};
    };
  };
  (*metrics)->AddSource(store("ingest"));
  (*metrics)->AddSource(store("search"));
  absl::StatusOr<std::string> text = testing::HttpGet((*metrics)->port(), "/metrics");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(testing::MetricValue(*text, "newsgraph_test_store_bytes", {{"store", "ingest"}}), 10);
  EXPECT_EQ(testing::MetricValue(*text, "newsgraph_test_store_bytes", {{"store", "search"}}), 20);
  EXPECT_EQ(
      testing::MetricValue(*text, "newsgraph_test_batch_seconds_count", {{"store", "search"}}), 3);
  EXPECT_EQ(testing::MetricValue(*text, "newsgraph_test_batch_seconds_sum", {{"store", "search"}}),
            1.5);
  // One HELP and TYPE per family, which promtool checks.
  EXPECT_EQ(text->find("# TYPE newsgraph_test_store_bytes"),
            text->rfind("# TYPE newsgraph_test_store_bytes"));
  EXPECT_GT(testing::MetricValue(*text, "process_resident_memory_bytes", {}), 0);
  EXPECT_THAT(testing::PromtoolCheck(*text), HasSubstr("passed"));
  text = testing::HttpGet((*metrics)->port(), "/metrics");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(testing::MetricValue(*text, "newsgraph_test_store_bytes", {{"store", "ingest"}}), 30);
}

TEST(ServerMetricsTest, AnAddressInUseIsUnavailable) {
  absl::StatusOr<std::unique_ptr<ServerMetrics>> first = ServerMetrics::Start("127.0.0.1:0", {});
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<ServerMetrics>> second =
      ServerMetrics::Start("127.0.0.1:" + std::to_string((*first)->port()), {});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
}

TEST(ServerMetricsTest, StatusCodesHaveTheirCanonicalNames) {
  EXPECT_STREQ(StatusCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_STREQ(StatusCodeName(grpc::StatusCode::RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
  EXPECT_STREQ(StatusCodeName(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
}

}  // namespace
}  // namespace newsgraph
