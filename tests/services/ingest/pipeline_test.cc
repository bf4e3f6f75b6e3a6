// Unit tests of the Pipeline class against a scripted PipelineDownstream:
// how the outbox is cut into batch calls, what happens to the documents of a
// batch when one of them (or the call as a whole) fails, outages, the
// give-up rules and Stop. ingest_core_test.cc drives the pipeline end to end
// with simpler fakes; the cases here look at the calls made.
#include "services/ingest/pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/mutex.h"
#include "services/ingest/backup.h"
#include "services/ingest/ingest_core.h"
#include "services/ingest/ingest_keyspace.h"
#include "storage/testing/memory_kv_store.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"

namespace newsgraph::ingest {
namespace {

using ::newsgraph::testing::StatusIs;
using newsgraph::v1::AnnotateDocumentResponse;
using newsgraph::v1::Document;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Polls `done` every 2 ms until it holds or `timeout` has passed; returns
// whether it holds.
template <typename Predicate>
bool WaitUntil(Predicate done, absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time give_up = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

// A downstream whose answers are scripted per document (by a piece of its
// text) and per call. It records every call in one log:
//   "annotate-batch [documents/1 v1, documents/2 v1]"  AnnotateBatch
//   "index-batch [documents/1 v1]"                      IndexBatch
//   "annotate documents/1 v1"                           Annotate (alone)
//   "index documents/1 v1"                              Index (alone)
//   "remove documents/1"                                Remove
// AnnotateBatch and IndexBatch are its own (they do not call Annotate and
// Index), so the log tells the batch path from the one-document path.
class ScriptedDownstream : public PipelineDownstream {
 public:
  // The next calls about a document whose text holds `match` ("" for every
  // document) fail with `statuses` in turn, then succeed; with `forever`
  // the last status repeats until Cure.
  void FailAnnotate(std::string match, std::vector<absl::Status> statuses, bool forever = false) {
    newsgraph::MutexLock lock(&mu_);
    annotate_.push_back({std::move(match), {statuses.begin(), statuses.end()}, forever});
  }
  void FailIndex(std::string match, std::vector<absl::Status> statuses, bool forever = false) {
    newsgraph::MutexLock lock(&mu_);
    index_.push_back({std::move(match), {statuses.begin(), statuses.end()}, forever});
  }
  // The next AnnotateBatch / IndexBatch calls fail as a whole.
  void FailAnnotateBatches(std::vector<absl::Status> statuses, bool forever = false) {
    newsgraph::MutexLock lock(&mu_);
    annotate_batch_.push_back({"", {statuses.begin(), statuses.end()}, forever});
  }
  void FailIndexBatches(std::vector<absl::Status> statuses, bool forever = false) {
    newsgraph::MutexLock lock(&mu_);
    index_batch_.push_back({"", {statuses.begin(), statuses.end()}, forever});
  }
  // Index calls (batch or alone) block until CancelCalls, then fail with
  // CANCELLED.
  void BlockIndexing() {
    newsgraph::MutexLock lock(&mu_);
    block_index_ = true;
  }
  // Every scripted failure ends.
  void Cure() {
    newsgraph::MutexLock lock(&mu_);
    annotate_.clear();
    index_.clear();
    annotate_batch_.clear();
    index_batch_.clear();
  }

  absl::StatusOr<AnnotateDocumentResponse> Annotate(const Document& document) override {
    newsgraph::MutexLock lock(&mu_);
    log_.push_back(absl::StrCat("annotate ", Label(document)));
    ++annotate_attempts_[document.name()];
    absl::Status status = Next(&annotate_, document.text());
    if (!status.ok()) return status;
    return Annotations(document);
  }
  absl::Status Index(const Document& document,
                     const AnnotateDocumentResponse& annotations) override {
    newsgraph::MutexLock lock(&mu_);
    log_.push_back(absl::StrCat("index ", Label(document)));
    CheckAnnotations(document, annotations);
    if (block_index_) return BlockLocked();
    return Next(&index_, document.text());
  }
  absl::Status Remove(const std::string& document_name) override {
    newsgraph::MutexLock lock(&mu_);
    log_.push_back(absl::StrCat("remove ", document_name));
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<absl::StatusOr<AnnotateDocumentResponse>>> AnnotateBatch(
      absl::Span<const Document* const> documents) override {
    newsgraph::MutexLock lock(&mu_);
    log_.push_back(absl::StrCat("annotate-batch ", Labels(documents)));
    if (absl::Status whole = Next(&annotate_batch_, ""); !whole.ok()) return whole;
    std::vector<absl::StatusOr<AnnotateDocumentResponse>> results;
    for (const Document* document : documents) {
      ++annotate_attempts_[document->name()];
      absl::Status status = Next(&annotate_, document->text());
      if (status.ok()) {
        results.push_back(Annotations(*document));
      } else {
        results.push_back(status);
      }
    }
    return results;
  }
  absl::Status IndexBatch(absl::Span<const Document* const> documents,
                          absl::Span<const AnnotateDocumentResponse* const> annotations) override {
    newsgraph::MutexLock lock(&mu_);
    log_.push_back(absl::StrCat("index-batch ", Labels(documents)));
    if (documents.size() != annotations.size()) {
      ADD_FAILURE() << "IndexBatch with " << documents.size() << " documents and "
                    << annotations.size() << " annotations";
    }
    for (size_t i = 0; i < documents.size() && i < annotations.size(); ++i) {
      CheckAnnotations(*documents[i], *annotations[i]);
    }
    if (block_index_) return BlockLocked();
    if (absl::Status whole = Next(&index_batch_, ""); !whole.ok()) return whole;
    for (const Document* document : documents) {
      if (absl::Status status = Next(&index_, document->text()); !status.ok()) return status;
    }
    return absl::OkStatus();
  }
  void CancelCalls() override {
    newsgraph::MutexLock lock(&mu_);
    ++cancel_calls_;
    cancelled_ = true;
  }

  std::vector<std::string> log() {
    newsgraph::MutexLock lock(&mu_);
    return log_;
  }
  // The log entries that start with `kind` followed by a space.
  std::vector<std::string> Calls(const std::string& kind) {
    std::vector<std::string> calls;
    for (const std::string& entry : log()) {
      if (absl::StartsWith(entry, kind + " ")) calls.push_back(entry);
    }
    return calls;
  }
  // Annotations asked for the document, in batches or alone.
  int annotate_attempts(const std::string& name) {
    newsgraph::MutexLock lock(&mu_);
    auto it = annotate_attempts_.find(name);
    return it == annotate_attempts_.end() ? 0 : it->second;
  }
  int cancel_calls() {
    newsgraph::MutexLock lock(&mu_);
    return cancel_calls_;
  }
  int blocked() {
    newsgraph::MutexLock lock(&mu_);
    return blocked_;
  }

 private:
  struct Script {
    std::string match;
    std::deque<absl::Status> statuses;
    bool forever = false;
  };

  static std::string Label(const Document& document) {
    return absl::StrCat(document.name(), " v", document.version());
  }
  static std::string Labels(absl::Span<const Document* const> documents) {
    std::vector<std::string> labels;
    for (const Document* document : documents) labels.push_back(Label(*document));
    return absl::StrCat("[", absl::StrJoin(labels, ", "), "]");
  }
  // Annotations that name the document they were made for, so the index
  // side can check it got the right ones.
  static AnnotateDocumentResponse Annotations(const Document& document) {
    AnnotateDocumentResponse response;
    response.add_entities()->set_entity(absl::StrCat("entities/for-", document.name()));
    return response;
  }
  static void CheckAnnotations(const Document& document,
                               const AnnotateDocumentResponse& annotations) {
    ASSERT_EQ(annotations.entities_size(), 1) << document.name();
    EXPECT_EQ(annotations.entities(0).entity(), absl::StrCat("entities/for-", document.name()));
  }
  static absl::Status Next(std::vector<Script>* scripts, const std::string& text) {
    for (Script& script : *scripts) {
      if (script.statuses.empty() || !absl::StrContains(text, script.match)) continue;
      absl::Status status = script.statuses.front();
      if (!script.forever || script.statuses.size() > 1) script.statuses.pop_front();
      return status;
    }
    return absl::OkStatus();
  }
  absl::Status BlockLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ++blocked_;
    mu_.Await(newsgraph::Condition(&cancelled_));
    return absl::CancelledError("cancelled by the pipeline");
  }

  newsgraph::Mutex mu_;
  std::vector<Script> annotate_ ABSL_GUARDED_BY(mu_);
  std::vector<Script> index_ ABSL_GUARDED_BY(mu_);
  std::vector<Script> annotate_batch_ ABSL_GUARDED_BY(mu_);
  std::vector<Script> index_batch_ ABSL_GUARDED_BY(mu_);
  bool block_index_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  int blocked_ ABSL_GUARDED_BY(mu_) = 0;
  int cancel_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> log_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> annotate_attempts_ ABSL_GUARDED_BY(mu_);
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<storage::testing::MemoryKvStore>(IngestColumnFamilies());
    auto core = IngestCore::Open(store_.get());
    ASSERT_TRUE(core.ok()) << core.status();
    core_ = *std::move(core);
  }

  // Options with short outage backoffs and deferrals on the fake clock.
  PipelineOptions Options() {
    PipelineOptions options;
    options.initial_backoff = absl::Milliseconds(1);
    options.max_backoff = absl::Milliseconds(2);
    options.idle_poll = absl::Milliseconds(5);
    options.clock = &clock_;
    return options;
  }

  // Ingests plain text and returns the stored document.
  Document Ingest(const std::string& text, const std::string& external_id = "") {
    newsgraph::v1::DocumentInput input;
    input.set_content(text);
    input.set_external_id(external_id);
    absl::StatusOr<IngestResult> result = core_->Ingest(input, false);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->document : Document();
  }

  Document Get(const std::string& name) {
    absl::StatusOr<Document> doc = core_->GetDocument(name, newsgraph::v1::METADATA);
    EXPECT_TRUE(doc.ok()) << doc.status();
    return doc.ok() ? *doc : Document();
  }

  bool OutboxEmpty() {
    return WaitUntil([&] { return core_->OutboxSize() == 0; });
  }

  static std::string Label(const Document& doc) {
    return absl::StrCat(doc.name(), " v", doc.version());
  }

  ::newsgraph::testing::FakeClock clock_;
  std::unique_ptr<storage::testing::MemoryKvStore> store_;
  std::unique_ptr<IngestCore> core_;
};

// --- Classification of failures ---

TEST(FailureClassesTest, OutagesTransientFailuresAndFailuresThatRepeat) {
  struct Case {
    absl::Status status;
    bool transient;
    bool outage;
    bool oversized;
  };
  const std::vector<Case> cases = {
      {absl::OkStatus(), false, false, false},
      {absl::UnavailableError("connection refused"), true, true, false},
      {absl::CancelledError("call cancelled"), true, true, false},
      {absl::UnauthenticatedError("token expired"), true, true, false},
      {absl::PermissionDeniedError("scope missing"), true, true, false},
      {absl::DeadlineExceededError("deadline passed"), true, false, false},
      {absl::AbortedError("conflict"), true, false, false},
      {absl::ResourceExhaustedError("too many calls"), true, false, false},
      {absl::ResourceExhaustedError("Received message larger than max (9 vs. 4)"), false, false,
       true},
      {absl::ResourceExhaustedError("Sent message too large"), false, false, true},
      {absl::InvalidArgumentError("message larger than max"), false, false, false},
      {absl::InvalidArgumentError("text is empty"), false, false, false},
      {absl::NotFoundError("no such document"), false, false, false},
      {absl::FailedPreconditionError("not ready"), false, false, false},
      {absl::InternalError("bug"), false, false, false},
      {absl::UnknownError("???"), false, false, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.status.ToString());
    EXPECT_EQ(IsTransient(c.status), c.transient);
    EXPECT_EQ(IsOutage(c.status), c.outage);
    EXPECT_EQ(IsOversized(c.status), c.oversized);
  }
}

// --- The default batch calls of PipelineDownstream ---

// Only the one-document calls; the batch calls are PipelineDownstream's.
class OneAtATimeDownstream : public PipelineDownstream {
 public:
  explicit OneAtATimeDownstream(std::map<std::string, absl::Status> failures)
      : failures_(std::move(failures)) {}
  absl::StatusOr<AnnotateDocumentResponse> Annotate(const Document& document) override {
    calls_.push_back("annotate " + document.name());
    auto it = failures_.find(document.name());
    if (it != failures_.end()) return it->second;
    AnnotateDocumentResponse response;
    response.add_entities()->set_entity("entities/" + document.name());
    return response;
  }
  absl::Status Index(const Document& document,
                     const AnnotateDocumentResponse& annotations) override {
    calls_.push_back("index " + document.name() + " with " + annotations.entities(0).entity());
    auto it = failures_.find(document.name());
    return it != failures_.end() ? it->second : absl::OkStatus();
  }
  absl::Status Remove(const std::string&) override { return absl::OkStatus(); }
  std::vector<std::string> calls_;

