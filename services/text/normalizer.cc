#include "services/text/normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/uspoof.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
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

absl::StatusOr<std::vector<std::string>> SplitParagraphs(absl::string_view input,
                                                         const std::function<bool()>& stop) {
  absl::StatusOr<std::string> nfc = ToNfc(input);
  if (!nfc.ok()) return nfc.status();

  // Pass 1: trimmed lines with collapsed horizontal whitespace, remembering
  // which lines were indented.
  struct Line {
    std::string text;
    bool indented = false;
  };
  std::vector<Line> lines;
  Line line;
  size_t leading_spaces = 0;
  bool pending_space = false;
  const std::string& s = *nfc;
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  auto end_line = [&]() {
    line.indented = leading_spaces >= 2;
    lines.push_back(std::move(line));
    line = Line();
    leading_spaces = 0;
    pending_space = false;
  };
  for (uint32_t steps = 0; i < n; ++steps) {
    if (stop && steps % 65536 == 0 && stop()) {
      return absl::CancelledError("splitting paragraphs stopped: the call ended");
    }
    UChar32 c;
    U8_NEXT(s.data(), i, n, c);
    if (c == '\r') {
      if (i < n && s[i] == '\n') ++i;
      end_line();
    } else if (c == '\n' || c == 0x2028 || c == 0x2029 || c == 0x85) {
      end_line();
    } else if (IsHorizontalSpace(c)) {
      if (line.text.empty()) {
        leading_spaces += c == '\t' ? 4 : 1;
      } else {
        pending_space = true;
      }
    } else if (!IsDropped(c) && c >= 0) {
      if (pending_space) line.text.push_back(' ');
      pending_space = false;
      AppendUtf8(&line.text, c);
    }
  }
  end_line();

  // Hard-wrapped text (wire copy wrapped at ~70 columns) breaks lines inside
  // sentences; there a paragraph is a run of lines up to a blank or indented
  // line. Otherwise every line is a paragraph of its own.
  size_t continued = 0;
  size_t candidates = 0;
  size_t longest = 0;
  for (size_t k = 0; k + 1 < lines.size(); ++k) {
    if (lines[k].text.empty() || lines[k + 1].text.empty()) continue;
    ++candidates;
    const char last = lines[k].text.back();
    continued += last != '.' && last != '?' && last != '!' && last != ':' && last != '"';
  }
  for (const Line& l : lines) longest = std::max(longest, l.text.size());
  const bool hard_wrapped = candidates >= 3 && continued * 2 >= candidates && longest <= 100;

  // A short last line after a finished sentence is a sign-off ("Reuter"),
  // not the end of the paragraph.
  size_t last = lines.size();
  while (last > 0 && lines[last - 1].text.empty()) --last;
  auto is_sign_off = [&](size_t k) {
    if (k + 1 != last || k == 0 || lines[k - 1].text.empty()) return false;
    const char end = lines[k - 1].text.back();
    return std::count(lines[k].text.begin(), lines[k].text.end(), ' ') <= 1 &&
           (end == '.' || end == '?' || end == '!' || end == '"');
  };
  std::vector<std::string> paragraphs;
  bool open = false;
  for (size_t k = 0; k < lines.size(); ++k) {
    const Line& l = lines[k];
    if (l.text.empty()) {
      open = false;
      continue;
    }
    if (hard_wrapped && open && !l.indented && !is_sign_off(k)) {
      paragraphs.back().push_back(' ');
      paragraphs.back().append(l.text);
    } else {
      paragraphs.push_back(l.text);
    }
    open = true;
  }
  return paragraphs;
}

NormalizedText JoinParagraphs(const std::vector<std::string>& paragraphs) {
  NormalizedText result;
  size_t total = 0;
  for (const std::string& p : paragraphs) total += p.size() + 2;
  result.text.reserve(total);
  for (const std::string& p : paragraphs) {
    if (p.empty()) continue;
    if (!result.text.empty()) result.text.append("\n\n");
    const size_t begin = result.text.size();
    result.text.append(p);
    result.paragraphs.push_back({begin, result.text.size()});
  }
  return result;
}

