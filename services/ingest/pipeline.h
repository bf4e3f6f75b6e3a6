// Pipeline: drains the ingest outbox through the entity and search services.
//
// For each outbox item: annotate (entity service), then index with the
// annotations (search service), then the item is completed (document
// INDEXED). Items are sent in batches: up to batch_size documents per
// BatchAnnotateDocuments and BatchIndexDocuments call, each made durable
// with one sync on the other side; while one batch is indexed (on a thread of
// its own) the next is annotated. Documents are annotated in outbox order,
// one batch after the other, so the entity graph is a function of the
// outbox order (the entity service recognizes a batch's documents in
// parallel but resolves them in request order). The items of one document
// always run one after another, in outbox order, so versions and deletions
// reach the services in the order they were acknowledged.
//
// Outages (UNAVAILABLE, and a peer rejecting our credentials) hold up every
// document: they are retried in place with capped exponential backoff until
// they end, so an outage delays documents but never drops them. A batch that
// fails otherwise, and a document of a batch that fails transiently, go
// through the one-document path, which isolates the cause. Other transient
// failures (DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED) of a document are
// the document's own when the service answered other documents meanwhile
// (in the same batch call, or no other document failed since its last
// success): the document is set aside for its backoff while the documents
// behind it go on, and ends FAILED after max_attempts such failures. When a
// second document fails that way with no success in between, the service
// may be in trouble rather than the documents: nothing is counted, and the
// pipeline waits before its next round. A document that has failed goes,
// from then on, after the documents not yet tried and alone (never in a
// batch), so a poison document costs the others at most its own calls, and
// the documents behind it show whether the service works. A document
// failing for longer than give_up_after ends FAILED however its failures
// were counted. Failures that will repeat (a message over the limit,
// INVALID_ARGUMENT, ...) mark the document FAILED at once, with the reason.
// Downstream calls are idempotent on (document, version), so replaying an
// item after a crash is safe.
#ifndef NEWSGRAPH_SERVICES_INGEST_PIPELINE_H_
#define NEWSGRAPH_SERVICES_INGEST_PIPELINE_H_

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "base/clock.h"
#include "base/mutex.h"
#include "newsgraph/v1/entity_service.pb.h"
#include "newsgraph/v1/types.pb.h"
#include "services/ingest/ingest_core.h"

