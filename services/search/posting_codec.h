// Byte formats of the search index's RocksDB values: block-compressed
// posting lists of one term in one segment, and per-document norms
// (docs/search-index.md). Decoders accept any bytes and report malformed
// ones instead of misbehaving.
//
// A posting list is two values:
//   postings   header, a skip table with one entry per block of up to 128
//              postings, then the blocks (document deltas, body tfs, title
//              tfs, saliences: varints, one array after the other)
//   positions  for every posting in order, its positions as varint deltas:
//              the title's from 0, the body's from kBodyOffset (read only by
//              phrase queries)
// The skip table lets a cursor jump to the block holding a target document
// without decoding the blocks before it.
#ifndef NEWSGRAPH_SERVICES_SEARCH_POSTING_CODEC_H_
#define NEWSGRAPH_SERVICES_SEARCH_POSTING_CODEC_H_

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace newsgraph::search {

// Position of the first body word; title words come before it.
inline constexpr uint32_t kBodyOffset = 1u << 20;
// Postings per block of an encoded posting list.
inline constexpr int kPostingBlockSize = 128;
// Document number after the last one: a cursor at the end reports it.
inline constexpr uint64_t kNoMoreDocs = std::numeric_limits<uint64_t>::max();

struct Posting {
  uint64_t doc = 0;
  uint32_t title_tf = 0;
  uint32_t body_tf = 0;
  // Ascending; title positions < kBodyOffset <= body positions.
  std::vector<uint32_t> positions;
  // For entity terms: the entity's salience in the document, in [0, 1].
  float salience = 0;
};

// One posting of the in-memory segment (read by PostingCursor::InitMemory).
struct MemoryPosting {
  uint64_t doc = 0;
  uint32_t title_tf = 0;
  uint32_t body_tf = 0;
  // End of this posting's positions in the term's position array (they
  // start where the previous posting's end).
  uint32_t position_end = 0;
  // Salience in thousandths.
  uint16_t salience = 0;
};

struct DocNorms {
  uint32_t title_length = 0;
  uint32_t body_length = 0;
  // Publication time; InfinitePast when unknown.
  absl::Time published = absl::InfinitePast();
  // Story cluster: a fingerprint of the document this one duplicates (or
  // nearly duplicates), else of the document itself.
  uint64_t cluster = 0;
};

// LEB128 varints.
void PutVarint(std::string* out, uint32_t v);
void PutVarint64(std::string* out, uint64_t v);
// Read one varint from the front of `in`; false when truncated or too long.
bool GetVarint(absl::string_view* in, uint32_t* v);
bool GetVarint64(absl::string_view* in, uint64_t* v);

// Builds the two values of one posting list. Postings must be added in
// ascending document order with positions ascending, the first title_tf
// below kBodyOffset and the rest at or above it, and
// title_tf + body_tf == positions.size() (or positions empty for keyword
// terms, which have no positions).
class PostingListWriter {
 public:
  void Add(const Posting& p);
  void Add(uint64_t doc, uint32_t title_tf, uint32_t body_tf, float salience,
           const uint32_t* positions, size_t position_count);
  size_t count() const { return count_; }
  // Finishes the list; the writer is empty afterwards.
  void Finish(std::string* postings, std::string* positions);

 private:
  void FlushBlock();

  size_t count_ = 0;
  uint64_t last_doc_ = 0;
  uint64_t block_base_ = 0;  // last document of the previous block
  bool has_title_ = false;
  bool has_salience_ = false;
  std::vector<uint64_t> docs_;
  std::vector<uint32_t> title_tfs_;
  std::vector<uint32_t> body_tfs_;
  std::vector<uint32_t> saliences_;  // thousandths
  std::string positions_;
  size_t block_positions_begin_ = 0;
  // Per finished block: last doc, payload, positions bytes.
  std::vector<uint64_t> block_last_;
  std::vector<std::string> block_payload_;
  std::vector<uint32_t> block_position_bytes_;
  // Title tfs and saliences per finished block, appended to the payloads in
  // Finish once it is known whether any posting has them.
  std::vector<std::vector<uint32_t>> pending_title_;
  std::vector<std::vector<uint32_t>> pending_salience_;
};

// Reads one encoded posting list (or an in-memory one, see
// PostingCursor::InitMemory). Borrows the bytes.
class PostingCursor {
 public:
  // Positions at the first posting. `positions` may be empty when
  // Positions() will not be called. False when the header is malformed.
  bool Init(absl::string_view postings, absl::string_view positions);

  // Over postings and positions owned by the caller (the in-memory segment).
  void InitMemory(const MemoryPosting* postings, const uint32_t* positions, size_t count);

  uint64_t doc() const { return doc_; }
  size_t count() const { return count_; }
  void Next();
  // Moves to the first posting with doc >= target (never backwards).
  void Advance(uint64_t target);
  // Frequencies and salience of the current posting; a block's are decoded
  // on first use, so skipping through a list decodes document numbers only.
  uint32_t title_tf();
  uint32_t body_tf();
  float salience();
  // The current posting's positions.
  bool Positions(std::vector<uint32_t>* out);
  // True once a malformed block was met; the cursor then reports no more
  // documents.
  bool corrupt() const { return corrupt_; }

 private:
  bool LoadBlock(size_t block);
  // Decodes the current block's frequencies and saliences.
  bool DecodeFrequencies();
  void Fail();
  void Reset();

  // Encoded form.
  absl::string_view payload_;
  absl::string_view positions_;
  bool has_title_ = false;
  bool has_salience_ = false;
  std::vector<uint64_t> block_last_;
  std::vector<uint32_t> block_offset_;
  std::vector<uint32_t> block_position_offset_;
  size_t block_ = 0;
  size_t block_size_ = 0;
  // The decoded block (left uninitialized: only [0, block_size_) is read).
  std::array<uint64_t, kPostingBlockSize> docs_;
  std::array<uint32_t, kPostingBlockSize> title_tfs_;
  std::array<uint32_t, kPostingBlockSize> body_tfs_;
  std::array<uint16_t, kPostingBlockSize> saliences_;
  // Where the current block's frequencies start, and whether they are decoded.
  const uint8_t* frequencies_ = nullptr;
  const uint8_t* block_end_ = nullptr;
  bool frequencies_decoded_ = false;
  // Positions decoded up to posting `position_index_` of the block.
  absl::string_view position_rest_;
  size_t position_index_ = 0;

  // In-memory form.
  bool memory_ = false;
  const MemoryPosting* mem_ = nullptr;
  const uint32_t* mem_positions_ = nullptr;

  size_t count_ = 0;
  size_t index_ = 0;  // within the block (encoded) or the list (memory)
  uint64_t doc_ = kNoMoreDocs;
  bool corrupt_ = false;
};

// Norms value: title and body lengths, publication seconds, story cluster.
std::string EncodeNorms(const DocNorms& n);
// Values of 16 bytes (written before story clusters) make `doc` its own cluster.
bool DecodeNorms(absl::string_view value, uint64_t doc, DocNorms* norms);

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_POSTING_CODEC_H_
