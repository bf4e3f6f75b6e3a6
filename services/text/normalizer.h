// Text normalization shared by ingest (stored text) and entity/search
// (queries): Unicode NFC, whitespace and line-break cleanup, paragraphs.
#ifndef NEWSGRAPH_SERVICES_TEXT_NORMALIZER_H_
#define NEWSGRAPH_SERVICES_TEXT_NORMALIZER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace newsgraph::text {

// A half-open byte range [begin, end) of a UTF-8 string.
struct ByteSpan {
  size_t begin = 0;
  size_t end = 0;
};

struct NormalizedText {
  // Paragraphs separated by exactly one blank line ("\n\n"); no other line
  // breaks; no leading or trailing whitespace.
  std::string text;
  // Paragraph byte spans of `text`, in order.
  std::vector<ByteSpan> paragraphs;
};

// Splits valid UTF-8 `input` into cleaned paragraphs: NFC; no control
// characters; horizontal whitespace (including NBSP and other Unicode
// spaces) collapsed to one ASCII space; trimmed. Typographic characters
// (curly quotes, dashes) are kept. Every non-empty line is a paragraph,
// except in hard-wrapped text (most lines end mid-sentence and none is
// longer than 100 bytes), where lines up to a blank or indented line are
// joined with a space. Errors: INVALID_ARGUMENT when `input` is not valid
// UTF-8 (with the byte offset), INTERNAL if ICU fails.
// `stop` (may be empty) is asked every 64 Ki characters; once it returns
// true the result is CANCELLED.
absl::StatusOr<std::vector<std::string>> SplitParagraphs(absl::string_view input,
                                                         const std::function<bool()>& stop = {});

// Joins non-empty paragraphs with "\n\n", recording their spans.
NormalizedText JoinParagraphs(const std::vector<std::string>& paragraphs);

// SplitParagraphs then JoinParagraphs.
absl::StatusOr<NormalizedText> NormalizeText(absl::string_view input);

// NFC-normalizes valid UTF-8 `input` and nothing else.
absl::StatusOr<std::string> ToNfc(absl::string_view input);

// Folds `input` for matching: NFKD, combining marks removed, Unicode case
// folding ("Türkiye" -> "turkiye", "STRASSE"/"Straße" -> "strasse").
std::string FoldForMatching(absl::string_view input);

// FoldForMatching for names compared across spellings: every non-ASCII
// letter that Unicode's confusables data (UTS #39 skeletons) maps to an ASCII
// letter is replaced by it first, so "ТАSS" with Cyrillic Т and А folds
// like "TASS". ASCII input folds exactly as FoldForMatching does.
std::string FoldName(absl::string_view input);

// Spells Latin letters with diacritics and ligatures in ASCII, keeping case
// ("Tromsø" -> "Tromso", "Łukasz" -> "Lukasz", "Straße" -> "Strasse"); other
// scripts pass through unchanged. ASCII input is returned as is. For models
// trained on ASCII text.
std::string ToLatinAscii(absl::string_view input);

}  // namespace newsgraph::text

#endif  // NEWSGRAPH_SERVICES_TEXT_NORMALIZER_H_
