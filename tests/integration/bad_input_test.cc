// Hostile and malformed input over gRPC, table-driven: every case gets the
// expected status code and a message naming the problem, and the daemon
// keeps serving afterwards.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <functional>
#include <random>

#include "absl/strings/str_cat.h"
#include "newsgraph/client.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/sanitizers.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::newsgraph::testing::TempDir;
using newsgraph::v1::DocumentInput;

struct Outcome {
  grpc::StatusCode code;
  std::string message;
};

struct Case {
  std::string name;
  // Runs the call; returns its status.
  std::function<grpc::Status(Client&)> call;
  grpc::StatusCode expected_code;
  // A fragment the message must contain (case-sensitive); empty for OK.
  std::string message_fragment;
};

grpc::Status Ingest(Client& client, DocumentInput doc, bool repair = false) {
  newsgraph::v1::IngestDocumentRequest request;
  *request.mutable_document() = std::move(doc);
  request.set_repair_invalid_utf8(repair);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  newsgraph::v1::IngestDocumentResponse response;
  return client.ingest_stub().IngestDocument(&context, request, &response);
}

DocumentInput Content(std::string content,
                      newsgraph::v1::ContentType type = newsgraph::v1::TEXT_PLAIN) {
  DocumentInput doc;
  doc.set_content(std::move(content));
  doc.set_content_type(type);
  return doc;
}

grpc::Status Search(Client& client, const std::string& query, const std::string& token = "") {
  newsgraph::v1::SearchRequest request;
  request.set_query(query);
  request.set_page_token(token);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  newsgraph::v1::SearchResponse response;
  return client.search_stub().Search(&context, request, &response);
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
  return bytes;
}

class BadInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    absl::StatusOr<DaemonProcess> daemon =
        DaemonProcess::Start(NEWSGRAPHD_PATH, {"--data_dir=" + dir_->path()}, dir_->path());
    ASSERT_TRUE(daemon.ok()) << daemon.status();
    daemon_ = new DaemonProcess(*std::move(daemon));
    ClientOptions options;
    options.target = daemon_->address();
    options.max_attempts = 1;
    client_ = Client::Create(options)->release();
    // Something to search, page through and expand prefixes against.
    for (int i = 0; i < 30; ++i) {
      DocumentInput doc =
          Content(absl::StrCat("Grain shipment ", i,
                               " left Gdansk for Alexandria on Monday, the port authority "
                               "said. Wheat prices rose ",
                               i, " percent as the Baltic Exchange reported demand."));
      doc.set_external_id(absl::StrCat("seed-", i));
      newsgraph::v1::IngestDocumentRequest request;
      *request.mutable_document() = doc;
      request.set_wait_until_indexed(true);
      grpc::ClientContext context;
      newsgraph::v1::IngestDocumentResponse response;
      ASSERT_TRUE(client_->ingest_stub().IngestDocument(&context, request, &response).ok());
    }
  }
  static void TearDownTestSuite() {
    delete client_;
    EXPECT_TRUE(StopsCleanly(*daemon_));
    delete daemon_;
    delete dir_;
  }

  // The daemon answers an ordinary call.
  static void ExpectStillServing(const std::string& after) {
    newsgraph::v1::SearchRequest request;
    request.set_query("grain");
    absl::StatusOr<newsgraph::v1::SearchResponse> found = client_->Search(request);
    ASSERT_TRUE(found.ok()) << "not serving after " << after << ": " << found.status() << "\n"
                            << daemon_->Log();
    EXPECT_GT(found->hits_size(), 0) << after;
  }

  static TempDir* dir_;
  static DaemonProcess* daemon_;
  static Client* client_;
};

TempDir* BadInputTest::dir_ = nullptr;
DaemonProcess* BadInputTest::daemon_ = nullptr;
Client* BadInputTest::client_ = nullptr;

