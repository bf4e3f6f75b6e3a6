// GrpcPipelineDownstream against fake EntityService and SearchService
// servers on loopback (each on its own port, so a call sent to the wrong
// service fails as UNIMPLEMENTED): the requests it builds, the statuses it
// passes back, deadlines and CancelCalls.
#include "services/ingest/grpc_downstream.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/mutex.h"
#include "newsgraph/v1/entity_service.grpc.pb.h"
#include "newsgraph/v1/search_service.grpc.pb.h"
#include "tests/testing/status_matchers.h"

namespace newsgraph::ingest {
namespace {

using ::newsgraph::testing::StatusIs;
using newsgraph::v1::AnnotateDocumentRequest;
using newsgraph::v1::AnnotateDocumentResponse;
using newsgraph::v1::Document;
using newsgraph::v1::IndexDocumentRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Runs before a fake handler answers; a status other than OK is the call's.
using Hook = std::function<grpc::Status(grpc::ServerContext*)>;

// Blocks until the call is cancelled (or 20 s pass), then answers CANCELLED.
grpc::Status WaitForCancellation(grpc::ServerContext* context) {
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (!context->IsCancelled() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  return grpc::Status(grpc::StatusCode::CANCELLED, "seen cancelled by the fake");
}

// Records what each handler got and the deadlines the calls carried.
class CallLog {
 public:
  void Record(const std::string& call, const grpc::ServerContext* context) {
    newsgraph::MutexLock lock(&mu_);
    calls_.push_back(call);
    deadlines_.push_back(absl::FromChrono(context->deadline()) - absl::Now());
  }
  std::vector<std::string> calls() {
    newsgraph::MutexLock lock(&mu_);
    return calls_;
  }
  // Time left to each call's deadline when its handler started.
  std::vector<absl::Duration> deadlines() {
    newsgraph::MutexLock lock(&mu_);
    return deadlines_;
  }
  void set_hook(Hook hook) {
    newsgraph::MutexLock lock(&mu_);
    hook_ = std::move(hook);
  }
  grpc::Status RunHook(grpc::ServerContext* context) {
    Hook hook;
    {
      newsgraph::MutexLock lock(&mu_);
      hook = hook_;
    }
    return hook ? hook(context) : grpc::Status::OK;
  }

 private:
  newsgraph::Mutex mu_;
  std::vector<std::string> calls_;
  std::vector<absl::Duration> deadlines_;
  Hook hook_;
};

// Annotations that name the request's document.
AnnotateDocumentResponse AnnotationsFor(const AnnotateDocumentRequest& request) {
  AnnotateDocumentResponse response;
  newsgraph::v1::DocumentEntity* entity = response.add_entities();
  entity->set_entity("entities/for-" + request.document());
  entity->set_mention_count(static_cast<uint32_t>(request.version()));
  return response;
}

class FakeEntityService final : public newsgraph::v1::EntityService::Service {
 public:
  grpc::Status AnnotateDocument(grpc::ServerContext* context,
                                const AnnotateDocumentRequest* request,
                                AnnotateDocumentResponse* response) override {
    log.Record("AnnotateDocument " + request->document(), context);
    {
      newsgraph::MutexLock lock(&mu_);
      annotate_requests_.push_back(*request);
    }
    if (grpc::Status status = log.RunHook(context); !status.ok()) return status;
    *response = AnnotationsFor(*request);
    return grpc::Status::OK;
  }
  grpc::Status BatchAnnotateDocuments(
      grpc::ServerContext* context, const newsgraph::v1::BatchAnnotateDocumentsRequest* request,
      newsgraph::v1::BatchAnnotateDocumentsResponse* response) override {
    log.Record(absl::StrCat("BatchAnnotateDocuments ", request->requests_size()), context);
    {
      newsgraph::MutexLock lock(&mu_);
      batch_requests_.push_back(*request);
    }
    if (grpc::Status status = log.RunHook(context); !status.ok()) return status;
    newsgraph::MutexLock lock(&mu_);
    for (const AnnotateDocumentRequest& one : request->requests()) {
      newsgraph::v1::AnnotateDocumentResult* result = response->add_results();
      auto it = per_document_errors_.find(one.document());
      if (it != per_document_errors_.end()) {
        result->set_error_code(static_cast<int32_t>(it->second.error_code()));
        result->set_error_message(it->second.error_message());
      } else {
        *result->mutable_response() = AnnotationsFor(one);
      }
    }
    for (int i = 0; i < drop_results_ && response->results_size() > 0; ++i) {
      response->mutable_results()->RemoveLast();
    }
    return grpc::Status::OK;
  }
  grpc::Status DeleteDocumentAnnotations(
      grpc::ServerContext* context, const newsgraph::v1::DeleteDocumentAnnotationsRequest* request,
      newsgraph::v1::DeleteDocumentAnnotationsResponse* response) override {
    log.Record("DeleteDocumentAnnotations " + request->document(), context);
    if (grpc::Status status = log.RunHook(context); !status.ok()) return status;
    response->set_removed_mention_count(4);
    return grpc::Status::OK;
  }

  void FailDocument(const std::string& name, grpc::Status status) {
    newsgraph::MutexLock lock(&mu_);
    per_document_errors_[name] = std::move(status);
  }
  // The batch answers this many results fewer than it was asked for.
  void DropResults(int n) {
    newsgraph::MutexLock lock(&mu_);
    drop_results_ = n;
  }
  std::vector<AnnotateDocumentRequest> annotate_requests() {
    newsgraph::MutexLock lock(&mu_);
    return annotate_requests_;
  }
  std::vector<newsgraph::v1::BatchAnnotateDocumentsRequest> batch_requests() {
    newsgraph::MutexLock lock(&mu_);
    return batch_requests_;
  }

  CallLog log;

 private:
  newsgraph::Mutex mu_;
  std::vector<AnnotateDocumentRequest> annotate_requests_;
  std::vector<newsgraph::v1::BatchAnnotateDocumentsRequest> batch_requests_;
  std::map<std::string, grpc::Status> per_document_errors_;
  int drop_results_ = 0;
};

class FakeSearchService final : public newsgraph::v1::SearchService::Service {
 public:
  grpc::Status IndexDocument(grpc::ServerContext* context, const IndexDocumentRequest* request,
                             newsgraph::v1::IndexDocumentResponse* response) override {
    log.Record("IndexDocument " + request->document().name(), context);
    {
      newsgraph::MutexLock lock(&mu_);
      index_requests_.push_back(*request);
    }
    if (grpc::Status status = log.RunHook(context); !status.ok()) return status;
    response->set_applied(true);
    response->set_indexed_version(request->document().version());
    return grpc::Status::OK;
  }
  grpc::Status BatchIndexDocuments(grpc::ServerContext* context,
                                   const newsgraph::v1::BatchIndexDocumentsRequest* request,
                                   newsgraph::v1::BatchIndexDocumentsResponse* response) override {
    log.Record(absl::StrCat("BatchIndexDocuments ", request->requests_size()), context);
    {
      newsgraph::MutexLock lock(&mu_);
      batch_requests_.push_back(*request);
    }
    if (grpc::Status status = log.RunHook(context); !status.ok()) return status;
    for (const IndexDocumentRequest& one : request->requests()) {
      newsgraph::v1::IndexDocumentResponse* answer = response->add_responses();
      answer->set_applied(true);
      answer->set_indexed_version(one.document().version());
    }
    return grpc::Status::OK;
  }
  grpc::Status RemoveDocument(grpc::ServerContext* context,
                              const newsgraph::v1::RemoveDocumentRequest* request,
                              newsgraph::v1::RemoveDocumentResponse* response) override {
    log.Record("RemoveDocument " + request->document(), context);
    if (grpc::Status status = log.RunHook(context); !status.ok()) return status;
    response->set_removed(true);
    return grpc::Status::OK;
  }

  std::vector<IndexDocumentRequest> index_requests() {
    newsgraph::MutexLock lock(&mu_);
    return index_requests_;
  }
  std::vector<newsgraph::v1::BatchIndexDocumentsRequest> batch_requests() {
    newsgraph::MutexLock lock(&mu_);
    return batch_requests_;
  }

  CallLog log;

 private:
  newsgraph::Mutex mu_;
  std::vector<IndexDocumentRequest> index_requests_;
  std::vector<newsgraph::v1::BatchIndexDocumentsRequest> batch_requests_;
};

// A server on a free loopback port serving one service.
class LoopbackServer {
 public:
  explicit LoopbackServer(grpc::Service* service) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service);
    server_ = builder.BuildAndStart();
  }
  ~LoopbackServer() { Shutdown(); }
  void Shutdown() {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
    server_.reset();
  }
  bool started() const { return server_ != nullptr && port_ > 0; }
  std::shared_ptr<grpc::Channel> Channel() const {
    return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                               grpc::InsecureChannelCredentials());
  }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

class GrpcDownstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(entity_server_.started());
    ASSERT_TRUE(search_server_.started());
  }

  std::unique_ptr<GrpcPipelineDownstream> Downstream(absl::Duration timeout = absl::Seconds(30)) {
    return std::make_unique<GrpcPipelineDownstream>(entity_server_.Channel(),
                                                    search_server_.Channel(), timeout);
  }

  // A stored document with every field the requests carry set.
  static Document FullDocument(const std::string& name, int64_t version) {
    Document doc;
    doc.set_name(name);
    doc.set_version(version);
    doc.set_external_id("wire-" + name);
    doc.set_source("Coastal Courier");
    doc.set_title("Storm closes the ferry line");
    doc.set_text("The ferry line closed at noon. It reopens on Friday.");
    doc.set_language("en-GB");
    doc.mutable_published_time()->set_seconds(1767225600);
    newsgraph::v1::Paragraph* paragraph = doc.add_paragraphs();
    paragraph->mutable_span()->set_begin(0);
    paragraph->mutable_span()->set_end(30);
    paragraph->mutable_span()->set_byte_end(30);
    newsgraph::v1::Passage* passage = doc.add_passages();
    passage->set_question("When does it reopen?");
    passage->set_answer("On Friday.");
    doc.add_removed_boilerplate("Subscribe for more ferry news");
    doc.set_state(newsgraph::v1::RECEIVED);
    return doc;
  }

  static AnnotateDocumentResponse SomeAnnotations() {
    AnnotateDocumentResponse annotations;
    newsgraph::v1::DocumentEntity* entity = annotations.add_entities();
    entity->set_entity("entities/17");
    entity->set_canonical_name("Ferry Line");
    entity->set_mention_count(2);
    newsgraph::v1::Mention* mention = annotations.add_mentions();
    mention->set_entity("entities/17");
    mention->set_text("ferry line");
    annotations.add_quotes()->set_text("We close at noon.");
    annotations.set_already_annotated(true);
    return annotations;
  }

  FakeEntityService entity_;
  FakeSearchService search_;
  LoopbackServer entity_server_{&entity_};
  LoopbackServer search_server_{&search_};
};

