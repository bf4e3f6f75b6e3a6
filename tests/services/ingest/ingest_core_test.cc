#include "services/ingest/ingest_core.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/mutex.h"
#include "services/ingest/ingest_keyspace.h"
#include "services/ingest/minhash.h"
#include "services/ingest/pipeline.h"
#include "storage/rocksdb_kv_store.h"
#include "tests/testing/fake_clock.h"
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

  void Reopen(IngestOptions ingest_options = {}) {
    core_.reset();
    store_.reset();
    storage::RocksDbOptions options;
    options.path = dir_.path();
    options.column_families = IngestColumnFamilies();
    auto store = storage::OpenRocksDbStore(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto core = IngestCore::Open(store_.get(), ingest_options);
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
  // The headline moves from the text to the title.
  EXPECT_EQ(r.document.text(), "First paragraph.\n\nSecond one.");
  EXPECT_EQ(r.document.title(), "Headline Here");
  EXPECT_EQ(r.document.paragraphs_size(), 2);
  EXPECT_EQ(r.document.state(), newsgraph::v1::RECEIVED);
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
  EXPECT_THAT(core_->Ingest(Text(std::string((8u << 20) + 1, 'a')), false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 8388608")));
  DocumentInput nested;
  nested.set_content_type(newsgraph::v1::TEXT_HTML);
  std::string deep;
  for (int i = 0; i < 3000; ++i) deep += "<div>";
  nested.set_content(deep + "deep text");
  // Deeply nested HTML must not crash the extractor, and the text at the
  // bottom is kept.
  NG_ASSERT_OK_AND_ASSIGN(auto deep_result, core_->Ingest(nested, false));
  EXPECT_EQ(deep_result.document.text(), "deep text");
  EXPECT_THAT(core_->GetDocument("documents/999", newsgraph::v1::BASIC),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(core_->GetDocument("docs/1", newsgraph::v1::BASIC),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// A stop request (the call cancelled or past its deadline) ends
// normalization; nothing of the document is stored.
TEST_F(IngestCoreTest, NormalizationStopsWhenAskedAndStoresNothing) {
  std::string page = "<html><body><article>";
  while (page.size() < (3u << 20)) page += "<p>The ferry to Visby left on time today.</p>";
  page += "</article></body></html>";
  for (const auto type : {newsgraph::v1::TEXT_HTML, newsgraph::v1::TEXT_PLAIN}) {
    SCOPED_TRACE(type);
    newsgraph::v1::DocumentInput input;
    input.set_content(page);
    input.set_content_type(type);
    for (int allowed : {0, 1, 2, 5}) {
      int asked = 0;
      EXPECT_THAT(core_->Ingest(input, false, "", [&] { return ++asked > allowed; }),
                  StatusIs(absl::StatusCode::kCancelled));
    }
  }
  EXPECT_EQ(core_->OutboxSize(), 0u);
  newsgraph::v1::ListDocumentsRequest list;
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::ListDocumentsResponse listed, core_->ListDocuments(list));
  EXPECT_EQ(listed.documents_size(), 0);
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

// A filter matching few documents reads at most max_scanned_per_page
// documents per page and pages on; a stopped call ends with CANCELLED.
TEST_F(IngestCoreTest, ListingAndJobCountsAreBoundedPerCall) {
  IngestOptions options;
  options.max_scanned_per_page = 3;
  Reopen(options);
  NG_ASSERT_OK_AND_ASSIGN(std::string job, core_->CreateJob());
  for (int i = 0; i < 10; ++i) {
    DocumentInput input = Text("Listed document " + std::to_string(i) + ".");
    input.set_source(i == 8 ? "rare" : "common");
    NG_ASSERT_OK(core_->Ingest(input, false, job));
  }
  newsgraph::v1::ListDocumentsRequest request;
  request.set_filter("source=rare");
  std::vector<std::string> found;
  int pages = 0;
  while (true) {
    NG_ASSERT_OK_AND_ASSIGN(auto page, core_->ListDocuments(request));
    ++pages;
    EXPECT_LE(page.documents_size(), 1);
    for (const auto& d : page.documents()) found.push_back(d.name());
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_THAT(found, ::testing::ElementsAre("documents/9"));
  EXPECT_EQ(pages, 4);  // 3 + 3 + 3 + 1 documents read

  const std::function<bool()> stopped = [] { return true; };
  request.clear_page_token();
  EXPECT_THAT(core_->ListDocuments(request, stopped),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("ListDocuments")));
  EXPECT_THAT(core_->GetJob(job, stopped),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("GetIngestJob")));
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::IngestJob counted, core_->GetJob(job));
  EXPECT_EQ(counted.received_count(), 10);
}

// A job's counts come from the documents' state records, which follow every
// change of state; a store written before those records existed counts
// from the documents themselves.
TEST_F(IngestCoreTest, JobCountsFollowTheDocumentsStates) {
  NG_ASSERT_OK_AND_ASSIGN(std::string job, core_->CreateJob());
  for (int i = 0; i < 4; ++i) {
    NG_ASSERT_OK(core_->Ingest(Text("Counted document " + std::to_string(i) + "."), false, job));
  }
  NG_ASSERT_OK_AND_ASSIGN(std::vector<OutboxItem> items, core_->PeekOutbox(10, {}));
  ASSERT_EQ(items.size(), 4u);
  NG_ASSERT_OK(core_->RecordProgress(items[0], newsgraph::v1::ANNOTATED, 1, ""));
  NG_ASSERT_OK(core_->CompleteItem(items[1], newsgraph::v1::INDEXED, "", 1));
  NG_ASSERT_OK(core_->CompleteItem(items[2], newsgraph::v1::FAILED, "bad", 3));
  auto expect_counts = [&] {
    NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::IngestJob counted, core_->GetJob(job));
    EXPECT_EQ(counted.received_count(), 1);
    EXPECT_EQ(counted.annotated_count(), 1);
    EXPECT_EQ(counted.indexed_count(), 1);
    EXPECT_EQ(counted.failed_count(), 1);
  };
  expect_counts();
  // The state records of a store from before them are missing.
  storage::WriteBatch forget;
  for (uint64_t id = 1; id <= 4; ++id) {
    forget.Delete(cf::kDocumentStates, storage::KeyBuilder().AddUint64(id).key());
  }
  NG_ASSERT_OK(store_->Write(forget, storage::Durability::kSynced));
  expect_counts();
  // A deleted document counts no more.
  NG_ASSERT_OK(core_->DeleteDocument("documents/4"));
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::IngestJob after, core_->GetJob(job));
  EXPECT_EQ(after.received_count(), 0);
  NG_ASSERT_OK_AND_ASSIGN(
      std::optional<std::string> record,
      store_->Get(cf::kDocumentStates, storage::KeyBuilder().AddUint64(4).key()));
  EXPECT_FALSE(record.has_value());
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

// Polls `done` every 5 ms until it holds or `timeout` has passed.
template <typename Predicate>
void WaitUntil(Predicate done, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time give_up = absl::Now() + timeout;
  while (!done() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(5));
}

// Records what the pipeline asked for; fails the first `failures` calls
// with UNAVAILABLE.
class FakeDownstream : public PipelineDownstream {
 public:
  explicit FakeDownstream(int failures) : failures_(failures) {}
  absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> Annotate(
      const newsgraph::v1::Document& document) override {
    newsgraph::MutexLock lock(&mu_);
    if (failures_ > 0) {
      --failures_;
      return absl::UnavailableError("entity down");
    }
    annotated_.push_back(document.name());
    return newsgraph::v1::AnnotateDocumentResponse();
  }
  absl::Status Index(const newsgraph::v1::Document& document,
                     const newsgraph::v1::AnnotateDocumentResponse&) override {
    newsgraph::MutexLock lock(&mu_);
    indexed_.push_back(document.name());
    return absl::OkStatus();
  }
  absl::Status Remove(const std::string& name) override {
    newsgraph::MutexLock lock(&mu_);
    removed_.push_back(name);
    return absl::OkStatus();
  }
  size_t indexed() {
    newsgraph::MutexLock lock(&mu_);
    return indexed_.size();
  }
  size_t removed() {
    newsgraph::MutexLock lock(&mu_);
    return removed_.size();
  }

 private:
  newsgraph::Mutex mu_;
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
  WaitUntil([&] { return core_->OutboxSize() == 0; });
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document doc,
                          core_->GetDocument(r.document.name(), newsgraph::v1::METADATA));
  EXPECT_EQ(doc.state(), newsgraph::v1::INDEXED);
  EXPECT_EQ(downstream.indexed(), 1u);

  NG_ASSERT_OK(core_->DeleteDocument(r.document.name()));
  WaitUntil([&] { return downstream.removed() > 0; });
  EXPECT_EQ(downstream.removed(), 1u);
  EXPECT_THAT(core_->GetDocument(r.document.name(), newsgraph::v1::BASIC),
              StatusIs(absl::StatusCode::kNotFound));
  pipeline.Stop();
}

// A downstream whose annotation of documents holding `match` ("" for every
// document) fails with a chosen status until cured; every other document
// goes through, and the order they went through in is recorded.
class PoisonDownstream : public PipelineDownstream {
 public:
  explicit PoisonDownstream(absl::Status failure, std::string match = "poison")
      : failure_(std::move(failure)), match_(std::move(match)) {}
  absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> Annotate(
      const newsgraph::v1::Document& document) override {
    newsgraph::MutexLock lock(&mu_);
    if (absl::StrContains(document.text(), match_) && !cured_) {
      ++poison_attempts_;
      return failure_;
    }
    annotated_.push_back(document.name());
    return newsgraph::v1::AnnotateDocumentResponse();
  }
  absl::Status Index(const newsgraph::v1::Document&,
                     const newsgraph::v1::AnnotateDocumentResponse&) override {
    return absl::OkStatus();
  }
  absl::Status Remove(const std::string&) override { return absl::OkStatus(); }
  int poison_attempts() {
    newsgraph::MutexLock lock(&mu_);
    return poison_attempts_;
  }
  void Cure() {
    newsgraph::MutexLock lock(&mu_);
    cured_ = true;
  }
  std::vector<std::string> annotated() {
    newsgraph::MutexLock lock(&mu_);
    return annotated_;
  }

 private:
  newsgraph::Mutex mu_;
  const absl::Status failure_;
  const std::string match_;
  int poison_attempts_ = 0;
  bool cured_ = false;
  std::vector<std::string> annotated_;
};

struct PoisonCase {
  absl::Status failure;
  int expected_attempts;  // before the document ends FAILED
};

// A failure that will repeat ends the document FAILED after a bounded
// number of attempts, and the documents behind it are indexed.
TEST_F(IngestCoreTest, PoisonDocumentsEndFailedAndDoNotBlockTheOthers) {
  const std::vector<PoisonCase> cases = {
      {absl::ResourceExhaustedError("Received message larger than max (40000000 vs. 33554432)"), 1},
      {absl::InvalidArgumentError("text is not valid"), 1},
      {absl::DeadlineExceededError("Deadline Exceeded"), 6},
      {absl::ResourceExhaustedError("server overloaded"), 6},
  };
  int n = 0;
  for (const PoisonCase& c : cases) {
    SCOPED_TRACE(c.failure.ToString());
    PoisonDownstream downstream(c.failure);
    PipelineOptions options;
    options.initial_backoff = absl::Milliseconds(1);
    options.max_backoff = absl::Milliseconds(2);
    options.idle_poll = absl::Milliseconds(20);
    Pipeline pipeline(core_.get(), &downstream, options);
    pipeline.Start();
    ++n;
    NG_ASSERT_OK_AND_ASSIGN(IngestResult poison,
                            core_->Ingest(Text(absl::StrCat("A poison document ", n, ".")), false));
    NG_ASSERT_OK_AND_ASSIGN(IngestResult after,
                            core_->Ingest(Text(absl::StrCat("A plain document ", n, ".")), false));
    WaitUntil([&] { return core_->OutboxSize() == 0; });
    NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document failed,
                            core_->GetDocument(poison.document.name(), newsgraph::v1::METADATA));
    EXPECT_EQ(failed.state(), newsgraph::v1::FAILED);
    EXPECT_THAT(failed.pipeline_error(), HasSubstr(std::string(c.failure.message())));
    EXPECT_EQ(downstream.poison_attempts(), c.expected_attempts);
    NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document indexed,
                            core_->GetDocument(after.document.name(), newsgraph::v1::METADATA));
    EXPECT_EQ(indexed.state(), newsgraph::v1::INDEXED);

    // Once the cause is fixed, an operator retries it.
    downstream.Cure();
    EXPECT_THAT(core_->RetryDocument(after.document.name()),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    NG_ASSERT_OK(core_->RetryDocument(poison.document.name()).status());
    WaitUntil([&] { return core_->OutboxSize() == 0; });
    NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document retried,
                            core_->GetDocument(poison.document.name(), newsgraph::v1::METADATA));
    EXPECT_EQ(retried.state(), newsgraph::v1::INDEXED);
    EXPECT_TRUE(retried.pipeline_error().empty());
    pipeline.Stop();
  }
}

