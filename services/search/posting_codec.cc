#include "services/search/posting_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "storage/key_codec.h"

namespace newsgraph::search {
namespace {

constexpr int64_t kUnknownPublished = std::numeric_limits<int64_t>::min();
constexpr uint32_t kHasTitle = 1;
constexpr uint32_t kHasSalience = 2;
constexpr uint32_t kHasPositions = 4;

uint32_t SalienceThousandths(float salience) {
  return static_cast<uint32_t>(std::lround(std::clamp(salience, 0.0f, 1.0f) * 1000));
}

}  // namespace

void PutVarint(std::string* out, uint32_t v) { PutVarint64(out, v); }

void PutVarint64(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(absl::string_view* in, uint32_t* v) {
  uint64_t wide = 0;
  absl::string_view rest = *in;
  if (!GetVarint64(&rest, &wide) || wide > std::numeric_limits<uint32_t>::max()) return false;
  *in = rest;
  *v = static_cast<uint32_t>(wide);
  return true;
}

bool GetVarint64(absl::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  const char* p = in->data();
  const char* end = p + in->size();
  for (int shift = 0; shift <= 63 && p < end; shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(*p++);
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      in->remove_prefix(static_cast<size_t>(p - in->data()));
      *v = result;
      return true;
    }
  }
  return false;
}

void PostingListWriter::Add(const Posting& p) {
  Add(p.doc, p.title_tf, p.body_tf, p.salience, p.positions.data(), p.positions.size());
}

void PostingListWriter::Add(uint64_t doc, uint32_t title_tf, uint32_t body_tf, float salience,
                            const uint32_t* positions, size_t position_count) {
  docs_.push_back(doc);
  title_tfs_.push_back(title_tf);
  body_tfs_.push_back(body_tf);
  saliences_.push_back(SalienceThousandths(salience));
  has_title_ |= title_tf != 0;
  has_salience_ |= saliences_.back() != 0;
  // Title positions are deltas from 0, body positions from kBodyOffset, so
  // the first body position costs a byte rather than three.
  uint32_t previous = 0;
  for (size_t i = 0; i < position_count; ++i) {
    if (i == title_tf) previous = kBodyOffset;
    PutVarint(&positions_, positions[i] - previous);
    previous = positions[i];
  }
  last_doc_ = doc;
  ++count_;
  if (docs_.size() == kPostingBlockSize) FlushBlock();
}

void PostingListWriter::FlushBlock() {
  if (docs_.empty()) return;
  std::string payload;
  uint64_t previous = block_base_;
  for (uint64_t doc : docs_) {
    PutVarint64(&payload, doc - previous);
    previous = doc;
  }
  for (uint32_t tf : body_tfs_) PutVarint(&payload, tf);
  // Title tfs and saliences are written for every block once any block has
  // them; blocks finished earlier are patched in Finish.
  block_payload_.push_back(std::move(payload));
  block_last_.push_back(docs_.back());
  block_position_bytes_.push_back(static_cast<uint32_t>(positions_.size() - block_positions_begin_));
  block_positions_begin_ = positions_.size();
  // Keep the tfs and saliences of the block until Finish decides the flags.
  pending_title_.push_back(title_tfs_);
  pending_salience_.push_back(saliences_);
  block_base_ = docs_.back();
  docs_.clear();
  title_tfs_.clear();
  body_tfs_.clear();
  saliences_.clear();
}

void PostingListWriter::Finish(std::string* postings, std::string* positions) {
  FlushBlock();
  postings->clear();
  const uint32_t flags = (has_title_ ? kHasTitle : 0) | (has_salience_ ? kHasSalience : 0) |
                         (positions_.empty() ? 0 : kHasPositions);
  PutVarint64(postings, count_);
  PutVarint(postings, flags);
  PutVarint64(postings, block_payload_.size());
  for (size_t b = 0; b < block_payload_.size(); ++b) {
    if (has_title_) {
      for (uint32_t tf : pending_title_[b]) PutVarint(&block_payload_[b], tf);
    }
    if (has_salience_) {
      for (uint32_t s : pending_salience_[b]) PutVarint(&block_payload_[b], s);
    }
    PutVarint64(postings, block_last_[b] - (b == 0 ? 0 : block_last_[b - 1]));
    PutVarint64(postings, block_payload_[b].size());
    PutVarint64(postings, block_position_bytes_[b]);
  }
  for (const std::string& payload : block_payload_) postings->append(payload);
  *positions = std::move(positions_);
  *this = PostingListWriter();
}

void PostingCursor::Reset() {
  payload_ = absl::string_view();
  positions_ = absl::string_view();
  has_title_ = has_salience_ = false;
  block_last_.clear();
  block_offset_.clear();
  block_position_offset_.clear();
  block_ = block_size_ = 0;
  position_rest_ = absl::string_view();
  position_index_ = 0;
  memory_ = false;
  mem_ = nullptr;
  mem_positions_ = nullptr;
  count_ = index_ = 0;
  doc_ = kNoMoreDocs;
  corrupt_ = false;
  frequencies_ = block_end_ = nullptr;
  frequencies_decoded_ = false;
}

bool PostingCursor::Init(absl::string_view postings, absl::string_view positions) {
  // Offsets into the value are kept in 32 bits.
  constexpr uint64_t kMaxOffset = std::numeric_limits<uint32_t>::max();
  Reset();
  uint64_t count = 0;
  uint32_t flags = 0;
  uint64_t blocks = 0;
  if (!GetVarint64(&postings, &count) || !GetVarint(&postings, &flags) ||
      !GetVarint64(&postings, &blocks)) {
    return false;
  }
  // Every block takes at least three header bytes and holds at least one
  // posting: corrupt counts cannot make this reserve more than the value holds.
  if (postings.size() > kMaxOffset || blocks > postings.size() / 3 || count < blocks ||
      count > blocks * kPostingBlockSize) {
    return false;
  }
  has_title_ = (flags & kHasTitle) != 0;
  has_salience_ = (flags & kHasSalience) != 0;
  block_last_.reserve(blocks);
  block_offset_.reserve(blocks + 1);
  block_position_offset_.reserve(blocks + 1);
  uint64_t last = 0;
  uint64_t offset = 0;
  uint64_t position_offset = 0;
  for (uint64_t b = 0; b < blocks; ++b) {
    uint64_t delta = 0;
    uint64_t bytes = 0;
    uint64_t position_bytes = 0;
    if (!GetVarint64(&postings, &delta) || !GetVarint64(&postings, &bytes) ||
        !GetVarint64(&postings, &position_bytes)) {
      return false;
    }
    if (b > 0 && delta == 0) return false;
    // Sizes that would wrap the running offsets (or overflow their 32-bit
    // copies) are corrupt; without this a wrapped sum could pass the checks
    // below and point a block outside the value.
    if (bytes > postings.size() || position_bytes > kMaxOffset - position_offset ||
        delta > std::numeric_limits<uint64_t>::max() - last) {
      return false;
    }
    last += delta;
    block_last_.push_back(last);
    block_offset_.push_back(static_cast<uint32_t>(offset));
    block_position_offset_.push_back(static_cast<uint32_t>(position_offset));
    offset += bytes;
    position_offset += position_bytes;
    if (offset > postings.size()) return false;
  }
  if (offset != postings.size()) return false;
  block_offset_.push_back(static_cast<uint32_t>(offset));
  block_position_offset_.push_back(static_cast<uint32_t>(position_offset));
  if ((flags & kHasPositions) != 0 && position_offset != positions.size()) {
    // Positions not loaded (or inconsistent): Positions() will refuse.
    positions = absl::string_view();
  }
  payload_ = postings;
  positions_ = (flags & kHasPositions) != 0 ? positions : absl::string_view();
  count_ = static_cast<size_t>(count);
  if (blocks == 0) {
    doc_ = kNoMoreDocs;
    return true;
  }
  if (!LoadBlock(0)) return false;
  return true;
}

void PostingCursor::InitMemory(const MemoryPosting* postings, const uint32_t* positions,
                               size_t count) {
  Reset();
  memory_ = true;
  mem_ = postings;
  mem_positions_ = positions;
  count_ = count;
  doc_ = count == 0 ? kNoMoreDocs : postings[0].doc;
}

void PostingCursor::Fail() {
  corrupt_ = true;
  doc_ = kNoMoreDocs;
}

namespace {

// Reads a varint from [*p, end); false when truncated or longer than 10 bytes.
inline bool ReadVarint(const uint8_t** p, const uint8_t* end, uint64_t* v) {
  const uint8_t* q = *p;
  if (q < end && *q < 0x80) {
    *v = *q;
    *p = q + 1;
    return true;
  }
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && q < end; shift += 7) {
    const uint8_t byte = *q++;
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (byte < 0x80) {
      *v = result;
      *p = q;
      return true;
    }
  }
  return false;
}

// Moves `*p` past `count` varints (a varint ends at a byte below 0x80),
// eight bytes at a time; false when [*p, end) holds fewer.
bool SkipVarints(const uint8_t** p, const uint8_t* end, size_t count) {
  const uint8_t* q = *p;
  while (count > 0 && end - q >= 8) {
    uint64_t word;
    std::memcpy(&word, q, sizeof word);
    // One bit per byte that ends a varint, summed by the multiplication
    // into the top byte (no popcount instruction needed).
    const uint64_t ends = (~word & 0x8080808080808080ULL) >> 7;
    const size_t in_word = static_cast<size_t>((ends * 0x0101010101010101ULL) >> 56);
    if (in_word < count) {
      count -= in_word;
      q += 8;
      continue;
    }
    break;  // the last varint ends in this word: finish byte by byte
  }
  for (; count > 0; ++q) {
    if (q == end) return false;
    if (*q < 0x80) --count;
  }
  *p = q;
  return true;
}

}  // namespace