 private:
  std::map<std::string, absl::Status> failures_;
};

std::vector<Document> Documents(int n) {
  std::vector<Document> docs(n);
  for (int i = 0; i < n; ++i) docs[i].set_name(absl::StrCat("documents/", i + 1));
  return docs;
}

std::vector<const Document*> Pointers(const std::vector<Document>& docs) {
  std::vector<const Document*> pointers;
  for (const Document& doc : docs) pointers.push_back(&doc);
  return pointers;
}

TEST(DefaultBatchCallsTest, AnnotateBatchAnswersEachDocumentInOrder) {
  OneAtATimeDownstream downstream({{"documents/2", absl::DeadlineExceededError("slow")},
                                   {"documents/3", absl::InvalidArgumentError("bad text")}});
  const std::vector<Document> docs = Documents(4);
  NG_ASSERT_OK_AND_ASSIGN(auto results, downstream.AnnotateBatch(Pointers(docs)));
  ASSERT_EQ(results.size(), 4u);
  ASSERT_TRUE(results[0].ok());
  EXPECT_EQ(results[0]->entities(0).entity(), "entities/documents/1");
  EXPECT_THAT(results[1], StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(results[2], StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad text")));
  ASSERT_TRUE(results[3].ok());
  EXPECT_EQ(results[3]->entities(0).entity(), "entities/documents/4");
  EXPECT_THAT(downstream.calls_, ElementsAre("annotate documents/1", "annotate documents/2",
                                             "annotate documents/3", "annotate documents/4"));
}

TEST(DefaultBatchCallsTest, AnnotateBatchEndsAtTheFirstOutage) {
  OneAtATimeDownstream downstream({{"documents/2", absl::UnavailableError("entity down")}});
  const std::vector<Document> docs = Documents(3);
  EXPECT_THAT(downstream.AnnotateBatch(Pointers(docs)),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("entity down")));
  EXPECT_THAT(downstream.calls_, ElementsAre("annotate documents/1", "annotate documents/2"));
}

TEST(DefaultBatchCallsTest, EmptyBatchesCallNothing) {
  OneAtATimeDownstream downstream({});
  NG_ASSERT_OK_AND_ASSIGN(auto results, downstream.AnnotateBatch({}));
  EXPECT_THAT(results, IsEmpty());
  NG_EXPECT_OK(downstream.IndexBatch({}, {}));
  EXPECT_THAT(downstream.calls_, IsEmpty());
}

TEST(DefaultBatchCallsTest, IndexBatchPairsAnnotationsAndStopsAtTheFirstFailure) {
  OneAtATimeDownstream downstream({{"documents/2", absl::InternalError("index broken")}});
  const std::vector<Document> docs = Documents(3);
  std::vector<AnnotateDocumentResponse> annotations(3);
  std::vector<const AnnotateDocumentResponse*> annotation_pointers;
  for (int i = 0; i < 3; ++i) {
    annotations[i].add_entities()->set_entity(absl::StrCat("entities/e", i + 1));
    annotation_pointers.push_back(&annotations[i]);
  }
  EXPECT_THAT(downstream.IndexBatch(Pointers(docs), annotation_pointers),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("index broken")));
  EXPECT_THAT(downstream.calls_, ElementsAre("index documents/1 with entities/e1",
                                             "index documents/2 with entities/e2"));
}

// --- Batching ---

// Items fetched per round are batch_size; each round's documents go in one
// AnnotateBatch and one IndexBatch call, in outbox order.
TEST_F(PipelineTest, BatchSizeCutsTheOutboxIntoBatchCallsInOrder) {
  std::vector<Document> docs;
  for (int i = 1; i <= 5; ++i)
    docs.push_back(Ingest(absl::StrCat("Harbour report number ", i, ".")));
  ScriptedDownstream downstream;
  PipelineOptions options = Options();
  options.batch_size = 2;
  Pipeline pipeline(core_.get(), &downstream, options);
  pipeline.Start();
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  const std::string first = absl::StrCat("[", Label(docs[0]), ", ", Label(docs[1]), "]");
  const std::string second = absl::StrCat("[", Label(docs[2]), ", ", Label(docs[3]), "]");
  const std::string third = absl::StrCat("[", Label(docs[4]), "]");
  EXPECT_THAT(downstream.Calls("annotate-batch"),
              ElementsAre("annotate-batch " + first, "annotate-batch " + second,
                          "annotate-batch " + third));
  EXPECT_THAT(downstream.Calls("index-batch"),
              ElementsAre("index-batch " + first, "index-batch " + second, "index-batch " + third));
  EXPECT_THAT(downstream.Calls("annotate"), IsEmpty());
  EXPECT_THAT(downstream.Calls("index"), IsEmpty());
  for (const Document& doc : docs) {
    const Document done = Get(doc.name());
    EXPECT_EQ(done.state(), newsgraph::v1::INDEXED) << doc.name();
    EXPECT_EQ(done.pipeline_attempts(), 2) << doc.name();
    EXPECT_TRUE(done.pipeline_error().empty()) << doc.name();
  }
}

// A batch holds at most max_batch_bytes of text (a batch exactly at the
// limit is allowed); a document larger than the limit goes alone.
TEST_F(PipelineTest, MaxBatchBytesSendsALargeDocumentAlone) {
  const Document s1 = Ingest("Short note number 1 about tides.");
  const Document s2 = Ingest("Short note number 2 about tides.");
  const Document s3 = Ingest("Short note number 3 about tides.");
  std::string long_text;
  for (int i = 0; i < 20; ++i) {
    absl::StrAppend(&long_text, "The long report goes on about sentence ", i, " of the storm. ");
  }
  const Document large = Ingest(long_text);
  const Document s4 = Ingest("Short note number 4 about tides.");
  ASSERT_EQ(s1.text().size(), s2.text().size());
  ASSERT_EQ(s1.text().size(), s3.text().size());
  ASSERT_GT(large.text().size(), 2 * s1.text().size());

  ScriptedDownstream downstream;
  PipelineOptions options = Options();
  options.batch_size = 10;
  options.max_batch_bytes = 2 * s1.text().size();
  Pipeline pipeline(core_.get(), &downstream, options);
  pipeline.Start();
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  EXPECT_THAT(downstream.Calls("annotate-batch"),
              ElementsAre(absl::StrCat("annotate-batch [", Label(s1), ", ", Label(s2), "]"),
                          absl::StrCat("annotate-batch [", Label(s3), "]"),
                          absl::StrCat("annotate-batch [", Label(large), "]"),
                          absl::StrCat("annotate-batch [", Label(s4), "]")));
  EXPECT_EQ(Get(large.name()).state(), newsgraph::v1::INDEXED);
}

// A newer version acknowledged before the pipeline ran makes the older item
// stale: it completes without a call, and the document goes once, at its
// new version, after the documents of the batch it would have split.
TEST_F(PipelineTest, ASecondItemOfADocumentWaitsForTheFirstAndAStaleVersionIsSkipped) {
  const Document a1 = Ingest("First text of the ferry story.", "ferry");
  const Document b = Ingest("A report about the bridge.");
  const Document c = Ingest("A report about the canal.");
  const Document a2 = Ingest("Second text of the ferry story.", "ferry");
  ASSERT_EQ(a2.name(), a1.name());
  ASSERT_EQ(a2.version(), 2);
  ScriptedDownstream downstream;
  Pipeline pipeline(core_.get(), &downstream, Options());
  pipeline.Start();
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  EXPECT_THAT(downstream.Calls("annotate-batch"),
              ElementsAre(absl::StrCat("annotate-batch [", Label(b), ", ", Label(c), "]"),
                          absl::StrCat("annotate-batch [", Label(a2), "]")));
  const Document done = Get(a1.name());
  EXPECT_EQ(done.state(), newsgraph::v1::INDEXED);
  EXPECT_EQ(done.version(), 2);
}

// A version acknowledged while the document's earlier item is set aside
// waits behind that item; once it comes due the earlier item is found stale
// (no call) and the new version goes alone.
TEST_F(PipelineTest, ANewVersionWaitsWhileTheEarlierItemIsSetAside) {
  const Document v1 = Ingest("The first draft of the budget story.", "budget");
  ScriptedDownstream downstream;
  downstream.FailAnnotate("first draft", {absl::DeadlineExceededError("entity took too long")});
  PipelineOptions options = Options();
  options.initial_backoff = absl::Seconds(60);
  options.max_backoff = absl::Seconds(60);
  Pipeline pipeline(core_.get(), &downstream, options);
  pipeline.Start();
  ASSERT_TRUE(WaitUntil([&] { return Get(v1.name()).pipeline_attempts() == 1; }));
  const Document v2 = Ingest("The second draft of the budget story.", "budget");
  ASSERT_EQ(v2.name(), v1.name());
  ASSERT_EQ(v2.version(), 2);
  // Many idle polls of real time, no time on the pipeline's clock.
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(core_->OutboxSize(), 2u);
  EXPECT_THAT(downstream.log(), ElementsAre("annotate-batch [" + Label(v1) + "]"));

  clock_.Advance(absl::Seconds(61));
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  EXPECT_THAT(downstream.log(), ElementsAre("annotate-batch [" + Label(v1) + "]",
                                            "annotate " + Label(v2), "index " + Label(v2)));
  const Document done = Get(v1.name());
  EXPECT_EQ(done.state(), newsgraph::v1::INDEXED);
  EXPECT_EQ(done.version(), 2);
  EXPECT_TRUE(done.pipeline_error().empty());
}

// A removal in a round goes alone, after the batch before it is indexed; the
// deleted document's own (stale) item costs no call.
TEST_F(PipelineTest, ARemovalGoesAloneAfterTheBatchBeforeIt) {
  const Document a = Ingest("A report about the lighthouse.");
  const Document b = Ingest("A report about the quay that is withdrawn.");
  const Document c = Ingest("A report about the dunes.");
  NG_ASSERT_OK(core_->DeleteDocument(b.name()));
  ScriptedDownstream downstream;
  Pipeline pipeline(core_.get(), &downstream, Options());
  pipeline.Start();
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  const std::string batch = absl::StrCat("[", Label(a), ", ", Label(c), "]");
  EXPECT_THAT(downstream.log(),
              ElementsAre("annotate-batch " + batch, "index-batch " + batch, "remove " + b.name()));
}

// Stats count each completed item once by how it ended, and each batch
// call with the documents it carried.
TEST_F(PipelineTest, StatsCountCompletionsByOutcomeAndBatchCalls) {
  const Document a = Ingest("Ferry schedule for the islands.");
  const Document b = Ingest("Ferry schedule with a broken character.");
  const Document c = Ingest("Ferry schedule for the mainland.");
  const Document d = Ingest("Ferry schedule that is withdrawn.");
  Ingest("Ferry fares, first draft.", "fares");
  NG_ASSERT_OK(core_->DeleteDocument(d.name()));
  Ingest("Ferry fares, corrected.", "fares");
  ScriptedDownstream downstream;
  downstream.FailAnnotate("broken", {absl::InvalidArgumentError("unpaired surrogate")},
                          /*forever=*/true);
  Pipeline pipeline(core_.get(), &downstream, Options());
  EXPECT_EQ(pipeline.Stats().indexed, 0u);
  pipeline.Start();
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  const PipelineStats stats = pipeline.Stats();
  EXPECT_EQ(stats.indexed, 3u);     // a, c and the corrected fares
  EXPECT_EQ(stats.failed, 1u);      // b
  EXPECT_EQ(stats.removed, 1u);     // d
  EXPECT_EQ(stats.superseded, 2u);  // d's first item and the fares' draft
  EXPECT_EQ(stats.deferred, 0u);
  EXPECT_EQ(stats.indexing, 0u);
  EXPECT_EQ(stats.annotate.calls, downstream.Calls("annotate-batch").size());
  EXPECT_EQ(stats.index.calls, downstream.Calls("index-batch").size());
  EXPECT_EQ(stats.annotate.documents, 4u);  // a, b, c, then the corrected fares
  EXPECT_EQ(stats.index.documents, 3u);
  EXPECT_GE(stats.annotate.seconds, 0);
}

// --- Pausing, and backups ---

// While paused the pipeline calls nothing; ingest goes on; Resume drains.
TEST_F(PipelineTest, PauseHoldsEveryCallUntilResume) {
  ScriptedDownstream downstream;
  Pipeline pipeline(core_.get(), &downstream, Options());
  pipeline.Start();
  ASSERT_TRUE(pipeline.Pause(absl::Now() + absl::Seconds(10)));
  ASSERT_TRUE(pipeline.Pause(absl::Now() + absl::Seconds(10)));  // pauses nest
  const Document a = Ingest("Lighthouse keepers report calm seas.");
  const Document b = Ingest("Lighthouse keepers report a gale.");
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_THAT(downstream.log(), IsEmpty());
  pipeline.Resume();
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_THAT(downstream.log(), IsEmpty());  // one pause is still held
  pipeline.Resume();
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  EXPECT_EQ(Get(a.name()).state(), newsgraph::v1::INDEXED);
  EXPECT_EQ(Get(b.name()).state(), newsgraph::v1::INDEXED);
}

// A round retrying an outage does not end: the pause gives up at its
// deadline and holds nothing.
TEST_F(PipelineTest, APauseGivesUpWhileAnOutageIsRetried) {
  Ingest("Harbour report during the outage.");
  ScriptedDownstream downstream;
  downstream.FailAnnotateBatches({absl::UnavailableError("entity service down")},
                                 /*forever=*/true);
  Pipeline pipeline(core_.get(), &downstream, Options());
  pipeline.Start();
  ASSERT_TRUE(WaitUntil([&] { return !downstream.Calls("annotate-batch").empty(); }));
  EXPECT_FALSE(pipeline.Pause(absl::Now() + absl::Milliseconds(100)));
  downstream.Cure();
  ASSERT_TRUE(OutboxEmpty());  // not held
  pipeline.Stop();
}

// The checkpoints are taken in order while the pipeline is held, and the
// pipeline goes on afterwards, also when a checkpoint fails.
TEST_F(PipelineTest, TakeBackupCheckpointsWhileThePipelineIsHeld) {
  ScriptedDownstream downstream;
  Pipeline pipeline(core_.get(), &downstream, Options());
  pipeline.Start();
  std::vector<std::string> order;
  auto checkpoint = [&](const char* service, bool fail = false) -> Checkpointer {
    return [&, service, fail](const std::string& id) -> absl::StatusOr<newsgraph::v1::Checkpoint> {
      // Documents acknowledged now wait for the backup to end.
      const size_t calls = downstream.log().size();
      Ingest(absl::StrCat("Acknowledged during the ", service, " checkpoint of ", id, "."));
      absl::SleepFor(absl::Milliseconds(30));
      EXPECT_EQ(downstream.log().size(), calls) << service;
      order.push_back(service);
      if (fail) return absl::UnavailableError("disk gone");
      newsgraph::v1::Checkpoint result;
      result.set_service(service);
      return result;
    };
  };
  BackupParts parts{.core = core_.get(),
                    .pipeline = &pipeline,
                    .downstream = {checkpoint("entity"), checkpoint("search")},
                    .ingest = checkpoint("ingest")};
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::Backup backup,
                          TakeBackup(parts, "nightly", absl::Now() + absl::Seconds(10)));
  EXPECT_THAT(order, ElementsAre("entity", "search", "ingest"));
  EXPECT_EQ(backup.backup_id(), "nightly");
  ASSERT_EQ(backup.checkpoints_size(), 3);
  EXPECT_EQ(backup.checkpoints(2).service(), "ingest");
  EXPECT_EQ(backup.outbox_items(), 2);  // acknowledged during the first two checkpoints
  ASSERT_TRUE(OutboxEmpty());

