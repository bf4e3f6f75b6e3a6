#include "services/entity/mention_resolver.h"

#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "services/entity/entity_core.h"
#include "services/entity/entity_keyspace.h"
#include "services/entity/name_forms.h"
#include "services/text/normalizer.h"
#include "storage/key_codec.h"

namespace newsgraph::entity {

using keys::AliasKey;
using newsgraph::v1::Entity;
using newsgraph::v1::Mention;
using storage::DecodeBigEndian64;
using storage::EncodeBigEndian64;

namespace {

bool IsAcronym(absl::string_view surface) {
  return surface.size() >= 2 && surface.size() <= 6 &&
         std::all_of(surface.begin(), surface.end(),
                     [](char c) { return absl::ascii_isupper(static_cast<unsigned char>(c)); });
}

void AddInTextOrder(std::vector<std::pair<size_t, uint64_t>>* defined, size_t byte, uint64_t id) {
  defined->insert(std::upper_bound(defined->begin(), defined->end(), std::make_pair(byte, id)),
                  std::make_pair(byte, id));
}

std::string CountryKey(absl::string_view code, newsgraph::v1::EntityType type) {
  return AliasKey(absl::StrCat("iso3166:", code), type);
}

}  // namespace

MentionResolver::MentionResolver(Context context, absl::string_view text,
                                 const std::vector<RecognizedMention>& mentions)
    : context_(std::move(context)), text_(text) {
  for (const RecognizedMention& rm : mentions) {
    const absl::string_view surface = text_.substr(rm.byte_begin, rm.byte_end - rm.byte_begin);
    if (IsAcronym(surface)) document_acronyms_.insert(text::FoldForMatching(surface));
  }
}

MentionResolver::Name MentionResolver::Describe(const RecognizedMention& rm) const {
  Name name;
  name.surface = std::string(text_.substr(rm.byte_begin, rm.byte_end - rm.byte_begin));
  name.type = rm.type;
  name.code = rm.type == newsgraph::v1::GPE ? context_.recognizer->CountryCode(name.surface) : "";
  name.folded = text::FoldForMatching(name.surface);
  name.key = name.code.empty() ? AliasKey(name.folded, rm.type) : CountryKey(name.code, rm.type);
  name.single_word = IsSingleWord(text_, rm);
  name.byte_begin = rm.byte_begin;
  return name;
}

bool MentionResolver::IsSingleWord(absl::string_view text, const RecognizedMention& rm) {
  return text.substr(rm.byte_begin, rm.byte_end - rm.byte_begin).find(' ') ==
         absl::string_view::npos;
}

std::optional<uint64_t> MentionResolver::Nearest(
    const std::vector<std::pair<size_t, uint64_t>>& defined, size_t byte) {
  std::optional<uint64_t> id;
  for (const auto& [position, org] : defined) {
    if (position > byte && id.has_value()) break;
    id = org;
    if (position > byte) break;
  }
  return id;
}

absl::Status MentionResolver::Resolve(const RecognizedMention& rm, Mention* mention) {
  const Name name = Describe(rm);
  Alias alias = Alias::kLearn;
  NG_ASSIGN_OR_RETURN(std::optional<uint64_t> id, FindKnown(name, mention, &alias));
  if (!id.has_value()) id = Create(name);
  return Record(*id, name, alias, rm.byte_begin, mention);
}

absl::StatusOr<std::optional<uint64_t>> MentionResolver::FindKnown(const Name& name,
                                                                   Mention* mention, Alias* alias) {
  // Short forms within the document come first. They stay local: the alias
  // table does not learn them, since another document's "Zhang" may be
  // someone else.
  std::optional<uint64_t> id = DefinedPerson(name);
  if (!id.has_value()) {
    id = DefinedOrganizationHead(name);
    // The tagger may call such a word MISC or NORP; the document's own
    // definition decides, and the mention becomes an ORG.
    if (id.has_value()) mention->set_type(newsgraph::v1::ORG);
  }
  if (!id.has_value()) {
    NG_ASSIGN_OR_RETURN(id, KnownFamilyName(name));
  }
  *alias = id.has_value() ? Alias::kLocal : Alias::kLearn;
  if (id.has_value()) return id;
  if (auto it = learned_aliases_.find(name.key); it != learned_aliases_.end()) return it->second;
  NG_ASSIGN_OR_RETURN(id, LookUpAlias(name.key));
  if (id.has_value()) {
    *alias = Alias::kStored;
    return id;
  }
  id = DefinedAcronym(name);
  if (id.has_value()) return id;
  NG_ASSIGN_OR_RETURN(id, AcronymOfLongName(name));
  if (id.has_value()) return id;
  return StrongerTyped(name);
}

// "Zhang" after "Zhang Ming": the family or given name of exactly one
// person the document named in full.
std::optional<uint64_t> MentionResolver::DefinedPerson(const Name& name) const {
  if (!name.single_word || (name.type != newsgraph::v1::PERSON && name.type != newsgraph::v1::MISC &&
                            name.type != newsgraph::v1::NORP)) {
    return std::nullopt;
  }
  std::optional<uint64_t> match;
  for (const auto& [person, first, last] : persons_) {
    if (first != name.folded && last != name.folded) continue;
    if (match.has_value() && *match != person) return std::nullopt;  // ambiguous
    match = person;
  }
  return match;
}

// "Blunkett" in a document that does not name him in full: the one person
// known with that family name. Such a match stays local like a short form,
// since the name may later turn out to be shared.
absl::StatusOr<std::optional<uint64_t>> MentionResolver::KnownFamilyName(const Name& name) const {
  // The tagger calls an unknown single name MISC as often as PERSON.
  if (!name.single_word ||
      (name.type != newsgraph::v1::PERSON && name.type != newsgraph::v1::MISC)) {
    return std::nullopt;
  }
  uint64_t id = 0;
  const std::string key = keys::FamilyNameKey(name.folded);
  if (auto it = learned_unique_names_.find(key); it != learned_unique_names_.end()) {
    id = it->second;
  } else {
    NG_ASSIGN_OR_RETURN(std::optional<std::string> found, context_.store->Get(cf::kAliases, key));
    if (found.has_value() && found->size() == 8) id = DecodeBigEndian64(found->data());
  }
  if (id == 0) return std::nullopt;
  NG_ASSIGN_OR_RETURN(id, context_.resolve_merged(id));
  return id;
}

absl::Status MentionResolver::LearnUniqueName(const std::string& key, uint64_t id) {
  std::optional<uint64_t> known;
  if (auto it = learned_unique_names_.find(key); it != learned_unique_names_.end()) {
    known = it->second;
  } else {
    NG_ASSIGN_OR_RETURN(std::optional<std::string> found, context_.store->Get(cf::kAliases, key));
    if (found.has_value()) {
      known = found->size() == 8 ? DecodeBigEndian64(found->data()) : 0;
    }
  }
  if (known.has_value()) {
    if (*known == 0) return absl::OkStatus();  // already shared
    NG_ASSIGN_OR_RETURN(const uint64_t known_id, context_.resolve_merged(*known));
    if (known_id == id) return absl::OkStatus();
  }
  const uint64_t value = known.has_value() ? 0 : id;
  learned_unique_names_[key] = value;
  context_.batch->Put(cf::kAliases, key, value == 0 ? std::string() : EncodeBigEndian64(value));
  return absl::OkStatus();
}

// "the Organization" after "Shanghai Cooperation Organization": the latest
// organisation the document named in full with that generic head word.
std::optional<uint64_t> MentionResolver::DefinedOrganizationHead(const Name& name) const {
  if (!name.single_word || (name.type != newsgraph::v1::ORG && name.type != newsgraph::v1::MISC &&
                            name.type != newsgraph::v1::NORP)) {
    return std::nullopt;
  }
  const std::string head = FoldSpelling(name.folded);
  if (!IsGenericOrgHead(head)) return std::nullopt;
  auto it = org_heads_.find(head);
  if (it == org_heads_.end()) return std::nullopt;
  return Nearest(it->second, name.byte_begin);
}

absl::StatusOr<std::optional<uint64_t>> MentionResolver::LookUpAlias(const std::string& key) const {
  NG_ASSIGN_OR_RETURN(std::optional<std::string> found, context_.store->Get(cf::kAliases, key));
  if (found.has_value() && found->size() == 8) return DecodeBigEndian64(found->data());
  return std::nullopt;
}

// "SCO" after "Shanghai Cooperation Organization" in the same document.
std::optional<uint64_t> MentionResolver::DefinedAcronym(const Name& name) const {
  if (!name.single_word || name.surface.size() < 2 || name.surface.size() > 6) return std::nullopt;
  auto it = org_initials_.find(name.folded);
  if (it == org_initials_.end()) return std::nullopt;
  return Nearest(it->second, name.byte_begin);
}

// A new long name whose initials are a known organisation's acronym that
// this document also uses is that organisation ("Shanghai Cooperation
// Organization" and "SCO"). Without the acronym in the document, initials
// alone prove nothing ("Supreme Court of Ontario" is not the SCO).
absl::StatusOr<std::optional<uint64_t>> MentionResolver::AcronymOfLongName(const Name& name) const {
  if (name.type != newsgraph::v1::ORG || name.single_word) return std::nullopt;
  const std::string initials = Initials(name.surface);
  if (initials.size() < 2 || !document_acronyms_.contains(initials)) return std::nullopt;
  const std::string key = AliasKey(initials, newsgraph::v1::ORG);
  if (auto it = learned_aliases_.find(key); it != learned_aliases_.end()) return it->second;
  return LookUpAlias(key);
}

// Weakly typed mentions (NORP, MISC) of a name already known with a
// stronger type join that entity (the one mentioned most) instead of
// starting a new one.
absl::StatusOr<std::optional<uint64_t>> MentionResolver::StrongerTyped(const Name& name) const {
  if (name.type != newsgraph::v1::NORP && name.type != newsgraph::v1::MISC) return std::nullopt;
  std::optional<uint64_t> id;
  int64_t best_mentions = 0;
  // People's names are kept as written, other names in American spelling.
  std::vector<std::string> names = {name.folded};
  if (std::string american = keys::AliasName(name.folded); american != name.folded) {
    names.push_back(std::move(american));
  }
  for (const std::string& folded : names) {
    const std::string prefix = storage::KeyBuilder().AddString(folded).key();
    storage::ReadOptions scan;
    scan.upper_bound = storage::PrefixSuccessor(prefix);
    std::unique_ptr<storage::Iterator> it = context_.store->NewIterator(cf::kAliases, scan);
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      if (it->value().size() != 8) continue;
      const uint64_t candidate = DecodeBigEndian64(it->value().data());
      NG_ASSIGN_OR_RETURN(std::optional<Entity> entity, context_.read_entity(candidate));
      if (!entity.has_value() || entity->type() == newsgraph::v1::NORP ||
          entity->type() == newsgraph::v1::MISC) {
        continue;
      }
      if (entity->mention_count() > best_mentions) {
        best_mentions = entity->mention_count();
        id = candidate;
      }
    }
    NG_RETURN_IF_ERROR(it->status());
  }
  return id;
}

