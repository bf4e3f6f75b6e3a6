// Crash consistency: a batch of real stories streams into the daemon (or the
// three split services) while processes are SIGKILLed at seeded random
// moments, optionally with simulated power loss (everything not yet synced
// is dropped, storage/sync_ledger.h), and restarted. Afterwards every
// acknowledged document is stored exactly once, reaches INDEXED, is
// searchable, and its entity mentions are not doubled.
//
// Kill points per scenario: NEWSGRAPH_CRASH_KILL_POINTS (default 5; the full
// run uses 20: `NEWSGRAPH_CRASH_KILL_POINTS=20 ctest -R CrashConsistency`).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <optional>
#include <random>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "newsgraph/batch_ingester.h"
#include "newsgraph/client.h"
#include "newsgraph/importers.h"
#include "storage/testing/sync_ledger.h"
#include "tests/testing/corpora.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/stored_state.h"
#include "tests/testing/story_corpus.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::newsgraph::testing::PickFreePort;
using ::newsgraph::testing::TempDir;

enum class Topology { kAllInOne, kSplit };

struct Scenario {
  std::string name;
  Topology topology;
  bool power_loss;
  uint32_t seed;
};

int KillPoints() {
  const char* value = std::getenv("NEWSGRAPH_CRASH_KILL_POINTS");
  const int n = value != nullptr ? std::atoi(value) : 0;
  return n > 0 ? n : 5;
}

// The daemons of one deployment on fixed loopback ports, each restartable
// on the same address and data.
class Cluster {
 public:
  Cluster(Topology topology, bool power_loss, const std::string& dir)
      : power_loss_(power_loss), dir_(dir) {
    const std::string data = "--data_dir=" + dir;
    if (topology == Topology::kAllInOne) {
      Add("newsgraphd", NEWSGRAPHD_PATH, {data});
      return;
    }
    const std::string entity = "127.0.0.1:" + std::to_string(PickFreePort());
    const std::string search = "127.0.0.1:" + std::to_string(PickFreePort());
    Add("entityd", ENTITYD_PATH, {data}, entity);
    Add("searchd", SEARCHD_PATH, {data, "--entity_address=" + entity}, search);
    Add("ingestd", INGESTD_PATH,
        {data, "--entity_address=" + entity, "--search_address=" + search});
  }

  absl::Status StartAll() {
    for (size_t i = 0; i < processes_.size(); ++i) {
      absl::Status started = Start(i);
      if (!started.ok()) return started;
    }
    return absl::OkStatus();
  }

  // SIGKILLs process `index`, drops its unsynced writes when simulating
  // power loss, and starts it again on the same address and data.
  absl::Status KillAndRestart(size_t index) {
    Process& p = processes_[index];
    if (p.running.has_value()) (void)p.running->Stop(SIGKILL);
    p.running.reset();
    if (power_loss_) {
      absl::StatusOr<storage::PowerLossReport> report = storage::ApplySimulatedPowerLoss(p.ledger);
      if (!report.ok()) return report.status();
      bytes_dropped_ += report->bytes_dropped;
    }
    ++kills_;
    return Start(index);
  }

  absl::Status StopAll() {
    for (Process& p : processes_) {
      if (!p.running.has_value()) continue;
      absl::StatusOr<int> code = p.running->Stop(SIGTERM);
      if (!code.ok()) return code.status();
      if (*code != 0) return absl::InternalError(p.name + " exited " + std::to_string(*code));
    }
    return absl::OkStatus();
  }

  ClientOptions ClientOptionsForAll() const {
    ClientOptions options;
    options.max_attempts = 5;
    if (processes_.size() == 1) {
      options.target = processes_[0].listen;
    } else {
      options.entity_target = processes_[0].listen;
      options.search_target = processes_[1].listen;
      options.ingest_target = processes_[2].listen;
      options.target = processes_[2].listen;
    }
    return options;
  }