// Two poison documents acknowledged one after the other look like a service
// in trouble (two documents failing with no success between). The documents
// behind them go first and are indexed meanwhile; with no traffic left, the
// two are retried until they have been failing for give_up_after (on the
// pipeline's clock), then end FAILED.
TEST_F(IngestCoreTest, TwoPoisonDocumentsInARowEndFailedAndDoNotBlockTheOthers) {
  for (size_t batch_size : {1u, 64u}) {
    SCOPED_TRACE(batch_size);
    ::newsgraph::testing::FakeClock clock;
    PoisonDownstream downstream(absl::DeadlineExceededError("Deadline Exceeded"));
    PipelineOptions options;
    options.batch_size = batch_size;
    options.initial_backoff = absl::Milliseconds(1);
    options.max_backoff = absl::Milliseconds(2);
    options.idle_poll = absl::Milliseconds(5);
    options.clock = &clock;
    Pipeline pipeline(core_.get(), &downstream, options);
    std::vector<std::string> poisons, behind;
    for (int k = 0; k < 2; ++k) {
      NG_ASSERT_OK_AND_ASSIGN(
          IngestResult r,
          core_->Ingest(Text(absl::StrCat("A poison document ", k, " at ", batch_size, ".")),
                        false));
      poisons.push_back(r.document.name());
    }
    for (int k = 0; k < 5; ++k) {
      NG_ASSERT_OK_AND_ASSIGN(
          IngestResult r,
          core_->Ingest(Text(absl::StrCat("Plain document ", k, " at ", batch_size, ".")), false));
      behind.push_back(r.document.name());
    }
    pipeline.Start();
    WaitUntil([&] { return core_->OutboxSize() == 2; });
    ASSERT_EQ(core_->OutboxSize(), 2u);
    for (const std::string& name : behind) {
      NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document doc,
                              core_->GetDocument(name, newsgraph::v1::METADATA));
      EXPECT_EQ(doc.state(), newsgraph::v1::INDEXED) << name;
    }
    for (const std::string& name : poisons) {
      NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document doc,
                              core_->GetDocument(name, newsgraph::v1::METADATA));
      EXPECT_EQ(doc.state(), newsgraph::v1::RECEIVED) << name;
    }
    WaitUntil([&] {
      clock.Advance(options.give_up_after);
      return core_->OutboxSize() == 0;
    });
    for (const std::string& name : poisons) {
      NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document doc,
                              core_->GetDocument(name, newsgraph::v1::METADATA));
      EXPECT_EQ(doc.state(), newsgraph::v1::FAILED) << name;
      EXPECT_THAT(doc.pipeline_error(), HasSubstr("Deadline Exceeded")) << name;
    }
    pipeline.Stop();
  }
}

