// Ingest under failure: the daemon killed in the middle of a batch, and the
// entity service down while documents keep arriving.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "base/status_macros.h"
#include "newsgraph/batch_ingester.h"
#include "newsgraph/client.h"
#include "newsgraph/importers.h"
#include "tests/testing/corpora.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/split_cluster.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/stored_state.h"
#include "tests/testing/story_corpus.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::newsgraph::testing::SplitCluster;
using ::newsgraph::testing::TempDir;

// Real Reuters stories when the corpora are present, else generated ones.
std::vector<newsgraph::v1::DocumentInput> BatchOfStories(size_t count) {
  return ::newsgraph::testing::ReutersOrSyntheticStories(
      count, {.reuters_files = {"reut2-003.sgm.gz"}, .min_content_bytes = 200, .need_title = false});
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

  // Stream the batch and SIGKILL the daemon once 150 documents are
  // acknowledged. The window of 32 keeps the daemon from having acknowledged
  // the whole batch by the time it dies, however slowly this side reads.
  absl::Mutex mu;
  absl::flat_hash_set<std::string> acknowledged;
  {
    ClientOptions options;
    options.target = daemon.address();
    NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(options));
    BatchIngesterOptions ingest_options;
    ingest_options.max_in_flight = 32;
    ingest_options.reconnect_timeout = absl::Milliseconds(200);
    ingest_options.on_result = [&](const BatchItemResult& result) {
      absl::MutexLock lock(&mu);
      if (result.ack.error_code() == 0) acknowledged.insert(docs[result.index].external_id());
      if (acknowledged.size() == 150) kill(daemon.pid(), SIGKILL);
    };
    BatchIngester ingester(client.get(), ingest_options);
    absl::Status sent = absl::OkStatus();
    for (size_t i = 0; i < docs.size() && sent.ok(); ++i) sent = ingester.Add(docs[i]);
    const bool finished = sent.ok() && ingester.Finish().ok();
    EXPECT_FALSE(finished) << "the stream should break when the daemon dies";
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
  NG_ASSERT_OK_AND_ASSIGN(::newsgraph::testing::ExternalIdCounts counts,
                          ::newsgraph::testing::CountByExternalId(*client, docs));
  EXPECT_EQ(counts.lost, 0u);
  EXPECT_EQ(counts.duplicated, 0u);
  newsgraph::v1::ListDocumentsRequest all;
  all.set_page_size(1000);
  NG_ASSERT_OK_AND_ASSIGN(auto listed, client->ListDocuments(all));
  EXPECT_EQ(listed.documents_size(), static_cast<int>(docs.size()));
  NG_ASSERT_OK_AND_ASSIGN(auto stats, client->GetIndexStats());
  EXPECT_EQ(stats.document_count(), static_cast<int64_t>(docs.size()));

  // Entity mentions are not doubled by redelivery: stored mentions of a
  // document equal a fresh analysis of its text.
  for (int i = 0; i < 5; ++i) {
    NG_EXPECT_OK(::newsgraph::testing::MentionsMatchingFreshAnalysis(
                     *client, listed.documents(i * 37).name())
                     .status());
  }
  ASSERT_TRUE(StopsCleanly(daemon));
}

// SIGTERM while the entity service is busy with a large document: the
// pipeline cancels its call, the service stops recognizing, and the daemon
// exits well within a supervisor's grace period (Kubernetes: 30 s). The
// document is neither failed nor lost; the next start annotates it.
TEST(IngestReliabilityTest, ShutdownDuringALargeAnnotationIsPromptAndKeepsTheDocument) {
  TempDir dir;
  const std::vector<std::string> args = {"--data_dir=" + dir.path()};
  NG_ASSERT_OK_AND_ASSIGN(DaemonProcess daemon,
                          DaemonProcess::Start(NEWSGRAPHD_PATH, args, dir.path()));
  newsgraph::v1::DocumentInput large;
  large.set_external_id("large-1");
  std::string content;
  for (int i = 0; content.size() < (6u << 20); ++i) {
    absl::StrAppend(&content, "Karin Holm of the Baltic Grain Council met officials in Gdansk on ",
                    "day ", i, ", and Egypt ordered more wheat.\n");
  }
  large.set_content(content);
  std::string name;
  {
    ClientOptions options;
    options.target = daemon.address();
    NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(options));
    NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::IngestDocumentResponse ingested,
                            client->IngestDocument(large));
    name = ingested.document().name();
    absl::SleepFor(absl::Seconds(1));  // The pipeline picks it up at once.
    NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document doc, client->GetDocument(name));
    ASSERT_EQ(doc.state(), newsgraph::v1::RECEIVED) << "annotation finished too soon to test";
  }
  ASSERT_TRUE(StopsCleanly(daemon, SIGTERM, absl::Seconds(20)));

  NG_ASSERT_OK_AND_ASSIGN(daemon, DaemonProcess::Start(NEWSGRAPHD_PATH, args, dir.path()));
  ClientOptions options;
  options.target = daemon.address();
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(options));
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document doc, client->GetDocument(name));
  EXPECT_EQ(doc.state(), newsgraph::v1::RECEIVED) << doc.pipeline_error();
  EXPECT_EQ(doc.pipeline_error(), "");
  // Left to finish: the destructor kills this second run.
}