uint64_t MentionResolver::Create(const Name& name) {
  const uint64_t id = (*context_.next_entity_id)++;
  Entity created;
  created.set_name(EntityCore::EntityName(id));
  created.set_type(name.type);
  created.set_canonical_name(name.surface);
  *created.mutable_first_seen_time() = context_.seen;
  *created.mutable_last_seen_time() = context_.seen;
  if (!name.code.empty()) (*created.mutable_external_ids())["iso3166"] = name.code;
  context_.changes->Create(id, std::move(created));
  return id;
}

absl::Status MentionResolver::Record(uint64_t id, const Name& name, Alias alias, size_t byte_begin,
                                     Mention* mention) {
  if (alias != Alias::kLocal && !learned_aliases_.contains(name.key)) {
    learned_aliases_[name.key] = id;
    // A name the table already maps to the entity is not written again.
    if (alias == Alias::kLearn) context_.batch->Put(cf::kAliases, name.key, EncodeBigEndian64(id));
    // The surface form is also reachable as text (for ResolveEntities).
    if (!name.code.empty()) {
      context_.batch->Put(cf::kAliases, AliasKey(name.folded, name.type), EncodeBigEndian64(id));
    }
  }
  NG_ASSIGN_OR_RETURN(auto resolved, context_.changes->LoadResolved(id));  // Follows merges.
  id = resolved.first;
  Entity* entity = resolved.second;
  if (entity->type() != name.type) mention->set_type(entity->type());
  entity->set_mention_count(entity->mention_count() + 1);
  AdjustAlias(entity, name.surface, +1);
  if (FromTimestamp(context_.seen) < FromTimestamp(entity->first_seen_time())) {
    *entity->mutable_first_seen_time() = context_.seen;
  }
  if (FromTimestamp(context_.seen) > FromTimestamp(entity->last_seen_time())) {
    *entity->mutable_last_seen_time() = context_.seen;
  }
  mention->set_entity(EntityCore::EntityName(id));
  MentionStats& stats = in_document_.try_emplace(id, MentionStats{0, byte_begin}).first->second;
  ++stats.mentions;
  stats.first_byte = std::min(stats.first_byte, byte_begin);
  // Full names define the short forms later mentions may use, whether or
  // not the entity was first mentioned by a short form ("SCO" before
  // "Shanghai Cooperation Organization").
  if (!name.single_word && defined_.emplace(id, name.surface).second) {
    if (entity->type() == newsgraph::v1::PERSON) {
      const std::string family = LastWordFolded(name.surface);
      persons_.emplace_back(id, FirstWordFolded(name.surface), family);
      if (family.size() >= 2) NG_RETURN_IF_ERROR(LearnUniqueName(keys::FamilyNameKey(family), id));
    } else if (entity->type() == newsgraph::v1::ORG) {
      const std::string initials = Initials(name.surface);
      AddInTextOrder(&org_initials_[initials], byte_begin, id);
      // For queries only ("HSBC" finding the bank a text named in full);
      // mentions need the acronym defined in their own document.
      if (initials.size() >= 3 && initials.size() <= 6) {
        NG_RETURN_IF_ERROR(LearnUniqueName(keys::InitialsKey(initials), id));
      }
      AddInTextOrder(&org_heads_[FoldSpelling(LastWordFolded(name.surface))], byte_begin, id);
    }
  }
  context_.batch->Put(cf::kEntityMentions, keys::MentionKey(id, mention->document(), byte_begin),
                      mention->SerializeAsString());
  return absl::OkStatus();
}

