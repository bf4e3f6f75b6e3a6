// Resolves the name mentions of one document to canonical entities.
//
// In order: a short form the document defines ("Zhang" with "Zhang Ming"
// when one person of the document has that name, "the Organization" after
// "Shanghai Cooperation Organization"), the family name of the one person
// known with it ("Blunkett" for David Blunkett), the alias table,
// the initials of an organisation the document named in full, a long name
// whose initials are an acronym the document also uses, and a weakly typed
// mention (NORP, MISC) of a name known with a stronger type. A name none of
// these finds becomes a new entity. Short forms stay local to the document;
// every other surface form is learned as an alias.
//
// One resolver serves one annotation, under the entity core's write lock.
#ifndef NEWSGRAPH_SERVICES_ENTITY_MENTION_RESOLVER_H_
#define NEWSGRAPH_SERVICES_ENTITY_MENTION_RESOLVER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"
#include "newsgraph/v1/entity_service.pb.h"
#include "services/entity/entity_changes.h"
#include "services/entity/recognizer.h"
#include "storage/kv_store.h"

namespace newsgraph::entity {

// How often, and how early, a document mentions one entity.
struct MentionStats {
  uint32_t mentions = 0;
  size_t first_byte = 0;
};

class MentionResolver {
 public:
  struct Context {
    storage::KvStore* store = nullptr;        // the entity store (aliases)
    const Recognizer* recognizer = nullptr;   // country codes, demonyms
    EntityChanges* changes = nullptr;         // entities this write touches
    storage::WriteBatch* batch = nullptr;     // receives aliases and mentions
    uint64_t* next_entity_id = nullptr;       // advanced for each new entity
    google::protobuf::Timestamp seen;         // the document's time
    // An entity id, or the one it was merged into.
    std::function<absl::StatusOr<uint64_t>(uint64_t)> resolve_merged;
    // The stored entity `id` (as of before this write), if any.
    EntityChanges::Reader read_entity;
  };

  // `text` is the document's text, which `mentions` (all of the document's
  // recognized mentions) point into; both must outlive the resolver.
  MentionResolver(Context context, absl::string_view text,
                  const std::vector<RecognizedMention>& mentions);

  // Whether the mention is one word; the caller resolves names of several
  // words first, so that every full name of the document is known when its
  // short forms are resolved.
  static bool IsSingleWord(absl::string_view text, const RecognizedMention& rm);

  // Resolves the name mention `rm`, whose `mention` record is filled but
  // for its entity: sets the entity (and the entity's type, when it
  // differs), counts it on the entity, and puts the mention (and any alias
  // learned) in the batch. Errors: the store's.
  absl::Status Resolve(const RecognizedMention& rm, newsgraph::v1::Mention* mention);

  // Every entity the document mentions, by id.
  const absl::flat_hash_map<uint64_t, MentionStats>& in_document() const { return in_document_; }

  // For FindRoles: the organisation entity a role's organisation mention
  // stands for ("Chinese" -> China's entity), or "".
  std::string OrganizationOf(const newsgraph::v1::Mention& mention);
  // For FindQuotes: the person entity an attribution names ("SCO
  // Secretary-General Zhang Ming" -> Zhang Ming), preferring the document's
  // own people, longest name first.
  std::optional<std::string> SpeakerOf(
      absl::string_view speaker,
      const google::protobuf::RepeatedPtrField<newsgraph::v1::Mention>& mentions);
  // The first store error OrganizationOf or SpeakerOf met (they answered
  // "none" then); the annotation must fail with it.
  const absl::Status& lookup_error() const { return lookup_error_; }

 private:
  // One name mention, as the rules compare it.
  struct Name {
    std::string surface;
    std::string folded;
    std::string code;  // ISO 3166 code of a country, else ""
    std::string key;   // its alias key
    newsgraph::v1::EntityType type;
    bool single_word = false;
    size_t byte_begin = 0;
  };
  // Of the (position, id) definitions, the latest before `byte`, else the
  // first after it.
  static std::optional<uint64_t> Nearest(const std::vector<std::pair<size_t, uint64_t>>& defined,
                                         size_t byte);
  Name Describe(const RecognizedMention& rm) const;
  // What the alias table is to learn of a resolved name.
  enum class Alias {
    kLocal,   // a short form: the match holds in this document only
    kStored,  // the alias table already maps the name to the entity
    kLearn,   // a name to remember for the entity
  };
  // The rules in the order above; `alias` says what to learn.
  absl::StatusOr<std::optional<uint64_t>> FindKnown(const Name& name,
                                                    newsgraph::v1::Mention* mention, Alias* alias);
  std::optional<uint64_t> DefinedPerson(const Name& name) const;
  absl::StatusOr<std::optional<uint64_t>> KnownFamilyName(const Name& name) const;
  // Remembers that the name of `key` (a family name, an organisation's
  // initials) belongs to entity `id`, or that it is shared.
  absl::Status LearnUniqueName(const std::string& key, uint64_t id);
  std::optional<uint64_t> DefinedOrganizationHead(const Name& name) const;
  absl::StatusOr<std::optional<uint64_t>> LookUpAlias(const std::string& key) const;
  std::optional<uint64_t> DefinedAcronym(const Name& name) const;
  absl::StatusOr<std::optional<uint64_t>> AcronymOfLongName(const Name& name) const;
  absl::StatusOr<std::optional<uint64_t>> StrongerTyped(const Name& name) const;
  uint64_t Create(const Name& name);
  // Counts the mention on entity `id` and remembers full names as
  // definitions of the short forms later mentions may use.
  absl::Status Record(uint64_t id, const Name& name, Alias alias, size_t byte_begin,
                      newsgraph::v1::Mention* mention);
  void KeepError(const absl::Status& status) {
    if (lookup_error_.ok()) lookup_error_ = status;
  }

  Context context_;
  const absl::string_view text_;
  // Acronyms the document uses (folded), for linking long names to them.
  absl::flat_hash_set<std::string> document_acronyms_;
  absl::flat_hash_map<std::string, uint64_t> learned_aliases_;  // alias key -> id, this call
  // Keys of family names and initials learned in this call -> entity id,
  // 0 once shared.
  absl::flat_hash_map<std::string, uint64_t> learned_unique_names_;
  absl::flat_hash_map<uint64_t, MentionStats> in_document_;
  // The document's people named in full: (id, folded first word, folded last word).
  std::vector<std::tuple<uint64_t, std::string, std::string>> persons_;
  // Organisations named in full: initials or folded head word -> their
  // (position, id) in text order.
  absl::flat_hash_map<std::string, std::vector<std::pair<size_t, uint64_t>>> org_initials_;
  absl::flat_hash_map<std::string, std::vector<std::pair<size_t, uint64_t>>> org_heads_;
  absl::flat_hash_set<std::pair<uint64_t, std::string>> defined_;  // (id, full name)
  absl::Status lookup_error_;
};

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_MENTION_RESOLVER_H_
