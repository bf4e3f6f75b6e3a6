// UTF-8 validation, repair and code point offset conversion.
#ifndef NEWSGRAPH_SERVICES_TEXT_UTF8_H_
#define NEWSGRAPH_SERVICES_TEXT_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace newsgraph::text {

// Returns the byte offset of the first byte that does not start a valid,
// shortest-form UTF-8 sequence (surrogates and values above U+10FFFF are
// invalid), or std::nullopt when `bytes` is valid UTF-8.
std::optional<size_t> FindInvalidUtf8(absl::string_view bytes);

// Returns `bytes` with every invalid sequence replaced by U+FFFD; stores the
// number of replacements in `*replaced` when non-null.
std::string RepairUtf8(absl::string_view bytes, size_t* replaced);

// Number of code points in valid UTF-8 `text`.
size_t CountCodePoints(absl::string_view text);

// Maps UTF-8 byte offsets of one text to code point offsets in O(1)
// amortized (checkpoints every 64 bytes). The text must be valid UTF-8 and
// outlive the converter.
class CodePointOffsets {
 public:
  explicit CodePointOffsets(absl::string_view text);
  // Code point offset of byte offset `byte` (0 <= byte <= text size; a byte
  // inside a sequence maps to the code point that contains it).
  uint32_t FromByte(size_t byte) const;

 private:
  absl::string_view text_;
  std::vector<uint32_t> checkpoints_;
  uint32_t total_ = 0;
};

}  // namespace newsgraph::text

#endif  // NEWSGRAPH_SERVICES_TEXT_UTF8_H_
