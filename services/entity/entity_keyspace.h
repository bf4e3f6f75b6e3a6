// The entity service's RocksDB keyspaces (column families) and key layouts.
//
//   entities         entity_id(u64)                     -> newsgraph.v1.Entity
//   aliases          folded_surface(str) type(u64)      -> entity_id(u64 BE)
//   doc_annotations  document(str)                      -> version(u64 BE) +
//   AnnotateDocumentResponse entity_mentions  entity_id(u64) document(str) begin(u64) ->
//   newsgraph.v1.Mention entity_rank      (2^64-1 - mention_count)(u64) entity_id(u64) -> "" meta
//   name(str)                          -> u64 BE counters
#ifndef NEWSGRAPH_SERVICES_ENTITY_ENTITY_KEYSPACE_H_
#define NEWSGRAPH_SERVICES_ENTITY_ENTITY_KEYSPACE_H_

#include <string>
#include <vector>

#include "storage/kv_store.h"

namespace newsgraph::entity {

inline const std::vector<std::string>& EntityColumnFamilies() {
  static const std::vector<std::string>* names = new std::vector<std::string>{
      "entities", "aliases", "doc_annotations", "entity_mentions", "entity_rank", "meta"};
  return *names;
}

namespace cf {
inline constexpr storage::ColumnFamily kEntities{0};
inline constexpr storage::ColumnFamily kAliases{1};
inline constexpr storage::ColumnFamily kDocAnnotations{2};
inline constexpr storage::ColumnFamily kEntityMentions{3};
inline constexpr storage::ColumnFamily kEntityRank{4};
inline constexpr storage::ColumnFamily kMeta{5};
}  // namespace cf

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_ENTITY_KEYSPACE_H_