// A document failing transiently is set aside for its backoff: the
// documents acknowledged after it are indexed meanwhile, and its own later
// items (here its deletion) wait behind it.
TEST_F(IngestCoreTest, TransientFailuresDoNotHoldUpTheDocumentsBehind) {
  for (size_t batch_size : {1u, 64u}) {
    SCOPED_TRACE(batch_size);
    PoisonDownstream downstream(absl::DeadlineExceededError("Deadline Exceeded"));
    PipelineOptions options;
    options.batch_size = batch_size;
    options.initial_backoff = absl::Seconds(60);  // longer than the test
    options.max_backoff = absl::Seconds(60);
    options.idle_poll = absl::Milliseconds(20);
    Pipeline pipeline(core_.get(), &downstream, options);
    pipeline.Start();
    NG_ASSERT_OK_AND_ASSIGN(
        IngestResult poison,
        core_->Ingest(Text(absl::StrCat("A poison document at ", batch_size, ".")), false));
    std::vector<std::string> behind;
    for (int k = 0; k < 5; ++k) {
      NG_ASSERT_OK_AND_ASSIGN(
          IngestResult r,
          core_->Ingest(Text(absl::StrCat("Plain document ", k, " at ", batch_size, ".")), false));
      behind.push_back(r.document.name());
    }
    // Deleted once its first attempt failed (deleted earlier, the pipeline
    // would find no version to annotate).
    WaitUntil([&] { return downstream.poison_attempts() == 1; });
    NG_ASSERT_OK(core_->DeleteDocument(poison.document.name()));
    // Only the poison document's two items stay in the outbox.
    WaitUntil([&] { return core_->OutboxSize() == 2; });
    EXPECT_EQ(core_->OutboxSize(), 2u);
    for (const std::string& name : behind) {
      NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document doc,
                              core_->GetDocument(name, newsgraph::v1::METADATA));
      EXPECT_EQ(doc.state(), newsgraph::v1::INDEXED) << name;
    }
    EXPECT_EQ(downstream.poison_attempts(), 1);
    pipeline.Stop();
    // The next start (no longer deferred) finds the document deleted and
    // removes it.
    downstream.Cure();
    Pipeline restarted(core_.get(), &downstream, options);
    restarted.Start();
    WaitUntil([&] { return core_->OutboxSize() == 0; });
    EXPECT_EQ(core_->OutboxSize(), 0u);
    restarted.Stop();
  }
}

