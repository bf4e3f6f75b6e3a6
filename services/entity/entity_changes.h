// Changes one write makes to stored entities: loaded on first touch, their
// counts, aliases and roles adjusted, then written back with their rank
// keys moved.
#ifndef NEWSGRAPH_SERVICES_ENTITY_ENTITY_CHANGES_H_
#define NEWSGRAPH_SERVICES_ENTITY_ENTITY_CHANGES_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "newsgraph/v1/entity_service.pb.h"
#include "storage/kv_store.h"

namespace newsgraph::entity {

// Adds `delta` mentions to the entity's alias `surface` (creating it when
// `delta` is positive, removing it when its count reaches zero).
void AdjustAlias(newsgraph::v1::Entity* entity, absl::string_view surface, int64_t delta);

// Adds `delta` mentions to the entity's role `role` (title compared by
// TitleKey, and organisation), the same way.
void AdjustRole(newsgraph::v1::Entity* entity, const newsgraph::v1::RoleMention& role,
                int64_t delta);

// Titles match when they differ only in case, hyphens and spaces
// ("Secretary-General" / "Secretary General").
std::string TitleKey(absl::string_view title);

// Orders roles and aliases by mention count, most first (stable).
void SortAliases(newsgraph::v1::Entity* entity);

// Entities changed by one write: loaded on first touch, remembered with their
// mention counts before the change so their rank keys can be moved.
class EntityChanges {
 public:
  using Reader = std::function<absl::StatusOr<std::optional<newsgraph::v1::Entity>>(uint64_t)>;
  explicit EntityChanges(Reader reader) : reader_(std::move(reader)) {}

  // The entity `id`, loaded once. Errors: DATA_LOSS when it is missing,
  // and the reader's.
  absl::StatusOr<newsgraph::v1::Entity*> Load(uint64_t id);

  // Loads `id`, following merges to the entity that absorbed it; returns
  // the id actually loaded.
  absl::StatusOr<std::pair<uint64_t, newsgraph::v1::Entity*>> LoadResolved(uint64_t id);

  // Adds a new entity (written by WriteTo).
  void Create(uint64_t id, newsgraph::v1::Entity entity);

  // Subtracts everything `annotations` of `document` contributed.
  absl::Status RemoveDocument(absl::string_view document,
                              const newsgraph::v1::AnnotateDocumentResponse& annotations,
                              storage::WriteBatch* batch);

  // Writes every changed entity and moves its rank key.
  void WriteTo(storage::WriteBatch* batch);

 private:
  Reader reader_;
  absl::flat_hash_map<uint64_t, newsgraph::v1::Entity> touched_;
  absl::flat_hash_map<uint64_t, int64_t> original_counts_;
};

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_ENTITY_CHANGES_H_
