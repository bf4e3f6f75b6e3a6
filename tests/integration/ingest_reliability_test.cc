// Ingest under failure: the daemon killed in the middle of a batch, and the
// entity service down while documents keep arriving.
#include <gtest/gtest.h>
#include <signal.h>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "newsgraph/client.h"
#include "newsgraph/importers.h"
#include "tests/testing/corpora.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::newsgraph::testing::TempDir;

// Real Reuters stories when the corpora are present, else generated ones.
std::vector<newsgraph::v1::DocumentInput> BatchOfStories(size_t count) {
  std::vector<newsgraph::v1::DocumentInput> docs;
  if (auto corpora = ::newsgraph::testing::CorporaDir()) {
    absl::StatusOr<std::vector<newsgraph::v1::DocumentInput>> reuters =
        ReadReutersSgml(*corpora + "/reuters21578/raw/reut2-003.sgm.gz");
    if (reuters.ok()) {
      for (auto& doc : *reuters) {
        if (docs.size() == count) break;
        if (doc.content().size() > 200) docs.push_back(std::move(doc));
      }
    }
  }
  for (size_t i = docs.size(); i < count; ++i) {
    newsgraph::v1::DocumentInput doc;
    doc.set_external_id("generated-" + std::to_string(i));
    doc.set_source("Test Wire");
    doc.set_content("Port officials in Gdansk reported shipment number " + std::to_string(i) +
                    " of grain bound for Egypt, the " + std::to_string(i % 7) +
                    "th this season, according to the Baltic Grain Council.");
    docs.push_back(std::move(doc));
  }
  return docs;
}

absl::Status WaitUntilDrained(Client& client, const std::vector<std::string>& names,
                              absl::Duration timeout) {
  for (const std::string& name : names) {
    absl::StatusOr<newsgraph::v1::Document> doc = client.WaitUntilProcessed(name, timeout);
    if (!doc.ok()) return doc.status();
    if (doc->state() != newsgraph::v1::INDEXED) {
      return absl::InternalError(name + " ended " +
                                 newsgraph::v1::PipelineState_Name(doc->state()) + ": " +
                                 doc->pipeline_error());
    }
  }
  return absl::OkStatus();
}

TEST(IngestReliabilityTest, KillDuringBatchLosesAndDoublesNothing) {
  TempDir dir;
  const std::vector<std::string> args = {"--data_dir=" + dir.path()};
  NG_ASSERT_OK_AND_ASSIGN(DaemonProcess daemon,
                          DaemonProcess::Start(NEWSGRAPHD_PATH, args, dir.path()));
  const std::vector<newsgraph::v1::DocumentInput> docs = BatchOfStories(400);

  // Stream the batch and SIGKILL the daemon once 150 documents are acknowledged.
  absl::Mutex mu;
  absl::flat_hash_set<std::string> acknowledged;
  {
    ClientOptions options;
    options.target = daemon.address();
    NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(options));
    absl::StatusOr<BatchIngestSummary> first =
        client->BatchIngest(docs, [&](const newsgraph::v1::BatchIngestDocumentsResponse& ack) {
          absl::MutexLock lock(&mu);
          if (ack.error_code() == 0) acknowledged.insert(docs[ack.sequence()].external_id());
          if (acknowledged.size() == 150) kill(daemon.pid(), SIGKILL);
        });
    EXPECT_FALSE(first.ok()) << "the stream should break when the daemon dies";
  }
  ASSERT_GE(acknowledged.size(), 150u);
  ASSERT_LT(acknowledged.size(), docs.size());
  (void)daemon.Stop(SIGKILL);

  // Restart on the same data and resume: resend everything (external ids make it safe).
  NG_ASSERT_OK_AND_ASSIGN(daemon, DaemonProcess::Start(NEWSGRAPHD_PATH, args, dir.path()));
  ClientOptions options;
  options.target = daemon.address();
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(options));
  NG_ASSERT_OK_AND_ASSIGN(BatchIngestSummary resumed, client->BatchIngest(docs));
  EXPECT_EQ(resumed.accepted, static_cast<int64_t>(docs.size()));
  EXPECT_GE(resumed.duplicates, static_cast<int64_t>(acknowledged.size()))
      << "every document acknowledged before the kill must come back UNCHANGED";
  NG_ASSERT_OK(WaitUntilDrained(*client, resumed.documents, absl::Seconds(120)));

  // Exactly one stored document per external id, all indexed and searchable.
  size_t lost = 0;
  size_t doubled = 0;
  for (const auto& doc : docs) {
    newsgraph::v1::ListDocumentsRequest request;
    request.set_filter("external_id=\"" + doc.external_id() + "\"");
    NG_ASSERT_OK_AND_ASSIGN(auto listed, client->ListDocuments(request));
    lost += listed.documents_size() == 0;
    doubled += listed.documents_size() > 1;
  }
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(doubled, 0u);
  newsgraph::v1::ListDocumentsRequest all;
  all.set_page_size(1000);
  NG_ASSERT_OK_AND_ASSIGN(auto listed, client->ListDocuments(all));
  EXPECT_EQ(listed.documents_size(), static_cast<int>(docs.size()));
  NG_ASSERT_OK_AND_ASSIGN(auto stats, client->GetIndexStats());
  EXPECT_EQ(stats.document_count(), static_cast<int64_t>(docs.size()));

  // Entity mentions are not doubled by redelivery: stored mentions of a
  // document equal a fresh analysis of its text.
  for (int i = 0; i < 5; ++i) {
    const auto& name = listed.documents(i * 37).name();
    NG_ASSERT_OK_AND_ASSIGN(auto stored, client->GetDocument(name));
    newsgraph::v1::ListMentionsRequest mentions;
    mentions.set_document(name);
    mentions.set_page_size(1000);
    NG_ASSERT_OK_AND_ASSIGN(auto recorded, client->ListMentions(mentions));
    NG_ASSERT_OK_AND_ASSIGN(auto fresh, client->AnalyzeText(stored.text()));
    EXPECT_EQ(recorded.mentions_size(), fresh.mentions_size()) << name;
  }
  ASSERT_EQ(*daemon.Stop(SIGTERM), 0) << daemon.Log();
}