// Deferrals run on the pipeline's clock: a document set aside for a minute
// is retried once that minute has passed on the clock, and not before.
TEST_F(IngestCoreTest, ADeferredDocumentComesDueOnThePipelinesClock) {
  ::newsgraph::testing::FakeClock clock;
  PoisonDownstream downstream(absl::DeadlineExceededError("Deadline Exceeded"));
  PipelineOptions options;
  options.initial_backoff = absl::Seconds(60);
  options.max_backoff = absl::Seconds(60);
  options.idle_poll = absl::Milliseconds(5);
  options.clock = &clock;
  Pipeline pipeline(core_.get(), &downstream, options);
  pipeline.Start();
  NG_ASSERT_OK_AND_ASSIGN(IngestResult poison,
                          core_->Ingest(Text("A poison document on the clock."), false));
  WaitUntil([&] { return downstream.poison_attempts() == 1; });
  downstream.Cure();
  // Ten idle polls of real time are no time on the pipeline's clock.
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(core_->OutboxSize(), 1u);
  clock.Advance(absl::Seconds(61));  // past any jittered backoff (at most 60 s)
  WaitUntil([&] { return core_->OutboxSize() == 0; });
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document doc,
                          core_->GetDocument(poison.document.name(), newsgraph::v1::METADATA));
  EXPECT_EQ(doc.state(), newsgraph::v1::INDEXED);
  EXPECT_EQ(downstream.poison_attempts(), 1);
  pipeline.Stop();
}