std::string MentionResolver::OrganizationOf(const Mention& m) {
  if (m.type() != newsgraph::v1::NORP) return m.entity();
  // A nationality stands for its country's entity, when it is known.
  const std::string code = context_.recognizer->CountryCodeOfDemonym(m.text());
  if (code.empty()) return "";
  const std::string key = CountryKey(code, newsgraph::v1::GPE);
  if (auto it = learned_aliases_.find(key); it != learned_aliases_.end()) {
    return EntityCore::EntityName(it->second);
  }
  absl::StatusOr<std::optional<uint64_t>> found = LookUpAlias(key);
  if (!found.ok()) {
    KeepError(found.status());
    return "";
  }
  if (!found->has_value()) return "";
  absl::StatusOr<uint64_t> resolved = context_.resolve_merged(**found);
  if (!resolved.ok()) {
    KeepError(resolved.status());
    return "";
  }
  return EntityCore::EntityName(*resolved);
}

std::optional<std::string> MentionResolver::SpeakerOf(
    absl::string_view speaker, const google::protobuf::RepeatedPtrField<Mention>& mentions) {
  // A person of this document whose name ends the attribution
  // ("SCO Secretary-General Zhang Ming" -> "Zhang Ming"), longest first.
  const std::string folded_speaker = text::FoldForMatching(speaker);
  std::optional<std::string> best;
  size_t best_length = 0;
  for (const Mention& m : mentions) {
    if (m.type() != newsgraph::v1::PERSON || m.entity().empty()) continue;
    const std::string name = text::FoldForMatching(m.text());
    if (name.size() > best_length && absl::EndsWith(folded_speaker, name)) {
      best = m.entity();
      best_length = name.size();
    }
  }
  if (best.has_value()) return best;
  // Else the person named in the attribution, through the alias table.
  for (const RecognizedMention& m : context_.recognizer->Recognize(speaker).mentions) {
    if (m.type != newsgraph::v1::PERSON) continue;
    const std::string key =
        AliasKey(text::FoldForMatching(speaker.substr(m.byte_begin, m.byte_end - m.byte_begin)),
                 newsgraph::v1::PERSON);
    if (auto it = learned_aliases_.find(key); it != learned_aliases_.end()) {
      return EntityCore::EntityName(it->second);
    }
    absl::StatusOr<std::optional<uint64_t>> found = LookUpAlias(key);
    if (!found.ok()) {
      KeepError(found.status());
      return std::nullopt;
    }
    if (found->has_value()) return EntityCore::EntityName(**found);
  }
  return std::nullopt;
}

}  // namespace newsgraph::entity
