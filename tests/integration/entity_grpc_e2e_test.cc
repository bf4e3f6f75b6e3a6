// End-to-end over gRPC: a real entityd on loopback with RocksDB in a
// temporary directory, the seed documents annotated as the pipeline sends
// them (text, paragraphs, Q&A passages), and every EntityService method
// called through the generated stub, including its errors.
#include <grpcpp/grpcpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "newsgraph/client.h"
#include "services/ingest/document_builder.h"
#include "tests/testing/corpora.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::newsgraph::testing::TempDir;
using ::testing::Contains;
using ::testing::HasSubstr;

class EntityGrpcE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<DaemonProcess> daemon =
        DaemonProcess::Start(ENTITYD_PATH, {"--data_dir=" + dir_.path()}, dir_.path());
    ASSERT_TRUE(daemon.ok()) << daemon.status();
    daemon_ = std::make_unique<DaemonProcess>(*std::move(daemon));
    ClientOptions options;
    options.target = daemon_->address();
    options.entity_target = daemon_->address();
    absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }

  void TearDown() override {
    client_.reset();
    if (daemon_ != nullptr) {
      absl::StatusOr<int> code = daemon_->Stop(SIGTERM);
      ASSERT_TRUE(code.ok()) << code.status();
      EXPECT_EQ(*code, 0) << daemon_->Log();
    }
  }

  // Calls one EntityService method with a deadline.
  template <typename Request, typename Response, typename Method>
  grpc::Status Call(Method method, const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return (client_->entity_stub().*method)(&context, request, response);
  }

  newsgraph::v1::AnnotateDocumentRequest SeedRequest(const std::string& corpora,
                                                     const std::string& file, int number) {
    newsgraph::v1::DocumentInput input;
    input.set_content(::newsgraph::testing::ReadWholeFile(corpora + "/seeds/" + file));
    input.set_content_type(newsgraph::v1::TEXT_PLAIN);
    auto document = ingest::BuildDocument(input, /*repair_invalid_utf8=*/true);
    EXPECT_TRUE(document.ok()) << document.status();
    newsgraph::v1::AnnotateDocumentRequest request;
    request.set_document("documents/seed-" + std::to_string(number));
    request.set_version(1);
    request.set_text(document->text());
    request.set_title(document->title());
    request.mutable_published_time()->set_seconds(1673913600 + number * 86400);  // 2023-01-17 +
    *request.mutable_paragraphs() = document->paragraphs();
    *request.mutable_passages() = document->passages();
    return request;
  }

  // The entity a surface form resolved to in `response`, or "".
  static std::string EntityOf(const newsgraph::v1::AnnotateDocumentResponse& response,
                              const std::string& surface) {
    for (const auto& m : response.mentions()) {
      if (m.text() == surface && !m.entity().empty()) return m.entity();
    }
    return "";
  }

  TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<Client> client_;
};