// --- Request mapping ---

TEST_F(GrpcDownstreamTest, AnnotateSendsTheDocumentAndAsksForTheEntitiesView) {
  auto downstream = Downstream();
  const Document doc = FullDocument("documents/7", 3);
  NG_ASSERT_OK_AND_ASSIGN(AnnotateDocumentResponse response, downstream->Annotate(doc));
  ASSERT_EQ(response.entities_size(), 1);
  EXPECT_EQ(response.entities(0).entity(), "entities/for-documents/7");
  EXPECT_EQ(response.entities(0).mention_count(), 3u);

  const std::vector<AnnotateDocumentRequest> requests = entity_.annotate_requests();
  ASSERT_EQ(requests.size(), 1u);
  const AnnotateDocumentRequest& request = requests[0];
  EXPECT_EQ(request.document(), "documents/7");
  EXPECT_EQ(request.version(), 3);
  EXPECT_EQ(request.text(), doc.text());
  EXPECT_EQ(request.title(), doc.title());
  EXPECT_EQ(request.language(), "en-GB");
  ASSERT_TRUE(request.has_published_time());
  EXPECT_EQ(request.published_time().seconds(), 1767225600);
  ASSERT_EQ(request.paragraphs_size(), 1);
  EXPECT_EQ(request.paragraphs(0).span().end(), 30u);
  ASSERT_EQ(request.passages_size(), 1);
  EXPECT_EQ(request.passages(0).answer(), "On Friday.");
  EXPECT_EQ(request.view(), newsgraph::v1::ANNOTATION_VIEW_ENTITIES);
  EXPECT_THAT(search_.log.calls(), ::testing::IsEmpty());
}

