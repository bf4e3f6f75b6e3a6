// A real Prometheus server (Debian's prometheus package) scrapes a
// newsgraphd with --metrics_listen, loads the alerting rules of
// deploy/prometheus, and answers a query with the daemon's figures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "newsgraph/client.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/http_get.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::newsgraph::testing::TempDir;
using ::testing::HasSubstr;

constexpr char kPrometheus[] = "/usr/bin/prometheus";

// Writes a configuration that scrapes 127.0.0.1:`port` every second and
// loads the alerting rules.
std::string WriteConfig(const std::string& dir, int port) {
  const std::string path = dir + "/prometheus.yml";
  std::ofstream(path) << "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                      << "rule_files: ['" << NEWSGRAPH_SOURCE_DIR
                      << "/deploy/prometheus/alerts.yml']\n"
                      << "scrape_configs:\n"
                      << "  - job_name: newsgraph\n"
                      << "    static_configs: [{targets: ['127.0.0.1:" << port << "']}]\n";
  return path;
}

// Polls Prometheus' query API until the answer to `query` holds `wanted`
// (as JSON text) or 60 seconds pass; returns the last answer.
std::string QueryUntil(int port, const std::string& query, const std::string& wanted) {
  std::string answer;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    absl::StatusOr<std::string> got = testing::HttpGet(port, "/api/v1/query?query=" + query);
    answer = got.ok() ? *got : got.status().ToString();
    if (answer.find(wanted) != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(250));
  }
  return answer;
}

TEST(PrometheusScrapeTest, APrometheusServerScrapesNewsgraphdAndLoadsTheAlertRules) {
  if (access(kPrometheus, X_OK) != 0) {
    // CI installs it (scripts/setup); a missing server there is a failure.
    if (std::getenv("CI") != nullptr) FAIL() << kPrometheus << " missing: run scripts/setup";
    GTEST_SKIP() << kPrometheus << " missing: install Debian's prometheus package";
  }
  TempDir dir;
  const int metrics_port = testing::PickFreePort();
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess daemon,
      DaemonProcess::Start(NEWSGRAPHD_PATH,
                           {"--data_dir=" + dir.path() + "/data",
                            "--metrics_listen=127.0.0.1:" + std::to_string(metrics_port)},
                           dir.path()));
  ClientOptions options;
  options.target = daemon.address();
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(options));
  for (const char* text : {"The harbour reopened after the storm.",
                           "Fishing boats returned to the harbour on Monday."}) {
    newsgraph::v1::DocumentInput input;
    input.set_content(text);
    NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::IngestDocumentResponse ingested,
                            client->IngestDocument(input));
    NG_ASSERT_OK(
        client->WaitUntilProcessed(ingested.document().name(), absl::Seconds(30)).status());
  }

  const int web_port = testing::PickFreePort();
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess prometheus,
      DaemonProcess::StartOnPort(kPrometheus,
                                 {"--config.file=" + WriteConfig(dir.path(), metrics_port),
                                  "--storage.tsdb.path=" + dir.path() + "/tsdb",
                                  "--web.listen-address=127.0.0.1:" + std::to_string(web_port)},
                                 dir.path(), web_port, absl::Seconds(60)));
  EXPECT_THAT(QueryUntil(web_port, "up", "\"1\"]"), HasSubstr("\"1\"]"));
  const std::string indexed = QueryUntil(
      web_port, "newsgraph_pipeline_completed_total%7Boutcome%3D%22indexed%22%7D", "\"2\"]");
  EXPECT_THAT(indexed, HasSubstr("\"job\":\"newsgraph\"")) << prometheus.Log();
  EXPECT_THAT(indexed, HasSubstr("\"2\"]"));
  EXPECT_THAT(QueryUntil(web_port, "newsgraph_search_index_documents", "\"2\"]"),
              HasSubstr("\"2\"]"));
  // The rules loaded and evaluate against these series without errors.
  NG_ASSERT_OK_AND_ASSIGN(std::string rules, testing::HttpGet(web_port, "/api/v1/rules"));
  EXPECT_THAT(rules, HasSubstr("NewsgraphPipelineStuck"));
  EXPECT_THAT(rules, ::testing::Not(HasSubstr("\"health\":\"err\"")));
  ASSERT_TRUE(StopsCleanly(prometheus));
  ASSERT_TRUE(StopsCleanly(daemon));
}

}  // namespace
}  // namespace newsgraph
