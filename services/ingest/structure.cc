#include "services/ingest/structure.h"

#include <re2/re2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace newsgraph::ingest {
namespace {

re2::StringPiece Piece(absl::string_view s) { return re2::StringPiece(s.data(), s.size()); }

size_t WordCount(absl::string_view s) {
  size_t words = 0;
  bool in_word = false;
  for (char c : s) {
    const bool space = c == ' ';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

// Ends like a sentence (possibly followed by closing quotes or brackets).
bool EndsSentence(absl::string_view s) {
  bool stripped = true;
  while (stripped && !s.empty()) {
    stripped = false;
    for (absl::string_view closer :
         {"\"", "'", ")", "]", "\xE2\x80\x9D", "\xE2\x80\x99", "\xC2\xBB"}) {
      if (absl::EndsWith(s, closer)) {
        s.remove_suffix(closer.size());
        stripped = true;
      }
    }
  }
  if (s.empty()) return false;
  const char c = s.back();
  return c == '.' || c == '?' || c == '!' || c == ':' || c == ';' ||
         absl::EndsWith(s, "\xE2\x80\xA6");  // …
}

UChar32 FirstCodePoint(absl::string_view s, int32_t* length) {
  int32_t i = 0;
  UChar32 c = -1;
  if (!s.empty()) U8_NEXT(s.data(), i, static_cast<int32_t>(s.size()), c);
  *length = i;
  return c;
}

// Removes a lone leading marker that is not part of the text: a bullet or
// symbol, or a letter from another script than the next word ("Δ On June").
bool StripLeadingMarker(std::string* paragraph, std::string* marker) {
  int32_t length = 0;
  const UChar32 c = FirstCodePoint(*paragraph, &length);
  if (c < 0 || static_cast<size_t>(length) + 1 >= paragraph->size() ||
      (*paragraph)[static_cast<size_t>(length)] != ' ') {
    return false;
  }
  int32_t next_length = 0;
  const UChar32 next =
      FirstCodePoint(absl::string_view(*paragraph).substr(length + 1), &next_length);
  const int8_t type = u_charType(c);
  const bool symbol = type == U_MATH_SYMBOL || type == U_OTHER_SYMBOL ||
                      type == U_CURRENCY_SYMBOL || c == 0x2022 || c == 0x25AA || c == '*' ||
                      c == 0x00B7;
  UErrorCode error = U_ZERO_ERROR;
  const bool foreign_letter = u_isalpha(c) && u_isalpha(next) &&
                              uscript_getScript(c, &error) != uscript_getScript(next, &error);
  if (!symbol && !foreign_letter) return false;
  *marker = paragraph->substr(0, static_cast<size_t>(length));
  paragraph->erase(0, static_cast<size_t>(length) + 1);
  return true;
}

// Cuts page chrome glued to the start of a paragraph by text extraction
// ("... / Go to the mediabankInternationalIndiaAfricaThe Shanghai ..."):
// three or more lower-to-upper joins without a space ("kI", "aA") in the
// first 40% of the paragraph mark navigation labels run together; the text
// resumes at the last join.
bool CutGluedChrome(std::string* paragraph, std::string* removed) {
  const size_t limit = paragraph->size() * 2 / 5;
  size_t joins = 0;
  size_t last_join = 0;
  for (size_t k = 1; k + 1 < paragraph->size() && k < limit; ++k) {
    const unsigned char prev = static_cast<unsigned char>((*paragraph)[k - 1]);
    const unsigned char cur = static_cast<unsigned char>((*paragraph)[k]);
    const unsigned char next = static_cast<unsigned char>((*paragraph)[k + 1]);
    if (absl::ascii_islower(prev) && absl::ascii_isupper(cur) &&
        (absl::ascii_islower(next) || next == ' ')) {
      ++joins;
      last_join = k;
    }
  }
  if (joins < 3) return false;
  *removed = paragraph->substr(0, last_join);
  paragraph->erase(0, last_join);
  return true;
}

// A line of navigation: several " / " or " | " separators in few words.
bool LooksLikeNavigation(absl::string_view p) {
  size_t separators = 0;
  for (size_t k = 0; k + 2 < p.size(); ++k) {
    if (p[k] == ' ' && (p[k + 1] == '/' || p[k + 1] == '|') && p[k + 2] == ' ') ++separators;
  }
  return separators >= 2 && WordCount(p) <= 3 * (separators + 1) + 4;
}

bool IsShortNonSentence(absl::string_view p, size_t max_words) {
  return WordCount(p) <= max_words && !EndsSentence(p);
}

const RE2& NumberedQuestion() {
  static const RE2* re = new RE2(R"(^(\d{1,3})\.\s*(\S.*)$)");
  return *re;
}
const RE2& DashQuestion() {
  static const RE2* re = new RE2("^(?:\xE2\x80\x93|\xE2\x80\x94|-)\\s*(\\S.*)$");
  return *re;
}
const RE2& TrailingOutlet() {
  static const RE2* re = new RE2(R"(^(.*\S)\s*\(([^()]{2,60})\)\s*$)");
  return *re;
}
const RE2& SpeakerPrefix() {
  static const RE2* re = new RE2(R"(^([^:.?!]{2,80}):\s+(\S.*)$)");
  return *re;
}
const RE2& InterviewIntro() {
  static const RE2* re = new RE2(R"(^([^,]{3,80}), in an interview with ([^,]{2,60}),)");
  return *re;
}
const RE2& DateLine() {
  static const RE2* re = new RE2(
      R"((?i)^(?:date of publication|publication date|published(?: on)?|date)\s*[:\-–]?\s*(.+)$)");
  return *re;
}
const RE2& BylineLine() {
  // "Reporter: A", "Reporter A", and "ReporterA" as page extraction glues it.
  static const RE2* re = new RE2(
      R"(^(?:(?:Reporters?|Reported by|Author|Correspondent)\s*:?\s*|By\s+)(\p{Lu}.{1,80})$)");
  return *re;
}
const RE2& EditorLine() {
  static const RE2* re = new RE2(R"(^(?:Editor|Edited by|Editing by)\s*:?\s+(\S.{1,80})$)");
  return *re;
}

// "SCO Secretary-General Zhang Ming" reads as a speaker: at most 8 words,
// most of them capitalized, the last one (the name) always.
bool LooksLikeSpeaker(absl::string_view prefix) {
  if (prefix.empty() || WordCount(prefix) > 8) return false;
  size_t words = 0;
  size_t capitalized = 0;
  bool last_capitalized = false;
  for (absl::string_view word : absl::StrSplit(prefix, ' ', absl::SkipEmpty())) {
    int32_t length = 0;
    const UChar32 c = FirstCodePoint(word, &length);
    last_capitalized = u_isupper(c) || u_istitle(c);
    ++words;
    capitalized += last_capitalized;
  }
  return last_capitalized && capitalized * 2 > words;
}

struct QuestionMatch {
  uint32_t number = 0;
  std::string text;
  std::string outlet;
};

std::optional<QuestionMatch> MatchQuestion(absl::string_view p) {
  QuestionMatch q;
  std::string number;
  std::string rest;
  if (RE2::FullMatch(Piece(p), NumberedQuestion(), &number, &rest)) {
    (void)absl::SimpleAtoi(number, &q.number);
  } else if (!RE2::FullMatch(Piece(p), DashQuestion(), &rest)) {
    return std::nullopt;
  }
  std::string body;
  std::string outlet;
  if (RE2::FullMatch(rest, TrailingOutlet(), &body, &outlet)) {
    rest = body;
    q.outlet = outlet;
  }
  if (rest.find('?') == std::string::npos) return std::nullopt;
  q.text = rest;
  return q;
}

void FindQaBlocks(StructuredText* out) {
  std::vector<std::pair<size_t, QuestionMatch>> questions;
  for (size_t i = 0; i < out->paragraphs.size(); ++i) {
    if (auto q = MatchQuestion(out->paragraphs[i])) questions.emplace_back(i, *std::move(q));
  }
  if (questions.size() < 2) return;
  // An interview introduction names the interviewee and the outlet.
  std::string interviewee;
  std::string interviewer;
  for (size_t i = 0; i < questions.front().first && i < 6; ++i) {
    if (RE2::PartialMatch(out->paragraphs[i], InterviewIntro(), &interviewee, &interviewer)) break;
  }
  for (size_t k = 0; k < questions.size(); ++k) {
    const size_t first = questions[k].first;
    const size_t end = k + 1 < questions.size() ? questions[k + 1].first : out->paragraphs.size();
    if (end <= first + 1) continue;  // A question without an answer.
    QaBlock block;
    block.question_paragraph = first;
    block.last_paragraph = end - 1;
    block.number = questions[k].second.number;
    block.question = questions[k].second.text;
    block.asked_by = questions[k].second.outlet.empty() ? interviewer : questions[k].second.outlet;
    std::vector<std::string> answer(out->paragraphs.begin() + static_cast<long>(first) + 1,
                                    out->paragraphs.begin() + static_cast<long>(end));
    std::string speaker;
    std::string said;
    if (RE2::FullMatch(answer[0], SpeakerPrefix(), &speaker, &said) && LooksLikeSpeaker(speaker)) {
      block.answered_by = speaker;
      answer[0] = said;
    } else {
      block.answered_by = interviewee;
    }
    block.answer = absl::StrJoin(answer, "\n\n");
    out->qa_blocks.push_back(std::move(block));
  }
}

// Reads date, byline and editor lines among `paragraphs` (kept or removed).
void ExtractMetadataLines(const std::vector<std::string>& paragraphs, StructuredText* out) {
  for (const std::string& p : paragraphs) {
    if (p.size() > 120) continue;
    std::string value;
    if (!out->published.has_value() && RE2::FullMatch(p, DateLine(), &value)) {
      out->published = ParseNewsDate(value);
    } else if (out->byline.empty() && RE2::FullMatch(p, BylineLine(), &value)) {
      out->byline = value;
    } else if (out->editor.empty() && RE2::FullMatch(p, EditorLine(), &value)) {
      out->editor = value;
    }
  }
}

bool LooksLikeHeadline(absl::string_view p) {
  return !p.empty() && p.size() <= 250 && WordCount(p) >= 2 && WordCount(p) <= 25 &&
         p.back() != '.' && p.back() != ':' && p.back() != ',' && !MatchQuestion(p) &&
         !RE2::FullMatch(Piece(p), DateLine());
}

}  // namespace

std::optional<absl::Time> ParseNewsDate(absl::string_view text) {
  std::string value(absl::StripAsciiWhitespace(text));
  // "Jan. 17, 2023" -> "Jan 17, 2023"; drop ordinal suffixes ("June 2nd").
  value.erase(std::remove(value.begin(), value.end(), '.'), value.end());
  static const RE2* ordinal = new RE2(R"((\d)(st|nd|rd|th)\b)");
  RE2::GlobalReplace(&value, *ordinal, R"(\1)");
  absl::Time t;
  std::string err;
  for (const char* format : {"%d %B %Y", "%B %d, %Y", "%B %d %Y", "%d %b %Y", "%b %d, %Y",
                             "%b %d %Y", "%Y-%m-%d", "%d%m%Y"}) {
    if (absl::ParseTime(format, value, absl::UTCTimeZone(), &t, &err)) return t;
  }
  std::string original(absl::StripAsciiWhitespace(text));
  if (absl::ParseTime("%d.%m.%Y", original, absl::UTCTimeZone(), &t, &err)) return t;
  return std::nullopt;
}

StructuredText ExtractStructure(std::vector<std::string> paragraphs,
                                const StructureOptions& options) {
  StructuredText out;
  std::vector<std::string> kept;
  kept.reserve(paragraphs.size());
  for (size_t i = 0; i < paragraphs.size(); ++i) {
    if (options.stop && i % 256 == 255 && options.stop()) return out;
    std::string& p = paragraphs[i];
    std::string removed;
    if (StripLeadingMarker(&p, &removed)) out.removed.push_back(removed);
    if (i < 2 && CutGluedChrome(&p, &removed)) out.removed.push_back(removed);
    if (LooksLikeNavigation(p) ||
        (options.is_recurring_line && p.size() <= 160 && options.is_recurring_line(p))) {
      out.removed.push_back(p);
      continue;
    }
    kept.push_back(std::move(p));
  }

  // Page chrome can make up a whole terse item ("Qtly div 45 cts", "Pay
  // July One"): never remove everything.
  if (kept.empty()) {
    kept = std::move(paragraphs);
    out.removed.clear();
  }

  // Edges: lone words before the text ("X", "Menu") and after it ("Reuter",
  // "Share"); then, near the end, a short heading followed only by short
  // lines ("Leave a Reply" and its form, "Comments", "Read on the topic").
  size_t begin = 0;
  while (begin + 1 < kept.size() && WordCount(kept[begin]) <= 1 && !EndsSentence(kept[begin])) {
    out.removed.push_back(kept[begin++]);
  }
  size_t end = kept.size();
  while (end > begin + 1 && IsShortNonSentence(kept[end - 1], 2)) --end;
  size_t total_bytes = 0;
  for (size_t k = begin; k < end; ++k) total_bytes += kept[k].size();
  size_t tail_bytes = 0;
  size_t cut = end;
  for (size_t k = end; k > begin + 1; --k) {
    const std::string& p = kept[k - 1];
    tail_bytes += p.size();
    if (p.size() > 200 || tail_bytes * 5 > total_bytes || tail_bytes > 400) break;
    if (IsShortNonSentence(p, 6)) cut = k - 1;
  }
  std::vector<std::string> tail(std::make_move_iterator(kept.begin() + static_cast<long>(cut)),
                                std::make_move_iterator(kept.end()));
  out.paragraphs.assign(std::make_move_iterator(kept.begin() + static_cast<long>(begin)),
                        std::make_move_iterator(kept.begin() + static_cast<long>(cut)));

  if (!out.paragraphs.empty()) {
    if (options.detect_title) {
      if (out.paragraphs.size() > 1 && LooksLikeHeadline(out.paragraphs[0])) {
        out.title = out.paragraphs[0];
        out.paragraphs.erase(out.paragraphs.begin());
      }
    } else if (out.paragraphs.size() > 1 &&
               absl::EqualsIgnoreCase(out.paragraphs[0], options.known_title)) {
      out.paragraphs.erase(out.paragraphs.begin());
    }
  }
  out.removed.insert(out.removed.end(), tail.begin(), tail.end());
  ExtractMetadataLines(out.paragraphs, &out);
  ExtractMetadataLines(out.removed, &out);
  FindQaBlocks(&out);
  return out;
}

}  // namespace newsgraph::ingest