TEST_F(GrpcDownstreamTest, AnnotateLeavesPublishedTimeUnsetWhenTheDocumentHasNone) {
  auto downstream = Downstream();
  Document doc = FullDocument("documents/8", 1);
  doc.clear_published_time();
  NG_ASSERT_OK(downstream->Annotate(doc).status());
  const std::vector<AnnotateDocumentRequest> requests = entity_.annotate_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0].has_published_time());
}

// The index request holds the document without its removed boilerplate, and
// the entities and mentions of the annotations (nothing else of them).
TEST_F(GrpcDownstreamTest, IndexSendsTheDocumentWithItsEntitiesAndMentions) {
  auto downstream = Downstream();
  const Document doc = FullDocument("documents/9", 2);
  NG_ASSERT_OK(downstream->Index(doc, SomeAnnotations()));
  const std::vector<IndexDocumentRequest> requests = search_.index_requests();
  ASSERT_EQ(requests.size(), 1u);
  const IndexDocumentRequest& request = requests[0];
  Document expected = doc;
  expected.clear_removed_boilerplate();
  EXPECT_EQ(request.document().SerializeAsString(), expected.SerializeAsString());
  EXPECT_EQ(request.document().removed_boilerplate_size(), 0);
  ASSERT_EQ(request.entities_size(), 1);
  EXPECT_EQ(request.entities(0).entity(), "entities/17");
  EXPECT_EQ(request.entities(0).canonical_name(), "Ferry Line");
  ASSERT_EQ(request.mentions_size(), 1);
  EXPECT_EQ(request.mentions(0).text(), "ferry line");
  EXPECT_THAT(entity_.log.calls(), ::testing::IsEmpty());
}

