// End-to-end: real daemons on loopback with real RocksDB in temporary
// directories, driven through the client library. Runs the same flow
// against the all-in-one newsgraphd and against ingestd + entityd + searchd.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "health.grpc.pb.h"
#include "newsgraph/client.h"
#include "reflection.grpc.pb.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::newsgraph::testing::StatusIs;
using ::newsgraph::testing::TempDir;
using ::testing::HasSubstr;

constexpr char kStory[] =
    "Grid Operators Agree on Winter Reserve\n\n"
    "The Nordic Grid Agency and energy ministers from Norway and Finland agreed on Monday "
    "to hold a winter reserve of 900 megawatts. Agency director Karin Holm said the reserve "
    "would cost 40 million euros a year.";

// One deployment: either newsgraphd, or the three split daemons.
class Deployment {
 public:
  Deployment(bool split, std::string data_dir) : split_(split), data_dir_(std::move(data_dir)) {}

  absl::Status Start() {
    const std::string data_flag = "--data_dir=" + data_dir_;
    if (!split_) {
      absl::StatusOr<DaemonProcess> daemon =
          DaemonProcess::Start(NEWSGRAPHD_PATH, {data_flag}, data_dir_);
      if (!daemon.ok()) return daemon.status();
      processes_.push_back(*std::move(daemon));
      options_.target = processes_[0].address();
      endpoints_ = {{options_.target,
                     {"newsgraph.v1.IngestService", "newsgraph.v1.EntityService",
                      "newsgraph.v1.SearchService"}}};
    } else {
      absl::StatusOr<DaemonProcess> entity =
          DaemonProcess::Start(ENTITYD_PATH, {data_flag}, data_dir_);
      if (!entity.ok()) return entity.status();
      const std::string entity_flag = "--entity_address=" + entity->address();
      absl::StatusOr<DaemonProcess> search =
          DaemonProcess::Start(SEARCHD_PATH, {data_flag, entity_flag}, data_dir_);
      if (!search.ok()) return search.status();
      absl::StatusOr<DaemonProcess> ingest = DaemonProcess::Start(
          INGESTD_PATH, {data_flag, entity_flag, "--search_address=" + search->address()},
          data_dir_);
      if (!ingest.ok()) return ingest.status();
      options_.target = ingest->address();
      options_.ingest_target = ingest->address();
      options_.entity_target = entity->address();
      options_.search_target = search->address();
      endpoints_ = {{ingest->address(), {"newsgraph.v1.IngestService"}},
                    {entity->address(), {"newsgraph.v1.EntityService"}},
                    {search->address(), {"newsgraph.v1.SearchService"}}};
      processes_.push_back(*std::move(ingest));
      processes_.push_back(*std::move(search));
      processes_.push_back(*std::move(entity));
    }
    absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options_);
    if (!client.ok()) return client.status();
    client_ = *std::move(client);
    return absl::OkStatus();
  }

  // SIGTERM to every process (ingest first); each must exit cleanly.
  void Stop() {
    client_.reset();
    for (DaemonProcess& p : processes_) {
      absl::StatusOr<int> code = p.Stop(SIGTERM);
      ASSERT_TRUE(code.ok()) << code.status();
      EXPECT_EQ(*code, 0) << p.Log();
    }
    processes_.clear();
  }

  Client& client() { return *client_; }
  // Each process's address with the services it serves.
  const std::vector<std::pair<std::string, std::vector<std::string>>>& endpoints() const {
    return endpoints_;
  }

 private:
  std::vector<std::pair<std::string, std::vector<std::string>>> endpoints_;
  const bool split_;
  const std::string data_dir_;
  ClientOptions options_;
  std::vector<DaemonProcess> processes_;
  std::unique_ptr<Client> client_;
};

class PipelineE2ETest : public ::testing::TestWithParam<bool> {};

