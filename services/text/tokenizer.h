// Word segmentation by Unicode rules (ICU word break iterator, UAX #29), so
// Latin, Cyrillic and CJK text all split into words.
#ifndef NEWSGRAPH_SERVICES_TEXT_TOKENIZER_H_
#define NEWSGRAPH_SERVICES_TEXT_TOKENIZER_H_

#include <cstddef>
#include <vector>

#include "absl/strings/string_view.h"

namespace newsgraph::text {

enum class TokenKind {
  kWord,         // Letters (any script), possibly with inner apostrophes or dots.
  kNumber,       // Digits, possibly with separators ("1,500.25").
  kIdeographic,  // CJK ideographs or kana.
  kPunctuation,  // Anything else that is not whitespace.
};

struct Token {
  size_t byte_begin = 0;
  size_t byte_end = 0;
  TokenKind kind = TokenKind::kWord;

  absl::string_view in(absl::string_view text) const {
    return text.substr(byte_begin, byte_end - byte_begin);
  }
};

// Splits valid UTF-8 `text` into tokens, skipping whitespace. Thread-safe
// (each thread keeps its own ICU iterator).
std::vector<Token> Tokenize(absl::string_view text);

}  // namespace newsgraph::text

#endif  // NEWSGRAPH_SERVICES_TEXT_TOKENIZER_H_
