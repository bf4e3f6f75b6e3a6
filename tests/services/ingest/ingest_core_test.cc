#include "services/ingest/ingest_core.h"

#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"
#include "services/ingest/ingest_keyspace.h"
#include "services/ingest/pipeline.h"
#include "storage/rocksdb_kv_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::ingest {
namespace {

using ::newsgraph::testing::StatusIs;
using newsgraph::v1::DocumentInput;
using ::testing::HasSubstr;

class IngestCoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    core_.reset();
    store_.reset();
    storage::RocksDbOptions options;
    options.path = dir_.path();
    options.column_families = IngestColumnFamilies();
    auto store = storage::OpenRocksDbStore(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto core = IngestCore::Open(store_.get());
    ASSERT_TRUE(core.ok()) << core.status();
    core_ = *std::move(core);
  }

  static DocumentInput Text(const std::string& content, const std::string& external_id = "") {
    DocumentInput input;
    input.set_content(content);
    input.set_external_id(external_id);
    return input;
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<IngestCore> core_;
};

TEST_F(IngestCoreTest, StoresNormalizedDocumentAndQueuesIt) {
  NG_ASSERT_OK_AND_ASSIGN(
      IngestResult r,
      core_->Ingest(Text("Headline Here\n\nFirst  paragraph.\n\nSecond one."), false));
  EXPECT_EQ(r.outcome, newsgraph::v1::CREATED);
  EXPECT_EQ(r.document.name(), "documents/1");
  EXPECT_EQ(r.document.text(), "Headline Here\n\nFirst paragraph.\n\nSecond one.");
  EXPECT_EQ(r.document.title(), "Headline Here");
  EXPECT_EQ(r.document.paragraphs_size(), 3);
  EXPECT_EQ(r.document.state(), newsgraph::v1::STORED);
  EXPECT_EQ(core_->OutboxSize(), 1u);
}

TEST_F(IngestCoreTest, ExternalIdMakesIngestIdempotentAndVersioned) {
  NG_ASSERT_OK_AND_ASSIGN(IngestResult first, core_->Ingest(Text("Version one.", "ext-1"), false));
  NG_ASSERT_OK_AND_ASSIGN(IngestResult again, core_->Ingest(Text("Version one.", "ext-1"), false));
  EXPECT_EQ(again.outcome, newsgraph::v1::UNCHANGED);
  EXPECT_EQ(again.document.name(), first.document.name());
  NG_ASSERT_OK_AND_ASSIGN(IngestResult changed,
                          core_->Ingest(Text("Version two.", "ext-1"), false));
  EXPECT_EQ(changed.outcome, newsgraph::v1::NEW_VERSION);
  EXPECT_EQ(changed.document.version(), 2);
  EXPECT_EQ(changed.document.name(), first.document.name());
  EXPECT_EQ(core_->OutboxSize(), 2u);
}

TEST_F(IngestCoreTest, ExactDuplicateWithoutExternalIdIsNotStoredTwice) {
  NG_ASSERT_OK_AND_ASSIGN(IngestResult first, core_->Ingest(Text("Same   text."), false));
  NG_ASSERT_OK_AND_ASSIGN(IngestResult dup, core_->Ingest(Text("Same text.  "), false));
  EXPECT_EQ(dup.outcome, newsgraph::v1::DUPLICATE);
  EXPECT_EQ(dup.document.duplicate_of(), first.document.name());
  newsgraph::v1::ListDocumentsRequest list;
  NG_ASSERT_OK_AND_ASSIGN(auto listed, core_->ListDocuments(list));
  EXPECT_EQ(listed.documents_size(), 1);
}

TEST_F(IngestCoreTest, RejectsBadInputWithClearErrors) {
  EXPECT_THAT(core_->Ingest(Text(""), false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(core_->Ingest(Text(" \n\t \xC2\xA0 "), false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(core_->Ingest(Text("bad \xFF byte"), false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("offset 4")));
  NG_ASSERT_OK_AND_ASSIGN(IngestResult repaired, core_->Ingest(Text("bad \xFF byte"), true));
  EXPECT_EQ(repaired.document.text(), "bad \xEF\xBF\xBD byte");
  ASSERT_EQ(repaired.document.warnings_size(), 1);
  EXPECT_THAT(repaired.document.warnings(0), HasSubstr("U+FFFD"));
  EXPECT_THAT(core_->GetDocument("documents/999", newsgraph::v1::BASIC),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(core_->GetDocument("docs/1", newsgraph::v1::BASIC),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(IngestCoreTest, ExtractsHtmlArticleAndMetadata) {
  DocumentInput input;
  input.set_content_type(newsgraph::v1::TEXT_HTML);
  input.set_content(
      "<html><head><title>T</title><meta property=\"og:title\" content=\"Real Title\">"
      "<meta property=\"article:published_time\" content=\"2024-04-17T09:30:00Z\">"
      "<script>var x = 1;</script></head><body><nav>Home About</nav>"
      "<article><p>First <b>bold</b> para.</p><p>Second para.</p></article>"
      "<footer>Copyright</footer></body></html>");
  NG_ASSERT_OK_AND_ASSIGN(IngestResult r, core_->Ingest(input, false));
  EXPECT_EQ(r.document.title(), "Real Title");
  EXPECT_EQ(r.document.text(), "First bold para.\n\nSecond para.");
  EXPECT_EQ(r.document.published_time().seconds(), 1713346200);
}

TEST_F(IngestCoreTest, ListPagesWithValidatedTokens) {
  for (int i = 0; i < 5; ++i) {
    NG_ASSERT_OK(core_->Ingest(Text("Document number " + std::to_string(i) + "."), false));
  }
  newsgraph::v1::ListDocumentsRequest request;
  request.set_page_size(2);
  std::vector<std::string> names;
  while (true) {
    NG_ASSERT_OK_AND_ASSIGN(auto page, core_->ListDocuments(request));
    for (const auto& d : page.documents()) names.push_back(d.name());
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(names.size(), 5u);
  request.set_page_token("forged-token");
  EXPECT_THAT(core_->ListDocuments(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.clear_page_token();
  request.set_filter("colour=red");
  EXPECT_THAT(core_->ListDocuments(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown field 'colour'")));
}

TEST_F(IngestCoreTest, StateAndCountersSurviveReopen) {
  NG_ASSERT_OK(core_->Ingest(Text("First document.", "a"), false));
  Reopen();
  NG_ASSERT_OK_AND_ASSIGN(IngestResult second, core_->Ingest(Text("Second document.", "b"), false));
  EXPECT_EQ(second.document.name(), "documents/2");
  EXPECT_EQ(core_->OutboxSize(), 2u);
  NG_ASSERT_OK_AND_ASSIGN(IngestResult again, core_->Ingest(Text("First document.", "a"), false));
  EXPECT_EQ(again.outcome, newsgraph::v1::UNCHANGED);
}

// Records what the pipeline asked for; fails the first `failures` calls
// with UNAVAILABLE.
class FakeDownstream : public PipelineDownstream {
 public:
  explicit FakeDownstream(int failures) : failures_(failures) {}
  absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> Annotate(
      const newsgraph::v1::Document& document) override {
    absl::MutexLock lock(&mu_);
    if (failures_ > 0) {
      --failures_;
      return absl::UnavailableError("entity down");
    }
    annotated_.push_back(document.name());
    return newsgraph::v1::AnnotateDocumentResponse();
  }
  absl::Status Index(const newsgraph::v1::Document& document,
                     const newsgraph::v1::AnnotateDocumentResponse&) override {
    absl::MutexLock lock(&mu_);
    indexed_.push_back(document.name());
    return absl::OkStatus();
  }
  absl::Status Remove(const std::string& name) override {
    absl::MutexLock lock(&mu_);
    removed_.push_back(name);
    return absl::OkStatus();
  }
  size_t indexed() {
    absl::MutexLock lock(&mu_);
    return indexed_.size();
  }
  size_t removed() {
    absl::MutexLock lock(&mu_);
    return removed_.size();
  }

 private:
  absl::Mutex mu_;
  int failures_;
  std::vector<std::string> annotated_, indexed_, removed_;
};

TEST_F(IngestCoreTest, PipelineRetriesTransientFailuresAndMarksIndexed) {
  FakeDownstream downstream(/*failures=*/3);
  PipelineOptions options;
  options.initial_backoff = absl::Milliseconds(1);
  options.idle_poll = absl::Milliseconds(20);
  Pipeline pipeline(core_.get(), &downstream, options);
  pipeline.Start();
  NG_ASSERT_OK_AND_ASSIGN(IngestResult r,
                          core_->Ingest(Text("A document for the pipeline."), false));
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (core_->OutboxSize() > 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document doc,
                          core_->GetDocument(r.document.name(), newsgraph::v1::METADATA));
  EXPECT_EQ(doc.state(), newsgraph::v1::INDEXED);
  EXPECT_EQ(downstream.indexed(), 1u);

  NG_ASSERT_OK(core_->DeleteDocument(r.document.name()));
  while (downstream.removed() == 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(downstream.removed(), 1u);
  EXPECT_THAT(core_->GetDocument(r.document.name(), newsgraph::v1::BASIC),
              StatusIs(absl::StatusCode::kNotFound));
  pipeline.Stop();
}

TEST_F(IngestCoreTest, UnfinishedOutboxIsResumedAfterRestart) {
  NG_ASSERT_OK(core_->Ingest(Text("Waiting in the outbox."), false));
  Reopen();  // As after a crash before the pipeline ran.
  FakeDownstream downstream(0);
  PipelineOptions options;
  options.idle_poll = absl::Milliseconds(20);
  Pipeline pipeline(core_.get(), &downstream, options);
  pipeline.Start();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (downstream.indexed() == 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  pipeline.Stop();
  EXPECT_EQ(downstream.indexed(), 1u);
  EXPECT_EQ(core_->OutboxSize(), 0u);
}

TEST_F(IngestCoreTest, JobsCountDocuments) {
  NG_ASSERT_OK_AND_ASSIGN(std::string job, core_->CreateJob());
  NG_ASSERT_OK(core_->Ingest(Text("One.", "1"), false, job));
  NG_ASSERT_OK(core_->Ingest(Text("One.", "1"), false, job));
  NG_ASSERT_OK(core_->RecordRejection(job));
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::IngestJob record, core_->GetJob(job));
  EXPECT_EQ(record.accepted_count(), 2);
  EXPECT_EQ(record.duplicate_count(), 1);
  EXPECT_EQ(record.rejected_count(), 1);
  EXPECT_THAT(core_->GetJob("jobs/77"), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace newsgraph::ingest
