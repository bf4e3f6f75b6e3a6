#include "services/text/tokenizer.h"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <memory>

namespace newsgraph::text {
namespace {

icu::BreakIterator* ThreadWordIterator() {
  thread_local std::unique_ptr<icu::BreakIterator> iterator = [] {
    UErrorCode error = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> it(
        icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), error));
    return U_SUCCESS(error) ? std::move(it) : nullptr;
  }();
  return iterator.get();
}

bool IsAllWhitespace(absl::string_view s) {
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(s.data(), i, n, c);
    if (c >= 0 && !u_isUWhiteSpace(c)) return false;
  }
  return true;
}

bool IsAsciiLetters(absl::string_view s) {
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

}  // namespace

std::vector<Token> Tokenize(absl::string_view text) {
  std::vector<Token> tokens;
  // One ASCII word (a query word, mostly) is one letter token under the
  // word-break rules: no need to set up the ICU iterator.
  if (!text.empty() && IsAsciiLetters(text)) {
    tokens.push_back({0, text.size(), TokenKind::kWord});
    return tokens;
  }
  icu::BreakIterator* it = ThreadWordIterator();
  if (it == nullptr || text.empty()) return tokens;
  UErrorCode error = U_ZERO_ERROR;
  UText* utext = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &error);
  if (U_FAILURE(error)) return tokens;
  it->setText(utext, error);
  if (U_FAILURE(error)) {
    utext_close(utext);
    return tokens;
  }
  tokens.reserve(text.size() / 5);
  int32_t begin = it->first();
  for (int32_t end = it->next(); end != icu::BreakIterator::DONE; begin = end, end = it->next()) {
    const int32_t status = it->getRuleStatus();
    Token token{static_cast<size_t>(begin), static_cast<size_t>(end), TokenKind::kPunctuation};
    if (status >= UBRK_WORD_IDEO && status < UBRK_WORD_IDEO_LIMIT) {
      token.kind = TokenKind::kIdeographic;
    } else if (status >= UBRK_WORD_KANA && status < UBRK_WORD_KANA_LIMIT) {
      token.kind = TokenKind::kIdeographic;
    } else if (status >= UBRK_WORD_LETTER && status < UBRK_WORD_LETTER_LIMIT) {
      token.kind = TokenKind::kWord;
    } else if (status >= UBRK_WORD_NUMBER && status < UBRK_WORD_NUMBER_LIMIT) {
      token.kind = TokenKind::kNumber;
    } else if (IsAllWhitespace(token.in(text))) {
      continue;
    }
    tokens.push_back(token);
  }
  // Detach the iterator from the UText before closing it.
  it->setText(icu::UnicodeString());
  utext_close(utext);
  return tokens;
}

}  // namespace newsgraph::text
