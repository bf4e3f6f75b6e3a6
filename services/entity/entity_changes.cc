#include "services/entity/entity_changes.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "services/entity/entity_core.h"
#include "services/entity/entity_keyspace.h"

namespace newsgraph::entity {

using keys::IdKey;
using keys::MentionKey;
using keys::RankKey;
using newsgraph::v1::AnnotateDocumentResponse;
using newsgraph::v1::Entity;
using newsgraph::v1::Mention;
using storage::WriteBatch;

void AdjustAlias(Entity* entity, absl::string_view surface, int64_t delta) {
  auto* aliases = entity->mutable_aliases();
  for (int i = 0; i < aliases->size(); ++i) {
    if (aliases->Get(i).text() == surface) {
      aliases->Mutable(i)->set_mention_count(aliases->Get(i).mention_count() + delta);
      if (aliases->Get(i).mention_count() <= 0) aliases->DeleteSubrange(i, 1);
      return;
    }
  }
  if (delta > 0) {
    newsgraph::v1::Alias* alias = aliases->Add();
    alias->set_text(std::string(surface));
    alias->set_mention_count(delta);
  }
}

std::string TitleKey(absl::string_view title) {
  std::string key;
  for (char c : title) {
    if (c == '-' || c == ' ') continue;
    key.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  return key;
}

void AdjustRole(Entity* entity, const newsgraph::v1::RoleMention& role, int64_t delta) {
  auto* roles = entity->mutable_roles();
  const std::string key = TitleKey(role.title());
  for (int i = 0; i < roles->size(); ++i) {
    const newsgraph::v1::EntityRole& r = roles->Get(i);
    if (TitleKey(r.title()) == key && r.organization() == role.organization() &&
        (!role.organization().empty() || r.organization_text() == role.organization_text())) {
      roles->Mutable(i)->set_mention_count(r.mention_count() + delta);
      if (roles->Get(i).mention_count() <= 0) roles->DeleteSubrange(i, 1);
      return;
    }
  }
  if (delta > 0) {
    newsgraph::v1::EntityRole* r = roles->Add();
    r->set_title(role.title());
    r->set_organization(role.organization());
    r->set_organization_text(role.organization_text());
    r->set_mention_count(delta);
  }
}

void SortAliases(Entity* entity) {
  std::stable_sort(entity->mutable_roles()->begin(), entity->mutable_roles()->end(),
                   [](const newsgraph::v1::EntityRole& a, const newsgraph::v1::EntityRole& b) {
                     return a.mention_count() > b.mention_count();
                   });
  std::stable_sort(entity->mutable_aliases()->begin(), entity->mutable_aliases()->end(),
                   [](const newsgraph::v1::Alias& a, const newsgraph::v1::Alias& b) {
                     return a.mention_count() > b.mention_count();
                   });
}

absl::StatusOr<Entity*> EntityChanges::Load(uint64_t id) {
  auto it = touched_.find(id);
  if (it != touched_.end()) return &it->second;
  NG_ASSIGN_OR_RETURN(std::optional<Entity> entity, reader_(id));
  if (!entity.has_value()) {
    return absl::DataLossError(absl::StrCat("entity ", id, " is referenced but missing"));
  }
  original_counts_[id] = entity->mention_count();
  return &touched_.emplace(id, *std::move(entity)).first->second;
}

absl::StatusOr<std::pair<uint64_t, Entity*>> EntityChanges::LoadResolved(uint64_t id) {
  // Merges chain (a merge's source may have absorbed others before), so the
  // chain is followed to its end however long; only a cycle stops it.
  const uint64_t asked = id;
  absl::flat_hash_set<uint64_t> seen;
  for (int hops = 0;; ++hops) {
    NG_ASSIGN_OR_RETURN(Entity * entity, Load(id));
    if (entity->merged_into().empty()) return std::pair{id, entity};
    // Chains are short: the set is only kept once one is not.
    if (hops >= 8 && !seen.insert(id).second) {
      return absl::DataLossError(
          absl::StrCat("entity ", asked, " is merged in a cycle (through entity ", id, ")"));
    }
    NG_ASSIGN_OR_RETURN(id, EntityCore::ParseEntityName(entity->merged_into()));
  }
}

void EntityChanges::Create(uint64_t id, Entity entity) {
  original_counts_[id] = 0;
  touched_.emplace(id, std::move(entity));
}

absl::Status EntityChanges::RemoveDocument(absl::string_view document,
                                           const AnnotateDocumentResponse& annotations,
                                           WriteBatch* batch) {
  for (const Mention& m : annotations.mentions()) {
    if (m.entity().empty()) continue;
    NG_ASSIGN_OR_RETURN(uint64_t id, EntityCore::ParseEntityName(m.entity()));
    NG_ASSIGN_OR_RETURN(auto resolved, LoadResolved(id));
    resolved.second->set_mention_count(resolved.second->mention_count() - 1);
    AdjustAlias(resolved.second, m.text(), -1);
    batch->Delete(cf::kEntityMentions, MentionKey(resolved.first, document, m.span().byte_begin()));
  }
  for (const newsgraph::v1::DocumentEntity& de : annotations.entities()) {
    NG_ASSIGN_OR_RETURN(uint64_t id, EntityCore::ParseEntityName(de.entity()));
    NG_ASSIGN_OR_RETURN(auto resolved, LoadResolved(id));
    resolved.second->set_document_count(resolved.second->document_count() - 1);
  }
  for (const newsgraph::v1::RoleMention& role : annotations.roles()) {
    NG_ASSIGN_OR_RETURN(uint64_t id, EntityCore::ParseEntityName(role.person()));
    NG_ASSIGN_OR_RETURN(auto resolved, LoadResolved(id));
    AdjustRole(resolved.second, role, -1);
  }
  return absl::OkStatus();
}

void EntityChanges::WriteTo(WriteBatch* batch) {
  for (auto& [id, entity] : touched_) {
    SortAliases(&entity);
    const int64_t before = original_counts_[id];
    if (before > 0) batch->Delete(cf::kEntityRank, RankKey(before, id));
    if (entity.mention_count() > 0) {
      batch->Put(cf::kEntityRank, RankKey(entity.mention_count(), id), "");
    }
    batch->Put(cf::kEntities, IdKey(id), entity.SerializeAsString());
  }
}

}  // namespace newsgraph::entity