TEST_P(PipelineE2ETest, IngestAnnotateIndexSearchAndSurviveRestart) {
  TempDir dir;
  Deployment deployment(/*split=*/GetParam(), dir.path());
  NG_ASSERT_OK(deployment.Start());

  newsgraph::v1::DocumentInput input;
  input.set_external_id("story-1");
  input.set_source("Example Wire");
  input.set_content(kStory);
  NG_ASSERT_OK_AND_ASSIGN(auto ingested, deployment.client().IngestDocument(input));
  EXPECT_EQ(ingested.outcome(), newsgraph::v1::CREATED);
  const std::string name = ingested.document().name();
  EXPECT_EQ(ingested.document().title(), "Grid Operators Agree on Winter Reserve");

  NG_ASSERT_OK_AND_ASSIGN(auto processed,
                          deployment.client().WaitUntilProcessed(name, absl::Seconds(60)));
  ASSERT_EQ(processed.state(), newsgraph::v1::INDEXED) << processed.pipeline_error();

  newsgraph::v1::SearchRequest search;
  search.set_query("winter reserve");
  NG_ASSERT_OK_AND_ASSIGN(auto found, deployment.client().Search(search));
  ASSERT_EQ(found.hits_size(), 1);
  EXPECT_EQ(found.hits(0).document(), name);
  EXPECT_FALSE(found.hits(0).snippets().empty());

  newsgraph::v1::ListEntitiesRequest list;
  NG_ASSERT_OK_AND_ASSIGN(auto entities, deployment.client().ListEntities(list));
  std::vector<std::string> canonical;
  for (const auto& e : entities.entities()) canonical.push_back(e.canonical_name());
  EXPECT_THAT(canonical, ::testing::IsSupersetOf({"Nordic Grid Agency", "Karin Holm", "Norway"}));

  // Entity-aware search: the acronym-free name finds the document through its entity.
  search.set_query("\"Karin Holm\"");
  NG_ASSERT_OK_AND_ASSIGN(auto by_person, deployment.client().Search(search));
  ASSERT_EQ(by_person.hits_size(), 1);
  EXPECT_FALSE(by_person.recognized_entities().empty());

  // Bad input at the edge.
  newsgraph::v1::DocumentInput empty;
  EXPECT_THAT(deployment.client().IngestDocument(empty),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("document.content is empty")));
  EXPECT_THAT(deployment.client().GetDocument("documents/424242"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("documents/424242")));
  search.set_query("\"unterminated");
  EXPECT_THAT(deployment.client().Search(search),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("position 0")));

  deployment.Stop();
  NG_ASSERT_OK(deployment.Start());

  NG_ASSERT_OK_AND_ASSIGN(auto after, deployment.client().GetDocument(name));
  EXPECT_EQ(after.state(), newsgraph::v1::INDEXED);
  EXPECT_THAT(after.text(), HasSubstr("winter reserve of 900 megawatts"));
  search.set_query("winter reserve");
  NG_ASSERT_OK_AND_ASSIGN(auto found_again, deployment.client().Search(search));
  ASSERT_EQ(found_again.hits_size(), 1);
  EXPECT_EQ(found_again.hits(0).document(), name);
  // Idempotent re-ingest after restart: same document, nothing new.
  NG_ASSERT_OK_AND_ASSIGN(auto again, deployment.client().IngestDocument(input));
  EXPECT_EQ(again.outcome(), newsgraph::v1::UNCHANGED);
  EXPECT_EQ(again.document().name(), name);
  NG_ASSERT_OK_AND_ASSIGN(auto stats, deployment.client().GetIndexStats());
  EXPECT_EQ(stats.document_count(), 1);
  deployment.Stop();
}