TEST(IngestReliabilityTest, IngestContinuesWhileEntityServiceIsDownAndCatchesUp) {
  TempDir dir;
  const std::string data = "--data_dir=" + dir.path();
  const int entity_port = ::newsgraph::testing::PickFreePort();
  const std::string entity_listen = "127.0.0.1:" + std::to_string(entity_port);
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess entity,
      DaemonProcess::Start(ENTITYD_PATH, {data}, dir.path(), absl::Seconds(30), entity_listen));
  const std::string entity_flag = "--entity_address=" + entity_listen;
  NG_ASSERT_OK_AND_ASSIGN(DaemonProcess search,
                          DaemonProcess::Start(SEARCHD_PATH, {data, entity_flag}, dir.path()));
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess ingest,
      DaemonProcess::Start(
          INGESTD_PATH, {data, entity_flag, "--search_address=" + search.address()}, dir.path()));
  ClientOptions options;
  options.target = ingest.address();
  options.ingest_target = ingest.address();
  options.search_target = search.address();
  options.entity_target = entity_listen;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(options));

  ASSERT_EQ(*entity.Stop(SIGTERM), 0);
  const std::vector<newsgraph::v1::DocumentInput> docs = BatchOfStories(30);
  NG_ASSERT_OK_AND_ASSIGN(BatchIngestSummary summary, client->BatchIngest(docs));
  EXPECT_EQ(summary.accepted, 30) << "ingest must keep accepting while entity is down";

  // While entity is down nothing gets past RECEIVED, and retries are counted.
  absl::SleepFor(absl::Milliseconds(600));
  NG_ASSERT_OK_AND_ASSIGN(auto waiting, client->GetDocument(summary.documents[0]));
  EXPECT_EQ(waiting.state(), newsgraph::v1::RECEIVED);
  EXPECT_GE(waiting.pipeline_attempts(), 1);

  NG_ASSERT_OK_AND_ASSIGN(entity, DaemonProcess::Start(ENTITYD_PATH, {data}, dir.path(),
                                                       absl::Seconds(30), entity_listen));
  NG_ASSERT_OK(WaitUntilDrained(*client, summary.documents, absl::Seconds(60)));
  NG_ASSERT_OK_AND_ASSIGN(auto stats, client->GetIndexStats());
  EXPECT_EQ(stats.document_count(), 30);
  newsgraph::v1::ListEntitiesRequest list;
  NG_ASSERT_OK_AND_ASSIGN(auto entities, client->ListEntities(list));
  EXPECT_GT(entities.entities_size(), 0);
  for (DaemonProcess* p : {&ingest, &search, &entity}) ASSERT_EQ(*p->Stop(SIGTERM), 0) << p->Log();
}

}  // namespace
}  // namespace newsgraph