// A downstream that times out on every document is in trouble itself: no
// document is failed for it, and all are indexed once it recovers. (Order
// is kept while it is down; at the moment it recovers, the document tried
// next may overtake the oldest one, so order is not asserted.)
TEST_F(IngestCoreTest, TimeoutsOfEveryDocumentAreTheServicesAndFailNoDocument) {
  PoisonDownstream downstream(absl::DeadlineExceededError("Deadline Exceeded"), /*match=*/"");
  PipelineOptions options;
  options.initial_backoff = absl::Milliseconds(1);
  options.max_backoff = absl::Milliseconds(2);
  options.idle_poll = absl::Milliseconds(20);
  Pipeline pipeline(core_.get(), &downstream, options);
  pipeline.Start();
  std::vector<std::string> names;
  for (int k = 0; k < 5; ++k) {
    NG_ASSERT_OK_AND_ASSIGN(IngestResult r,
                            core_->Ingest(Text(absl::StrCat("Story number ", k, ".")), false));
    names.push_back(r.document.name());
  }
  // Far more failures than max_attempts per document.
  WaitUntil([&] { return downstream.poison_attempts() > 60; });
  for (const std::string& name : names) {
    NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document doc,
                            core_->GetDocument(name, newsgraph::v1::METADATA));
    EXPECT_EQ(doc.state(), newsgraph::v1::RECEIVED) << name;
  }
  downstream.Cure();
  WaitUntil([&] { return core_->OutboxSize() == 0; });
  EXPECT_THAT(downstream.annotated(), ::testing::UnorderedElementsAreArray(names));
  for (const std::string& name : names) {
    NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document doc,
                            core_->GetDocument(name, newsgraph::v1::METADATA));
    EXPECT_EQ(doc.state(), newsgraph::v1::INDEXED) << name;
  }
  pipeline.Stop();
}

// Outages and a peer rejecting our credentials are retried until they end:
// no document is failed for them.
TEST_F(IngestCoreTest, OutagesAndCredentialFailuresAreRetriedUntilFixed) {
  for (const absl::Status& failure :
       {absl::UnavailableError("down"), absl::UnauthenticatedError("bad token"),
        absl::PermissionDeniedError("missing scope")}) {
    SCOPED_TRACE(failure.ToString());
    PoisonDownstream downstream(failure);
    PipelineOptions options;
    options.initial_backoff = absl::Milliseconds(1);
    options.max_backoff = absl::Milliseconds(2);
    options.idle_poll = absl::Milliseconds(20);
    Pipeline pipeline(core_.get(), &downstream, options);
    pipeline.Start();
    NG_ASSERT_OK_AND_ASSIGN(
        IngestResult r, core_->Ingest(Text(absl::StrCat("A poison outage ", failure.ToString())),
                                      false));
    WaitUntil([&] { return downstream.poison_attempts() > 20; });
    NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document waiting,
                            core_->GetDocument(r.document.name(), newsgraph::v1::METADATA));
    EXPECT_NE(waiting.state(), newsgraph::v1::FAILED);
    downstream.Cure();
    WaitUntil([&] { return core_->OutboxSize() == 0; });
    NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document done,
                            core_->GetDocument(r.document.name(), newsgraph::v1::METADATA));
    EXPECT_EQ(done.state(), newsgraph::v1::INDEXED);
    pipeline.Stop();
  }
}

// Slow downstream calls that record, per document, what reached them, and
// the largest batch sent.
class RecordingDownstream : public PipelineDownstream {
 public:
  absl::StatusOr<std::vector<absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse>>>
  AnnotateBatch(absl::Span<const newsgraph::v1::Document* const> documents) override {
    {
      newsgraph::MutexLock lock(&mu_);
      largest_batch_ = std::max(largest_batch_, documents.size());
    }
    return PipelineDownstream::AnnotateBatch(documents);
  }
  absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> Annotate(
      const newsgraph::v1::Document& document) override {
    Enter();
    absl::SleepFor(absl::Milliseconds(3));
    Leave(document.name(), absl::StrCat("annotate v", document.version()));
    return newsgraph::v1::AnnotateDocumentResponse();
  }
  absl::Status Index(const newsgraph::v1::Document& document,
                     const newsgraph::v1::AnnotateDocumentResponse&) override {
    Enter();
    Leave(document.name(), absl::StrCat("index v", document.version()));
    return absl::OkStatus();
  }
  absl::Status Remove(const std::string& name) override {
    Enter();
    Leave(name, "remove");
    return absl::OkStatus();
  }
  std::map<std::string, std::vector<std::string>> events() {
    newsgraph::MutexLock lock(&mu_);
    return events_;
  }
  int max_in_flight() {
    newsgraph::MutexLock lock(&mu_);
    return max_in_flight_;
  }
  size_t largest_batch() {
    newsgraph::MutexLock lock(&mu_);
    return largest_batch_;
  }

