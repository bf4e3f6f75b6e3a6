// IngestCore: the ingest service's state and rules, without gRPC.
//
// Owns documents, the external-id, fingerprint and MinHash indexes, batch
// jobs, and the durable outbox that drives the pipeline. Every acknowledged
// ingest is part of one synced RocksDB write holding the document, its
// index entries and its outbox entry, so an acknowledged document is never
// lost and its pipeline work never forgotten, whatever the moment of a
// crash. Concurrent ingests are group-committed: one leader writes the
// documents of every waiting caller with a single WAL sync.
//
// Thread-safety: all methods are safe to call concurrently.
#ifndef NEWSGRAPH_SERVICES_INGEST_INGEST_CORE_H_
#define NEWSGRAPH_SERVICES_INGEST_INGEST_CORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/mutex.h"
#include "base/page_token.h"
#include "newsgraph/v1/ingest_service.pb.h"
#include "services/ingest/document_builder.h"
#include "storage/kv_store.h"

namespace newsgraph::ingest {

// One unit of pipeline work.
struct OutboxItem {
  enum class Action : uint8_t {
    // Annotate and index `version` of the document.
    kProcess = 1,
    // Remove the document from the entity and search services.
    kRemove = 2,
    // Index `version` again (a reindex): annotations already recorded are
    // reused, the search service replaces the version it holds.
    kReindex = 3,
    // As kReindex, and recognize the text again (after a model upgrade).
    kReannotate = 4,
  };
  uint64_t sequence = 0;
  uint64_t document_id = 0;
  int64_t version = 0;
  Action action = Action::kProcess;
  // When the change was acknowledged; InfinitePast for entries written
  // before this was recorded.
  absl::Time acknowledged = absl::InfinitePast();
  // The request id (log.h) of the call that acknowledged the change; empty
  // when it was not recorded.
  std::string request_id;
};

struct IngestResult {
  newsgraph::v1::Document document;
  newsgraph::v1::IngestOutcome outcome = newsgraph::v1::INGEST_OUTCOME_UNSPECIFIED;
};

struct IngestOptions {
  DocumentLimits limits;
  // Outbox length above which Ingest fails with RESOURCE_EXHAUSTED and
  // batch streams wait. Default 100,000 documents.
  uint64_t max_backlog = 100000;
  // Most documents written by one group commit. Default 512.
  size_t max_group = 512;
  // A short line seen in at least this many earlier documents of the same
  // source is boilerplate. Default 3.
  uint64_t recurring_line_threshold = 3;
  // Largest ListDocuments page_size. Default 1,000.
  int max_page_size = 1000;
  // Most stored documents one ListDocuments page reads: a filter that
  // matches few of them returns a short (even empty) page with a
  // next_page_token rather than parsing the whole store. Default 20,000.
  size_t max_scanned_per_page = 20000;
};

class IngestCore {
 public:
  // Opens the core over `store`, which must have been opened with
  // IngestColumnFamilies(). `store` is borrowed and must outlive the core.
  static absl::StatusOr<std::unique_ptr<IngestCore>> Open(storage::KvStore* store,
                                                          IngestOptions options = {});

  // Normalizes and durably stores a document (see IngestService in the
  // proto for the idempotency rules). `job` is "" or "jobs/{id}" to count
  // the document towards. Errors: INVALID_ARGUMENT for bad input or job
  // name, NOT_FOUND for an unknown job, RESOURCE_EXHAUSTED when the backlog
  // is over its bound, storage errors (nothing is stored then).
  // `stop` (may be empty) is asked while documents are normalized; once it
  // returns true the documents not yet normalized fail with CANCELLED and
  // are not stored.
  absl::StatusOr<IngestResult> Ingest(const newsgraph::v1::DocumentInput& input,
                                      bool repair_invalid_utf8, const std::string& job = "",
                                      const std::function<bool()>& stop = {});

  // One document of an IngestMany call. `input` is borrowed.
  struct Request {
    const newsgraph::v1::DocumentInput* input = nullptr;
    bool repair_invalid_utf8 = false;
  };
  // Ingests several documents with one group commit (one WAL sync); each
  // gets its own result, in order, so one bad document fails alone.
  std::vector<absl::StatusOr<IngestResult>> IngestMany(const std::vector<Request>& requests,
                                                       const std::string& job = "",
                                                       const std::function<bool()>& stop = {});

