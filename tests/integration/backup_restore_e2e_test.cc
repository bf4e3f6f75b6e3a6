// A backup taken while a batch streams in, restored into an empty data
// directory with the CLI: every document acknowledged before the backup
// comes back INDEXED and searchable, the ones the pipeline had not finished
// are replayed, and the entity links of the hits resolve.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "newsgraph/client.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::newsgraph::testing::TempDir;
using ::testing::HasSubstr;

constexpr int kDocuments = 400;
const char* const kPeople[] = {"Anna Berg", "Tomas Lind", "Maria Holm", "Erik Dahl"};
const char* const kCities[] = {"Oslo", "Bergen", "Tromso", "Stavanger", "Narvik"};

// A story with a token of its own ("ferrycode17") to find it by.
newsgraph::v1::DocumentInput Story(int i) {
  newsgraph::v1::DocumentInput input;
  input.set_external_id(absl::StrCat("story-", i));
  input.set_title(absl::StrCat("Ferry report ", i));
  input.set_content(absl::StrCat(kPeople[i % 4], " of Nordic Ferries said in ", kCities[i % 5],
                                 " on Monday that crossing ferrycode", i,
                                 " would run again after the storm. Passengers waited ", i % 9 + 1,
                                 " hours, the company said."));
  return input;
}

std::unique_ptr<Client> Connect(const DaemonProcess& daemon) {
  ClientOptions options;
  options.target = daemon.address();
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

TEST(BackupRestoreE2ETest, ABackupDuringIngestRestoresEveryAcknowledgedDocument) {
  TempDir dir;
  const std::string backups = dir.path() + "/backups";
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess daemon,
      DaemonProcess::Start(NEWSGRAPHD_PATH,
                           {"--data_dir=" + dir.path() + "/live", "--backup_dir=" + backups},
                           dir.path()));
  std::unique_ptr<Client> client = Connect(daemon);
  ASSERT_NE(client, nullptr);
  std::vector<newsgraph::v1::DocumentInput> stories;
  for (int i = 0; i < kDocuments; ++i) stories.push_back(Story(i));

  std::mutex mu;
  std::vector<std::string> acknowledged;  // document names, in order
  std::thread ingest([&] {
    absl::StatusOr<BatchIngestSummary> summary =
        client->BatchIngest(stories, [&](const newsgraph::v1::BatchIngestDocumentsResponse& ack) {
          std::lock_guard<std::mutex> lock(mu);
          if (!ack.document().empty()) acknowledged.push_back(ack.document());
        });
    EXPECT_TRUE(summary.ok()) << summary.status();
  });
  // Once a good part is in, take the backup while the rest streams.
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (acknowledged.size() >= kDocuments / 3) break;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  std::vector<std::string> before_backup;
  {
    std::lock_guard<std::mutex> lock(mu);
    before_backup = acknowledged;
  }
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Backup backup, client->CreateBackup("during-ingest"));
  ingest.join();
  ASSERT_EQ(backup.checkpoints_size(), 3);
  ::testing::Test::RecordProperty("acknowledged_before_backup", before_backup.size());
  ::testing::Test::RecordProperty("outbox_items_at_backup", backup.outbox_items());
  EXPECT_EQ(backup.checkpoints(2).service(), "ingest");
  EXPECT_EQ(client->CreateBackup("during-ingest").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(client->CreateBackup("../escape").status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(StopsCleanly(daemon));

  // Restore with the CLI, into an empty directory; a second time is refused.
  const std::string restored = dir.path() + "/restored";
  const std::string restore = absl::StrCat(NEWSGRAPH_CLI_PATH, " admin restore ", backups,
                                           "/during-ingest ", restored, " > /dev/null");
  ASSERT_EQ(std::system(restore.c_str()), 0);
  ASSERT_NE(std::system((restore + " 2>&1").c_str()), 0);
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess revived,
      DaemonProcess::Start(NEWSGRAPHD_PATH, {"--data_dir=" + restored}, dir.path()));
  client = Connect(revived);
  ASSERT_NE(client, nullptr);
  for (const std::string& name : before_backup) {
    NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document doc,
                            client->WaitUntilProcessed(name, absl::Seconds(60)));
    ASSERT_EQ(doc.state(), newsgraph::v1::INDEXED) << name;
    const int story = std::stoi(doc.external_id().substr(6));
    newsgraph::v1::SearchRequest request;
    request.set_query(absl::StrCat("ferrycode", story));
    request.set_disable_collapse(true);
    NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::SearchResponse found, client->Search(request));
    ASSERT_EQ(found.hits_size(), 1) << request.query();
    EXPECT_EQ(found.hits(0).document(), name);
    for (const auto& entity : found.hits(0).matched_entities()) {
      EXPECT_TRUE(client->GetEntity(entity.entity()).ok()) << entity.entity();
    }
  }
  // Everything the restored ingest store holds is indexed once.
  newsgraph::v1::ListDocumentsRequest list;
  list.set_page_size(1000);
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::ListDocumentsResponse documents,
                          client->ListDocuments(list));
  EXPECT_GE(documents.documents_size(), static_cast<int>(before_backup.size()));
  ::testing::Test::RecordProperty("documents_in_backup", documents.documents_size());
  for (const newsgraph::v1::Document& doc : documents.documents()) {
    NG_ASSERT_OK(client->WaitUntilProcessed(doc.name(), absl::Seconds(60)).status());
  }
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::IndexStats stats, client->GetIndexStats());
  EXPECT_EQ(stats.document_count(), documents.documents_size());
  newsgraph::v1::SearchRequest person;
  person.set_query("\"Anna Berg\"");
  person.set_page_size(100);
  person.set_disable_collapse(true);
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::SearchResponse annas, client->Search(person));
  EXPECT_EQ(annas.total_hits(), (documents.documents_size() + 3) / 4);
  ASSERT_TRUE(StopsCleanly(revived));
}

TEST(BackupRestoreE2ETest, WithoutABackupDirectoryBackupsAreRefused) {
  TempDir dir;
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess daemon,
      DaemonProcess::Start(NEWSGRAPHD_PATH, {"--data_dir=" + dir.path()}, dir.path()));
  std::unique_ptr<Client> client = Connect(daemon);
  ASSERT_NE(client, nullptr);
  EXPECT_THAT(client->CreateBackup("nightly"),
              testing::StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--backup_dir")));
  ASSERT_TRUE(StopsCleanly(daemon));
}

}  // namespace
}  // namespace newsgraph