TEST_F(GrpcDownstreamTest, RemoveDeletesTheAnnotationsThenTheIndexedDocument) {
  auto downstream = Downstream();
  NG_ASSERT_OK(downstream->Remove("documents/12"));
  EXPECT_THAT(entity_.log.calls(), ElementsAre("DeleteDocumentAnnotations documents/12"));
  EXPECT_THAT(search_.log.calls(), ElementsAre("RemoveDocument documents/12"));
}

TEST_F(GrpcDownstreamTest, RemoveStopsWhenTheEntityServiceFails) {
  auto downstream = Downstream();
  entity_.log.set_hook([](grpc::ServerContext*) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "entity store is closing");
  });
  EXPECT_THAT(downstream->Remove("documents/12"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("entity store is closing")));
  EXPECT_THAT(search_.log.calls(), ::testing::IsEmpty());
}

TEST_F(GrpcDownstreamTest, RemovePassesOnTheSearchServicesFailure) {
  auto downstream = Downstream();
  search_.log.set_hook([](grpc::ServerContext*) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "index corrupt");
  });
  EXPECT_THAT(downstream->Remove("documents/12"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("index corrupt")));
  EXPECT_THAT(entity_.log.calls(), ElementsAre("DeleteDocumentAnnotations documents/12"));
}

// --- Batches ---

TEST_F(GrpcDownstreamTest, AnnotateBatchIsOneCallWithAResultPerDocumentInOrder) {
  auto downstream = Downstream();
  const Document a = FullDocument("documents/1", 1);
  const Document b = FullDocument("documents/2", 4);
  const Document c = FullDocument("documents/3", 2);
  entity_.FailDocument("documents/2",
                       grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "paragraph out of range"));
  NG_ASSERT_OK_AND_ASSIGN(auto results, downstream->AnnotateBatch({&a, &b, &c}));
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  EXPECT_EQ(results[0]->entities(0).entity(), "entities/for-documents/1");
  EXPECT_THAT(results[1],
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("paragraph out of range")));
  ASSERT_TRUE(results[2].ok()) << results[2].status();
  EXPECT_EQ(results[2]->entities(0).entity(), "entities/for-documents/3");
  EXPECT_EQ(results[2]->entities(0).mention_count(), 2u);

  EXPECT_THAT(entity_.log.calls(), ElementsAre("BatchAnnotateDocuments 3"));
  const auto batches = entity_.batch_requests();
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].requests_size(), 3);
  for (int i = 0; i < 3; ++i) {
    const AnnotateDocumentRequest& request = batches[0].requests(i);
    EXPECT_EQ(request.document(), absl::StrCat("documents/", i + 1));
    EXPECT_EQ(request.view(), newsgraph::v1::ANNOTATION_VIEW_ENTITIES);
    EXPECT_EQ(request.text(), a.text());
    EXPECT_EQ(request.paragraphs_size(), 1);
  }
  EXPECT_EQ(batches[0].requests(1).version(), 4);
}