absl::StatusOr<NormalizedText> NormalizeText(absl::string_view input) {
  absl::StatusOr<std::vector<std::string>> paragraphs = SplitParagraphs(input);
  if (!paragraphs.ok()) return paragraphs.status();
  return JoinParagraphs(*paragraphs);
}

namespace {

// The confusables checker, opened once; ICU allows concurrent skeleton
// calls on a checker that is not being configured.
const USpoofChecker* SpoofChecker() {
  static const USpoofChecker* checker = [] {
    UErrorCode error = U_ZERO_ERROR;
    USpoofChecker* opened = uspoof_open(&error);
    return U_SUCCESS(error) ? opened : nullptr;
  }();
  return checker;
}

// The ASCII letter `c` looks like, or 0.
UChar32 AsciiLookAlike(UChar32 c) {
  const USpoofChecker* checker = SpoofChecker();
  if (checker == nullptr || !u_isalpha(c)) return 0;
  UChar in[2];
  int32_t in_length = 0;
  U16_APPEND_UNSAFE(in, in_length, c);
  UChar out[8];
  UErrorCode error = U_ZERO_ERROR;
  const int32_t length = uspoof_getSkeleton(checker, 0, in, in_length, out, 8, &error);
  if (U_FAILURE(error) || length != 1 || out[0] >= 0x80 || !absl::ascii_isalpha(static_cast<char>(out[0])))
    return 0;
  // Keep the case of the original letter.
  return u_isupper(c) ? absl::ascii_toupper(static_cast<char>(out[0]))
                      : absl::ascii_tolower(static_cast<char>(out[0]));
}

}  // namespace

std::string FoldName(absl::string_view input) {
  bool ascii = true;
  for (char c : input) ascii &= static_cast<unsigned char>(c) < 0x80;
  if (ascii) return FoldForMatching(input);
  std::string mapped;
  mapped.reserve(input.size());
  const int32_t size = static_cast<int32_t>(input.size());
  for (int32_t i = 0; i < size;) {
    UChar32 c;
    const int32_t start = i;
    U8_NEXT(input.data(), i, size, c);
    if (c < 0) {
      mapped.append(input.data() + start, static_cast<size_t>(i - start));
      continue;
    }
    const UChar32 look_alike = c >= 0x80 ? AsciiLookAlike(c) : 0;
    if (look_alike != 0) {
      mapped.push_back(static_cast<char>(look_alike));
    } else {
      mapped.append(input.data() + start, static_cast<size_t>(i - start));
    }
  }
  return FoldForMatching(mapped);
}

std::string FoldForMatching(absl::string_view input) {
  // ASCII needs neither decomposition nor mark removal: folding is lowercasing.
  bool ascii = true;
  for (char c : input) ascii &= static_cast<unsigned char>(c) < 0x80;
  if (ascii) return absl::AsciiStrToLower(input);
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

std::string ToLatinAscii(absl::string_view input) {
  bool ascii = true;
  for (char c : input) ascii &= static_cast<unsigned char>(c) < 0x80;
  if (ascii) return std::string(input);
  // Transliterators are not thread-safe: one per thread.
  thread_local std::unique_ptr<icu::Transliterator> to_ascii = [] {
    UErrorCode error = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> created(
        icu::Transliterator::createInstance("Latin-ASCII", UTRANS_FORWARD, error));
    return U_SUCCESS(error) ? std::move(created) : nullptr;
  }();
  if (to_ascii == nullptr) return std::string(input);
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(input.data(), static_cast<int32_t>(input.size())));
  to_ascii->transliterate(text);
  std::string out;
  text.toUTF8String(out);
  return out;
}

}  // namespace newsgraph::text
