#include "services/entity/word_shapes.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "absl/strings/ascii.h"

namespace newsgraph::entity {

bool StartsUpper(absl::string_view word) {
  if (word.empty()) return false;
  int32_t i = 0;
  UChar32 c;
  U8_NEXT(word.data(), i, static_cast<int32_t>(word.size()), c);
  return c >= 0 && (u_isupper(c) || u_istitle(c));
}

bool IsAllCapsAcronym(absl::string_view word) {
  if (word.size() < 2 || word.size() > 6) return false;
  int capitals = 0;
  for (char c : word) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c))) {
      ++capitals;
    } else if (c != '.') {
      return false;
    }
  }
  return capitals >= 2;  // dots alone ("..") are no acronym
}

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(std::string(s)); }

bool Adjacent(absl::string_view text, const text::Token& a, const text::Token& b) {
  if (b.byte_begin < a.byte_end) return false;
  absl::string_view gap = text.substr(a.byte_end, b.byte_begin - a.byte_end);
  if (gap.size() > 2) return false;
  // Only whitespace: punctuation between the tokens ("Paris, France") separates them.
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(gap.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(gap.data(), i, n, c);
    if (c < 0 || c == '\n' || !u_isUWhiteSpace(c)) return false;
  }
  return true;
}

}  // namespace newsgraph::entity
