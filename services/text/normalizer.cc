#include "services/text/normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/text/utf8.h"

namespace newsgraph::text {
namespace {

bool IsHorizontalSpace(UChar32 c) {
  return c == '\t' || c == '\v' || c == '\f' || (c != '\n' && c != '\r' && u_isUWhiteSpace(c)) ||
         c == 0x200B || c == 0xFEFF;
}

bool IsDropped(UChar32 c) {
  // C0/C1 controls other than the whitespace handled above, and unassigned
  // non-characters.
  return (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\v' && c != '\f') ||
         (c >= 0x7F && c < 0xA0) || c == 0xFFFE || c == 0xFFFF;
}

void AppendUtf8(std::string* out, UChar32 c) {
  char buf[4];
  int32_t len = 0;
  UBool error = false;
  U8_APPEND(buf, len, 4, c, error);
  if (!error) out->append(buf, static_cast<size_t>(len));
}

}  // namespace

absl::StatusOr<std::string> ToNfc(absl::string_view input) {
  if (auto bad = FindInvalidUtf8(input)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid UTF-8 at byte offset ", *bad));
  }
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(error);
  if (U_FAILURE(error)) return absl::InternalError(u_errorName(error));
  icu::UnicodeString source = icu::UnicodeString::fromUTF8(
      icu::StringPiece(input.data(), static_cast<int32_t>(input.size())));
  if (nfc->isNormalized(source, error) && U_SUCCESS(error)) return std::string(input);
  error = U_ZERO_ERROR;
  icu::UnicodeString normalized = nfc->normalize(source, error);
  if (U_FAILURE(error)) return absl::InternalError(u_errorName(error));
  std::string out;
  normalized.toUTF8String(out);
  return out;
}

absl::StatusOr<NormalizedText> NormalizeText(absl::string_view input) {
  absl::StatusOr<std::string> nfc = ToNfc(input);
  if (!nfc.ok()) return nfc.status();

  // Pass 1: split into trimmed lines with collapsed horizontal whitespace.
  std::vector<std::string> lines;
  std::string line;
  bool pending_space = false;
  const std::string& s = *nfc;
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  auto end_line = [&]() {
    lines.push_back(std::move(line));
    line.clear();
    pending_space = false;
  };
  while (i < n) {
    UChar32 c;
    U8_NEXT(s.data(), i, n, c);
    if (c == '\r') {
      if (i < n && s[i] == '\n') ++i;
      end_line();
    } else if (c == '\n' || c == 0x2028 || c == 0x2029 || c == 0x85) {
      end_line();
    } else if (IsHorizontalSpace(c)) {
      if (!line.empty()) pending_space = true;
    } else if (!IsDropped(c) && c >= 0) {
      if (pending_space) line.push_back(' ');
      pending_space = false;
      AppendUtf8(&line, c);
    }
  }
  end_line();

  // Pass 2: join lines; blank-line runs become one paragraph break.
  bool has_blank_line = false;
  for (size_t k = 1; k + 1 < lines.size(); ++k) {
    if (lines[k].empty()) has_blank_line = true;
  }
  NormalizedText result;
  result.text.reserve(s.size());
  size_t paragraph_begin = 0;
  bool in_paragraph = false;
  bool blank_seen = false;
  for (const std::string& l : lines) {
    if (l.empty()) {
      blank_seen = true;
      continue;
    }
    const bool new_paragraph = !in_paragraph || blank_seen || !has_blank_line;
    if (in_paragraph && new_paragraph) {
      result.paragraphs.push_back({paragraph_begin, result.text.size()});
      result.text.append(has_blank_line ? "\n\n" : "\n");
      paragraph_begin = result.text.size();
    } else if (in_paragraph) {
      result.text.push_back('\n');
    }
    result.text.append(l);
    in_paragraph = true;
    blank_seen = false;
  }
  if (in_paragraph) result.paragraphs.push_back({paragraph_begin, result.text.size()});
  return result;
}

std::string FoldForMatching(absl::string_view input) {
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfkd = icu::Normalizer2::getNFKDInstance(error);
  icu::UnicodeString source = icu::UnicodeString::fromUTF8(
      icu::StringPiece(input.data(), static_cast<int32_t>(input.size())));
  icu::UnicodeString decomposed = U_SUCCESS(error) ? nfkd->normalize(source, error) : source;
  if (U_FAILURE(error)) decomposed = source;
  std::string out;
  out.reserve(input.size());
  for (int32_t k = 0; k < decomposed.length();) {
    const UChar32 c = decomposed.char32At(k);
    k += U16_LENGTH(c);
    if (u_charType(c) == U_NON_SPACING_MARK) continue;
    const UChar32 folded = u_foldCase(c, U_FOLD_CASE_DEFAULT);
    if (folded == 0xDF) {  // ß folds to "ss" under full folding.
      out.append("ss");
      continue;
    }
    AppendUtf8(&out, folded);
  }
  return out;
}

}  // namespace newsgraph::text
