#include "services/text/utf8.h"

namespace newsgraph::text {
namespace {

// Length of the valid sequence starting at `i`, or 0 when it is invalid.
size_t ValidSequenceLength(absl::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t len;
  uint32_t min;
  uint32_t cp;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, min = 0x80, cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, min = 0x800, cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const uint8_t b = byte(i + k);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

std::optional<size_t> FindInvalidUtf8(absl::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const size_t len = ValidSequenceLength(bytes, i);
    if (len == 0) return i;
    i += len;
  }
  return std::nullopt;
}

std::string RepairUtf8(absl::string_view bytes, size_t* replaced) {
  std::string out;
  out.reserve(bytes.size());
  size_t count = 0;
  size_t i = 0;
  while (i < bytes.size()) {
    const size_t len = ValidSequenceLength(bytes, i);
    if (len == 0) {
      out.append("\xEF\xBF\xBD");
      ++count;
      ++i;
      // Skip the continuation bytes of the broken sequence.
      while (i < bytes.size() && (static_cast<uint8_t>(bytes[i]) & 0xC0) == 0x80) ++i;
      continue;
    }
    out.append(bytes.data() + i, len);
    i += len;
  }
  if (replaced != nullptr) *replaced = count;
  return out;
}

size_t CountCodePoints(absl::string_view text) {
  size_t count = 0;
  for (char c : text) count += (static_cast<uint8_t>(c) & 0xC0) != 0x80;
  return count;
}

CodePointOffsets::CodePointOffsets(absl::string_view text) : text_(text) {
  checkpoints_.reserve(text.size() / 64 + 1);
  uint32_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i % 64 == 0) checkpoints_.push_back(count);
    count += (static_cast<uint8_t>(text[i]) & 0xC0) != 0x80;
  }
  total_ = count;
}

uint32_t CodePointOffsets::FromByte(size_t byte) const {
  if (byte >= text_.size()) return total_;
  const size_t block = byte / 64;
  uint32_t count = checkpoints_[block];
  for (size_t i = block * 64; i < byte; ++i) {
    count += (static_cast<uint8_t>(text_[i]) & 0xC0) != 0x80;
  }
  // A byte inside a sequence belongs to the code point that started before it.
  if ((static_cast<uint8_t>(text_[byte]) & 0xC0) == 0x80 && count > 0) --count;
  return count;
}

}  // namespace newsgraph::text