TEST_F(GrpcDownstreamTest, AnnotateBatchWithTheWrongNumberOfResultsIsInternal) {
  auto downstream = Downstream();
  const Document a = FullDocument("documents/1", 1);
  const Document b = FullDocument("documents/2", 1);
  entity_.DropResults(1);
  EXPECT_THAT(downstream->AnnotateBatch({&a, &b}),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("1 results for 2 documents")));
}

TEST_F(GrpcDownstreamTest, AFailedBatchCallFailsAsAWhole) {
  auto downstream = Downstream();
  const Document a = FullDocument("documents/1", 1);
  const Document b = FullDocument("documents/2", 1);
  entity_.log.set_hook([](grpc::ServerContext*) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too many documents at once");
  });
  EXPECT_THAT(downstream->AnnotateBatch({&a, &b}),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("too many documents")));
  search_.log.set_hook([](grpc::ServerContext*) {
    return grpc::Status(grpc::StatusCode::ABORTED, "segment merge in progress");
  });
  const AnnotateDocumentResponse annotations = SomeAnnotations();
  EXPECT_THAT(downstream->IndexBatch({&a, &b}, {&annotations, &annotations}),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("segment merge")));
}

TEST_F(GrpcDownstreamTest, IndexBatchPairsEachDocumentWithItsAnnotations) {
  auto downstream = Downstream();
  const Document a = FullDocument("documents/1", 1);
  const Document b = FullDocument("documents/2", 5);
  AnnotateDocumentResponse for_a;
  for_a.add_entities()->set_entity("entities/a");
  AnnotateDocumentResponse for_b;
  for_b.add_entities()->set_entity("entities/b1");
  for_b.add_entities()->set_entity("entities/b2");
  for_b.add_mentions()->set_text("b mention");
  NG_ASSERT_OK(downstream->IndexBatch({&a, &b}, {&for_a, &for_b}));
  EXPECT_THAT(search_.log.calls(), ElementsAre("BatchIndexDocuments 2"));
  const auto batches = search_.batch_requests();
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].requests_size(), 2);
  const IndexDocumentRequest& first = batches[0].requests(0);
  const IndexDocumentRequest& second = batches[0].requests(1);
  EXPECT_EQ(first.document().name(), "documents/1");
  EXPECT_EQ(first.document().removed_boilerplate_size(), 0);
  ASSERT_EQ(first.entities_size(), 1);
  EXPECT_EQ(first.entities(0).entity(), "entities/a");
  EXPECT_EQ(first.mentions_size(), 0);
  EXPECT_EQ(second.document().name(), "documents/2");
  EXPECT_EQ(second.document().version(), 5);
  ASSERT_EQ(second.entities_size(), 2);
  EXPECT_EQ(second.entities(1).entity(), "entities/b2");
  ASSERT_EQ(second.mentions_size(), 1);
  EXPECT_EQ(second.mentions(0).text(), "b mention");
}

// --- Statuses, deadlines, cancellation ---

TEST_F(GrpcDownstreamTest, StatusCodesAndMessagesArePassedThrough) {
  auto downstream = Downstream();
  const Document doc = FullDocument("documents/5", 1);
  const AnnotateDocumentResponse annotations = SomeAnnotations();
  for (grpc::StatusCode code :
       {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::NOT_FOUND,
        grpc::StatusCode::FAILED_PRECONDITION, grpc::StatusCode::RESOURCE_EXHAUSTED,
        grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::UNAUTHENTICATED,
        grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::INTERNAL}) {
    const std::string message = absl::StrCat("scripted failure ", static_cast<int>(code));
    SCOPED_TRACE(message);
    const Hook hook = [&](grpc::ServerContext*) { return grpc::Status(code, message); };
    entity_.log.set_hook(hook);
    search_.log.set_hook(hook);
    const auto expected = static_cast<absl::StatusCode>(code);
    EXPECT_THAT(downstream->Annotate(doc), StatusIs(expected, HasSubstr(message)));
    EXPECT_THAT(downstream->Index(doc, annotations), StatusIs(expected, HasSubstr(message)));
    EXPECT_THAT(downstream->AnnotateBatch({&doc}), StatusIs(expected, HasSubstr(message)));
    EXPECT_THAT(downstream->IndexBatch({&doc}, {&annotations}),
                StatusIs(expected, HasSubstr(message)));
    EXPECT_THAT(downstream->Remove(doc.name()), StatusIs(expected, HasSubstr(message)));
  }
}

