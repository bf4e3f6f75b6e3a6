// IngestCore: the ingest service's state and rules, without gRPC.
//
// Owns documents, the external-id and fingerprint indexes, batch jobs, and
// the durable outbox that drives the pipeline. Every acknowledged ingest is
// one synced RocksDB write holding the document, its index entries and its
// outbox entry, so an acknowledged document is never lost and its pipeline
// work is never forgotten, whatever the moment of a crash.
//
// Thread-safety: all methods are safe to call concurrently. Writes that
// read-modify-write (ingest, delete, state changes) are serialized.
#ifndef NEWSGRAPH_SERVICES_INGEST_INGEST_CORE_H_
#define NEWSGRAPH_SERVICES_INGEST_INGEST_CORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
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
  };
  uint64_t sequence = 0;
  uint64_t document_id = 0;
  int64_t version = 0;
  Action action = Action::kProcess;
};

struct IngestResult {
  newsgraph::v1::Document document;
  newsgraph::v1::IngestOutcome outcome = newsgraph::v1::INGEST_OUTCOME_UNSPECIFIED;
};

class IngestCore {
 public:
  // Opens the core over `store`, which must have been opened with
  // IngestColumnFamilies(). `store` is borrowed and must outlive the core.
  static absl::StatusOr<std::unique_ptr<IngestCore>> Open(storage::KvStore* store,
                                                          DocumentLimits limits = {});

  // Normalizes and durably stores a document (see IngestService in the
  // proto for the idempotency rules). `job` is "" or "jobs/{id}" to count
  // the document towards. Errors: INVALID_ARGUMENT for bad input or job name,
  // NOT_FOUND for an unknown job, storage errors.
  absl::StatusOr<IngestResult> Ingest(const newsgraph::v1::DocumentInput& input,
                                      bool repair_invalid_utf8, const std::string& job = "");

  // Errors: INVALID_ARGUMENT for a malformed name, NOT_FOUND.
  absl::StatusOr<newsgraph::v1::Document> GetDocument(const std::string& name,
                                                      newsgraph::v1::DocumentView view) const;

  // Errors: INVALID_ARGUMENT for a bad page size, filter or page token.
  absl::StatusOr<newsgraph::v1::ListDocumentsResponse> ListDocuments(
      const newsgraph::v1::ListDocumentsRequest& request) const;

  // Deletes the document and queues its removal downstream.
  // Errors: INVALID_ARGUMENT, NOT_FOUND.
  absl::Status DeleteDocument(const std::string& name);

  // Creates a batch job and returns its name, "jobs/{id}".
  absl::StatusOr<std::string> CreateJob();
  // Counts a rejected document towards `job`.
  absl::Status RecordRejection(const std::string& job);
  // Errors: INVALID_ARGUMENT for a malformed name, NOT_FOUND.
  absl::StatusOr<newsgraph::v1::IngestJob> GetJob(const std::string& name) const;

  // --- Pipeline side ---

  // Up to `max_items` outbox items, oldest first.
  absl::StatusOr<std::vector<OutboxItem>> PeekOutbox(size_t max_items) const;
  // The document for a kProcess item, or std::nullopt when the item is stale
  // (document deleted or a newer version stored).
  absl::StatusOr<std::optional<newsgraph::v1::Document>> DocumentForItem(
      const OutboxItem& item) const;
  // Records the document's progress for `item` (when the item's version is
  // still current) without completing the item.
  absl::Status RecordProgress(const OutboxItem& item, newsgraph::v1::PipelineState state);
  // Completes `item`: removes it from the outbox and, when its version is
  // still current, sets the document's state (INDEXED or FAILED with `error`).
  absl::Status CompleteItem(const OutboxItem& item, newsgraph::v1::PipelineState final_state,
                            const std::string& error);
  // Number of items waiting in the outbox.
  uint64_t OutboxSize() const;

  // Called (outside any lock) after each write that adds outbox items.
  void SetOutboxListener(std::function<void()> listener);

  // Parses "documents/{id}". Errors: INVALID_ARGUMENT naming the problem.
  static absl::StatusOr<uint64_t> ParseDocumentName(const std::string& name);
  static std::string DocumentName(uint64_t id);

 private:
  IngestCore(storage::KvStore* store, DocumentLimits limits) : store_(store), limits_(limits) {}
  absl::Status LoadCounters();
  absl::StatusOr<std::optional<newsgraph::v1::Document>> ReadDocument(uint64_t id) const;
  absl::StatusOr<std::optional<uint64_t>> ReadIdIndex(storage::ColumnFamily cf,
                                                      const std::string& key) const;
  absl::StatusOr<newsgraph::v1::IngestJob> ReadJob(uint64_t job_id) const;
  void AddOutboxItem(storage::WriteBatch* batch, uint64_t doc, int64_t version,
                     OutboxItem::Action action) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  void PutCounters(storage::WriteBatch* batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  void NotifyOutbox();

  storage::KvStore* const store_;
  const DocumentLimits limits_;

  mutable absl::Mutex write_mu_;
  uint64_t next_document_id_ ABSL_GUARDED_BY(write_mu_) = 1;
  uint64_t next_outbox_sequence_ ABSL_GUARDED_BY(write_mu_) = 1;
  uint64_t next_job_id_ ABSL_GUARDED_BY(write_mu_) = 1;
  uint64_t outbox_size_ ABSL_GUARDED_BY(write_mu_) = 0;

  absl::Mutex listener_mu_;
  std::function<void()> outbox_listener_ ABSL_GUARDED_BY(listener_mu_);
};

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_INGEST_CORE_H_