TEST_F(EntityGrpcE2ETest, EveryMethodOverGrpc) {
  NG_REQUIRE_CORPORA(corpora);
  using newsgraph::v1::EntityService;
  // AnnotateDocument: the press conference, the interview and the summit report.
  std::vector<newsgraph::v1::AnnotateDocumentResponse> annotated;
  int number = 0;
  for (const char* file :
       {"000_eea4651c0b5db3fc.txt", "001_718767ae12e098d8.txt", "002_c7246605f658ed7b.txt"}) {
    newsgraph::v1::AnnotateDocumentResponse response;
    grpc::Status status = Call(&EntityService::Stub::AnnotateDocument,
                               SeedRequest(corpora, file, ++number), &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_FALSE(response.already_annotated());
    EXPECT_GT(response.mentions_size(), 20);
    annotated.push_back(std::move(response));
  }
  // Idempotent on (document, version); an older version is refused.
  {
    newsgraph::v1::AnnotateDocumentResponse again;
    auto request = SeedRequest(corpora, "000_eea4651c0b5db3fc.txt", 1);
    ASSERT_TRUE(Call(&EntityService::Stub::AnnotateDocument, request, &again).ok());
    EXPECT_TRUE(again.already_annotated());
    EXPECT_EQ(again.mentions_size(), annotated[0].mentions_size());
    request.set_version(0);
    grpc::Status old = Call(&EntityService::Stub::AnnotateDocument, request, &again);
    EXPECT_EQ(old.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  const std::string sco = EntityOf(annotated[0], "SCO");
  const std::string zhang_ming = EntityOf(annotated[0], "Zhang Ming");
  ASSERT_FALSE(sco.empty());
  ASSERT_FALSE(zhang_ming.empty());

  // AnalyzeText stores nothing and finds the same kinds of things.
  {
    newsgraph::v1::AnalyzeTextRequest request;
    request.set_text("Chinese Foreign Minister Wang Yi met SCO officials in Beijing on 3 May 2023.");
    newsgraph::v1::AnalyzeTextResponse response;
    ASSERT_TRUE(Call(&EntityService::Stub::AnalyzeText, request, &response).ok());
    std::vector<std::string> texts;
    for (const auto& m : response.mentions()) texts.push_back(m.text());
    EXPECT_THAT(texts, Contains("Wang Yi"));
    EXPECT_THAT(texts, Contains("Beijing"));
  }
  // GetEntity: aliases and the role from "SCO Secretary-General Zhang Ming".
  {
    newsgraph::v1::GetEntityRequest request;
    request.set_name(zhang_ming);
    newsgraph::v1::Entity entity;
    ASSERT_TRUE(Call(&EntityService::Stub::GetEntity, request, &entity).ok());
    EXPECT_EQ(entity.type(), newsgraph::v1::PERSON);
    ASSERT_GE(entity.roles_size(), 1);
    EXPECT_EQ(entity.roles(0).title(), "Secretary-General");
    EXPECT_EQ(entity.roles(0).organization(), sco);
    request.set_name("entities/999999");
    EXPECT_EQ(Call(&EntityService::Stub::GetEntity, request, &entity).error_code(),
              grpc::StatusCode::NOT_FOUND);
    request.set_name("people/1");
    EXPECT_EQ(Call(&EntityService::Stub::GetEntity, request, &entity).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  // ListEntities: by type, most mentioned first, paginated.
  {
    newsgraph::v1::ListEntitiesRequest request;
    request.set_type(newsgraph::v1::PERSON);
    request.set_page_size(2);
    newsgraph::v1::ListEntitiesResponse first;
    ASSERT_TRUE(Call(&EntityService::Stub::ListEntities, request, &first).ok());
    ASSERT_EQ(first.entities_size(), 2);
    EXPECT_EQ(first.entities(0).name(), zhang_ming);
    EXPECT_GE(first.entities(0).mention_count(), first.entities(1).mention_count());
    ASSERT_FALSE(first.next_page_token().empty());
    request.set_page_token(first.next_page_token());
    newsgraph::v1::ListEntitiesResponse second;
    ASSERT_TRUE(Call(&EntityService::Stub::ListEntities, request, &second).ok());
    ASSERT_GE(second.entities_size(), 1);
    EXPECT_NE(second.entities(0).name(), first.entities(1).name());
    for (const auto& e : second.entities()) EXPECT_EQ(e.type(), newsgraph::v1::PERSON);
  }
  // ResolveEntities: the spelled-out name finds the acronym's entity.
  {
    newsgraph::v1::ResolveEntitiesRequest request;
    request.set_text("Shanghai Cooperation Organisation summit");
    newsgraph::v1::ResolveEntitiesResponse response;
    ASSERT_TRUE(Call(&EntityService::Stub::ResolveEntities, request, &response).ok());
    ASSERT_GE(response.spans_size(), 1);
    ASSERT_GE(response.spans(0).candidates_size(), 1);
    EXPECT_EQ(response.spans(0).candidates(0).entity().name(), sco);
  }
  // ListMentions: where Zhang Ming is named.
  {
    newsgraph::v1::ListMentionsRequest request;
    request.set_entity(zhang_ming);
    request.set_page_size(5);
    newsgraph::v1::ListMentionsResponse response;
    ASSERT_TRUE(Call(&EntityService::Stub::ListMentions, request, &response).ok());
    EXPECT_EQ(response.mentions_size(), 5);
    EXPECT_FALSE(response.next_page_token().empty());
    for (const auto& m : response.mentions()) EXPECT_EQ(m.entity(), zhang_ming);
  }
  // ListRelatedEntities: sentence co-occurrence with evidence, in a window.
  {
    newsgraph::v1::ListRelatedEntitiesRequest request;
    request.set_entity(sco);
    request.set_max_evidence(2);
    newsgraph::v1::ListRelatedEntitiesResponse response;
    ASSERT_TRUE(Call(&EntityService::Stub::ListRelatedEntities, request, &response).ok());
    ASSERT_GE(response.related_entities_size(), 5);
    for (const auto& r : response.related_entities()) {
      EXPECT_GE(r.sentence_count(), 1);
      ASSERT_GE(r.evidence_size(), 1);
      EXPECT_LE(r.evidence_size(), 2);
      EXPECT_THAT(r.evidence(0).text(), HasSubstr("SCO"));
    }
    // Only the interview (published on day 2) in the window.
    request.mutable_start_time()->set_seconds(1673913600 + 2 * 86400);
    request.mutable_end_time()->set_seconds(1673913600 + 3 * 86400);
    ASSERT_TRUE(Call(&EntityService::Stub::ListRelatedEntities, request, &response).ok());
    ASSERT_GE(response.related_entities_size(), 1);
    for (const auto& r : response.related_entities()) {
      for (const auto& e : r.evidence()) EXPECT_EQ(e.document(), "documents/seed-2");
    }
    request.set_max_evidence(-1);
    EXPECT_EQ(Call(&EntityService::Stub::ListRelatedEntities, request, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  // ListQuotes: what Zhang Ming said, and what he said about ASEAN.
  {
    newsgraph::v1::ListQuotesRequest request;
    request.set_entity(zhang_ming);
    request.set_page_size(100);
    newsgraph::v1::ListQuotesResponse response;
    ASSERT_TRUE(Call(&EntityService::Stub::ListQuotes, request, &response).ok());
    EXPECT_GE(response.quotes_size(), 10);
    const std::string asean = EntityOf(annotated[1], "ASEAN");
    ASSERT_FALSE(asean.empty());
    request.set_mentioned_entity(asean);
    ASSERT_TRUE(Call(&EntityService::Stub::ListQuotes, request, &response).ok());
    ASSERT_GE(response.quotes_size(), 1);
    for (const auto& q : response.quotes()) EXPECT_THAT(q.text(), HasSubstr("ASEAN"));
  }
  // UpdateEntity and MergeEntities persist; re-annotation keeps the curation.
  {
    newsgraph::v1::UpdateEntityRequest request;
    request.mutable_entity()->set_name(sco);
    request.mutable_entity()->set_description("regional organisation");
    request.mutable_update_mask()->add_paths("description");
    newsgraph::v1::Entity updated;
    grpc::Status status = Call(&EntityService::Stub::UpdateEntity, request, &updated);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(updated.description(), "regional organisation");
    newsgraph::v1::MergeEntitiesRequest merge;
    merge.set_target(zhang_ming);
    merge.add_sources(zhang_ming);
    newsgraph::v1::Entity merged;
    EXPECT_EQ(Call(&EntityService::Stub::MergeEntities, merge, &merged).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  // DeleteDocumentAnnotations: the interview's quotes and mentions go.
  {
    newsgraph::v1::DeleteDocumentAnnotationsRequest request;
    request.set_document("documents/seed-2");
    newsgraph::v1::DeleteDocumentAnnotationsResponse response;
    ASSERT_TRUE(Call(&EntityService::Stub::DeleteDocumentAnnotations, request, &response).ok());
    EXPECT_EQ(response.removed_mention_count(), annotated[1].mentions_size());
    newsgraph::v1::ListQuotesRequest quotes;
    quotes.set_entity(zhang_ming);
    quotes.set_mentioned_entity(EntityOf(annotated[1], "ASEAN"));
    newsgraph::v1::ListQuotesResponse none;
    ASSERT_TRUE(Call(&EntityService::Stub::ListQuotes, quotes, &none).ok());
    EXPECT_EQ(none.quotes_size(), 0);
  }
}

}  // namespace
}  // namespace newsgraph