TEST(IngestReliabilityTest, IngestContinuesWhileEntityServiceIsDownAndCatchesUp) {
  TempDir dir;
  SplitCluster cluster;
  NG_ASSERT_OK(cluster.Start(dir.path()));
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(cluster.Options()));

  ASSERT_TRUE(StopsCleanly(*cluster.entity));
  const std::vector<newsgraph::v1::DocumentInput> docs = BatchOfStories(30);
  NG_ASSERT_OK_AND_ASSIGN(BatchIngestSummary summary, client->BatchIngest(docs));
  EXPECT_EQ(summary.accepted, 30) << "ingest must keep accepting while entity is down";

  // While entity is down nothing gets past RECEIVED, and retries are counted.
  absl::SleepFor(absl::Milliseconds(600));
  NG_ASSERT_OK_AND_ASSIGN(auto waiting, client->GetDocument(summary.documents[0]));
  EXPECT_EQ(waiting.state(), newsgraph::v1::RECEIVED);
  EXPECT_GE(waiting.pipeline_attempts(), 1);

  NG_ASSERT_OK(cluster.StartEntity(dir.path()));
  NG_ASSERT_OK(WaitUntilDrained(*client, summary.documents, absl::Seconds(60)));
  NG_ASSERT_OK_AND_ASSIGN(auto stats, client->GetIndexStats());
  EXPECT_EQ(stats.document_count(), 30);
  newsgraph::v1::ListEntitiesRequest list;
  NG_ASSERT_OK_AND_ASSIGN(auto entities, client->ListEntities(list));
  EXPECT_GT(entities.entities_size(), 0);
  for (auto* p : {&cluster.ingest, &cluster.search, &cluster.entity}) {
    ASSERT_TRUE(StopsCleanly(**p));
  }
}

// What a finished run looks like from outside: hits of a few queries (by
// external id, in rank order) and every entity with its mention count.
std::string ObservableState(Client& client, const std::vector<std::string>& queries) {
  std::string state;
  for (const std::string& q : queries) {
    newsgraph::v1::SearchRequest request;
    request.set_query(q);
    // Every match (the batches are smaller than a page), so that no tie
    // straddles the page's end.
    request.set_page_size(100);
    absl::StatusOr<newsgraph::v1::SearchResponse> found = client.Search(request);
    if (!found.ok()) return "search failed: " + found.status().ToString();
    // Equal scores rank in index order, which retries may change: ties are
    // listed by external id.
    std::vector<std::pair<std::string, std::string>> hits;
    for (const auto& hit : found->hits()) {
      absl::StatusOr<newsgraph::v1::Document> doc = client.GetDocument(hit.document());
      hits.emplace_back(absl::StrFormat("%.6g", hit.score()), doc.ok() ? doc->external_id() : "?");
    }
    for (auto run = hits.begin(); run != hits.end();) {
      auto end =
          std::find_if(run, hits.end(), [&](const auto& h) { return h.first != run->first; });
      std::sort(run, end);
      run = end;
    }
    absl::StrAppend(&state, q, ":");
    for (const auto& [score, id] : hits) absl::StrAppend(&state, " ", id, "@", score);
    absl::StrAppend(&state, "\n");
  }
  newsgraph::v1::ListEntitiesRequest list;
  list.set_page_size(1000);
  absl::StatusOr<newsgraph::v1::ListEntitiesResponse> entities = client.ListEntities(list);
  if (!entities.ok()) return "entities failed: " + entities.status().ToString();
  std::vector<std::string> lines;
  for (const auto& e : entities->entities()) {
    lines.push_back(absl::StrCat(e.canonical_name(), "=", e.mention_count()));
  }
  std::sort(lines.begin(), lines.end());
  for (const std::string& line : lines) absl::StrAppend(&state, line, "\n");
  return state;
}

const std::vector<std::string> kProbeQueries = {"oil", "bank rate", "trade", "prices", "dollar"};

