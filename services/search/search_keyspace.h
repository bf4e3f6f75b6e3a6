// The search service's RocksDB keyspaces (column families) and key layouts.
//
//   segments  segment(u64 BE) kind('d' postings | 'p' positions) term
//                                 -> posting list (posting_codec.h)
//   terms     term (raw bytes)    -> "" (the dictionary of terms in segments)
//   docs      doc(u64)            -> newsgraph.v1.IndexDocumentRequest (stored fields)
//   norms     doc(u64)            -> title_len(u32) body_len(u32) published_seconds(i64)
//                                    story_cluster(u64)
//   names     document name (raw) -> doc(u64 BE) version(u64 BE)
//   hits      doc(u64)            -> newsgraph.v1.Document with only name, version, title,
//                                    source and published_time (what a hit shows)
//   meta      name (raw)          -> u64 BE counters; "segment:" segment(u64 BE)
//                                    -> first doc, last doc, documents (u64 BE each)
//   postings  (format 1, before segments; emptied when an old index is opened)
//
// Terms: analyzed words as produced by Analyze(); keyword terms start with
// byte 0x01 and a field letter: "\x01s" source, "\x01l" language,
// "\x01e" entity name, "\x01t" entity type, "\x01a" Q&A answerer, "\x01q" Q&A asker.
#ifndef NEWSGRAPH_SERVICES_SEARCH_SEARCH_KEYSPACE_H_
#define NEWSGRAPH_SERVICES_SEARCH_SEARCH_KEYSPACE_H_

#include <string>
#include <vector>

#include "storage/kv_store.h"

namespace newsgraph::search {

inline const std::vector<std::string>& SearchColumnFamilies() {
  static const std::vector<std::string>* names =
      new std::vector<std::string>{"postings", "terms", "docs", "norms", "names", "meta", "segments", "hits"};
  return *names;
}

// Written once and read through caches: ZSTD at every level.
inline const std::vector<std::string>& SearchZstdColumnFamilies() {
  static const std::vector<std::string>* names =
      new std::vector<std::string>{"docs", "segments"};
  return *names;
}

namespace cf {
inline constexpr storage::ColumnFamily kPostings{0};
inline constexpr storage::ColumnFamily kTerms{1};
inline constexpr storage::ColumnFamily kDocs{2};
inline constexpr storage::ColumnFamily kNorms{3};
inline constexpr storage::ColumnFamily kNames{4};
inline constexpr storage::ColumnFamily kMeta{5};
inline constexpr storage::ColumnFamily kSegments{6};
inline constexpr storage::ColumnFamily kHits{7};
}  // namespace cf

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_SEARCH_KEYSPACE_H_
