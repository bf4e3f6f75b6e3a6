#include "services/entity/text_fields.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace newsgraph::entity {

newsgraph::v1::TextSpan MakeSpan(const text::CodePointOffsets& offsets, size_t begin, size_t end) {
  newsgraph::v1::TextSpan span;
  span.set_begin(offsets.FromByte(begin));
  span.set_end(offsets.FromByte(end));
  span.set_byte_begin(static_cast<uint32_t>(begin));
  span.set_byte_end(static_cast<uint32_t>(end));
  return span;
}

absl::Status ValidateText(absl::string_view text, absl::string_view field, size_t max_bytes) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is required and must not be empty"));
  }
  if (text.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is ", text.size(), " bytes; at most ", max_bytes, " allowed"));
  }
  if (auto bad = text::FindInvalidUtf8(text)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is not valid UTF-8 at byte offset ", *bad));
  }
  return absl::OkStatus();
}

}  // namespace newsgraph::entity
