#include "services/search/posting_codec.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "storage/key_codec.h"

namespace newsgraph::search {
namespace {

constexpr int64_t kUnknownPublished = std::numeric_limits<int64_t>::min();

}  // namespace

void PutVarint(std::string* out, uint32_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(absl::string_view* in, uint32_t* v) {
  uint32_t result = 0;
  for (int shift = 0; shift <= 28 && !in->empty(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint32_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

// Posting value: title_tf, body_tf, salience in thousandths, then the
// positions as deltas, all varints.
std::string EncodePosting(const Posting& p) {
  std::string out;
  PutVarint(&out, p.title_tf);
  PutVarint(&out, p.body_tf);
  PutVarint(&out, static_cast<uint32_t>(std::lround(std::clamp(p.salience, 0.0f, 1.0f) * 1000)));
  uint32_t previous = 0;
  for (uint32_t pos : p.positions) {
    PutVarint(&out, pos - previous);
    previous = pos;
  }
  return out;
}

bool DecodePosting(absl::string_view in, bool with_positions, Posting* p) {
  uint32_t salience = 0;
  if (!GetVarint(&in, &p->title_tf) || !GetVarint(&in, &p->body_tf) || !GetVarint(&in, &salience)) {
    return false;
  }
  p->salience = static_cast<float>(salience) / 1000.0f;
  if (!with_positions) return true;
  // Every position takes at least one byte: a corrupt count cannot make
  // this reserve more than the value holds.
  p->positions.reserve(std::min<size_t>(in.size(), size_t{p->title_tf} + p->body_tf));
  uint32_t position = 0;
  while (!in.empty()) {
    uint32_t delta = 0;
    if (!GetVarint(&in, &delta)) return false;
    position += delta;
    p->positions.push_back(position);
  }
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
