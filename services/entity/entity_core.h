// EntityCore: recognition, resolution into canonical entities, and the
// entity store, without gRPC.
//
// Thread-safety: all methods are safe to call concurrently; annotation
// writes are serialized (they read-modify-write entity counts).
#ifndef NEWSGRAPH_SERVICES_ENTITY_ENTITY_CORE_H_
#define NEWSGRAPH_SERVICES_ENTITY_ENTITY_CORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "base/mutex.h"
#include "base/page_token.h"
#include "base/stop_poller.h"
#include "base/parallel_for.h"
#include "newsgraph/v1/entity_service.pb.h"
#include "services/entity/recognizer.h"
#include "storage/kv_store.h"

namespace newsgraph::text {
class CodePointOffsets;
}  // namespace newsgraph::text

namespace newsgraph::entity {

// What one request may ask of the entity service. A request over a limit
// fails with INVALID_ARGUMENT naming the field, the limit and the value; the
// protos list the defaults.
struct EntityLimits {
  // AnalyzeText.text, in bytes. Default 1 MiB.
  size_t max_analyze_bytes = 1u << 20;
  // AnnotateDocument.text, and the texts of a BatchAnnotateDocuments
  // together, in bytes. Default 64 MiB.
  size_t max_annotate_bytes = 64u << 20;
  // BatchAnnotateDocuments.requests. Default 256.
  size_t max_batch_documents = 256;
  // ResolveEntities.text, in bytes. Default 4 KiB.
  size_t max_resolve_bytes = 4096;
  // MergeEntities.sources (duplicates are rejected). Default 100.
  size_t max_merge_sources = 100;
  // UpdateEntity: entity.aliases (duplicates collapse). Default 256.
  size_t max_aliases = 256;
  // UpdateEntity: entity.external_ids. Default 64.
  size_t max_external_ids = 64;
  // UpdateEntity: canonical_name, each alias, each external id key and
  // value, in bytes. Default 1 KiB.
  size_t max_name_bytes = 1024;
  // UpdateEntity: entity.description, in bytes. Default 16 KiB.
  size_t max_description_bytes = 16u << 10;
  // UpdateEntity: distinct update_mask paths. Default 16.
  size_t max_update_paths = 16;
  // Entities ListEntities reads for one page: a filter that matches few of
  // them returns a short (even empty) page with a next_page_token rather
  // than scanning the whole store. Default 100,000.
  size_t max_scanned_per_page = 100000;
  // Largest page_size of ListEntities and ListMentions (default 1,000), of
  // ListRelatedEntities and ListQuotes (default 200); largest max_evidence
  // and max_candidates (default 20 each).
  int max_entities_page = 1000;
  int max_mentions_page = 1000;
  int max_related_page = 200;
  int max_quotes_page = 200;
  int max_evidence = 20;
  int max_candidates = 20;
};

class EntityCore {
 public:
  // `store` (opened with EntityColumnFamilies()) and `recognizer` are
  // borrowed and must outlive the core. BatchAnnotateDocuments recognizes on
  // up to `recognition_threads` threads (0: one per core).
  static absl::StatusOr<std::unique_ptr<EntityCore>> Open(storage::KvStore* store,
                                                          const Recognizer* recognizer,
                                                          EntityLimits limits = {},
                                                          size_t recognition_threads = 0);

  // `stop` (every method that takes one), when set, is polled while the
  // method works; once it returns true the call ends with CANCELLED and
  // stores nothing. The gRPC adapter stops when its call is cancelled or
  // passes its deadline, so neither a shutting-down pipeline nor a client
  // that gave up waits for work nobody will read.

  // Stateless recognition. Errors: INVALID_ARGUMENT (empty, too long, bad
  // UTF-8), CANCELLED.
  absl::StatusOr<newsgraph::v1::AnalyzeTextResponse> AnalyzeText(
      const newsgraph::v1::AnalyzeTextRequest& request,
      const std::function<bool()>& stop = nullptr) const;

  // See EntityService.AnnotateDocument. Errors: INVALID_ARGUMENT,
  // FAILED_PRECONDITION when a newer version is already recorded, CANCELLED.
  absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> AnnotateDocument(
      const newsgraph::v1::AnnotateDocumentRequest& request,
      const std::function<bool()>& stop = nullptr);

  // See EntityService.BatchAnnotateDocuments: each document as
  // AnnotateDocument would annotate it, one after the other in request
  // order (so the result does not depend on how documents are grouped into
  // batches, nor on the number of recognition threads), recognized in
  // parallel and made durable by one sync. A document's own failure
  // (INVALID_ARGUMENT, FAILED_PRECONDITION, CANCELLED) is its result; the
  // batch fails as a whole when it breaks a limit (INVALID_ARGUMENT), on a
  // storage error (documents before the failing one may be recorded), and
  // with CANCELLED when `stop` fires before anything is stored.
  absl::StatusOr<std::vector<absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse>>>
  BatchAnnotateDocuments(absl::Span<const newsgraph::v1::AnnotateDocumentRequest* const> requests,
                         const std::function<bool()>& stop = nullptr);

  // Removes a document's contribution. Idempotent.
  absl::StatusOr<int64_t> DeleteDocumentAnnotations(const std::string& document);

  // Errors: INVALID_ARGUMENT for a malformed name, NOT_FOUND.
  absl::StatusOr<newsgraph::v1::Entity> GetEntity(const std::string& name) const;

  absl::StatusOr<newsgraph::v1::ListEntitiesResponse> ListEntities(
      const newsgraph::v1::ListEntitiesRequest& request,
      const std::function<bool()>& stop = {}) const;

  absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> ResolveEntities(
      const newsgraph::v1::ResolveEntitiesRequest& request,
      const std::function<bool()>& stop = {}) const;

  absl::StatusOr<newsgraph::v1::ListMentionsResponse> ListMentions(
      const newsgraph::v1::ListMentionsRequest& request,
      const std::function<bool()>& stop = {}) const;

  // Entities mentioned in the same sentences as an entity, highest weight
  // first, with evidence sentences; optionally within a time window.
  // Errors: INVALID_ARGUMENT, NOT_FOUND, CANCELLED.
  absl::StatusOr<newsgraph::v1::ListRelatedEntitiesResponse> ListRelatedEntities(
      const newsgraph::v1::ListRelatedEntitiesRequest& request,
      const std::function<bool()>& stop = {}) const;

  // Quotes attributed to an entity, newest document first. Errors:
  // INVALID_ARGUMENT, NOT_FOUND.
  absl::StatusOr<newsgraph::v1::ListQuotesResponse> ListQuotes(
      const newsgraph::v1::ListQuotesRequest& request,
      const std::function<bool()>& stop = {}) const;

  // Curation (entity_curation.cc). Both persist and win over automatic
  // resolution when documents are annotated again. Errors: INVALID_ARGUMENT,
  // NOT_FOUND, FAILED_PRECONDITION (a source or the target merged elsewhere).
  // MergeEntities writes one source at a time; a source already merged into
  // the target is skipped, so retrying a merge completes it.
  absl::StatusOr<newsgraph::v1::Entity> MergeEntities(
      const newsgraph::v1::MergeEntitiesRequest& request,
      const std::function<bool()>& stop = {});
  absl::StatusOr<newsgraph::v1::Entity> UpdateEntity(
      const newsgraph::v1::UpdateEntityRequest& request);

  static std::string EntityName(uint64_t id);
  static absl::StatusOr<uint64_t> ParseEntityName(const std::string& name);

 private:
  // Signs the List methods' page tokens; set by Open.
  std::unique_ptr<const PageTokens> page_tokens_;
  EntityCore(storage::KvStore* store, const Recognizer* recognizer, EntityLimits limits,
             size_t recognition_threads)
      : store_(store),
        recognizer_(recognizer),
        limits_(limits),
        recognition_threads_(recognition_threads) {}

  // A recognition, and whether it ran to the end.
  struct Recognized {
    Recognition recognition;
    // CANCELLED naming the document when recognition was stopped.
    absl::Status Check(const newsgraph::v1::AnnotateDocumentRequest& request) const;
  };
  // The recorded annotations when `request`'s version is the one recorded.
  absl::StatusOr<std::optional<newsgraph::v1::AnnotateDocumentResponse>> RecordedAnnotation(
      const newsgraph::v1::AnnotateDocumentRequest& request) const;
  // The limits on a batch as a whole.
  absl::Status ValidateBatch(
      absl::Span<const newsgraph::v1::AnnotateDocumentRequest* const> requests) const;
  // Resolves a recognized document and writes everything recorded for it
  // with `durability` (or answers from the record when its version is
  // recorded already).
  absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> Record(
      const newsgraph::v1::AnnotateDocumentRequest& request, const Recognition& recognition,
      storage::Durability durability) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  struct StoredAnnotation {
    int64_t version = 0;
    newsgraph::v1::AnnotateDocumentResponse annotations;
  };
  absl::StatusOr<std::optional<newsgraph::v1::Entity>> ReadEntity(uint64_t id) const;
  // The entities `surface` names (ResolveEntities' candidates for one span),
  // most mentioned first, scored by their share of the mentions.
  absl::StatusOr<std::vector<newsgraph::v1::ResolvedCandidate>> CandidatesNamed(
      const std::string& surface, bool single_word, StopPoller& poller) const;
  // Merges `source` into `target` (both updated in place) with one synced write.
  absl::Status MergeOne(uint64_t source_id, newsgraph::v1::Entity* source, uint64_t target_id,
                        newsgraph::v1::Entity* target, StopPoller* poller)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // `id`, or the entity it was merged into (following merges).
  absl::StatusOr<uint64_t> ResolveMerged(uint64_t id) const;
  // The end of entity `id`'s chain of merges and that entity (nullopt when
  // it is not stored). DATA_LOSS for a cycle.
  struct Followed {
    uint64_t id = 0;
    std::optional<newsgraph::v1::Entity> entity;
  };
  absl::StatusOr<Followed> FollowMerges(uint64_t id) const;
  absl::StatusOr<std::optional<StoredAnnotation>> ReadAnnotation(const std::string& document) const;
  // Puts the annotation's record, quotes and co-occurrence counts (replacing
  // `previous`'s) and the entity id counter in `batch`.
  absl::Status WriteAnnotation(
      const newsgraph::v1::AnnotateDocumentRequest& request,
      const std::optional<newsgraph::v1::AnnotateDocumentResponse>& previous,
      const newsgraph::v1::AnnotateDocumentResponse& response, const Recognition& recognition,
      const text::CodePointOffsets& offsets, storage::WriteBatch* batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  storage::KvStore* const store_;
  const Recognizer* const recognizer_;
  const EntityLimits limits_;
  // The threads that recognize a batch.
  const LoopThreads recognition_threads_;

  newsgraph::Mutex write_mu_;
  uint64_t next_entity_id_ ABSL_GUARDED_BY(write_mu_) = 1;
};

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_ENTITY_CORE_H_