bool PostingCursor::LoadBlock(size_t block) {
  block_ = block;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(payload_.data()) + block_offset_[block];
  const uint8_t* const end =
      reinterpret_cast<const uint8_t*>(payload_.data()) + block_offset_[block + 1];
  const uint64_t base = block == 0 ? 0 : block_last_[block - 1];
  // Every block but the last holds kPostingBlockSize postings.
  const size_t remaining_total = count_ - std::min(count_, block * kPostingBlockSize);
  const size_t n = std::min<size_t>(kPostingBlockSize, remaining_total);
  uint64_t doc = base;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!ReadVarint(&p, end, &v) || (v == 0 && !(block == 0 && i == 0))) {
      Fail();
      return false;
    }
    doc += v;
    docs_[i] = doc;
  }
  if (doc != block_last_[block]) {
    Fail();
    return false;
  }
  frequencies_ = p;
  block_end_ = end;
  frequencies_decoded_ = false;
  block_size_ = n;
  index_ = 0;
  doc_ = docs_[0];
  position_index_ = 0;
  position_rest_ = positions_.empty()
                       ? absl::string_view()
                       : positions_.substr(block_position_offset_[block],
                                           block_position_offset_[block + 1] -
                                               block_position_offset_[block]);
  return true;
}

bool PostingCursor::DecodeFrequencies() {
  frequencies_decoded_ = true;
  const uint8_t* p = frequencies_;
  const uint8_t* const end = block_end_;
  const size_t n = block_size_;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!ReadVarint(&p, end, &v) || v > std::numeric_limits<uint32_t>::max()) {
      Fail();
      return false;
    }
    body_tfs_[i] = static_cast<uint32_t>(v);
  }
  for (size_t i = 0; i < n; ++i) {
    v = 0;
    if (has_title_ && (!ReadVarint(&p, end, &v) || v > std::numeric_limits<uint32_t>::max())) {
      Fail();
      return false;
    }
    title_tfs_[i] = static_cast<uint32_t>(v);
  }
  for (size_t i = 0; i < n; ++i) {
    v = 0;
    if (has_salience_ && (!ReadVarint(&p, end, &v) || v > 1000)) {
      Fail();
      return false;
    }
    saliences_[i] = static_cast<uint16_t>(v);
  }
  if (p != end) {
    Fail();
    return false;
  }
  return true;
}

