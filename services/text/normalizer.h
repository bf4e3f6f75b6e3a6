// Text normalization shared by ingest (stored text) and entity/search
// (queries): Unicode NFC, whitespace and line-break cleanup, paragraphs.
#ifndef NEWSGRAPH_SERVICES_TEXT_NORMALIZER_H_
#define NEWSGRAPH_SERVICES_TEXT_NORMALIZER_H_

#include <cstddef>
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
  // NFC text: LF line ends; no control characters but LF; horizontal
  // whitespace (including NBSP and other Unicode spaces) collapsed to one
  // ASCII space; lines trimmed; paragraphs separated by exactly one blank
  // line; no leading or trailing whitespace. Typographic characters (curly
  // quotes, dashes) are kept.
  std::string text;
  // Paragraph byte spans of `text`, in order.
  std::vector<ByteSpan> paragraphs;
};

// Normalizes valid UTF-8 `input`. Paragraphs are the blocks separated by
// blank lines; a text without blank lines but with several lines has one
// paragraph per line. Returns INVALID_ARGUMENT when `input` is not valid
// UTF-8 (with the byte offset), INTERNAL if ICU fails.
absl::StatusOr<NormalizedText> NormalizeText(absl::string_view input);

// NFC-normalizes valid UTF-8 `input` and nothing else.
absl::StatusOr<std::string> ToNfc(absl::string_view input);

// Folds `input` for matching: NFKD, combining marks removed, Unicode case
// folding ("Türkiye" -> "turkiye", "STRASSE"/"Straße" -> "strasse").
std::string FoldForMatching(absl::string_view input);

}  // namespace newsgraph::text

#endif  // NEWSGRAPH_SERVICES_TEXT_NORMALIZER_H_
