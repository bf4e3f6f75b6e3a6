// BatchIngester against a real daemon: windowed streaming, per-item results,
// and automatic reconnect and resend when the daemon restarts mid-batch.
#include "newsgraph/batch_ingester.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "absl/synchronization/mutex.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;

newsgraph::v1::DocumentInput Story(int i) {
  newsgraph::v1::DocumentInput doc;
  doc.set_external_id("story-" + std::to_string(i));
  doc.set_source("Test Wire");
  doc.set_content("Dispatch " + std::to_string(i) + ": the ferry between Helsinki and Tallinn " +
                  "carried " + std::to_string(1000 + i) + " passengers, the operator said.");
  return doc;
}

TEST(BatchIngesterTest, StreamsWithABoundedWindowAndWaitsForIndexing) {
  ::newsgraph::testing::TempDir dir;
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess daemon,
      DaemonProcess::Start(NEWSGRAPHD_PATH, {"--data_dir=" + dir.path()}, dir.path()));
  ClientOptions options;
  options.target = daemon.address();
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(options));
  std::vector<int64_t> order;
  BatchIngesterOptions ingest_options;
  ingest_options.max_in_flight = 16;
  ingest_options.wait_until_indexed = true;
  ingest_options.on_result = [&](const BatchItemResult& r) { order.push_back(r.index); };
  BatchIngester ingester(client.get(), ingest_options);
  for (int i = 0; i < 300; ++i) NG_ASSERT_OK(ingester.Add(Story(i)));
  NG_ASSERT_OK(ingester.Add(newsgraph::v1::DocumentInput()));  // Rejected, not fatal.
  NG_ASSERT_OK_AND_ASSIGN(BatchSummary summary, ingester.Finish());
  EXPECT_EQ(summary.accepted, 300);
  EXPECT_EQ(summary.rejected, 1);
  EXPECT_EQ(summary.indexed, 300);
  EXPECT_EQ(summary.reconnects, 0);
  ASSERT_EQ(order.size(), 301u);
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], static_cast<int64_t>(i));
  ASSERT_TRUE(StopsCleanly(daemon));
}

TEST(BatchIngesterTest, ReconnectsAndResendsWhenTheDaemonRestarts) {
  ::newsgraph::testing::TempDir dir;
  const std::string listen = "127.0.0.1:" + std::to_string(::newsgraph::testing::PickFreePort());
  const std::vector<std::string> args = {"--data_dir=" + dir.path()};
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess daemon,
      DaemonProcess::Start(NEWSGRAPHD_PATH, args, dir.path(), absl::Seconds(30), listen));
  ClientOptions options;
  options.target = listen;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(options));

  absl::Mutex mu;
  bool restarted = false;
  std::thread restarter;
  BatchIngesterOptions ingest_options;
  ingest_options.max_in_flight = 32;
  ingest_options.wait_until_indexed = true;
  ingest_options.reconnect_timeout = absl::Seconds(30);
  ingest_options.on_result = [&](const BatchItemResult& r) {
    absl::MutexLock lock(&mu);
    if (r.index == 100 && !restarted) {
      restarted = true;
      // Crash the daemon and bring it back on the same address and data.
      restarter = std::thread([&] {
        kill(daemon.pid(), SIGKILL);
        (void)daemon.Stop(SIGKILL);
        absl::StatusOr<DaemonProcess> again =
            DaemonProcess::Start(NEWSGRAPHD_PATH, args, dir.path(), absl::Seconds(30), listen);
        ASSERT_TRUE(again.ok()) << again.status();
        daemon = *std::move(again);
      });
    }
  };
  BatchIngester ingester(client.get(), ingest_options);
  for (int i = 0; i < 400; ++i) NG_ASSERT_OK(ingester.Add(Story(i)));
  NG_ASSERT_OK_AND_ASSIGN(BatchSummary summary, ingester.Finish());
  restarter.join();
  EXPECT_GE(summary.reconnects, 1);
  EXPECT_EQ(summary.accepted, 400) << "every document acknowledged exactly once";
  EXPECT_EQ(summary.rejected, 0);

  newsgraph::v1::ListDocumentsRequest list;
  list.set_page_size(1000);
  NG_ASSERT_OK_AND_ASSIGN(auto listed, client->ListDocuments(list));
  EXPECT_EQ(listed.documents_size(), 400) << "nothing lost, nothing stored twice";
  for (const auto& doc : listed.documents()) EXPECT_EQ(doc.state(), newsgraph::v1::INDEXED);
  ASSERT_TRUE(StopsCleanly(daemon));
}

}  // namespace
}  // namespace newsgraph
