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
  for (char c : word) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(c)) && c != '.') return false;
  }
  return true;
}

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(std::string(s)); }

bool Adjacent(absl::string_view text, const text::Token& a, const text::Token& b) {
  if (b.byte_begin < a.byte_end) return false;
  absl::string_view gap = text.substr(a.byte_end, b.byte_begin - a.byte_end);
  return gap.find('\n') == absl::string_view::npos && gap.size() <= 2;
}

}  // namespace newsgraph::entity