  // Errors: INVALID_ARGUMENT for a malformed name, NOT_FOUND.
  absl::StatusOr<newsgraph::v1::Document> GetDocument(const std::string& name,
                                                      newsgraph::v1::DocumentView view) const;

  // Errors: INVALID_ARGUMENT for a bad page size, filter or page token;
  // CANCELLED when `stop` (may be empty) says so.
  absl::StatusOr<newsgraph::v1::ListDocumentsResponse> ListDocuments(
      const newsgraph::v1::ListDocumentsRequest& request,
      const std::function<bool()>& stop = {}) const;

  // Deletes the document and queues its removal downstream.
  // Errors: INVALID_ARGUMENT, NOT_FOUND.
  absl::Status DeleteDocument(const std::string& name);

  // Queues a FAILED document's current version through the pipeline again
  // (state RECEIVED, error and attempts cleared) and returns it. Errors:
  // INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION when it is not FAILED.
  absl::StatusOr<newsgraph::v1::Document> RetryDocument(const std::string& name);

  // Waits until document `name` at `version` is INDEXED or FAILED (or
  // replaced by a newer version or deleted), or `deadline` passes
  // (DEADLINE_EXCEEDED), or `stop` (may be empty; asked every 100 ms) says
  // the call ended (CANCELLED). Returns the document then.
  absl::StatusOr<newsgraph::v1::Document> WaitUntilProcessed(
      const std::string& name, int64_t version, absl::Time deadline,
      const std::function<bool()>& stop = {}) const;

  // Blocks while the outbox is at or above its bound, up to `deadline`;
  // returns whether there is room. Batch streams call it between messages.
  bool WaitForBacklogRoom(absl::Time deadline) const;

  // Creates a batch job and returns its name, "jobs/{id}".
  absl::StatusOr<std::string> CreateJob();
  // Counts a rejected document towards `job`, keeping the first errors.
  absl::Status RecordRejection(const std::string& job, int64_t sequence,
                               const std::string& external_id, const absl::Status& error);
  // The job with its documents counted by state; reads every document of
  // the job, asking `stop` (may be empty) as it goes. Errors: INVALID_ARGUMENT
  // for a malformed name, NOT_FOUND, CANCELLED when `stop` says so.
  absl::StatusOr<newsgraph::v1::IngestJob> GetJob(const std::string& name,
                                                  const std::function<bool()>& stop = {}) const;

  // --- Pipeline side ---

  // Up to `max_items` outbox items, oldest first, leaving out the items of
  // the documents in `skip` (they are not counted).
  absl::StatusOr<std::vector<OutboxItem>> PeekOutbox(
      size_t max_items, const absl::flat_hash_set<uint64_t>& skip = {}) const;
  // The document for a kProcess item, or std::nullopt when the item is stale
  // (document deleted or a newer version stored).
  absl::StatusOr<std::optional<newsgraph::v1::Document>> DocumentForItem(
      const OutboxItem& item) const;
  // Records the document's progress for `item` (when the item's version is
  // still current) without completing the item; `last_error` is the transient
  // failure being retried, empty when none.
  absl::Status RecordProgress(const OutboxItem& item, newsgraph::v1::PipelineState state,
                              int32_t attempts, const std::string& last_error);
  // Completes `item`: removes it from the outbox and, when its version is
  // still current, sets the document's state (INDEXED or FAILED with `error`).
  absl::Status CompleteItem(const OutboxItem& item, newsgraph::v1::PipelineState final_state,
                            const std::string& error, int32_t attempts);
  // Number of items waiting in the outbox.
  uint64_t OutboxSize() const;
  const IngestOptions& options() const { return options_; }
  // When the oldest outbox item was acknowledged; nullopt when the outbox
  // is empty or its oldest item predates recorded times. One read.
  absl::StatusOr<std::optional<absl::Time>> OldestOutboxTime() const;

