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
#include <string>

#include "base/page_token.h"
#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "base/mutex.h"
#include "newsgraph/v1/entity_service.pb.h"
#include "services/entity/recognizer.h"
#include "storage/kv_store.h"

namespace newsgraph::entity {

class EntityCore {
 public:
  // `store` (opened with EntityColumnFamilies()) and `recognizer` are
  // borrowed and must outlive the core.
  static absl::StatusOr<std::unique_ptr<EntityCore>> Open(storage::KvStore* store,
                                                          const Recognizer* recognizer);

  // `stop` (both methods below), when set, is polled during recognition;
  // once it returns true the call ends with CANCELLED and stores nothing
  // (the gRPC adapter stops when its call is cancelled, so a shutting-down
  // pipeline does not wait for a large document to finish).

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

  // Removes a document's contribution. Idempotent.
  absl::StatusOr<int64_t> DeleteDocumentAnnotations(const std::string& document);

  // Errors: INVALID_ARGUMENT for a malformed name, NOT_FOUND.
  absl::StatusOr<newsgraph::v1::Entity> GetEntity(const std::string& name) const;

  absl::StatusOr<newsgraph::v1::ListEntitiesResponse> ListEntities(
      const newsgraph::v1::ListEntitiesRequest& request) const;

  absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> ResolveEntities(
      const newsgraph::v1::ResolveEntitiesRequest& request) const;

  absl::StatusOr<newsgraph::v1::ListMentionsResponse> ListMentions(
      const newsgraph::v1::ListMentionsRequest& request) const;

  // Entities mentioned in the same sentences as an entity, highest weight
  // first, with evidence sentences; optionally within a time window.
  // Errors: INVALID_ARGUMENT, NOT_FOUND.
  // `stop` (may be empty) is asked while the evidence is scanned; when it
  // returns true the call ends with CANCELLED.
  absl::StatusOr<newsgraph::v1::ListRelatedEntitiesResponse> ListRelatedEntities(
      const newsgraph::v1::ListRelatedEntitiesRequest& request,
      const std::function<bool()>& stop = {}) const;

  // Quotes attributed to an entity, newest document first. Errors:
  // INVALID_ARGUMENT, NOT_FOUND.
  absl::StatusOr<newsgraph::v1::ListQuotesResponse> ListQuotes(
      const newsgraph::v1::ListQuotesRequest& request) const;

  // Curation (entity_curation.cc). Both persist and win over automatic
  // resolution when documents are annotated again. Errors: INVALID_ARGUMENT,
  // NOT_FOUND.
  absl::StatusOr<newsgraph::v1::Entity> MergeEntities(
      const newsgraph::v1::MergeEntitiesRequest& request);
  absl::StatusOr<newsgraph::v1::Entity> UpdateEntity(
      const newsgraph::v1::UpdateEntityRequest& request);

  static std::string EntityName(uint64_t id);
  static absl::StatusOr<uint64_t> ParseEntityName(const std::string& name);

 private:
  // Signs the List methods' page tokens; set by Open.
  std::unique_ptr<const PageTokens> page_tokens_;
  EntityCore(storage::KvStore* store, const Recognizer* recognizer)
      : store_(store), recognizer_(recognizer) {}

  struct StoredAnnotation {
    int64_t version = 0;
    newsgraph::v1::AnnotateDocumentResponse annotations;
  };
  absl::StatusOr<std::optional<newsgraph::v1::Entity>> ReadEntity(uint64_t id) const;
  // `id`, or the entity it was merged into (following merges).
  absl::StatusOr<uint64_t> ResolveMerged(uint64_t id) const;
  absl::StatusOr<std::optional<StoredAnnotation>> ReadAnnotation(const std::string& document) const;

  storage::KvStore* const store_;
  const Recognizer* const recognizer_;

  newsgraph::Mutex write_mu_;
  uint64_t next_entity_id_ ABSL_GUARDED_BY(write_mu_) = 1;
};

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_ENTITY_CORE_H_
