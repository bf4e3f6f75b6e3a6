// A hostile client against a real newsgraphd, one attack class per test:
// valid requests only, each shaped to cost as much as the API lets it
// (deep markup, extreme timestamps, repeated fields, huge phrases, a
// document whose annotations outgrow a message, searches past their
// deadline). After each, the process must be alive, answer a health check
// and an ordinary search within 2 s, return to near-idle CPU within 15 s and
// have grown by less than 1 GiB.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "newsgraph/client.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/sanitizers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::newsgraph::testing::TempDir;
using newsgraph::v1::DocumentInput;

// CPU seconds (user + system) the process has used.
double CpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
  // After the command: state is field 3 of stat(5), utime 14 and stime 15.
  double utime = 0, stime = 0;
  if (fields.size() > 12) {
    (void)absl::SimpleAtod(fields[11], &utime);
    (void)absl::SimpleAtod(fields[12], &stime);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Resident set size of the process in bytes.
int64_t RssBytes(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      int64_t kib = 0;
      std::istringstream(line.substr(6)) >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

class HostileClientTest : public ::testing::Test {
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
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(IngestAndWait(absl::StrCat(
                                    "Grain shipment ", i,
                                    " left Gdansk for Alexandria on Monday. Zhang Ming met "
                                    "Wang Yi in Beijing and the SCO welcomed the accord."))
                      .ok());
    }
    baseline_rss_ = RssBytes(daemon_->pid());
  }
  static void TearDownTestSuite() {
    delete client_;
    EXPECT_TRUE(StopsCleanly(*daemon_));
    delete daemon_;
    delete dir_;
  }

  static grpc::Status IngestAndWait(std::string content,
                                    newsgraph::v1::ContentType type = newsgraph::v1::TEXT_PLAIN,
                                    newsgraph::v1::IngestDocumentResponse* out = nullptr) {
    newsgraph::v1::IngestDocumentRequest request;
    request.mutable_document()->set_content(std::move(content));
    request.mutable_document()->set_content_type(type);
    request.set_wait_until_indexed(true);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    newsgraph::v1::IngestDocumentResponse response;
    grpc::Status status = client_->ingest_stub().IngestDocument(&context, request, &response);
    if (out != nullptr) *out = response;
    return status;
  }

  // The acceptance checks after one attack.
  static void ExpectHealthy(const std::string& after) {
    SCOPED_TRACE(after);
    const pid_t pid = daemon_->pid();
    ASSERT_EQ(kill(pid, 0), 0) << "daemon died\n" << daemon_->Log();
    // Health and an ordinary search within 2 s.
    {
      auto channel = grpc::CreateChannel(daemon_->address(), grpc::InsecureChannelCredentials());
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
      ASSERT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() +
                                            std::chrono::seconds(2)))
          << "no connection within 2 s";
      newsgraph::v1::SearchRequest request;
      request.set_query("grain shipment");
      newsgraph::v1::SearchResponse response;
      grpc::ClientContext search_context;
      search_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
      grpc::Status status = client_->search_stub().Search(&search_context, request, &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
      EXPECT_GT(response.hits_size(), 0);
    }
    // CPU back near idle (under 20% of a core over one second) within 15 s.
    const absl::Time give_up = absl::Now() + absl::Seconds(15);
    double busy = 1;
    while (absl::Now() < give_up) {
      const double before = CpuSeconds(pid);
      absl::SleepFor(absl::Seconds(1));
      busy = CpuSeconds(pid) - before;
      if (busy < 0.2) break;
    }
    EXPECT_LT(busy, 0.2) << "CPU still busy 15 s after the attack";
    EXPECT_LT(RssBytes(pid) - baseline_rss_, int64_t{1} << 30) << "memory grew by over 1 GiB";
  }

  static TempDir* dir_;
  static DaemonProcess* daemon_;
  static Client* client_;
  static int64_t baseline_rss_;
};

TempDir* HostileClientTest::dir_ = nullptr;
DaemonProcess* HostileClientTest::daemon_ = nullptr;
Client* HostileClientTest::client_ = nullptr;
int64_t HostileClientTest::baseline_rss_ = 0;