  // A reindex queued in chunks (reindex_queue.cc).
  struct ReindexChunk {
    uint64_t queued = 0;         // documents queued by this call
    uint64_t last_id = 0;        // the last document queued; 0: none was left
    uint64_t last_sequence = 0;  // the outbox sequence of its item
  };
  // Queues OutboxItem::kReindex (kReannotate with `reannotate`) items for
  // the current version of up to `max_documents` stored documents with ids
  // above `after_id`, in id order, with one synced write. Errors: storage.
  absl::StatusOr<ReindexChunk> QueueReindex(uint64_t after_id, size_t max_documents,
                                            bool reannotate);
  // The sequence of the oldest outbox item; nullopt when the outbox is empty.
  absl::StatusOr<std::optional<uint64_t>> OldestOutboxSequence() const;

  // Called (outside any lock) after each write that adds outbox items.
  void SetOutboxListener(std::function<void()> listener);

  // Parses "documents/{id}". Errors: INVALID_ARGUMENT naming the problem.
  static absl::StatusOr<uint64_t> ParseDocumentName(const std::string& name);
  static std::string DocumentName(uint64_t id);

 private:
  struct Pending;
  class GroupWriter;

  IngestCore(storage::KvStore* store, IngestOptions options) : store_(store), options_(options) {}
  // Signs ListDocuments page tokens; set by Open.
  std::unique_ptr<const PageTokens> page_tokens_;
  absl::Status LoadCounters();
  absl::StatusOr<std::optional<newsgraph::v1::Document>> ReadDocument(uint64_t id) const;
  // Every write of a stored document goes through these two, which keep
  // cf::kDocumentStates in step with cf::kDocuments.
  static void PutDocument(storage::WriteBatch* batch, uint64_t id,
                          const newsgraph::v1::Document& doc);
  static void DeleteDocumentRecord(storage::WriteBatch* batch, uint64_t id);
  // The pipeline state of document `id` (nullopt: no such document), read
  // from cf::kDocumentStates, or from the document where a store written
  // before that keyspace lacks the entry.
  absl::StatusOr<std::optional<newsgraph::v1::PipelineState>> ReadState(uint64_t id) const;
  absl::StatusOr<newsgraph::v1::IngestJob> ReadJob(uint64_t job_id) const;
  // Reads an id index (external_ids, fingerprints): key -> document id.
  absl::StatusOr<std::optional<uint64_t>> ReadIdIndex(storage::ColumnFamily family,
                                                      const std::string& key) const;
  uint64_t RecurringLineCount(const std::string& source, uint64_t line_hash) const;
  // Writes one group of pending ingests with a single synced write.
  void CommitGroup(const std::vector<Pending*>& group);
  void PutCounters(storage::WriteBatch* batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Adds an outbox item for (`id`, `version`) and the counters to `batch`
  // and writes it synced; on failure the in-memory counters are restored.
  absl::Status CommitWithOutboxItem(storage::WriteBatch* batch, uint64_t id, int64_t version,
                                    OutboxItem::Action action)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  void NotifyOutbox();
  void NotifyStateChange() const;

  storage::KvStore* const store_;
  const IngestOptions options_;

  // Serializes read-modify-write of documents, indexes and counters.
  mutable newsgraph::Mutex write_mu_;
  uint64_t next_document_id_ ABSL_GUARDED_BY(write_mu_) = 1;
  uint64_t next_outbox_sequence_ ABSL_GUARDED_BY(write_mu_) = 1;
  uint64_t next_job_id_ ABSL_GUARDED_BY(write_mu_) = 1;
  // Changed under write_mu_; read without it by OutboxSize, so the backlog
  // check of an arriving ingest does not wait for a group's synced write.
  std::atomic<uint64_t> outbox_size_{0};

  // Group commit: callers queue here; one of them at a time commits.
  newsgraph::Mutex queue_mu_;
  std::vector<Pending*> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool committing_ ABSL_GUARDED_BY(queue_mu_) = false;

  // Bumped whenever a document's pipeline state changes.
  mutable newsgraph::Mutex state_mu_;
  mutable uint64_t state_generation_ ABSL_GUARDED_BY(state_mu_) = 0;

  newsgraph::Mutex listener_mu_;
  std::function<void()> outbox_listener_ ABSL_GUARDED_BY(listener_mu_);
};

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_INGEST_CORE_H_