TEST_F(BadInputTest, EveryCaseGetsAClearErrorAndTheServerKeepsServing) {
  using grpc::StatusCode;
  std::string many_lines;
  for (int i = 0; i < 1000000; ++i) many_lines += "ok\n";
  std::string deep_html;
  for (int i = 0; i < 100000; ++i) deep_html += "<div>";
  deep_html += "Deep inside the markup the harbour master spoke.";
  std::string ten_thousand_terms;
  for (int i = 0; i < 10000; ++i) absl::StrAppend(&ten_thousand_terms, "w", i, " ");
  std::string three_hundred_terms;
  for (int i = 0; i < 300; ++i) absl::StrAppend(&three_hundred_terms, "w", i, " ");
  std::string hyphenated_word = "w0";
  for (int i = 1; i < 1000; ++i) absl::StrAppend(&hyphenated_word, "-w", i);

  const std::vector<Case> cases = {
      {"invalid UTF-8", [](Client& c) { return Ingest(c, Content("Port of Gda\xc5 reopened")); },
       StatusCode::INVALID_ARGUMENT, "UTF-8"},
      {"invalid UTF-8, repaired on request",
       [](Client& c) { return Ingest(c, Content("Port of Gda\xc5 reopened today"), true); },
       StatusCode::OK, ""},
      {"empty document", [](Client& c) { return Ingest(c, Content("")); },
       StatusCode::INVALID_ARGUMENT, "document.content is empty"},
      {"whitespace only", [](Client& c) { return Ingest(c, Content(" \n\t\r\n  \n")); },
       StatusCode::INVALID_ARGUMENT, "document.content"},
      {"above the size limit",
       [](Client& c) { return Ingest(c, Content(std::string(9 << 20, 'a'))); },
       StatusCode::INVALID_ARGUMENT, "at most 8388608"},
      {"oversized gRPC message",
       [](Client& c) { return Ingest(c, Content(std::string(40 << 20, 'a'))); },
       StatusCode::RESOURCE_EXHAUSTED, "larger than max"},
      {"binary garbage as text",
       [](Client& c) { return Ingest(c, Content(RandomBytes(50000, 1))); },
       StatusCode::INVALID_ARGUMENT, "UTF-8"},
      {"binary garbage as HTML, repaired",
       [](Client& c) {
         grpc::Status s = Ingest(c, Content(RandomBytes(50000, 2), newsgraph::v1::TEXT_HTML), true);
         // Either some text survives or there is none: both are answers.
         return s.error_code() == StatusCode::INVALID_ARGUMENT ? grpc::Status::OK : s;
       },
       StatusCode::OK, ""},
      {"deeply nested HTML",
       [&](Client& c) { return Ingest(c, Content(deep_html, newsgraph::v1::TEXT_HTML)); },
       StatusCode::OK, ""},
      {"unterminated HTML",
       [](Client& c) {
         return Ingest(c, Content("<html><body><p>The ferry <b>resumed <i>service <a href=\"x",
                                  newsgraph::v1::TEXT_HTML));
       },
       StatusCode::OK, ""},
      {"a million short lines", [&](Client& c) { return Ingest(c, Content(many_lines)); },
       StatusCode::OK, ""},
      {"query syntax error", [](Client& c) { return Search(c, "grain \"wheat prices"); },
       StatusCode::INVALID_ARGUMENT, "position 6"},
      {"unmatched parenthesis", [](Client& c) { return Search(c, "(grain OR wheat"); },
       StatusCode::INVALID_ARGUMENT, "position"},
      {"query with 10,000 terms", [&](Client& c) { return Search(c, ten_thousand_terms); },
       StatusCode::INVALID_ARGUMENT, "max_query_bytes"},
      {"query with 300 terms", [&](Client& c) { return Search(c, three_hundred_terms); },
       StatusCode::INVALID_ARGUMENT, "256"},
      {"one word of 1,000 hyphenated terms", [&](Client& c) { return Search(c, hyphenated_word); },
       StatusCode::INVALID_ARGUMENT, "max_query_terms"},
      {"prefix that expands to everything", [](Client& c) { return Search(c, "w*"); },
       StatusCode::INVALID_ARGUMENT, "prefix"},
      {"prefix too short to expand", [](Client& c) { return Search(c, "a*"); },
       StatusCode::INVALID_ARGUMENT, "at least 2 characters"},
      {"forged page_token", [](Client& c) { return Search(c, "grain", "bm90LWEtdG9rZW4"); },
       StatusCode::INVALID_ARGUMENT, "page_token"},
      {"page_token of another query",
       [](Client& c) {
         newsgraph::v1::SearchRequest first;
         first.set_query("grain");
         first.set_page_size(2);
         absl::StatusOr<newsgraph::v1::SearchResponse> page = c.Search(first);
         if (!page.ok() || page->next_page_token().empty()) {
           return grpc::Status(StatusCode::INTERNAL, "no first page");
         }
         return Search(c, "wheat", page->next_page_token());
       },
       StatusCode::INVALID_ARGUMENT, "page_token"},
      {"forged document page_token",
       [](Client& c) {
         newsgraph::v1::ListDocumentsRequest request;
         request.set_page_token("AAAA");
         grpc::ClientContext context;
         newsgraph::v1::ListDocumentsResponse response;
         return c.ingest_stub().ListDocuments(&context, request, &response);
       },
       StatusCode::INVALID_ARGUMENT, "page_token"},
      {"unknown document",
       [](Client& c) {
         newsgraph::v1::GetDocumentRequest request;
         request.set_name("documents/987654321");
         grpc::ClientContext context;
         newsgraph::v1::Document response;
         return c.ingest_stub().GetDocument(&context, request, &response);
       },
       StatusCode::NOT_FOUND, "documents/987654321"},
      {"malformed document name",
       [](Client& c) {
         newsgraph::v1::GetDocumentRequest request;
         request.set_name("docs/x");
         grpc::ClientContext context;
         newsgraph::v1::Document response;
         return c.ingest_stub().GetDocument(&context, request, &response);
       },
       StatusCode::INVALID_ARGUMENT, "docs/x"},
      {"unknown entity",
       [](Client& c) {
         newsgraph::v1::GetEntityRequest request;
         request.set_name("entities/987654321");
         grpc::ClientContext context;
         newsgraph::v1::Entity response;
         return c.entity_stub().GetEntity(&context, request, &response);
       },
       StatusCode::NOT_FOUND, "entities/987654321"},
  };

  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    grpc::Status status = c.call(*client_);
    EXPECT_EQ(status.error_code(), c.expected_code) << status.error_message();
    if (!c.message_fragment.empty()) {
      EXPECT_NE(status.error_message().find(c.message_fragment), std::string::npos)
          << "message '" << status.error_message() << "' does not mention '" << c.message_fragment
          << "'";
    }
    ExpectStillServing(c.name);
  }
}

