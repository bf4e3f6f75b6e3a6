// Internal to SearchIndex: the meta keys, key layouts and helpers its
// source files share (search_index.cc, search_index_reader.cc,
// segment_merger.cc). See search_keyspace.h for the keyspaces.
#ifndef NEWSGRAPH_SERVICES_SEARCH_SEARCH_INDEX_LAYOUT_H_
#define NEWSGRAPH_SERVICES_SEARCH_SEARCH_INDEX_LAYOUT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/search/search_index.h"
#include "storage/key_codec.h"

namespace newsgraph::search::layout {

inline constexpr char kNextDocKey[] = "next_doc";
inline constexpr char kDocCountKey[] = "document_count";
inline constexpr char kTitleTokensKey[] = "title_tokens";
inline constexpr char kBodyTokensKey[] = "body_tokens";
inline constexpr char kNextSegmentKey[] = "next_segment";
inline constexpr char kFlushedBelowKey[] = "flushed_below";
inline constexpr char kFormatKey[] = "index_format";
inline constexpr char kSegmentPrefix[] = "segment:";
// 2: segments of block-compressed posting lists. 1 (no key): one RocksDB
// entry per (term, document).
inline constexpr uint64_t kFormat = 2;
inline constexpr char kPostingsKind = 'd';
inline constexpr char kPositionsKind = 'p';

inline std::string DocKey(uint64_t doc) { return storage::KeyBuilder().AddUint64(doc).key(); }
inline std::string SegmentPrefix(uint64_t segment) { return storage::EncodeBigEndian64(segment); }
inline std::string SegmentKey(uint64_t segment, char kind, absl::string_view term) {
  std::string key = storage::EncodeBigEndian64(segment);
  key.push_back(kind);
  key.append(term.data(), term.size());
  return key;
}
inline std::string SegmentRegistryKey(uint64_t segment) {
  return absl::StrCat(kSegmentPrefix, storage::EncodeBigEndian64(segment));
}

inline absl::Status Corrupted(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("search index: ", what, " is corrupted"));
}

inline CorpusStats ComputeStats(uint64_t documents, uint64_t title_tokens, uint64_t body_tokens) {
  CorpusStats stats;
  stats.document_count = documents;
  if (documents > 0) {
    stats.average_title_length = static_cast<double>(title_tokens) / documents;
    stats.average_body_length = static_cast<double>(body_tokens) / documents;
  }
  return stats;
}

}  // namespace newsgraph::search::layout

#endif  // NEWSGRAPH_SERVICES_SEARCH_SEARCH_INDEX_LAYOUT_H_