 private:
  void Enter() {
    newsgraph::MutexLock lock(&mu_);
    max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
  }
  void Leave(const std::string& name, std::string event) {
    newsgraph::MutexLock lock(&mu_);
    --in_flight_;
    events_[name].push_back(std::move(event));
  }
  newsgraph::Mutex mu_;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
  size_t largest_batch_ = 0;
  std::map<std::string, std::vector<std::string>> events_;
};

TEST_F(IngestCoreTest, PipelineSendsDocumentsInBatchesAndEachDocumentInOrder) {
  RecordingDownstream downstream;
  PipelineOptions options;
  options.idle_poll = absl::Milliseconds(20);
  options.batch_size = 16;
  Pipeline pipeline(core_.get(), &downstream, options);
  pipeline.Start();
  std::vector<std::string> names;
  for (int i = 0; i < 40; ++i) {
    NG_ASSERT_OK_AND_ASSIGN(
        IngestResult r,
        core_->Ingest(Text(absl::StrCat("Document number ", i, " first text."), absl::StrCat(i)),
                      false));
    names.push_back(r.document.name());
    if (i % 4 == 0) {  // a second version while the first may be in progress
      NG_ASSERT_OK(core_->Ingest(
          Text(absl::StrCat("Document number ", i, " second text."), absl::StrCat(i)), false));
    }
    if (i % 10 == 9) {
      NG_ASSERT_OK(core_->DeleteDocument(r.document.name()));
    }
  }
  WaitUntil([&] { return core_->OutboxSize() == 0; }, absl::Seconds(30));
  pipeline.Stop();
  ASSERT_EQ(core_->OutboxSize(), 0u);
  EXPECT_GE(downstream.largest_batch(), 2u);
  EXPECT_LE(downstream.largest_batch(), 16u);
  EXPECT_LE(downstream.max_in_flight(), 2) << "at most an annotation and an indexing at once";

  const auto events = downstream.events();
  for (int i = 0; i < 40; ++i) {
    const std::string& name = names[i];
    SCOPED_TRACE(name);
    auto it = events.find(name);
    ASSERT_NE(it, events.end());
    const std::vector<std::string>& seen = it->second;
    // Versions reach the services in ascending order, each annotated before
    // it is indexed, and nothing follows a removal. (Inside one round an
    // older version's item is already stale and skipped.)
    int64_t last_version = 0;
    for (size_t k = 0; k < seen.size(); ++k) {
      if (seen[k] == "remove") {
        EXPECT_EQ(k + 1, seen.size()) << "calls after the removal";
        continue;
      }
      int64_t version = 0;
      ASSERT_TRUE(absl::SimpleAtoi(seen[k].substr(seen[k].find('v') + 1), &version));
      EXPECT_GE(version, last_version);
      if (absl::StartsWith(seen[k], "index")) {
        ASSERT_GT(k, 0u);
        EXPECT_EQ(seen[k - 1], absl::StrCat("annotate v", version));
      }
      last_version = version;
    }
    if (i % 10 == 9) {
      EXPECT_EQ(seen.back(), "remove");
      continue;
    }
    const int64_t latest = i % 4 == 0 ? 2 : 1;
    EXPECT_EQ(seen.back(), absl::StrCat("index v", latest));
    NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document doc,
                            core_->GetDocument(name, newsgraph::v1::METADATA));
    EXPECT_EQ(doc.state(), newsgraph::v1::INDEXED);
    EXPECT_EQ(doc.version(), latest);
  }
}

TEST_F(IngestCoreTest, UnfinishedOutboxIsResumedAfterRestart) {
  NG_ASSERT_OK(core_->Ingest(Text("Waiting in the outbox."), false));
  Reopen();  // As after a crash before the pipeline ran.
  FakeDownstream downstream(0);
  PipelineOptions options;
  options.idle_poll = absl::Milliseconds(20);
  Pipeline pipeline(core_.get(), &downstream, options);
  pipeline.Start();
  WaitUntil([&] { return downstream.indexed() > 0; });
  pipeline.Stop();
  EXPECT_EQ(downstream.indexed(), 1u);
  EXPECT_EQ(core_->OutboxSize(), 0u);
}

// Annotate blocks until CancelCalls, like a call on a large document that
// the entity service is still working on.
class BlockingDownstream : public PipelineDownstream {
 public:
  absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> Annotate(
      const newsgraph::v1::Document&) override {
    newsgraph::MutexLock lock(&mu_);
    ++started_;
    mu_.Await(newsgraph::Condition(&cancelled_));
    return absl::CancelledError("cancelled by the pipeline");
  }
  absl::Status Index(const newsgraph::v1::Document&,
                     const newsgraph::v1::AnnotateDocumentResponse&) override {
    return absl::OkStatus();
  }
  absl::Status Remove(const std::string&) override { return absl::OkStatus(); }
  void CancelCalls() override {
    newsgraph::MutexLock lock(&mu_);
    cancelled_ = true;
  }
  int started() {
    newsgraph::MutexLock lock(&mu_);
    return started_;
  }