TEST_F(BadInputTest, ClientCancellingMidStreamKeepsWhatWasAcknowledged) {
  grpc::ClientContext context;
  auto stream = client_->ingest_stub().BatchIngestDocuments(&context);
  int acknowledged = 0;
  std::vector<std::string> names;
  for (int i = 0; i < 50; ++i) {
    newsgraph::v1::BatchIngestDocumentsRequest request;
    *request.mutable_document() = Content(absl::StrCat(
        "Cancelled batch story ", i, ": the Helsinki ferry line added a sailing on Sunday."));
    request.mutable_document()->set_external_id(absl::StrCat("cancel-", i));
    ASSERT_TRUE(stream->Write(request));
    if (i < 20) {
      newsgraph::v1::BatchIngestDocumentsResponse ack;
      ASSERT_TRUE(stream->Read(&ack));
      if (ack.error_code() == 0) {
        ++acknowledged;
        names.push_back(ack.document());
      }
    }
  }
  context.TryCancel();
  newsgraph::v1::BatchIngestDocumentsResponse ignored;
  while (stream->Read(&ignored)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(acknowledged, 20);
  for (const std::string& name : names) NG_EXPECT_OK(client_->GetDocument(name).status()) << name;
  ExpectStillServing("a cancelled stream");
}

TEST(DefaultDeadlineTest, CallsWithoutADeadlineAreCancelledByTheServer) {
  TempDir dir;
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess daemon,
      DaemonProcess::Start(NEWSGRAPHD_PATH, {"--data_dir=" + dir.path(), "--default_deadline=20ms"},
                           dir.path()));
  ClientOptions options;
  options.target = daemon.address();
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(options));
  // 8,000 sentences (2,000 in a sanitized build): either way the analysis
  // takes far longer than the 20 ms default.
  const int sentences = testing::kSanitizedBuild ? 2000 : 8000;
  std::string long_text;
  for (int i = 0; i < sentences; ++i) {
    absl::StrAppend(&long_text, "Minister Anna Virtanen met officials of the Baltic Council in ",
                    "Riga on Tuesday to discuss shipping, the ministry said. ");
  }
  newsgraph::v1::AnalyzeTextRequest request;
  request.set_text(long_text);
  newsgraph::v1::AnalyzeTextResponse response;
  grpc::ClientContext no_deadline;
  grpc::Status status = client->entity_stub().AnalyzeText(&no_deadline, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED) << status.error_message();
  // A call that sets its own (longer) deadline is left alone.
  grpc::ClientContext with_deadline;
  with_deadline.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  status = client->entity_stub().AnalyzeText(&with_deadline, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_GT(response.mentions_size(), sentences);
  ASSERT_TRUE(StopsCleanly(daemon));
}

}  // namespace
}  // namespace newsgraph
