// Curation of canonical entities: merging and editing. Edits persist and
// take precedence over automatic resolution: merged entities redirect to
// their target, and aliases point where the curator says.
#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/mutex.h"
#include "base/status_macros.h"
#include "base/stop_poller.h"
#include "services/entity/entity_core.h"
#include "services/entity/cooccurrence.h"
#include "services/entity/entity_keyspace.h"
#include "services/text/normalizer.h"

namespace newsgraph::entity {
namespace {

using keys::AliasKey;
using storage::EncodeBigEndian64;
using keys::IdKey;
using keys::MentionKey;
using keys::RankKey;
using newsgraph::v1::Entity;
using storage::KeyBuilder;
using storage::WriteBatch;

// Points every alias of `entity` (and its country code) at `target_id`.
void PointAliases(const Entity& entity, uint64_t target_id, WriteBatch* batch) {
  for (const auto& alias : entity.aliases()) {
    batch->Put(cf::kAliases, AliasKey(text::FoldForMatching(alias.text()), entity.type()),
               EncodeBigEndian64(target_id));
  }
  batch->Put(cf::kAliases, AliasKey(text::FoldForMatching(entity.canonical_name()), entity.type()),
             EncodeBigEndian64(target_id));
  if (auto code = entity.external_ids().find("iso3166"); code != entity.external_ids().end()) {
    batch->Put(cf::kAliases, AliasKey(absl::StrCat("iso3166:", code->second), entity.type()),
               EncodeBigEndian64(target_id));
  }
}

// Checks MergeEntities.sources: present, within the limit, no duplicates
// (a source listed twice would be counted into the target twice), and
// not the target.
absl::Status ValidateMergeSources(const newsgraph::v1::MergeEntitiesRequest& request,
                                  const EntityLimits& limits) {
  if (request.sources().empty()) return absl::InvalidArgumentError("sources must not be empty");
  if (static_cast<size_t>(request.sources_size()) > limits.max_merge_sources) {
    return absl::InvalidArgumentError(absl::StrCat("sources has ", request.sources_size(),
                                                   " entries; at most ", limits.max_merge_sources,
                                                   " allowed"));
  }
  absl::flat_hash_set<absl::string_view> seen;
  for (const std::string& source : request.sources()) {
    if (source == request.target()) {
      return absl::InvalidArgumentError(
          absl::StrCat("sources must not contain the target ", request.target()));
    }
    if (!seen.insert(source).second) {
      return absl::InvalidArgumentError(absl::StrCat("sources lists ", source, " twice"));
    }
  }
  return absl::OkStatus();
}

// Adds `source`'s counts, aliases, roles and first/last seen to `target`.
void FoldInto(const Entity& source, Entity* target) {
  target->set_mention_count(target->mention_count() + source.mention_count());
  target->set_document_count(target->document_count() + source.document_count());
  for (const auto& alias : source.aliases()) {
    bool found = false;
    for (auto& existing : *target->mutable_aliases()) {
      if (existing.text() == alias.text()) {
        existing.set_mention_count(existing.mention_count() + alias.mention_count());
        found = true;
      }
    }
    if (!found) *target->add_aliases() = alias;
  }
  for (const auto& role : source.roles()) {
    bool found = false;
    for (auto& existing : *target->mutable_roles()) {
      if (existing.title() == role.title() && existing.organization() == role.organization() &&
          existing.organization_text() == role.organization_text()) {
        existing.set_mention_count(existing.mention_count() + role.mention_count());
        found = true;
      }
    }
    if (!found) *target->add_roles() = role;
  }
  if (source.first_seen_time().seconds() < target->first_seen_time().seconds()) {
    *target->mutable_first_seen_time() = source.first_seen_time();
  }
  if (source.last_seen_time().seconds() > target->last_seen_time().seconds()) {
    *target->mutable_last_seen_time() = source.last_seen_time();
  }
}

// Adds to `batch` the moves of `source_id`'s mentions and quotes under
// `target`.
absl::Status MoveMentionsAndQuotes(storage::KvStore& store, uint64_t source_id,
                                   const Entity& target, uint64_t target_id, StopPoller* poller,
                                   WriteBatch* batch) {
  const std::string prefix = IdKey(source_id);
  storage::ReadOptions scan;
  scan.upper_bound = storage::PrefixSuccessor(prefix);
  std::unique_ptr<storage::Iterator> it = store.NewIterator(cf::kEntityMentions, scan);
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    NG_RETURN_IF_ERROR(poller->Step());
    newsgraph::v1::Mention mention;
    if (!mention.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("stored mention is corrupted");
    }
    mention.set_entity(target.name());
    mention.set_type(target.type());
    batch->Put(cf::kEntityMentions,
               MentionKey(target_id, mention.document(), mention.span().byte_begin()),
               mention.SerializeAsString());
    batch->Delete(cf::kEntityMentions, std::string(it->key()));
  }
  NG_RETURN_IF_ERROR(it->status());
  std::unique_ptr<storage::Iterator> quotes = store.NewIterator(cf::kQuotes, scan);
  for (quotes->Seek(prefix); quotes->Valid(); quotes->Next()) {
    NG_RETURN_IF_ERROR(poller->Step());
    newsgraph::v1::Quote quote;
    if (!quote.ParseFromArray(quotes->value().data(), static_cast<int>(quotes->value().size()))) {
      return absl::DataLossError("stored quote is corrupted");
    }
    quote.set_speaker(target.name());
    batch->Put(cf::kQuotes, keys::QuoteKey(target_id, quote.document(), quote.span().byte_begin()),
               quote.SerializeAsString());
    batch->Delete(cf::kQuotes, std::string(quotes->key()));
  }
  return quotes->status();
}

// Checks an UpdateEntity request's sizes against `limits`.
absl::Status ValidateUpdate(const newsgraph::v1::UpdateEntityRequest& request,
                            const EntityLimits& limits) {
  const Entity& update = request.entity();
  auto check_bytes = [&](absl::string_view field, absl::string_view value, size_t max) {
    if (value.size() <= max) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is ", value.size(), " bytes; at most ", max, " allowed"));
  };
  NG_RETURN_IF_ERROR(check_bytes("entity.canonical_name", update.canonical_name(),
                                 limits.max_name_bytes));
  NG_RETURN_IF_ERROR(check_bytes("entity.description", update.description(),
                                 limits.max_description_bytes));
  absl::flat_hash_set<absl::string_view> distinct_aliases;
  for (const auto& alias : update.aliases()) {
    NG_RETURN_IF_ERROR(check_bytes("entity.aliases.text", alias.text(), limits.max_name_bytes));
    distinct_aliases.insert(alias.text());
  }
  if (distinct_aliases.size() > limits.max_aliases) {
    return absl::InvalidArgumentError(absl::StrCat("entity.aliases has ", distinct_aliases.size(),
                                                   " distinct texts; at most ", limits.max_aliases,
                                                   " allowed"));
  }
  if (update.type() != newsgraph::v1::ENTITY_TYPE_UNSPECIFIED &&
      !newsgraph::v1::EntityType_IsValid(update.type())) {
    return absl::InvalidArgumentError(
        absl::StrCat("entity.type: unknown value ", static_cast<int>(update.type())));
  }
  if (update.external_ids_size() > static_cast<int>(limits.max_external_ids)) {
    return absl::InvalidArgumentError(
        absl::StrCat("entity.external_ids has ", update.external_ids_size(), " entries; at most ",
                     limits.max_external_ids, " allowed"));
  }
  for (const auto& [key, value] : update.external_ids()) {
    NG_RETURN_IF_ERROR(check_bytes("entity.external_ids key", key, limits.max_name_bytes));
    NG_RETURN_IF_ERROR(check_bytes("entity.external_ids value", value, limits.max_name_bytes));
  }
  const absl::flat_hash_set<absl::string_view> paths(request.update_mask().paths().begin(),
                                                      request.update_mask().paths().end());
  if (paths.size() > limits.max_update_paths) {
    return absl::InvalidArgumentError(absl::StrCat("update_mask has ", paths.size(),
                                                   " distinct paths; at most ",
                                                   limits.max_update_paths, " allowed"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Entity> EntityCore::MergeEntities(const newsgraph::v1::MergeEntitiesRequest& request,
                                                 const std::function<bool()>& stop) {
  NG_ASSIGN_OR_RETURN(uint64_t target_id, ParseEntityName(request.target()));
  NG_RETURN_IF_ERROR(ValidateMergeSources(request, limits_));
  newsgraph::MutexLock lock(&write_mu_);
  NG_ASSIGN_OR_RETURN(std::optional<Entity> target, ReadEntity(target_id));
  if (!target.has_value()) {
    return absl::NotFoundError(absl::StrCat("entity '", request.target(), "' does not exist"));
  }
  if (!target->merged_into().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(request.target(), " was itself merged into ",
                                                      target->merged_into(), "; merge into that"));
  }
  // Every source is checked before anything is written. A source already
  // merged into this target is skipped, so a retry after a lost response
  // (or a crash between two sources) completes the merge.
  std::vector<std::pair<uint64_t, Entity>> sources;
  for (const std::string& source_name : request.sources()) {
    NG_ASSIGN_OR_RETURN(uint64_t source_id, ParseEntityName(source_name));
    NG_ASSIGN_OR_RETURN(std::optional<Entity> source, ReadEntity(source_id));
    if (!source.has_value()) {
      return absl::NotFoundError(absl::StrCat("entity '", source_name, "' does not exist"));
    }
    if (source->merged_into() == target->name()) continue;
    if (!source->merged_into().empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat(source_name, " was already merged into ", source->merged_into()));
    }
    sources.emplace_back(source_id, *std::move(source));
  }
  // One synced write per source: the moves of a source read the store, so
  // each must see the writes of the source before it (two sources that
  // shared sentences would otherwise both count them into the target).
  StopPoller poller(stop, "MergeEntities");
  for (auto& [source_id, source] : sources) {
    NG_RETURN_IF_ERROR(MergeOne(source_id, &source, target_id, &*target, &poller));
  }
  return *std::move(target);
}

absl::Status EntityCore::MergeOne(uint64_t source_id, Entity* source, uint64_t target_id,
                                  Entity* target, StopPoller* poller) {
  const int64_t target_count_before = target->mention_count();
  WriteBatch batch;
  FoldInto(*source, target);
  target->add_merged_entities(source->name());
  PointAliases(*source, target_id, &batch);
  NG_RETURN_IF_ERROR(MoveMentionsAndQuotes(*store_, source_id, *target, target_id, poller, &batch));
  // Sentence co-occurrence moves to the target too.
  NG_RETURN_IF_ERROR(MoveCooccurrence(*store_, source_id, target_id, poller, &batch));
  if (source->mention_count() > 0) {
    batch.Delete(cf::kEntityRank, RankKey(source->mention_count(), source_id));
  }
  source->set_merged_into(target->name());
  source->set_mention_count(0);
  source->set_document_count(0);
  batch.Put(cf::kEntities, IdKey(source_id), source->SerializeAsString());
  std::sort(target->mutable_aliases()->begin(), target->mutable_aliases()->end(),
            [](const auto& a, const auto& b) { return a.mention_count() > b.mention_count(); });
  if (target_count_before > 0) {
    batch.Delete(cf::kEntityRank, RankKey(target_count_before, target_id));
  }
  if (target->mention_count() > 0) {
    batch.Put(cf::kEntityRank, RankKey(target->mention_count(), target_id), "");
  }
  batch.Put(cf::kEntities, IdKey(target_id), target->SerializeAsString());
  NG_RETURN_IF_ERROR(poller->Step());
  return store_->Write(batch, storage::Durability::kSynced);
}

absl::StatusOr<Entity> EntityCore::UpdateEntity(const newsgraph::v1::UpdateEntityRequest& request) {
  if (request.update_mask().paths().empty()) {
    return absl::InvalidArgumentError(
        "update_mask is required: canonical_name, type, description, external_ids or aliases");
  }
  NG_ASSIGN_OR_RETURN(uint64_t id, ParseEntityName(request.entity().name()));
  NG_RETURN_IF_ERROR(ValidateUpdate(request, limits_));
  newsgraph::MutexLock lock(&write_mu_);
  NG_ASSIGN_OR_RETURN(std::optional<Entity> entity, ReadEntity(id));
  if (!entity.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("entity '", request.entity().name(), "' does not exist"));
  }
  if (!entity->merged_into().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(request.entity().name(), " was merged into ",
                                                      entity->merged_into(), "; update that"));
  }
  WriteBatch batch;
  const Entity& update = request.entity();
  // Each path once, in the order first given.
  absl::flat_hash_set<absl::string_view> applied;
  for (const std::string& path : request.update_mask().paths()) {
    if (!applied.insert(path).second) continue;
    if (path == "canonical_name") {
      if (update.canonical_name().empty()) {
        return absl::InvalidArgumentError("canonical_name must not be empty");
      }
      entity->set_canonical_name(update.canonical_name());
      batch.Put(cf::kAliases,
                AliasKey(text::FoldForMatching(update.canonical_name()), entity->type()),
                EncodeBigEndian64(id));
    } else if (path == "type") {
      if (update.type() == newsgraph::v1::ENTITY_TYPE_UNSPECIFIED) {
        return absl::InvalidArgumentError("type must be set");
      }
      entity->set_type(update.type());
      PointAliases(*entity, id, &batch);  // Reachable under the new type too.
    } else if (path == "description") {
      entity->set_description(update.description());
    } else if (path == "external_ids") {
      *entity->mutable_external_ids() = update.external_ids();
    } else if (path == "aliases") {
      // The curator's list replaces ours: removed surfaces stop resolving here.
      absl::flat_hash_map<std::string, int64_t> counts;
      for (const auto& alias : entity->aliases()) counts[alias.text()] = alias.mention_count();
      absl::flat_hash_set<absl::string_view> wanted_texts;
      for (const auto& wanted : update.aliases()) wanted_texts.insert(wanted.text());
      for (const auto& alias : entity->aliases()) {
        if (wanted_texts.contains(alias.text())) continue;
        const std::string key = AliasKey(text::FoldForMatching(alias.text()), entity->type());
        NG_ASSIGN_OR_RETURN(std::optional<std::string> target, store_->Get(cf::kAliases, key));
        if (target.has_value() && *target == EncodeBigEndian64(id)) batch.Delete(cf::kAliases, key);
      }
      entity->clear_aliases();
      absl::flat_hash_set<absl::string_view> listed;
      for (const auto& wanted : update.aliases()) {
        if (!listed.insert(wanted.text()).second) continue;  // listed twice
        newsgraph::v1::Alias* alias = entity->add_aliases();
        alias->set_text(wanted.text());
        alias->set_mention_count(counts.contains(wanted.text()) ? counts[wanted.text()] : 0);
        batch.Put(cf::kAliases, AliasKey(text::FoldForMatching(wanted.text()), entity->type()),
                  EncodeBigEndian64(id));
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "update_mask path '", path,
          "' cannot be updated; use canonical_name, type, description, external_ids or aliases"));
    }
  }
  batch.Put(cf::kEntities, IdKey(id), entity->SerializeAsString());
  NG_RETURN_IF_ERROR(store_->Write(batch, storage::Durability::kSynced));
  return *std::move(entity);
}

}  // namespace newsgraph::entity