namespace newsgraph::ingest {

// The services the pipeline calls. Implemented over gRPC by
// GrpcPipelineDownstream; tests may substitute fakes.
class PipelineDownstream {
 public:
  virtual ~PipelineDownstream() = default;
  // Entity extraction for the document's current version.
  virtual absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> Annotate(
      const newsgraph::v1::Document& document) = 0;
  // Indexes the document with its annotations.
  virtual absl::Status Index(const newsgraph::v1::Document& document,
                             const newsgraph::v1::AnnotateDocumentResponse& annotations) = 0;
  // Removes a deleted document from the entity and search services.
  virtual absl::Status Remove(const std::string& document_name) = 0;
  // Annotates distinct documents in order: one result per document. The
  // call fails as a whole when no document could be annotated (the service
  // unreachable, the batch refused). Default: Annotate on each, ending at
  // the first outage.
  virtual absl::StatusOr<std::vector<absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse>>>
  AnnotateBatch(absl::Span<const newsgraph::v1::Document* const> documents);
  // Indexes documents with their annotations (same length), all or none.
  // Default: Index on each, stopping at the first failure.
  virtual absl::Status IndexBatch(
      absl::Span<const newsgraph::v1::Document* const> documents,
      absl::Span<const newsgraph::v1::AnnotateDocumentResponse* const> annotations);
  // The same calls for a reindex (OutboxItem::kReindex, kReannotate):
  // Reannotate recognizes again although the version is recorded; Reindex
  // replaces the version the search service holds. Defaults: Annotate and
  // Index (their batch forms likewise), for downstreams that keep nothing.
  virtual absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> Reannotate(
      const newsgraph::v1::Document& document) {
    return Annotate(document);
  }
  virtual absl::Status Reindex(const newsgraph::v1::Document& document,
                               const newsgraph::v1::AnnotateDocumentResponse& annotations) {
    return Index(document, annotations);
  }
  virtual absl::StatusOr<std::vector<absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse>>>
  ReannotateBatch(absl::Span<const newsgraph::v1::Document* const> documents) {
    return AnnotateBatch(documents);
  }
  virtual absl::Status ReindexBatch(
      absl::Span<const newsgraph::v1::Document* const> documents,
      absl::Span<const newsgraph::v1::AnnotateDocumentResponse* const> annotations) {
    return IndexBatch(documents, annotations);
  }
  // Called once when the pipeline stops: calls in flight and any made later
  // should end promptly with CANCELLED (the item stays in the outbox and is
  // retried after a restart). Default: no-op.
  virtual void CancelCalls() {}
};

struct PipelineOptions {
  // Items fetched from the outbox per round, and the most documents sent in
  // one batch call. Default 64.
  size_t batch_size = 64;
  // The most text (bytes) sent in one batch call; a larger document goes
  // alone. Default 4 MiB.
  size_t max_batch_bytes = 4u << 20;
  // First retry delay after a transient failure. Default 50 ms.
  absl::Duration initial_backoff = absl::Milliseconds(50);
  // Longest retry delay. Default 5 s.
  absl::Duration max_backoff = absl::Seconds(5);
  // Transient failures that are not outages a document may have before it
  // ends FAILED. Default 6.
  int32_t max_attempts = 6;
  // A document failing transiently (not an outage) for longer than this
  // ends FAILED at its next failure, even if its failures looked like the
  // service's and were not counted (two poison documents and no other
  // traffic look like a service in trouble). Default 1 hour.
  absl::Duration give_up_after = absl::Hours(1);
  // How often the worker re-checks the outbox without a wake-up. Default 1 s.
  absl::Duration idle_poll = absl::Seconds(1);
  // The time of deferrals: when a document set aside comes due (tests move
  // a FakeClock instead of waiting out a backoff). Waits for work stay on
  // the real clock, at most idle_poll each. Borrowed; default the system's.
  const Clock* clock = &Clock::Real();
};

// What the pipeline holds and has done since it started, for monitoring.
struct PipelineStats {
  // Documents set aside after transient failures, waiting for their backoff.
  uint64_t deferred = 0;
  // Documents annotated and handed to the index stage, not yet completed.
  uint64_t indexing = 0;
  // Outbox items completed, by how they ended: indexed, removed from the
  // services, FAILED, or skipped as superseded (a newer version or a
  // deletion came after them).
  uint64_t indexed = 0;
  uint64_t removed = 0;
  uint64_t failed = 0;
  uint64_t superseded = 0;
  // Batch calls made by each stage, the documents they carried and the
  // seconds they took (each attempt counts, failed ones too).
  struct Calls {
    uint64_t calls = 0;
    uint64_t documents = 0;
    double seconds = 0;
  };
  Calls annotate;
  Calls index;
};

class Pipeline {
 public:
  // `core` and `downstream` are borrowed and must outlive the pipeline.
  Pipeline(IngestCore* core, PipelineDownstream* downstream, PipelineOptions options = {});
  ~Pipeline();

  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Starts the worker thread. Call once.
  void Start();
  // Stops the worker: the downstream call in progress is cancelled
  // (PipelineDownstream::CancelCalls) and its item left in the outbox for
  // the next start. Idempotent.
  void Stop();
  // Tells the worker that the outbox has new items.
  void Wake();
  // A consistent copy of the counters. Thread-safe.
  PipelineStats Stats();

  // Holds the pipeline between rounds: returns true once no call to the
  // entity or search service is in progress and none starts until Resume.
  // Returns false, holding nothing, when `deadline` passes first (a round
  // retrying an outage does not end) or the pipeline stops. Ingest goes on
  // meanwhile (the outbox grows). Pauses nest; true without a running
  // pipeline. Thread-safe.
  bool Pause(absl::Time deadline);
  // Ends a Pause that returned true.
  void Resume();