  size_t size() const { return processes_.size(); }
  const std::string& name(size_t i) const { return processes_[i].name; }
  int kills() const { return kills_; }
  uint64_t bytes_dropped() const { return bytes_dropped_; }
  std::string Logs() const {
    std::string logs;
    for (const Process& p : processes_) {
      if (p.running.has_value()) absl::StrAppend(&logs, "--- ", p.name, "\n", p.running->Log());
    }
    return logs;
  }

 private:
  struct Process {
    std::string name;
    std::string binary;
    std::vector<std::string> args;
    std::string listen;
    std::string ledger;
    std::optional<DaemonProcess> running;
  };

  void Add(const std::string& name, const std::string& binary, std::vector<std::string> args,
           std::string listen = "") {
    if (listen.empty()) listen = "127.0.0.1:" + std::to_string(PickFreePort());
    Process p{name, binary, std::move(args), listen, dir_ + "/ledger-" + name, std::nullopt};
    if (power_loss_) {
      // The same daemon, with its stores on the sync-recording Env.
      p.binary = LEDGER_DAEMON_PATH;
      p.args.push_back("--daemon=" + name);
      p.args.push_back("--sync_ledger=" + p.ledger);
    }
    processes_.push_back(std::move(p));
  }

  absl::Status Start(size_t index) {
    Process& p = processes_[index];
    absl::StatusOr<DaemonProcess> started =
        DaemonProcess::Start(p.binary, p.args, dir_, absl::Seconds(60), p.listen);
    if (!started.ok()) return started.status();
    p.running.emplace(*std::move(started));
    return absl::OkStatus();
  }

  const bool power_loss_;
  const std::string dir_;
  std::vector<Process> processes_;
  int kills_ = 0;
  uint64_t bytes_dropped_ = 0;
};