 private:
  newsgraph::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  int started_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST_F(IngestCoreTest, StopCancelsTheCallInProgressAndKeepsItsItem) {
  NG_ASSERT_OK_AND_ASSIGN(IngestResult r, core_->Ingest(Text("A long document."), false));
  BlockingDownstream blocking;
  PipelineOptions options;
  options.idle_poll = absl::Milliseconds(20);
  {
    Pipeline pipeline(core_.get(), &blocking, options);
    pipeline.Start();
    WaitUntil([&] { return blocking.started() > 0; });
    ASSERT_EQ(blocking.started(), 1);
    pipeline.Stop();  // Returns only because the blocked call was cancelled.
  }
  // The cancelled item is neither failed nor dropped: the next run does it.
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Document doc,
                          core_->GetDocument(r.document.name(), newsgraph::v1::METADATA));
  EXPECT_EQ(doc.state(), newsgraph::v1::RECEIVED);
  EXPECT_EQ(core_->OutboxSize(), 1u);
  FakeDownstream working(0);
  Pipeline pipeline(core_.get(), &working, options);
  pipeline.Start();
  WaitUntil([&] { return working.indexed() > 0; });
  pipeline.Stop();
  EXPECT_EQ(working.indexed(), 1u);
  EXPECT_EQ(core_->OutboxSize(), 0u);
}

TEST_F(IngestCoreTest, JobsCountDocuments) {
  NG_ASSERT_OK_AND_ASSIGN(std::string job, core_->CreateJob());
  NG_ASSERT_OK(core_->Ingest(Text("One.", "1"), false, job));
  NG_ASSERT_OK(core_->Ingest(Text("One.", "1"), false, job));
  NG_ASSERT_OK(core_->RecordRejection(job, 7, "bad-doc", absl::InvalidArgumentError("empty")));
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::IngestJob record, core_->GetJob(job));
  EXPECT_EQ(record.accepted_count(), 2);
  EXPECT_EQ(record.duplicate_count(), 1);
  EXPECT_EQ(record.rejected_count(), 1);
  ASSERT_EQ(record.first_errors_size(), 1);
  EXPECT_EQ(record.first_errors(0).sequence(), 7);
  EXPECT_EQ(record.first_errors(0).external_id(), "bad-doc");
  EXPECT_EQ(record.received_count(), 1);
  EXPECT_THAT(core_->GetJob("jobs/77"), StatusIs(absl::StatusCode::kNotFound));
}

std::string Story(int variant) {
  std::string text;
  const char* sentences[] = {
      "The harbour authority said on Monday that container traffic through the northern terminals "
      "rose for the third month in a row.",
      "Officials credited new shipping routes to Asia and a recovery in grain exports after last "
      "year's drought, which had emptied several silos along the river.",
      "Two new cranes will enter service in the spring, and the authority expects the growth to "
      "continue through the summer if fuel prices stay where they are.",
      "Union leaders welcomed the figures but warned that night shifts remain understaffed and "
      "asked for talks on overtime pay before the peak season begins.",
      "The city council will debate a plan to dredge the eastern channel next week, a project "
      "that would let larger vessels call at the port without waiting for the tide."};
  for (const char* sentence : sentences) text += std::string(sentence) + " ";
  if (variant == 1) {
    // A resent wire with one word corrected.
    text.replace(text.find("third month"), 11, "fourth month");
  }
  if (variant == 2) {
    text =
        "A completely different report about rainfall in the mountains and its effect on "
        "hydroelectric output during the long winter season, according to the national weather "
        "office, which said reservoirs were fuller than in any year since records began and that "
        "grid operators had asked neighbouring countries to take more power at night.";
  }
  return text;
}

TEST_F(IngestCoreTest, NearDuplicatesAreStoredAndMarked) {
  NG_ASSERT_OK_AND_ASSIGN(IngestResult original, core_->Ingest(Text(Story(0)), false));
  NG_ASSERT_OK_AND_ASSIGN(IngestResult near, core_->Ingest(Text(Story(1)), false));
  NG_ASSERT_OK_AND_ASSIGN(IngestResult other, core_->Ingest(Text(Story(2)), false));
  EXPECT_EQ(near.outcome, newsgraph::v1::CREATED);
  EXPECT_EQ(near.document.near_duplicate_of(), original.document.name());
  EXPECT_TRUE(near.document.duplicate_of().empty());
  EXPECT_TRUE(other.document.near_duplicate_of().empty());
  EXPECT_TRUE(original.document.near_duplicate_of().empty());
}