// Deep nesting of inline and other elements (gumbo builds and frees its
// tree recursively): the text inside is kept, the daemon survives.
TEST_F(HostileClientTest, DeeplyNestedMarkupOfAnyElement) {
  for (const std::string tag : {"b", "span", "a", "font", "div", "table"}) {
    std::string html = "<html><body><p>Harbour notice.</p>";
    for (int i = 0; i < 300000; ++i) absl::StrAppend(&html, "<", tag, ">");
    html += "The harbour master reopened berth seven.";
    newsgraph::v1::IngestDocumentResponse response;
    grpc::Status status = IngestAndWait(html, newsgraph::v1::TEXT_HTML, &response);
    EXPECT_TRUE(status.ok()) << tag << ": " << status.error_message();
    ExpectHealthy(absl::StrCat("300,000 nested <", tag, ">"));
  }
}

// Nesting hidden behind end tags that close nothing ("<div></i>"): a
// parser ignores them and keeps nesting, so they must not lower the count.
TEST_F(HostileClientTest, NestingHiddenBehindStrayEndTags) {
  std::string html = "<html><body><p>Harbour notice.</p>";
  for (int i = 0; i < 200000; ++i) html += "<div></i>";
  html += "The harbour master reopened berth eight.";
  newsgraph::v1::IngestDocumentResponse response;
  grpc::Status status = IngestAndWait(html, newsgraph::v1::TEXT_HTML, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  ExpectHealthy("200,000 <div> hidden behind stray </i>");
}

// Timestamps at the extremes of google.protobuf.Timestamp and beyond.
TEST_F(HostileClientTest, ExtremeTimestampsAreRejectedQuickly) {
  newsgraph::v1::ListEntitiesRequest list;
  list.set_page_size(1);
  newsgraph::v1::ListEntitiesResponse entities;
  grpc::ClientContext list_context;
  ASSERT_TRUE(client_->entity_stub().ListEntities(&list_context, list, &entities).ok());
  ASSERT_GT(entities.entities_size(), 0);
  const std::string entity = entities.entities(0).name();
  const int64_t extremes[] = {std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::min() + 1, -62135596801,
                              253402300800, std::numeric_limits<int64_t>::max()};
  for (int64_t seconds : extremes) {
    for (const bool as_end : {false, true}) {
      newsgraph::v1::ListRelatedEntitiesRequest request;
      request.set_entity(entity);
      (as_end ? request.mutable_end_time() : request.mutable_start_time())->set_seconds(seconds);
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      newsgraph::v1::ListRelatedEntitiesResponse response;
      grpc::Status status = client_->entity_stub().ListRelatedEntities(&context, request, &response);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << seconds << " " << status.error_message();
    }
  }
  // Valid extremes of the range are fine.
  newsgraph::v1::ListRelatedEntitiesRequest request;
  request.set_entity(entity);
  request.mutable_start_time()->set_seconds(-62135596800);
  request.mutable_end_time()->set_seconds(253402300799);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  newsgraph::v1::ListRelatedEntitiesResponse response;
  EXPECT_TRUE(client_->entity_stub().ListRelatedEntities(&context, request, &response).ok());
  newsgraph::v1::SearchRequest search;
  search.set_query("grain");
  search.mutable_filter()->mutable_published_after()->set_seconds(
      std::numeric_limits<int64_t>::min());
  grpc::ClientContext search_context;
  newsgraph::v1::SearchResponse found;
  EXPECT_EQ(client_->search_stub().Search(&search_context, search, &found).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ExpectHealthy("extreme timestamps");
}

// A read-only client repeating a field: duplicates collapse, too many are
// rejected, and the listener stays responsive.
TEST_F(HostileClientTest, RepeatedFacetsCannotStopTheService) {
  for (int copies : {100, 10000, 100000}) {
    newsgraph::v1::SearchRequest request;
    request.set_query("grain");
    for (int i = 0; i < copies; ++i) request.add_facets("entity");
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    newsgraph::v1::SearchResponse response;
    grpc::Status status = client_->search_stub().Search(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << copies;
    ExpectHealthy(absl::StrCat(copies, " facets"));
  }
}

// Filters repeating their values: bounded per field, duplicates once.
TEST_F(HostileClientTest, RepeatedFilterValuesAreBounded) {
  for (int copies : {1000, 200000}) {
    newsgraph::v1::SearchRequest request;
    request.set_query("grain");
    for (int i = 0; i < copies; ++i) {
      request.mutable_filter()->add_sources(absl::StrCat("source-", i));
      request.mutable_filter()->add_entities(absl::StrCat("entities/", i + 1));
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    newsgraph::v1::SearchResponse response;
    grpc::Status status = client_->search_stub().Search(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << copies;
    ExpectHealthy(absl::StrCat(copies, " filter values per field"));
  }
}

// Queries that tokenize into huge phrases, under the message limit.
TEST_F(HostileClientTest, HugePhrasesAreBoundedByTerms) {
  std::string hyphenated = "w0";
  for (int i = 1; i < 200000; ++i) absl::StrAppend(&hyphenated, "-w", i);
  std::string quoted = "\"";
  for (int i = 0; i < 300000; ++i) absl::StrAppend(&quoted, "word", i % 97, " ");
  quoted += "\"";
  for (const std::string& query : {hyphenated, quoted}) {
    newsgraph::v1::SearchRequest request;
    request.set_query(query);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    newsgraph::v1::SearchResponse response;
    grpc::Status status = client_->search_stub().Search(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    ExpectHealthy(absl::StrCat("a ", query.size(), "-byte phrase query"));
  }
}

// A document whose full annotations exceed the 32 MiB message limit no
// longer blocks the pipeline: it is indexed (the pipeline asks for entities
// only), and a document acknowledged after it is indexed too.
TEST_F(HostileClientTest, ADocumentWithHugeAnnotationsDoesNotBlockThePipeline) {
  std::string dense;
  while (dense.size() < (3u << 20)) {
    dense += "Zhang Ming met Wang Yi and Li Qiang in Beijing, Moscow and Delhi. ";
  }
  newsgraph::v1::IngestDocumentResponse poison;
  grpc::Status status = IngestAndWait(dense, newsgraph::v1::TEXT_PLAIN, &poison);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(poison.document().state(), newsgraph::v1::INDEXED)
      << poison.document().pipeline_error();
  newsgraph::v1::IngestDocumentResponse after;
  status = IngestAndWait("The cotton harvest in Uzbekistan began early this year.",
                         newsgraph::v1::TEXT_PLAIN, &after);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(after.document().state(), newsgraph::v1::INDEXED);
  ExpectHealthy("a 3 MiB name-dense document");
}

// Expensive searches with a short deadline: the work stops with the call.
// Searches that would run for seconds (prefixes expanding to a thousand
// terms each, facets over every match, passages) over 10,000 documents
// (3,500 in a sanitized build), each abandoned by its client after 5 ms:
// the daemon stops them instead of working on for nobody.
TEST_F(HostileClientTest, SearchesStopAtTheirDeadline) {
  // Indexed directly (no annotation), in batches: 400 words each from
  // 4,000 made-up words, so every prefix below matches most documents.
  const char* prefixes[] = {"gr", "wh", "sh", "mo", "le", "al", "po", "be"};
  std::vector<std::string> words;
  for (int w = 0; w < 4000; ++w) {
    std::string word = prefixes[w % 8];
    for (int n = w / 8 + 1; n > 0; n /= 26) word += static_cast<char>('a' + n % 26);
    words.push_back(word);
  }
  std::mt19937 random(7);
  // A sanitized daemon searches about three times more slowly, so a third
  // as many documents make searches of the same cost.
  constexpr int kDocuments = testing::kSanitizedBuild ? 3500 : 10000;
  constexpr int kBatch = 500;
  for (int first = 0; first < kDocuments; first += kBatch) {
    newsgraph::v1::BatchIndexDocumentsRequest batch;
    for (int d = first; d < first + kBatch; ++d) {
      newsgraph::v1::IndexDocumentRequest* request = batch.add_requests();
      auto* doc = request->mutable_document();
      doc->set_name(absl::StrCat("documents/", 900000 + d));
      doc->set_version(1);
      std::string text;
      for (int k = 0; k < 400; ++k) absl::StrAppend(&text, words[random() % words.size()], " ");
      doc->set_text(text);
      doc->set_source(absl::StrCat("source-", d % 50));
      auto* entity = request->add_entities();
      entity->set_entity(absl::StrCat("entities/", 500000 + d % 200));
      entity->set_salience(0.5f);
    }
    grpc::ClientContext context;
    newsgraph::v1::BatchIndexDocumentsResponse indexed;
    ASSERT_TRUE(client_->search_stub().BatchIndexDocuments(&context, batch, &indexed).ok());
  }
  for (int i = 0; i < 20; ++i) {
    newsgraph::v1::SearchRequest request;
    request.set_query("gr* OR wh* OR sh* OR mo* OR le* OR al* OR po* OR be*");
    request.add_facets("entity");
    request.add_facets("source");
    request.set_unit(i % 2 == 0 ? newsgraph::v1::SEARCH_UNIT_DOCUMENT
                                : newsgraph::v1::SEARCH_UNIT_PASSAGE);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(5));
    newsgraph::v1::SearchResponse response;
    (void)client_->search_stub().Search(&context, request, &response);
  }
  ExpectHealthy("searches past their deadline");
  for (int d = 0; d < kDocuments; ++d) {
    newsgraph::v1::RemoveDocumentRequest remove;
    remove.set_document(absl::StrCat("documents/", 900000 + d));
    grpc::ClientContext context;
    newsgraph::v1::RemoveDocumentResponse removed;
    ASSERT_TRUE(client_->search_stub().RemoveDocument(&context, remove, &removed).ok());
  }
}

// Entity requests repeating their fields: a merge listing a source twice or
// too many sources, an update with a flood of aliases. Refused before any
// work, and nothing is counted twice.
TEST_F(HostileClientTest, RepeatedEntityFieldsAreBoundedAndNeverCountTwice) {
  newsgraph::v1::ListEntitiesRequest list;
  list.set_page_size(2);
  newsgraph::v1::ListEntitiesResponse entities;
  grpc::ClientContext list_context;
  ASSERT_TRUE(client_->entity_stub().ListEntities(&list_context, list, &entities).ok());
  ASSERT_EQ(entities.entities_size(), 2);
  const newsgraph::v1::Entity& target = entities.entities(0);
  const std::string source = entities.entities(1).name();
  for (int copies : {2, 1000, 200000}) {
    newsgraph::v1::MergeEntitiesRequest merge;
    merge.set_target(target.name());
    for (int i = 0; i < copies; ++i) merge.add_sources(source);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    newsgraph::v1::Entity merged;
    grpc::Status status = client_->entity_stub().MergeEntities(&context, merge, &merged);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << copies << ": " << status.error_message();
    ExpectHealthy(absl::StrCat("a merge listing one source ", copies, " times"));
  }
  newsgraph::v1::GetEntityRequest get;
  get.set_name(target.name());
  newsgraph::v1::Entity after;
  grpc::ClientContext get_context;
  ASSERT_TRUE(client_->entity_stub().GetEntity(&get_context, get, &after).ok());
  EXPECT_EQ(after.mention_count(), target.mention_count()) << "counted twice";

  // One alias listed 500,000 times (and one path 10,000 times) counts once,
  // as UpdateEntityRequest documents; 500,000 distinct aliases are refused.
  for (const bool distinct : {false, true}) {
    newsgraph::v1::UpdateEntityRequest update;
    update.mutable_entity()->set_name(target.name());
    for (int i = 0; i < 500000; ++i) {
      update.mutable_entity()->add_aliases()->set_text(
          distinct ? absl::StrCat("alias ", i) : std::string("alias"));
    }
    for (int i = 0; i < 10000; ++i) update.mutable_update_mask()->add_paths("aliases");
    grpc::ClientContext update_context;
    update_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    newsgraph::v1::Entity updated;
    const grpc::Status status =
        client_->entity_stub().UpdateEntity(&update_context, update, &updated);
    if (distinct) {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    } else {
      ASSERT_TRUE(status.ok()) << status.error_message();
      EXPECT_EQ(updated.aliases_size(), 1);
    }
    ExpectHealthy(absl::StrCat("an update with 500,000 ", distinct ? "distinct" : "equal",
                               " aliases"));
  }
}

// Large documents sent with a deadline shorter than their normalization:
// the work stops with the call and nothing is stored.
TEST_F(HostileClientTest, NormalizationStopsAtTheDeadline) {
  std::string page = "<html><body><article>";
  while (page.size() < (8u << 20) - 4096) {
    page += "<p>Dock workers unloaded <b>grain</b> and timber at berth four.</p>";
  }
  page += "</article></body></html>";
  auto document_count = [] {
    newsgraph::v1::ListDocumentsRequest request;
    request.set_page_size(1000);
    newsgraph::v1::ListDocumentsResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(client_->ingest_stub().ListDocuments(&context, request, &response).ok());
    return response.documents_size();
  };
  const int before = document_count();
  for (int i = 0; i < 5; ++i) {
    newsgraph::v1::IngestDocumentRequest request;
    request.mutable_document()->set_content(absl::StrCat(page, "<!-- ", i, " -->"));
    request.mutable_document()->set_content_type(newsgraph::v1::TEXT_HTML);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(50));
    newsgraph::v1::IngestDocumentResponse response;
    grpc::Status status = client_->ingest_stub().IngestDocument(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  }
  ExpectHealthy("8 MiB pages past their deadline");
  EXPECT_EQ(document_count(), before) << "a page was stored after its call ended";
}

}  // namespace
}  // namespace newsgraph
