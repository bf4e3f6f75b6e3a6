#include "services/entity/sentence_splitter.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "services/entity/word_shapes.h"

namespace newsgraph::entity {
namespace {

using text::Token;
using text::TokenKind;

const absl::flat_hash_set<std::string>& Abbreviations() {
  static const auto* words = new absl::flat_hash_set<std::string>{
      "mr",  "mrs", "ms",  "dr",  "st",  "inc",  "ltd", "co",  "corp", "jr",   "sr",  "vs",  "etc",
      "no",  "gen", "col", "lt",  "sgt", "capt", "gov", "sen", "rep",  "prof", "jan", "feb", "mar",
      "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",  "u.s",  "u.k", "e.g", "i.e"};
  return *words;
}

// Lower-case words that headlines leave uncapitalized.
const absl::flat_hash_set<std::string>& FunctionWords() {
  static const auto* words = new absl::flat_hash_set<std::string>{
      "a",    "an", "the",  "of",  "in", "on", "at",   "to",   "for",
      "with", "by", "from", "and", "or", "as", "into", "over", "after"};
  return *words;
}

bool LineBreakBetween(absl::string_view text, const Token& a, const Token& b) {
  return text.substr(a.byte_end, b.byte_begin - a.byte_end).find('\n') != absl::string_view::npos;
}

// A dot after "Mr" or "J" does not end the sentence.
bool DotEndsSentence(absl::string_view text, const std::vector<Token>& tokens, size_t i) {
  if (i == 0) return true;
  const absl::string_view prev = tokens[i - 1].in(text);
  return !Abbreviations().contains(Lower(prev)) &&
         !(prev.size() == 1 && absl::ascii_isupper(static_cast<unsigned char>(prev[0])));
}

}  // namespace

SentenceSplit SplitSentences(absl::string_view text, const std::vector<Token>& tokens) {
  const size_t n = tokens.size();
  SentenceSplit split;
  split.sentence_of.assign(n, 0);
  split.starts_sentence.assign(n, false);
  size_t sentence = 0;
  size_t sentence_begin = n > 0 ? tokens[0].byte_begin : 0;
  for (size_t i = 0; i < n; ++i) {
    if (i == 0) split.starts_sentence[i] = true;
    if (i > 0 && LineBreakBetween(text, tokens[i - 1], tokens[i]) && !split.starts_sentence[i]) {
      split.sentences.emplace_back(sentence_begin, tokens[i - 1].byte_end);
      ++sentence;
      sentence_begin = tokens[i].byte_begin;
      split.starts_sentence[i] = true;
    }
    split.sentence_of[i] = sentence;
    const absl::string_view t = tokens[i].in(text);
    if (t == ":" && i + 1 < n) split.starts_sentence[i + 1] = true;
    const bool terminal =
        tokens[i].kind == TokenKind::kPunctuation && (t == "." || t == "?" || t == "!" || t == "…");
    if (!terminal || i + 1 >= n) continue;
    if (t == "." && !DotEndsSentence(text, tokens, i)) continue;
    // Close the sentence after trailing quotes and brackets.
    size_t end = i;
    while (end + 1 < n && tokens[end + 1].kind == TokenKind::kPunctuation &&
           absl::string_view("\"'”’)»]").find(tokens[end + 1].in(text)) !=
               absl::string_view::npos) {
      ++end;
      split.sentence_of[end] = sentence;
    }
    split.sentences.emplace_back(sentence_begin, tokens[end].byte_end);
    ++sentence;
    if (end + 1 < n) {
      sentence_begin = tokens[end + 1].byte_begin;
      split.starts_sentence[end + 1] = true;
    }
    i = end;
  }
  if (n > 0 &&
      (split.sentences.empty() || split.sentences.back().second < tokens[n - 1].byte_end)) {
    split.sentences.emplace_back(sentence_begin, tokens[n - 1].byte_end);
  }
  return split;
}

std::vector<bool> MarkHeadlineLines(absl::string_view text, const std::vector<Token>& tokens) {
  const size_t n = tokens.size();
  std::vector<bool> in_headline(n, false);
  for (size_t line_begin = 0; line_begin < n;) {
    size_t line_end = line_begin + 1;
    while (line_end < n && !LineBreakBetween(text, tokens[line_end - 1], tokens[line_end])) {
      ++line_end;
    }
    size_t words = 0, capitalized = 0;
    bool ends_sentence = false;
    for (size_t k = line_begin; k < line_end; ++k) {
      const absl::string_view w = tokens[k].in(text);
      if (tokens[k].kind == TokenKind::kWord && !FunctionWords().contains(w)) {
        ++words;
        capitalized += StartsUpper(w);
      }
      ends_sentence = w == "." || w == "?" || w == "!" || w == ":";
    }
    if (words >= 3 && capitalized * 10 >= words * 8 && !ends_sentence) {
      for (size_t k = line_begin; k < line_end; ++k) in_headline[k] = true;
    }
    line_begin = line_end;
  }
  return in_headline;
}

}  // namespace newsgraph::entity