// A flood of near-identical documents: each is compared with a bounded
// number of earlier ones (the oldest of each band bucket), and each still
// names the original.
TEST_F(IngestCoreTest, AFloodOfNearDuplicatesStillNamesTheOriginal) {
  NG_ASSERT_OK_AND_ASSIGN(IngestResult original, core_->Ingest(Text(Story(0)), false));
  for (int k = 1; k <= 3 * kMaxBandCandidates; ++k) {
    NG_ASSERT_OK_AND_ASSIGN(
        IngestResult copy,
        core_->Ingest(Text(Story(0) + " Update " + std::to_string(k) + "."), false));
    ASSERT_EQ(copy.document.near_duplicate_of(), original.document.name()) << k;
  }
}

TEST_F(IngestCoreTest, ConcurrentIngestsAreGroupCommittedWithoutLossOrDoubles) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::vector<std::thread> threads;
  newsgraph::Mutex mu;
  std::vector<std::string> names;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Every document is sent twice with the same external id.
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        for (int repeat = 0; repeat < 2; ++repeat) {
          auto r = core_->Ingest(Text("Report " + id + " about grain.", id), false);
          ASSERT_TRUE(r.ok()) << r.status();
          newsgraph::MutexLock lock(&mu);
          if (r->outcome == newsgraph::v1::CREATED) names.push_back(r->document.name());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(names.size(), static_cast<size_t>(kThreads * kPerThread));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());
  EXPECT_EQ(core_->OutboxSize(), static_cast<uint64_t>(kThreads * kPerThread));
  Reopen();
  newsgraph::v1::ListDocumentsRequest list;
  list.set_page_size(1000);
  NG_ASSERT_OK_AND_ASSIGN(auto listed, core_->ListDocuments(list));
  EXPECT_EQ(listed.documents_size(), kThreads * kPerThread);
}

TEST_F(IngestCoreTest, FullBacklogRejectsWithResourceExhausted) {
  IngestOptions options;
  options.max_backlog = 2;
  Reopen(options);
  NG_ASSERT_OK(core_->Ingest(Text("One."), false));
  NG_ASSERT_OK(core_->Ingest(Text("Two."), false));
  EXPECT_THAT(core_->Ingest(Text("Three."), false),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("retry")));
  EXPECT_FALSE(core_->WaitForBacklogRoom(absl::Now() + absl::Milliseconds(10)));
}

TEST_F(IngestCoreTest, WaitUntilProcessedReturnsOnceIndexedOrAtDeadline) {
  NG_ASSERT_OK_AND_ASSIGN(IngestResult r, core_->Ingest(Text("Waiting document."), false));
  EXPECT_THAT(core_->WaitUntilProcessed(r.document.name(), 1, absl::Now() + absl::Milliseconds(20)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  // A call that ends (cancelled) stops the wait long before its deadline.
  EXPECT_THAT(
      core_->WaitUntilProcessed(r.document.name(), 1, absl::InfiniteFuture(), [] { return true; }),
      StatusIs(absl::StatusCode::kCancelled));
  FakeDownstream downstream(0);
  PipelineOptions options;
  options.idle_poll = absl::Milliseconds(20);
  Pipeline pipeline(core_.get(), &downstream, options);
  pipeline.Start();
  NG_ASSERT_OK_AND_ASSIGN(
      newsgraph::v1::Document done,
      core_->WaitUntilProcessed(r.document.name(), 1, absl::Now() + absl::Seconds(10)));
  EXPECT_EQ(done.state(), newsgraph::v1::INDEXED);
  EXPECT_EQ(done.pipeline_attempts(), 2);  // Annotate + index.
  pipeline.Stop();
}

TEST_F(IngestCoreTest, MarkdownAndRecurringSourceLines) {
  DocumentInput md;
  md.set_content_type(newsgraph::v1::TEXT_MARKDOWN);
  md.set_content(
      "# Budget Passes\n\nThe **lower house** passed the [budget](http://x) on *Friday*.\n");
  NG_ASSERT_OK_AND_ASSIGN(IngestResult r, core_->Ingest(md, false));
  EXPECT_EQ(r.document.title(), "Budget Passes");
  EXPECT_EQ(r.document.text(), "The lower house passed the budget on Friday.");

  // A footer line repeated by one source becomes boilerplate from the fourth document on.
  for (int i = 0; i < 4; ++i) {
    DocumentInput doc = Text("Story number " + std::to_string(i) +
                             " tells about the harbour.\n\nSubscribe to our newsletter for daily "
                             "harbour news and more\n\nThe story goes on for a while.");
    doc.set_source("Example Gazette");
    NG_ASSERT_OK_AND_ASSIGN(IngestResult stored, core_->Ingest(doc, false));
    if (i < 3) {
      EXPECT_THAT(stored.document.text(), HasSubstr("Subscribe")) << i;
    } else {
      EXPECT_THAT(stored.document.text(), ::testing::Not(HasSubstr("Subscribe")));
      NG_ASSERT_OK_AND_ASSIGN(auto full,
                              core_->GetDocument(stored.document.name(), newsgraph::v1::FULL));
      EXPECT_THAT(
          full.removed_boilerplate(),
          ::testing::Contains("Subscribe to our newsletter for daily harbour news and more"));
    }
  }
}

}  // namespace
}  // namespace newsgraph::ingest