void PostingCursor::Next() {
  if (doc_ == kNoMoreDocs) return;
  if (memory_) {
    doc_ = ++index_ < count_ ? mem_[index_].doc : kNoMoreDocs;
    return;
  }
  if (++index_ < block_size_) {
    doc_ = docs_[index_];
    return;
  }
  if (block_ + 1 < block_last_.size()) {
    LoadBlock(block_ + 1);
  } else {
    doc_ = kNoMoreDocs;
  }
}

void PostingCursor::Advance(uint64_t target) {
  if (doc_ >= target) return;
  if (memory_) {
    const MemoryPosting* found =
        std::lower_bound(mem_ + index_, mem_ + count_, target,
                         [](const MemoryPosting& p, uint64_t doc) { return p.doc < doc; });
    index_ = static_cast<size_t>(found - mem_);
    doc_ = index_ < count_ ? mem_[index_].doc : kNoMoreDocs;
    return;
  }
  if (block_last_[block_] < target) {
    // Skip whole blocks through the skip table.
    const auto it = std::lower_bound(block_last_.begin() + static_cast<long>(block_) + 1,
                                     block_last_.end(), target);
    if (it == block_last_.end()) {
      doc_ = kNoMoreDocs;
      return;
    }
    if (!LoadBlock(static_cast<size_t>(it - block_last_.begin()))) return;
  }
  while (docs_[index_] < target) ++index_;
  doc_ = docs_[index_];
}