 private:
  // What became of an item or of one of its stages.
  enum class Outcome {
    kDone,        // finished (status says how); the item can be completed
    kDeferred,    // failed transiently; set aside until its backoff ends
    kRetryRound,  // the downstream looks down: wait, then start from the oldest item
    kStopped,     // the pipeline is stopping; the item stays in the outbox
  };
  struct StageResult {
    Outcome outcome = Outcome::kDone;
    absl::Status status;
    // kDone with OK because a newer version or a deletion superseded it.
    bool superseded = false;
  };
  // A document set aside after transient failures.
  struct Deferral {
    int32_t failures = 0;  // transient failures counted against the document
    int32_t attempts = 0;  // downstream calls so far, for the document's record
    absl::Time not_before;
    absl::Time failing_since = absl::InfinitePast();  // its first transient failure
  };
  // The downstream service a stage calls.
  enum Service { kEntityService = 0, kSearchService = 1, kServices = 2 };
  static Service ServiceOf(const char* stage);
  // How a transient failure (not an outage) of a document is taken.
  enum class Verdict {
    kCount,    // the document's own: counts towards max_attempts
    kSuspect,  // maybe the service's: not counted; wait, then a new round
    kGiveUp,   // failing for longer than give_up_after: FAILED now
  };

  void Run();
  // Records that `service` answered a document successfully.
  void NoteSuccess(Service service);
  // Records a transient failure of `document_id` by `service` and judges
  // it; `others_succeeded`: documents of the same batch call succeeded.
  Verdict JudgeFailure(uint64_t document_id, Service service, bool others_succeeded);
  // At the top of a round: waits while paused (after the index stage's job
  // is done); false when stopping.
  bool HoldWhilePaused();
  // Waits for new items, a deferral coming due or Stop, at most idle_poll.
  void WaitForWork();
  // Processes a round of items: kDone when the round is over, kRetryRound
  // or kStopped when it ended early. `items` leaves out the documents set
  // aside (WaitingDocuments).
  // `have_failed`: DocumentsThatFailed() when the round's items were read.
  Outcome ProcessRound(const std::vector<OutboxItem>& items,
                       const absl::flat_hash_set<uint64_t>& have_failed);
  // Processes kProcess items of distinct documents in batches; documents
  // deferred are added to `held`.
  Outcome ProcessBatch(const std::vector<OutboxItem>& items, absl::flat_hash_set<uint64_t>* held);
  struct Work {
    OutboxItem item;
    newsgraph::v1::Document document;
  };
  // Annotated documents waiting for (or on) the index stage.
  struct IndexJob {
    // The batch's request id (log.h), shared by its annotate and index calls.
    std::string request_id;
    // The kind of its items: kProcess, or a reindex (kReindex, kReannotate).
    OutboxItem::Action mode = OutboxItem::Action::kProcess;
    std::vector<Work> work;
    std::vector<newsgraph::v1::AnnotateDocumentResponse> annotations;  // one per work
  };
  // The request id of a batch's calls: the acknowledging request's when
  // every document came with the same one; else a new id, logged with the
  // requests the batch carries.
  static std::string BatchRequestId(const std::vector<Work>& work);
  // One batch call to annotate `work` (its documents' texts within
  // max_batch_bytes); the annotated documents go to the index stage.
  Outcome AnnotateAndIndexBatch(std::vector<Work> work, absl::flat_hash_set<uint64_t>* held);
  // The index stage: a thread that indexes one job at a time (one batch
  // call) and completes its items, while the worker annotates the next
  // batch. Its documents are "in flight": PeekOutbox leaves their later
  // items out until the job is done.
  void IndexStage();
  void RunIndexJob(IndexJob& job);
  // Waits until the stage is free, then gives it `job`; false when stopping.
  bool HandOff(IndexJob job);
  // Waits until the stage is idle; returns (and clears) what the jobs since
  // the last call ended in (kRetryRound or kStopped when one did).
  Outcome WaitForIndexStage();
  // The same without waiting.
  Outcome TakeStageOutcome();
  // A document of a batch failed transiently (not an outage): set aside as
  // RunStage would (added to `held`), or FAILED after max_attempts;
  // kRetryRound when the service looks in trouble.
  Outcome SetAside(const OutboxItem& item, const char* what, const absl::Status& status,
                   bool others_succeeded, absl::flat_hash_set<uint64_t>* held);
  // Process(item) for each, in order, as the one-document path (after the
  // index stage is idle, unless called on it).
  Outcome ProcessEachAlone(const std::vector<const Work*>& work,
                           absl::flat_hash_set<uint64_t>* held, bool on_index_stage = false);
  // Runs `call` until it returns something other than an outage (retried
  // in place with backoff, `on_outage` told of each) or the pipeline stops.
  absl::Status CallRetryingOutages(
      const char* what, const std::function<absl::Status()>& call,
      const std::function<void(int attempt, const absl::Status&)>& on_outage);
  // Records an outage on the documents of `work` (every 8th attempt, as
  // RunStage does), so GetDocument shows why they wait.
  void RecordOutage(const std::vector<const Work*>& work, const char* what,
                    newsgraph::v1::PipelineState state, int attempt, const absl::Status& status);
  // Processes one item (the one-document path).
  Outcome Process(const OutboxItem& item);
  // Process(item), adding its document to `held` when it is deferred;
  // kDone unless the round must end (kRetryRound, kStopped).
  Outcome ProcessAlone(const OutboxItem& item, absl::flat_hash_set<uint64_t>* held);
  // The documents that failed transiently and are not completed yet.
  absl::flat_hash_set<uint64_t> DocumentsThatFailed();
  // Annotates then indexes the item's document version.
  StageResult AnnotateAndIndex(const OutboxItem& item, int32_t* attempts);
  // Runs one downstream call for `item`: outages are retried in place,
  // other transient failures defer the document.
  StageResult RunStage(const OutboxItem& item, const char* what,
                       newsgraph::v1::PipelineState state,
                       const std::function<absl::Status()>& attempt, int32_t* attempts);
  // Records a counted transient failure of `item`'s document and sets it
  // aside, or gives up on it after max_attempts or when `verdict` says so.
  StageResult Defer(const OutboxItem& item, const char* what, newsgraph::v1::PipelineState state,
                    const absl::Status& status, int32_t attempts, Verdict verdict);
  // A failure judged kSuspect: its attempts are kept for the document's
  // next try, and the round ends (kRetryRound).
  StageResult Suspect(const OutboxItem& item, const char* what, newsgraph::v1::PipelineState state,
                      const absl::Status& status, int32_t attempts);
  // Completes `item` in the outbox; returns false when stopping interrupted it.
  bool Complete(const OutboxItem& item, const absl::Status& status, int32_t attempts);
  // The documents set aside and not yet due, and those on the index stage.
  absl::flat_hash_set<uint64_t> WaitingDocuments();
  // Adds `n` to a completion counter of stats_.
  void Count(uint64_t PipelineStats::*counter, uint64_t n = 1);
  // Adds a batch call of `documents` that took `seconds` to `calls`.
  void CountCall(PipelineStats::Calls PipelineStats::*calls, size_t documents, absl::Time start);
  // Whether Stop was called.
  bool Stopping();
  // Sleeps up to `delay` unless stopped; returns false when stopped.
  bool SleepUnlessStopped(absl::Duration delay);