  parts.downstream[1] = checkpoint("search", /*fail=*/true);
  EXPECT_THAT(TakeBackup(parts, "second", absl::Now() + absl::Seconds(10)),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(TakeBackup(parts, "Bad/Id", absl::Now() + absl::Seconds(10)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_TRUE(OutboxEmpty());  // the failed backup let the pipeline go on
  pipeline.Stop();
}

// --- Failures inside a batch ---

// One document of a batch failing transiently is set aside for its backoff
// (on the pipeline's clock); the others are indexed. Once due, it is tried
// alone.
TEST_F(PipelineTest, ATransientFailureOfOneDocumentSetsItAsideWhileTheOthersPass) {
  const Document a = Ingest("Weather for the islands today.");
  const Document b = Ingest("Weather for the mountains is slow.");
  const Document c = Ingest("Weather for the coast tomorrow.");
  ScriptedDownstream downstream;
  downstream.FailAnnotate("mountains", {absl::DeadlineExceededError("entity took too long")});
  PipelineOptions options = Options();
  options.initial_backoff = absl::Seconds(60);
  options.max_backoff = absl::Seconds(60);
  Pipeline pipeline(core_.get(), &downstream, options);
  pipeline.Start();
  ASSERT_TRUE(WaitUntil([&] { return core_->OutboxSize() == 1; }));
  // The others go to the index stage before b's failure is recorded (and its
  // backoff set from the clock), so wait for the record too.
  ASSERT_TRUE(WaitUntil([&] { return Get(b.name()).pipeline_attempts() == 1; }));
  EXPECT_EQ(Get(a.name()).state(), newsgraph::v1::INDEXED);
  EXPECT_EQ(Get(c.name()).state(), newsgraph::v1::INDEXED);
  const Document waiting = Get(b.name());
  EXPECT_EQ(waiting.state(), newsgraph::v1::RECEIVED);
  EXPECT_EQ(waiting.pipeline_attempts(), 1);
  EXPECT_THAT(waiting.pipeline_error(), HasSubstr("annotate attempt 1 failed, retrying in"));
  EXPECT_THAT(waiting.pipeline_error(), HasSubstr("entity took too long"));
  EXPECT_EQ(downstream.annotate_attempts(b.name()), 1);

  clock_.Advance(absl::Seconds(61));  // past the jittered backoff (at most 60 s)
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  const Document done = Get(b.name());
  EXPECT_EQ(done.state(), newsgraph::v1::INDEXED);
  EXPECT_TRUE(done.pipeline_error().empty());
  EXPECT_EQ(done.pipeline_attempts(), 3);  // the failed one, then annotate and index alone
  const std::string batch = absl::StrCat("[", Label(a), ", ", Label(b), ", ", Label(c), "]");
  const std::string passed = absl::StrCat("[", Label(a), ", ", Label(c), "]");
  EXPECT_THAT(downstream.log(), ElementsAre("annotate-batch " + batch, "index-batch " + passed,
                                            "annotate " + Label(b), "index " + Label(b)));
}

// A document that keeps failing transiently while the service answers the
// others ends FAILED after max_attempts, with the reason.
TEST_F(PipelineTest, ADocumentFailingTransientlyEndsFailedAfterMaxAttempts) {
  const Document a = Ingest("Markets opened higher this morning.");
  const Document b = Ingest("Markets in the poison valley stalled.");
  const Document c = Ingest("Markets closed lower in the evening.");
  ScriptedDownstream downstream;
  downstream.FailAnnotate("poison", {absl::DeadlineExceededError("entity took too long")},
                          /*forever=*/true);
  PipelineOptions options = Options();
  options.max_attempts = 3;
  options.initial_backoff = absl::Seconds(60);
  options.max_backoff = absl::Seconds(60);
  options.give_up_after = absl::InfiniteDuration();
  Pipeline pipeline(core_.get(), &downstream, options);
  pipeline.Start();
  ASSERT_TRUE(WaitUntil([&] {
    clock_.Advance(absl::Seconds(61));
    return core_->OutboxSize() == 0;
  }));
  pipeline.Stop();
  EXPECT_EQ(Get(a.name()).state(), newsgraph::v1::INDEXED);
  EXPECT_EQ(Get(c.name()).state(), newsgraph::v1::INDEXED);
  const Document failed = Get(b.name());
  EXPECT_EQ(failed.state(), newsgraph::v1::FAILED);
  EXPECT_EQ(failed.pipeline_attempts(), 3);
  EXPECT_THAT(failed.pipeline_error(), HasSubstr("DEADLINE_EXCEEDED"));
  EXPECT_THAT(failed.pipeline_error(), HasSubstr("annotate failed 3 times, giving up"));
  EXPECT_THAT(failed.pipeline_error(), HasSubstr("entity took too long"));
  EXPECT_EQ(downstream.annotate_attempts(b.name()), 3);
  // The retries went alone, never in a batch with others.
  EXPECT_THAT(downstream.Calls("annotate"),
              ElementsAre("annotate " + Label(b), "annotate " + Label(b)));
  EXPECT_EQ(downstream.Calls("annotate-batch").size(), 1u);
}

// A failure that will repeat marks the document FAILED at once, after one
// call; the rest of the batch is indexed.
TEST_F(PipelineTest, APermanentErrorInABatchMarksTheDocumentFailedAtOnce) {
  const Document a = Ingest("Train timetable for the north line.");
  const Document b = Ingest("Train timetable with a broken character.");
  const Document c = Ingest("Train timetable for the south line.");
  ScriptedDownstream downstream;
  downstream.FailAnnotate("broken", {absl::InvalidArgumentError("text has an unpaired surrogate")},
                          /*forever=*/true);
  Pipeline pipeline(core_.get(), &downstream, Options());
  pipeline.Start();
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  const Document failed = Get(b.name());
  EXPECT_EQ(failed.state(), newsgraph::v1::FAILED);
  EXPECT_EQ(failed.pipeline_attempts(), 1);
  EXPECT_THAT(failed.pipeline_error(), HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(failed.pipeline_error(), HasSubstr("text has an unpaired surrogate"));
  EXPECT_EQ(downstream.annotate_attempts(b.name()), 1);
  EXPECT_EQ(Get(a.name()).state(), newsgraph::v1::INDEXED);
  EXPECT_EQ(Get(c.name()).state(), newsgraph::v1::INDEXED);
  EXPECT_THAT(downstream.Calls("index-batch"),
              ElementsAre(absl::StrCat("index-batch [", Label(a), ", ", Label(c), "]")));
}

// A document of a batch answered with an outage goes through the
// one-document path (after the rest of the batch is indexed).
TEST_F(PipelineTest, AnOutageForOneDocumentOfABatchSendsItAlone) {
  const Document a = Ingest("Election results from the first district.");
  const Document b = Ingest("Election results from the shard that was down.");
  const Document c = Ingest("Election results from the third district.");
  ScriptedDownstream downstream;
  downstream.FailAnnotate("shard", {absl::UnavailableError("replica restarting")});
  Pipeline pipeline(core_.get(), &downstream, Options());
  pipeline.Start();
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  const std::string batch = absl::StrCat("[", Label(a), ", ", Label(b), ", ", Label(c), "]");
  const std::string passed = absl::StrCat("[", Label(a), ", ", Label(c), "]");
  EXPECT_THAT(downstream.log(), ElementsAre("annotate-batch " + batch, "index-batch " + passed,
                                            "annotate " + Label(b), "index " + Label(b)));
  for (const Document& doc : {a, b, c}) {
    EXPECT_EQ(Get(doc.name()).state(), newsgraph::v1::INDEXED) << doc.name();
  }
}

// A batch call refused as a whole (not an outage) sends each of its
// documents through the one-document path.
TEST_F(PipelineTest, ARefusedAnnotateBatchFallsBackToOneDocumentAtATime) {
  const Document a = Ingest("Football scores from the weekend.");
  const Document b = Ingest("Tennis scores from the weekend.");
  ScriptedDownstream downstream;
  downstream.FailAnnotateBatches({absl::InvalidArgumentError("batch refused")});
  Pipeline pipeline(core_.get(), &downstream, Options());
  pipeline.Start();
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  EXPECT_THAT(downstream.log(),
              ElementsAre(absl::StrCat("annotate-batch [", Label(a), ", ", Label(b), "]"),
                          "annotate " + Label(a), "index " + Label(a), "annotate " + Label(b),
                          "index " + Label(b)));
  for (const Document& doc : {a, b}) {
    const Document done = Get(doc.name());
    EXPECT_EQ(done.state(), newsgraph::v1::INDEXED) << doc.name();
    EXPECT_EQ(done.pipeline_attempts(), 2) << doc.name();
  }
}

// An index batch that fails (not an outage) goes through the one-document
// path; there a permanent error fails only its own document.
TEST_F(PipelineTest, AFailedIndexBatchIsRetriedOneDocumentAtATime) {
  const Document a = Ingest("Concert review from the opera house.");
  const Document b = Ingest("Concert review that the index rejects.");
  const Document c = Ingest("Concert review from the jazz club.");
  ScriptedDownstream downstream;
  downstream.FailIndexBatches({absl::DeadlineExceededError("index took too long")});
  downstream.FailIndex("rejects", {absl::InvalidArgumentError("too many facets")},
                       /*forever=*/true);
  Pipeline pipeline(core_.get(), &downstream, Options());
  pipeline.Start();
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  const std::string batch = absl::StrCat("[", Label(a), ", ", Label(b), ", ", Label(c), "]");
  EXPECT_THAT(downstream.log(),
              ElementsAre("annotate-batch " + batch, "index-batch " + batch, "annotate " + Label(a),
                          "index " + Label(a), "annotate " + Label(b), "index " + Label(b),
                          "annotate " + Label(c), "index " + Label(c)));
  EXPECT_EQ(Get(a.name()).state(), newsgraph::v1::INDEXED);
  EXPECT_EQ(Get(c.name()).state(), newsgraph::v1::INDEXED);
  const Document failed = Get(b.name());
  EXPECT_EQ(failed.state(), newsgraph::v1::FAILED);
  EXPECT_THAT(failed.pipeline_error(), HasSubstr("too many facets"));
  EXPECT_EQ(failed.pipeline_attempts(), 2);
}

// --- Outages ---

// An outage of the entity service is retried in place, on the same batch;
// meanwhile each document records why it waits. No document fails.
TEST_F(PipelineTest, AnAnnotateOutageIsRetriedInPlaceAndRecordedOnTheDocuments) {
  const Document a = Ingest("News from the northern harbour.");
  const Document b = Ingest("News from the southern harbour.");
  ScriptedDownstream downstream;
  downstream.FailAnnotateBatches({absl::UnavailableError("entity unreachable")},
                                 /*forever=*/true);
  Pipeline pipeline(core_.get(), &downstream, Options());
  pipeline.Start();
  ASSERT_TRUE(WaitUntil([&] { return downstream.Calls("annotate-batch").size() >= 10; }));
  for (const Document& doc : {a, b}) {
    const Document waiting = Get(doc.name());
    EXPECT_EQ(waiting.state(), newsgraph::v1::RECEIVED) << doc.name();
    EXPECT_THAT(waiting.pipeline_error(), HasSubstr("annotate attempt"));
    EXPECT_THAT(waiting.pipeline_error(), HasSubstr("entity unreachable"));
  }
  downstream.Cure();
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  // Every call was the same batch, in place; nothing went alone.
  const std::string batch = absl::StrCat("annotate-batch [", Label(a), ", ", Label(b), "]");
  for (const std::string& call : downstream.Calls("annotate-batch")) EXPECT_EQ(call, batch);
  EXPECT_THAT(downstream.Calls("annotate"), IsEmpty());
  for (const Document& doc : {a, b}) {
    const Document done = Get(doc.name());
    EXPECT_EQ(done.state(), newsgraph::v1::INDEXED) << doc.name();
    EXPECT_TRUE(done.pipeline_error().empty()) << doc.name();
  }
}

// An outage of the search service is retried in place without annotating
// again; the documents show they are ANNOTATED and why they wait.
TEST_F(PipelineTest, AnIndexOutageKeepsTheAnnotationsAndRecordsAnnotated) {
  const Document a = Ingest("Traffic on the ring road this morning.");
  ScriptedDownstream downstream;
  downstream.FailIndexBatches({absl::UnavailableError("search unreachable")}, /*forever=*/true);
  Pipeline pipeline(core_.get(), &downstream, Options());
  pipeline.Start();
  ASSERT_TRUE(WaitUntil([&] { return downstream.Calls("index-batch").size() >= 10; }));
  const Document waiting = Get(a.name());
  EXPECT_EQ(waiting.state(), newsgraph::v1::ANNOTATED);
  EXPECT_THAT(waiting.pipeline_error(), HasSubstr("index attempt"));
  EXPECT_THAT(waiting.pipeline_error(), HasSubstr("search unreachable"));
  downstream.Cure();
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  EXPECT_EQ(downstream.annotate_attempts(a.name()), 1);
  EXPECT_EQ(Get(a.name()).state(), newsgraph::v1::INDEXED);
}

// --- give_up_after ---

// A document failing transiently is retried while within give_up_after (on
// the pipeline's clock) and ends FAILED at its first failure past it, even
// with attempts left.
TEST_F(PipelineTest, GiveUpAfterEndsADocumentFailingTooLong) {
  const Document doc = Ingest("A stubborn document that keeps timing out.");
  ScriptedDownstream downstream;
  downstream.FailAnnotate("stubborn", {absl::DeadlineExceededError("entity took too long")},
                          /*forever=*/true);
  PipelineOptions options = Options();
  options.max_attempts = 100;
  options.give_up_after = absl::Minutes(10);
  options.initial_backoff = absl::Seconds(60);
  options.max_backoff = absl::Seconds(60);
  Pipeline pipeline(core_.get(), &downstream, options);
  pipeline.Start();
  ASSERT_TRUE(WaitUntil([&] { return downstream.annotate_attempts(doc.name()) == 1; }));
  // The failure is recorded once its backoff is set from the clock; moving
  // the clock before that would only move the backoff's start.
  ASSERT_TRUE(WaitUntil([&] { return Get(doc.name()).pipeline_attempts() == 1; }));
  clock_.Advance(absl::Seconds(61));
  ASSERT_TRUE(WaitUntil([&] { return downstream.annotate_attempts(doc.name()) == 2; }));
  ASSERT_TRUE(WaitUntil([&] { return Get(doc.name()).pipeline_attempts() == 2; }));
  const Document waiting = Get(doc.name());
  EXPECT_EQ(waiting.state(), newsgraph::v1::RECEIVED);
  EXPECT_THAT(waiting.pipeline_error(), HasSubstr("annotate attempt 2 failed, retrying in"));

  clock_.Advance(absl::Minutes(10));
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  const Document failed = Get(doc.name());
  EXPECT_EQ(failed.state(), newsgraph::v1::FAILED);
  EXPECT_THAT(failed.pipeline_error(), HasSubstr("annotate failing for over 10m, giving up"));
  EXPECT_THAT(failed.pipeline_error(), HasSubstr("entity took too long"));
  EXPECT_EQ(downstream.annotate_attempts(doc.name()), 3);
}

// --- Stop ---

TEST_F(PipelineTest, StopWithoutStartAndTwiceIsHarmless) {
  Ingest("Nobody will process this one.");
  ScriptedDownstream downstream;
  {
    Pipeline pipeline(core_.get(), &downstream, Options());
    pipeline.Stop();
    pipeline.Stop();
  }
  EXPECT_THAT(downstream.log(), IsEmpty());
  EXPECT_EQ(core_->OutboxSize(), 1u);
}

// Stop ends the wait between outage retries at once (the backoff here is an
// hour) and leaves the item for the next start, not FAILED.
TEST_F(PipelineTest, StopInterruptsAnOutageBackoffAndKeepsTheItem) {
  const Document doc = Ingest("Waiting for the entity service to return.");
  ScriptedDownstream downstream;
  downstream.FailAnnotateBatches({absl::UnavailableError("entity unreachable")},
                                 /*forever=*/true);
  PipelineOptions options = Options();
  options.initial_backoff = absl::Hours(1);
  options.max_backoff = absl::Hours(1);
  Pipeline pipeline(core_.get(), &downstream, options);
  pipeline.Start();
  ASSERT_TRUE(WaitUntil([&] { return !Get(doc.name()).pipeline_error().empty(); }));
  pipeline.Stop();  // would block for an hour if the backoff were not interrupted
  EXPECT_GE(downstream.cancel_calls(), 1);
  EXPECT_EQ(downstream.Calls("annotate-batch").size(), 1u);
  EXPECT_EQ(core_->OutboxSize(), 1u);
  const Document waiting = Get(doc.name());
  EXPECT_EQ(waiting.state(), newsgraph::v1::RECEIVED);
  EXPECT_THAT(waiting.pipeline_error(), HasSubstr("annotate attempt 1 failed, retrying"));
}

// Stop cancels the index batch in flight on the index stage; its items stay
// in the outbox and the next pipeline indexes them.
TEST_F(PipelineTest, StopCancelsTheIndexBatchInFlight) {
  const Document a = Ingest("A long feature about the river delta.");
  const Document b = Ingest("A long feature about the salt marshes.");
  {
    ScriptedDownstream blocking;
    blocking.BlockIndexing();
    Pipeline pipeline(core_.get(), &blocking, Options());
    pipeline.Start();
    ASSERT_TRUE(WaitUntil([&] { return blocking.blocked() == 1; }));
    pipeline.Stop();
    EXPECT_GE(blocking.cancel_calls(), 1);
  }
  EXPECT_EQ(core_->OutboxSize(), 2u);
  for (const Document& doc : {a, b}) {
    EXPECT_EQ(Get(doc.name()).state(), newsgraph::v1::RECEIVED) << doc.name();
  }
  ScriptedDownstream working;
  Pipeline pipeline(core_.get(), &working, Options());
  pipeline.Start();
  ASSERT_TRUE(OutboxEmpty());
  pipeline.Stop();
  for (const Document& doc : {a, b}) {
    EXPECT_EQ(Get(doc.name()).state(), newsgraph::v1::INDEXED) << doc.name();
  }
}

}  // namespace
}  // namespace newsgraph::ingest
