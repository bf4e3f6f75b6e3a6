// The entity service's RocksDB keyspaces (column families) and key layouts.
//
//   entities         entity_id(u64)                       -> newsgraph.v1.Entity
//   aliases          folded_surface(str) type(u64)        -> entity_id(u64 BE)
//   doc_annotations  document(str)                        -> version(u64 BE) + AnnotateDocumentResponse
//   entity_mentions  entity_id(u64) document(str) begin(u64) -> newsgraph.v1.Mention
//   entity_rank      (2^64-1 - mention_count)(u64) entity_id(u64) -> ""
//   meta             name(str)                            -> u64 BE counters
//   cooccurrence     legacy document-level pair counts; no longer written
//   quotes           speaker(u64) document(str) begin(u64) -> newsgraph.v1.Quote
//   pair_evidence, sentences, entity_days: sentence co-occurrence (cooccurrence.h)
#ifndef NEWSGRAPH_SERVICES_ENTITY_ENTITY_KEYSPACE_H_
#define NEWSGRAPH_SERVICES_ENTITY_ENTITY_KEYSPACE_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "newsgraph/v1/types.pb.h"
#include "services/text/spelling_variants.h"
#include "storage/key_codec.h"
#include "storage/kv_store.h"

namespace newsgraph::entity {

inline const std::vector<std::string>& EntityColumnFamilies() {
  static const std::vector<std::string>* names =
      new std::vector<std::string>{"entities",    "aliases", "doc_annotations", "entity_mentions",
                                   "entity_rank", "meta",    "cooccurrence",    "quotes",
                                   "pair_evidence", "sentences", "entity_days"};
  return *names;
}

namespace cf {
inline constexpr storage::ColumnFamily kEntities{0};
inline constexpr storage::ColumnFamily kAliases{1};
inline constexpr storage::ColumnFamily kDocAnnotations{2};
inline constexpr storage::ColumnFamily kEntityMentions{3};
inline constexpr storage::ColumnFamily kEntityRank{4};
inline constexpr storage::ColumnFamily kMeta{5};
inline constexpr storage::ColumnFamily kCooccurrence{6};
inline constexpr storage::ColumnFamily kQuotes{7};
// Sentence-level co-occurrence (cooccurrence.h has the layouts).
inline constexpr storage::ColumnFamily kPairEvidence{8};
inline constexpr storage::ColumnFamily kSentences{9};
inline constexpr storage::ColumnFamily kEntityDays{10};
}  // namespace cf

// Key layouts of the keyspaces above.
namespace keys {
inline std::string IdKey(uint64_t id) { return storage::KeyBuilder().AddUint64(id).key(); }
inline std::string RankKey(int64_t count, uint64_t id) {
  return storage::KeyBuilder()
      .AddUint64(std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(count))
      .AddUint64(id)
      .key();
}
// The name under which kAliases keeps a folded name of `type`: British
// spellings become American ones, so "Organisation" and "Organization" are
// one alias. People's names stay as written ("Grey" is not "Gray"), and so
// do names with "labour" (the British Labour Party is not Australia's Labor
// Party). Scans that do not know the type try both forms.
inline std::string AliasName(absl::string_view folded,
                             newsgraph::v1::EntityType type = newsgraph::v1::ORG) {
  if (type == newsgraph::v1::PERSON || absl::StrContains(folded, "labour")) {
    return std::string(folded);
  }
  return text::AmericanSpelling(folded);
}
inline std::string AliasKey(absl::string_view folded, newsgraph::v1::EntityType type) {
  return storage::KeyBuilder()
      .AddString(AliasName(folded, type))
      .AddUint64(static_cast<uint64_t>(type))
      .key();
}
// In kAliases: the one person named in full with this (folded) family
// name, as an 8-byte id, or an empty value once two people have it.
inline std::string FamilyNameKey(absl::string_view folded_family_name) {
  return AliasKey(absl::StrCat("family:", folded_family_name), newsgraph::v1::PERSON);
}
// The one organisation known with these initials ("hsbc" for Hongkong and
// Shanghai Banking Corp); an empty value once two share them.
inline std::string InitialsKey(absl::string_view initials) {
  return AliasKey(absl::StrCat("initials:", initials), newsgraph::v1::ORG);
}
inline std::string MentionKey(uint64_t entity, absl::string_view doc, uint64_t begin) {
  return storage::KeyBuilder().AddUint64(entity).AddString(doc).AddUint64(begin).key();
}
inline std::string QuoteKey(uint64_t speaker, absl::string_view doc, uint64_t begin) {
  return storage::KeyBuilder().AddUint64(speaker).AddString(doc).AddUint64(begin).key();
}
}  // namespace keys

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_ENTITY_KEYSPACE_H_
