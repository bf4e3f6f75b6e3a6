// Byte formats of the search index's RocksDB values: postings and per-
// document norms (docs/search-index.md). Decoders accept any bytes and
// return false for malformed ones.
#ifndef NEWSGRAPH_SERVICES_SEARCH_POSTING_CODEC_H_
#define NEWSGRAPH_SERVICES_SEARCH_POSTING_CODEC_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "services/search/search_index.h"

namespace newsgraph::search {

// LEB128 varints of 32-bit values.
void PutVarint(std::string* out, uint32_t v);
// Reads one varint from the front of `in`; false when truncated or longer
// than 5 bytes.
bool GetVarint(absl::string_view* in, uint32_t* v);

// Posting value: title_tf, body_tf, salience in thousandths, then the
// positions as deltas, all varints. Positions must be ascending.
std::string EncodePosting(const Posting& p);
// Fills title_tf, body_tf, salience and (when `with_positions`) positions.
bool DecodePosting(absl::string_view in, bool with_positions, Posting* p);

// Norms value: title and body lengths, publication seconds, story cluster.
std::string EncodeNorms(const DocNorms& n);
// Values of 16 bytes (written before story clusters) make `doc` its own cluster.
bool DecodeNorms(absl::string_view value, uint64_t doc, DocNorms* norms);

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_POSTING_CODEC_H_