// Every call carries a deadline call_timeout from its start.
TEST_F(GrpcDownstreamTest, EveryCallCarriesTheCallTimeoutAsItsDeadline) {
  auto downstream = Downstream(absl::Seconds(7));
  const Document doc = FullDocument("documents/5", 1);
  const AnnotateDocumentResponse annotations = SomeAnnotations();
  NG_ASSERT_OK(downstream->Annotate(doc).status());
  NG_ASSERT_OK(downstream->AnnotateBatch({&doc}).status());
  NG_ASSERT_OK(downstream->Index(doc, annotations));
  NG_ASSERT_OK(downstream->IndexBatch({&doc}, {&annotations}));
  NG_ASSERT_OK(downstream->Remove(doc.name()));
  std::vector<absl::Duration> deadlines = entity_.log.deadlines();
  for (absl::Duration d : search_.log.deadlines()) deadlines.push_back(d);
  ASSERT_EQ(deadlines.size(), 6u);
  for (absl::Duration left : deadlines) {
    // gRPC sends the deadline as a timeout, rounded up on the way.
    EXPECT_LE(left, absl::Seconds(8));
    EXPECT_GT(left, absl::Seconds(1)) << "far less than the 7 s asked for";
  }
}

TEST_F(GrpcDownstreamTest, ACallOutlivingItsTimeoutEndsWithDeadlineExceeded) {
  auto downstream = Downstream(absl::Milliseconds(100));
  entity_.log.set_hook(WaitForCancellation);
  const Document doc = FullDocument("documents/5", 1);
  EXPECT_THAT(downstream->Annotate(doc), StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(downstream->AnnotateBatch({&doc}), StatusIs(absl::StatusCode::kDeadlineExceeded));
}

// CancelCalls ends the call in flight with CANCELLED; calls made later fail
// at once, without reaching the services.
TEST_F(GrpcDownstreamTest, CancelCallsEndsTheCallInFlightAndEveryLaterCall) {
  auto downstream = Downstream();
  newsgraph::Mutex mu;
  bool entered = false;
  search_.log.set_hook([&](grpc::ServerContext* context) {
    {
      newsgraph::MutexLock lock(&mu);
      entered = true;
    }
    return WaitForCancellation(context);
  });
  const Document doc = FullDocument("documents/5", 1);
  const AnnotateDocumentResponse annotations = SomeAnnotations();
  absl::Status in_flight;
  std::thread call([&] { in_flight = downstream->IndexBatch({&doc}, {&annotations}); });
  bool reached = false;
  {
    newsgraph::MutexLock lock(&mu);
    reached = mu.AwaitWithTimeout(newsgraph::Condition(&entered), absl::Seconds(20));
  }
  downstream->CancelCalls();
  call.join();
  ASSERT_TRUE(reached) << "the index call never reached the server";
  EXPECT_THAT(in_flight, StatusIs(absl::StatusCode::kCancelled));

  const size_t entity_calls = entity_.log.calls().size();
  const size_t search_calls = search_.log.calls().size();
  EXPECT_THAT(downstream->Annotate(doc), StatusIs(absl::StatusCode::kCancelled));
  EXPECT_THAT(downstream->AnnotateBatch({&doc}), StatusIs(absl::StatusCode::kCancelled));
  EXPECT_THAT(downstream->Index(doc, annotations), StatusIs(absl::StatusCode::kCancelled));
  EXPECT_THAT(downstream->IndexBatch({&doc}, {&annotations}),
              StatusIs(absl::StatusCode::kCancelled));
  EXPECT_THAT(downstream->Remove(doc.name()), StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(entity_.log.calls().size(), entity_calls);
  EXPECT_EQ(search_.log.calls().size(), search_calls);
  downstream->CancelCalls();  // again: harmless
}

TEST_F(GrpcDownstreamTest, AServiceThatIsNotListeningIsUnavailable) {
  auto downstream = Downstream(absl::Seconds(10));
  entity_server_.Shutdown();
  search_server_.Shutdown();
  const Document doc = FullDocument("documents/5", 1);
  const AnnotateDocumentResponse annotations = SomeAnnotations();
  EXPECT_THAT(downstream->Annotate(doc), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(downstream->IndexBatch({&doc}, {&annotations}),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(downstream->Remove(doc.name()), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace newsgraph::ingest