uint32_t PostingCursor::title_tf() {
  if (memory_) return mem_[index_].title_tf;
  if (!frequencies_decoded_ && !DecodeFrequencies()) return 0;
  return title_tfs_[index_];
}
uint32_t PostingCursor::body_tf() {
  if (memory_) return mem_[index_].body_tf;
  if (!frequencies_decoded_ && !DecodeFrequencies()) return 0;
  return body_tfs_[index_];
}
float PostingCursor::salience() {
  if (memory_) return static_cast<float>(mem_[index_].salience) / 1000.0f;
  if (!frequencies_decoded_ && !DecodeFrequencies()) return 0;
  return static_cast<float>(saliences_[index_]) / 1000.0f;
}

bool PostingCursor::Positions(std::vector<uint32_t>* out) {
  out->clear();
  if (doc_ == kNoMoreDocs) return false;
  if (memory_) {
    const uint32_t begin = index_ == 0 ? 0 : mem_[index_ - 1].position_end;
    out->assign(mem_positions_ + begin, mem_positions_ + mem_[index_].position_end);
    return true;
  }
  if (positions_.empty()) return false;
  if (!frequencies_decoded_ && !DecodeFrequencies()) return false;
  if (position_index_ > index_) return false;  // never happens: cursors only move forward
  // Skip the positions of the postings before the current one in the block:
  // counting varint ends is enough, nothing before is decoded.
  size_t skip = 0;
  for (size_t i = position_index_; i < index_; ++i) skip += size_t{title_tfs_[i]} + body_tfs_[i];
  const uint8_t* p = reinterpret_cast<const uint8_t*>(position_rest_.data());
  const uint8_t* const end = p + position_rest_.size();
  if (!SkipVarints(&p, end, skip)) return false;
  const uint32_t title = title_tfs_[index_];
  const uint32_t n = title + body_tfs_[index_];
  // Every position takes at least a byte: corrupt frequencies cannot make
  // this reserve more than the value holds.
  out->reserve(std::min<size_t>(n, static_cast<size_t>(end - p)));
  uint32_t position = 0;
  uint64_t delta = 0;
  for (uint32_t k = 0; k < n; ++k) {
    if (!ReadVarint(&p, end, &delta) || delta > std::numeric_limits<uint32_t>::max()) return false;
    if (k == title) position = kBodyOffset;
    position += static_cast<uint32_t>(delta);
    out->push_back(position);
  }
  position_rest_ = absl::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(end - p));
  position_index_ = index_ + 1;
  return true;
}

std::string EncodeNorms(const DocNorms& n) {
  std::string out;
  storage::AppendBigEndian64(&out, (static_cast<uint64_t>(n.title_length) << 32) | n.body_length);
  const int64_t published =
      n.published == absl::InfinitePast() ? kUnknownPublished : absl::ToUnixSeconds(n.published);
  storage::AppendBigEndian64(&out, static_cast<uint64_t>(published));
  storage::AppendBigEndian64(&out, n.cluster);
  return out;
}

bool DecodeNorms(absl::string_view value, uint64_t doc, DocNorms* norms) {
  if (value.size() != 16 && value.size() != 24) return false;
  const uint64_t lengths = storage::DecodeBigEndian64(value.data());
  norms->title_length = static_cast<uint32_t>(lengths >> 32);
  norms->body_length = static_cast<uint32_t>(lengths & 0xFFFFFFFF);
  const int64_t published = static_cast<int64_t>(storage::DecodeBigEndian64(value.data() + 8));
  norms->published =
      published == kUnknownPublished ? absl::InfinitePast() : absl::FromUnixSeconds(published);
  // Entries written before story clusters existed: the document is its own story.
  norms->cluster = value.size() == 24 ? storage::DecodeBigEndian64(value.data() + 16) : doc;
  return true;
}

}  // namespace newsgraph::search