// A power cut right after a document's pipeline finished cuts its
// completion (written without a sync: replaying it is harmless), and the
// pipeline does the document again. Whatever the timing of the random kills
// (the pipeline may keep up with the ingest and leave nothing unsynced to
// cut), this makes every power-loss scenario cut something. The probe is
// deleted again, so `documents` documents remain.
void ProbePowerLossAfterCompletion(Cluster& cluster, Client& client, size_t documents) {
  size_t ingest = 0;
  for (size_t i = 0; i < cluster.size(); ++i) {
    if (cluster.name(i) == "newsgraphd" || cluster.name(i) == "ingestd") ingest = i;
  }
  newsgraph::v1::DocumentInput probe =
      ::newsgraph::testing::SyntheticStories(1, 7, "power-loss-probe-")[0];
  NG_ASSERT_OK_AND_ASSIGN(auto ingested, client.IngestDocument(probe));
  const std::string name = ingested.document().name();
  NG_ASSERT_OK_AND_ASSIGN(auto indexed, client.WaitUntilProcessed(name, absl::Seconds(120)));
  ASSERT_EQ(indexed.state(), newsgraph::v1::INDEXED);
  const uint64_t dropped_before = cluster.bytes_dropped();
  NG_ASSERT_OK(cluster.KillAndRestart(ingest));
  EXPECT_GT(cluster.bytes_dropped(), dropped_before) << "power loss cut nothing";
  NG_ASSERT_OK_AND_ASSIGN(auto again, client.WaitUntilProcessed(name, absl::Seconds(120)));
  EXPECT_EQ(again.state(), newsgraph::v1::INDEXED);
  NG_ASSERT_OK(client.DeleteDocument(name));
  const absl::Time give_up = absl::Now() + absl::Seconds(120);
  while (absl::Now() < give_up) {
    absl::StatusOr<newsgraph::v1::IndexStats> stats = client.GetIndexStats();
    if (stats.ok() && stats->document_count() == static_cast<int64_t>(documents)) return;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ADD_FAILURE() << "the probe document was not removed from the index";
}

class CrashConsistencyTest : public ::testing::TestWithParam<Scenario> {};

TEST_P(CrashConsistencyTest, AcknowledgedDocumentsSurviveExactlyOnce) {
  const Scenario& scenario = GetParam();
  const int kill_points = KillPoints();
  const std::vector<newsgraph::v1::DocumentInput> docs =
      ::newsgraph::testing::ReutersOrSyntheticStories(
          static_cast<size_t>(240 + 40 * kill_points));
  ASSERT_EQ(docs.size(), static_cast<size_t>(240 + 40 * kill_points));

  TempDir dir;
  Cluster cluster(scenario.topology, scenario.power_loss, dir.path());
  NG_ASSERT_OK(cluster.StartAll());
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client,
                          Client::Create(cluster.ClientOptionsForAll()));

  // Kill schedule (seeded): the first half of the kill points fire when a
  // random number of documents has been acknowledged, the rest at random
  // moments while the pipeline works through the backlog.
  std::mt19937 rng(scenario.seed);
  const int during_ingest = (kill_points + 1) / 2;
  std::vector<int64_t> ack_thresholds;
  std::uniform_int_distribution<int64_t> threshold(10, static_cast<int64_t>(docs.size()) - 10);
  for (int i = 0; i < during_ingest; ++i) ack_thresholds.push_back(threshold(rng));
  std::sort(ack_thresholds.begin(), ack_thresholds.end());
  std::uniform_int_distribution<size_t> victim(0, cluster.size() - 1);
  std::uniform_int_distribution<int> pause_ms(50, 700);

  absl::Mutex mu;
  int64_t acknowledged = 0;
  absl::flat_hash_map<int64_t, std::string> name_by_index;
  std::atomic<bool> chaos_failed{false};
  std::string chaos_log;
  std::thread chaos([&] {
    for (int64_t at : ack_thresholds) {
      {
        absl::MutexLock lock(&mu);
        auto reached = [&] { return acknowledged >= at; };
        if (!mu.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(120))) break;
      }
      const size_t target = victim(rng);
      absl::StrAppend(&chaos_log, "kill ", cluster.name(target), " after ", at, " acks; ");
      if (!cluster.KillAndRestart(target).ok()) chaos_failed = true;
    }
  });

  BatchIngesterOptions options;
  options.max_in_flight = 32;
  options.reconnect_timeout = absl::Seconds(120);
  options.on_result = [&](const BatchItemResult& result) {
    absl::MutexLock lock(&mu);
    if (result.ack.error_code() == 0) {
      name_by_index[result.index] = result.ack.document();
      ++acknowledged;
    }
  };
  BatchIngester ingester(client.get(), options);
  for (const auto& doc : docs) NG_ASSERT_OK(ingester.Add(doc));
  absl::StatusOr<BatchSummary> summary = ingester.Finish();
  chaos.join();
  ASSERT_FALSE(chaos_failed) << chaos_log << cluster.Logs();
  NG_ASSERT_OK(summary.status()) << chaos_log;
  EXPECT_EQ(summary->accepted, static_cast<int64_t>(docs.size()));

  // Kills while the pipeline drains the backlog.
  for (int i = during_ingest; i < kill_points; ++i) {
    absl::SleepFor(absl::Milliseconds(pause_ms(rng)));
    const size_t target = victim(rng);
    absl::StrAppend(&chaos_log, "kill ", cluster.name(target), " while draining; ");
    NG_ASSERT_OK(cluster.KillAndRestart(target)) << chaos_log;
  }
  EXPECT_EQ(cluster.kills(), kill_points) << chaos_log;
  if (scenario.power_loss) ProbePowerLossAfterCompletion(cluster, *client, docs.size());

  // Every acknowledged document is still there and reaches INDEXED.
  size_t not_indexed = 0;
  size_t acknowledged_then_missing = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    ASSERT_TRUE(name_by_index.contains(static_cast<int64_t>(i))) << "no ack for " << i;
    absl::StatusOr<newsgraph::v1::Document> doc =
        client->WaitUntilProcessed(name_by_index[static_cast<int64_t>(i)], absl::Seconds(180));
    if (absl::IsNotFound(doc.status())) {
      ++acknowledged_then_missing;
      continue;
    }
    NG_ASSERT_OK(doc.status()) << chaos_log << cluster.Logs();
    not_indexed += doc->state() != newsgraph::v1::INDEXED;
  }
  ASSERT_EQ(acknowledged_then_missing, 0u) << "acknowledged documents lost: " << chaos_log;
  EXPECT_EQ(not_indexed, 0u) << chaos_log;

  // Exactly one stored document per external id, and nothing else.
  NG_ASSERT_OK_AND_ASSIGN(::newsgraph::testing::ExternalIdCounts counts,
                          ::newsgraph::testing::CountByExternalId(*client, docs));
  const size_t lost = counts.lost;
  const size_t duplicated = counts.duplicated;
  int stored_documents = 0;
  newsgraph::v1::ListDocumentsRequest all;
  all.set_page_size(500);
  do {
    NG_ASSERT_OK_AND_ASSIGN(auto page, client->ListDocuments(all));
    stored_documents += page.documents_size();
    all.set_page_token(page.next_page_token());
  } while (!all.page_token().empty());
  NG_ASSERT_OK_AND_ASSIGN(auto stats, client->GetIndexStats());
  std::printf(
      "[%s] %zu documents, %d kills (%s), acknowledged %lld, lost %zu, duplicated %zu, "
      "%llu unsynced bytes dropped by power loss\n",
      scenario.name.c_str(), docs.size(), cluster.kills(), chaos_log.c_str(),
      static_cast<long long>(acknowledged), lost, duplicated,
      static_cast<unsigned long long>(cluster.bytes_dropped()));
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(duplicated, 0u);
  EXPECT_EQ(stored_documents, static_cast<int>(docs.size()));
  EXPECT_EQ(stats.document_count(), static_cast<int64_t>(docs.size()))
      << "the search index must hold each document once";

  // Searchable: a sample found by its headline.
  for (size_t i = 0; i < docs.size(); i += docs.size() / 12) {
    newsgraph::v1::SearchRequest search;
    std::vector<std::string> words = absl::StrSplit(docs[i].title(), ' ', absl::SkipEmpty());
    if (words.size() > 5) words.resize(5);
    search.set_query(absl::StrCat("\"", absl::StrJoin(words, " "), "\""));
    search.set_page_size(50);
    search.set_disable_collapse(true);
    search.set_disable_entity_resolution(true);
    NG_ASSERT_OK_AND_ASSIGN(auto found, client->Search(search));
    bool hit = false;
    for (const auto& h : found.hits()) hit |= h.document() == name_by_index[i];
    EXPECT_TRUE(hit) << search.query() << " does not find " << name_by_index[i];
  }

  // Mentions are not doubled: what the entity service stored per document
  // equals a fresh analysis, and the entities' counters add up to the
  // resolved (non-value) mentions.
  int64_t stored_mentions = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    NG_ASSERT_OK_AND_ASSIGN(auto recorded, ::newsgraph::testing::MentionsMatchingFreshAnalysis(
                                               *client, name_by_index[i]));
    for (const auto& m : recorded.mentions()) stored_mentions += !m.entity().empty();
  }
  int64_t counted = 0;
  newsgraph::v1::ListEntitiesRequest entities;
  entities.set_page_size(1000);
  do {
    NG_ASSERT_OK_AND_ASSIGN(auto page, client->ListEntities(entities));
    for (const auto& e : page.entities()) counted += e.mention_count();
    entities.set_page_token(page.next_page_token());
  } while (!entities.page_token().empty());
  EXPECT_EQ(counted, stored_mentions) << "entity mention counters drifted from stored mentions";

  NG_ASSERT_OK(cluster.StopAll()) << cluster.Logs();
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, CrashConsistencyTest,
    ::testing::Values(Scenario{"all_in_one_sigkill", Topology::kAllInOne, false, 11},
                      Scenario{"all_in_one_power_loss", Topology::kAllInOne, true, 23},
                      Scenario{"split_sigkill", Topology::kSplit, false, 37},
                      Scenario{"split_power_loss", Topology::kSplit, true, 41}),
    [](const ::testing::TestParamInfo<Scenario>& info) { return info.param.name; });

}  // namespace
}  // namespace newsgraph