TEST_P(PipelineE2ETest, BatchIngestAcknowledgesEveryDocumentAndDeleteRemovesIt) {
  TempDir dir;
  Deployment deployment(/*split=*/GetParam(), dir.path());
  NG_ASSERT_OK(deployment.Start());
  std::vector<newsgraph::v1::DocumentInput> batch;
  for (int i = 0; i < 20; ++i) {
    newsgraph::v1::DocumentInput doc;
    doc.set_external_id("batch-" + std::to_string(i));
    doc.set_content("Report number " + std::to_string(i) + " about harbour cranes in Gdansk.");
    batch.push_back(doc);
  }
  batch.push_back(newsgraph::v1::DocumentInput());  // Rejected: empty.
  batch.push_back(batch[3]);                        // Unchanged resend.
  std::vector<int64_t> sequences;
  NG_ASSERT_OK_AND_ASSIGN(BatchIngestSummary summary,
                          deployment.client().BatchIngest(batch, [&](const auto& ack) {
                            sequences.push_back(ack.sequence());
                          }));
  EXPECT_EQ(summary.accepted, 21);
  EXPECT_EQ(summary.rejected, 1);
  EXPECT_EQ(summary.duplicates, 1);
  EXPECT_EQ(summary.documents.size(), 20u);
  ASSERT_EQ(sequences.size(), batch.size());
  for (size_t i = 0; i < sequences.size(); ++i) EXPECT_EQ(sequences[i], static_cast<int64_t>(i));

  for (const std::string& name : summary.documents) {
    NG_ASSERT_OK_AND_ASSIGN(auto doc,
                            deployment.client().WaitUntilProcessed(name, absl::Seconds(60)));
    EXPECT_EQ(doc.state(), newsgraph::v1::INDEXED);
  }
  NG_ASSERT_OK_AND_ASSIGN(auto job, deployment.client().GetIngestJob(summary.job));
  EXPECT_EQ(job.indexed_count(), 20);
  EXPECT_EQ(job.rejected_count(), 1);

  newsgraph::v1::SearchRequest search;
  search.set_query("cranes");
  search.set_page_size(100);
  NG_ASSERT_OK_AND_ASSIGN(auto found, deployment.client().Search(search));
  EXPECT_EQ(found.total_hits(), 20);

  NG_ASSERT_OK(deployment.client().DeleteDocument(summary.documents[0]));
  EXPECT_THAT(deployment.client().GetDocument(summary.documents[0]),
              StatusIs(absl::StatusCode::kNotFound));
  // Removal from the index is asynchronous through the outbox: poll briefly.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  int64_t total = 20;
  while (absl::Now() < deadline) {
    NG_ASSERT_OK_AND_ASSIGN(auto now, deployment.client().Search(search));
    total = now.total_hits();
    if (total == 19) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(total, 19);
  deployment.Stop();
}

TEST_P(PipelineE2ETest, NewVersionReplacesOldDownstreamAndDeleteRemovesEverywhere) {
  TempDir dir;
  Deployment deployment(/*split=*/GetParam(), dir.path());
  NG_ASSERT_OK(deployment.Start());
  newsgraph::v1::IngestDocumentRequest request;
  request.set_wait_until_indexed(true);
  newsgraph::v1::DocumentInput* input = request.mutable_document();
  input->set_external_id("versioned");
  input->set_content("Karin Holm opened the Albatross bridge in Tromso on Friday.");
  newsgraph::v1::IngestDocumentResponse first;
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    ASSERT_TRUE(deployment.client().ingest_stub().IngestDocument(&context, request, &first).ok());
  }
  // Read-your-writes: the response already shows the document indexed.
  EXPECT_EQ(first.document().state(), newsgraph::v1::INDEXED);
  const std::string name = first.document().name();

  input->set_content("Lotte Vermeer opened the Pelican tunnel in Bergen on Monday.");
  newsgraph::v1::IngestDocumentResponse second;
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    ASSERT_TRUE(deployment.client().ingest_stub().IngestDocument(&context, request, &second).ok());
  }
  EXPECT_EQ(second.outcome(), newsgraph::v1::NEW_VERSION);
  EXPECT_EQ(second.document().version(), 2);
  EXPECT_EQ(second.document().state(), newsgraph::v1::INDEXED);
  EXPECT_EQ(second.document().name(), name);

  auto hits = [&](const std::string& query) {
    newsgraph::v1::SearchRequest search;
    search.set_query(query);
    absl::StatusOr<newsgraph::v1::SearchResponse> response = deployment.client().Search(search);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->total_hits() : -1;
  };
  EXPECT_EQ(hits("albatross"), 0) << "the old version's index entries must be gone";
  EXPECT_EQ(hits("pelican"), 1);
  newsgraph::v1::ListMentionsRequest mentions;
  mentions.set_document(name);
  NG_ASSERT_OK_AND_ASSIGN(auto recorded, deployment.client().ListMentions(mentions));
  std::vector<std::string> texts;
  for (const auto& m : recorded.mentions()) {
    texts.push_back(m.text());
    EXPECT_EQ(m.document_version(), 2);
  }
  EXPECT_THAT(texts, ::testing::Contains("Lotte Vermeer"));
  EXPECT_THAT(texts, ::testing::Not(::testing::Contains("Karin Holm")));

  NG_ASSERT_OK(deployment.client().DeleteDocument(name));
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline && hits("pelican") != 0) absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(hits("pelican"), 0);
  absl::StatusOr<newsgraph::v1::ListMentionsResponse> after =
      deployment.client().ListMentions(mentions);
  while (absl::Now() < deadline && after.ok()) {
    absl::SleepFor(absl::Milliseconds(20));
    after = deployment.client().ListMentions(mentions);
  }
  EXPECT_THAT(after, StatusIs(absl::StatusCode::kNotFound)) << "entity annotations must be deleted";
  deployment.Stop();
}

TEST_P(PipelineE2ETest, EveryProcessServesHealthAndReflection) {
  TempDir dir;
  Deployment deployment(/*split=*/GetParam(), dir.path());
  NG_ASSERT_OK(deployment.Start());
  for (const auto& [address, services] : deployment.endpoints()) {
    auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    auto health = grpc::health::v1::Health::NewStub(channel);
    for (const std::string& service : services) {
      grpc::ClientContext context;
      grpc::health::v1::HealthCheckRequest request;
      request.set_service(service);
      grpc::health::v1::HealthCheckResponse response;
      ASSERT_TRUE(health->Check(&context, request, &response).ok()) << address << " " << service;
      EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
    }
    grpc::ClientContext unknown_context;
    grpc::health::v1::HealthCheckRequest unknown;
    unknown.set_service("no.such.Service");
    grpc::health::v1::HealthCheckResponse unknown_response;
    EXPECT_EQ(health->Check(&unknown_context, unknown, &unknown_response).error_code(),
              grpc::StatusCode::NOT_FOUND);

    auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
    grpc::ClientContext context;
    auto stream = reflection->ServerReflectionInfo(&context);
    grpc::reflection::v1alpha::ServerReflectionRequest request;
    request.set_list_services("*");
    ASSERT_TRUE(stream->Write(request));
    stream->WritesDone();
    grpc::reflection::v1alpha::ServerReflectionResponse response;
    ASSERT_TRUE(stream->Read(&response));
    std::vector<std::string> listed;
    for (const auto& s : response.list_services_response().service()) listed.push_back(s.name());
    EXPECT_THAT(listed, ::testing::IsSupersetOf(services));
    EXPECT_TRUE(stream->Finish().ok());
  }
  deployment.Stop();
}

INSTANTIATE_TEST_SUITE_P(Deployments, PipelineE2ETest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "SplitProcesses" : "AllInOne";
                         });

}  // namespace
}  // namespace newsgraph