  IngestCore* const core_;
  PipelineDownstream* const downstream_;
  const PipelineOptions options_;

  newsgraph::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  int pause_requests_ ABSL_GUARDED_BY(mu_) = 0;
  // The worker is held by a pause, the index stage idle.
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<uint64_t, Deferral> deferred_ ABSL_GUARDED_BY(mu_);
  // Per service: the documents that failed transiently (not an outage)
  // since its last success.
  std::array<absl::flat_hash_set<uint64_t>, kServices> failed_since_success_ ABSL_GUARDED_BY(mu_);
  std::thread worker_;
  // The index stage's job, its documents, and what its jobs ended in.
  std::optional<IndexJob> stage_job_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<uint64_t> in_flight_ ABSL_GUARDED_BY(mu_);
  // Completions and calls; deferred and indexing are filled in by Stats().
  PipelineStats stats_ ABSL_GUARDED_BY(mu_);
  Outcome stage_outcome_ ABSL_GUARDED_BY(mu_) = Outcome::kDone;
  std::thread index_stage_;
};

// True for failures worth retrying against a downstream service.
bool IsTransient(const absl::Status& status);
// True for a message over gRPC's size limit: it will not fit next time either.
bool IsOversized(const absl::Status& status);
// True for failures of the service or the deployment rather than of one
// document (UNAVAILABLE, CANCELLED, UNAUTHENTICATED, PERMISSION_DENIED).
bool IsOutage(const absl::Status& status);

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_PIPELINE_H_