// The state after ingesting `docs` into an undisturbed all-in-one daemon.
std::string ReferenceState(const std::vector<newsgraph::v1::DocumentInput>& docs) {
  TempDir dir;
  absl::StatusOr<DaemonProcess> daemon =
      DaemonProcess::Start(NEWSGRAPHD_PATH, {"--data_dir=" + dir.path()}, dir.path());
  if (!daemon.ok()) return daemon.status().ToString();
  ClientOptions options;
  options.target = daemon->address();
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options);
  if (!client.ok()) return client.status().ToString();
  absl::StatusOr<BatchIngestSummary> summary = (*client)->BatchIngest(docs);
  if (!summary.ok()) return summary.status().ToString();
  absl::Status drained = WaitUntilDrained(**client, summary->documents, absl::Seconds(60));
  if (!drained.ok()) return drained.ToString();
  return ObservableState(**client, kProbeQueries);
}

TEST(IngestReliabilityTest, SearchOutageEndsInTheSameStateAsNoOutage) {
  const std::vector<newsgraph::v1::DocumentInput> docs = BatchOfStories(60);
  TempDir dir;
  SplitCluster cluster;
  NG_ASSERT_OK(cluster.Start(dir.path()));
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(cluster.Options()));

  ASSERT_TRUE(StopsCleanly(*cluster.search));
  NG_ASSERT_OK_AND_ASSIGN(BatchIngestSummary summary, client->BatchIngest(docs));
  EXPECT_EQ(summary.accepted, 60) << "ingest must keep accepting while search is down";
  absl::SleepFor(absl::Seconds(1));
  NG_ASSERT_OK_AND_ASSIGN(auto waiting, client->GetDocument(summary.documents[0]));
  EXPECT_NE(waiting.state(), newsgraph::v1::INDEXED);
  EXPECT_GE(waiting.pipeline_attempts(), 1);

  NG_ASSERT_OK(cluster.StartSearch(dir.path()));
  NG_ASSERT_OK(WaitUntilDrained(*client, summary.documents, absl::Seconds(90)));
  const std::string state = ObservableState(*client, kProbeQueries);
  EXPECT_EQ(state, ReferenceState(docs)) << "the outage changed the outcome";
  for (auto* p : {&cluster.ingest, &cluster.search, &cluster.entity}) {
    ASSERT_TRUE(StopsCleanly(**p));
  }
}

TEST(IngestReliabilityTest, FrozenEntityServiceTimesOutIsRetriedAndNothingDoubles) {
  const std::vector<newsgraph::v1::DocumentInput> docs = BatchOfStories(40);
  TempDir dir;
  SplitCluster cluster;
  cluster.ingest_extra = {"--downstream_timeout=500ms"};
  NG_ASSERT_OK(cluster.Start(dir.path()));
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(cluster.Options()));

  // A first document connects ingestd to entityd. Then SIGSTOP: the process
  // keeps its sockets, so calls reach it and hang until their deadline; then
  // it resumes and finishes the stale calls too.
  NG_ASSERT_OK_AND_ASSIGN(auto first, client->IngestDocument(docs[0]));
  NG_ASSERT_OK(WaitUntilDrained(*client, {first.document().name()}, absl::Seconds(30)));
  ASSERT_EQ(kill(cluster.entity->pid(), SIGSTOP), 0);
  NG_ASSERT_OK_AND_ASSIGN(BatchIngestSummary summary, client->BatchIngest(docs));
  EXPECT_EQ(summary.accepted, 40);
  absl::SleepFor(absl::Seconds(2));
  NG_ASSERT_OK_AND_ASSIGN(auto waiting, client->GetDocument(summary.documents[1]));
  EXPECT_EQ(waiting.state(), newsgraph::v1::RECEIVED);
  EXPECT_GE(waiting.pipeline_attempts(), 1);
  EXPECT_THAT(waiting.pipeline_error(), ::testing::HasSubstr("eadline"))
      << "the slow call must be recorded as timed out";
  ASSERT_EQ(kill(cluster.entity->pid(), SIGCONT), 0);

  NG_ASSERT_OK(WaitUntilDrained(*client, summary.documents, absl::Seconds(90)));
  for (const std::string& name : summary.documents) {
    NG_EXPECT_OK(::newsgraph::testing::MentionsMatchingFreshAnalysis(*client, name).status());
  }
  EXPECT_EQ(ObservableState(*client, kProbeQueries), ReferenceState(docs));
  for (auto* p : {&cluster.ingest, &cluster.search, &cluster.entity}) {
    ASSERT_TRUE(StopsCleanly(**p));
  }
}

}  // namespace
}  // namespace newsgraph
