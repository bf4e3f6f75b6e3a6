#include "services/search/snippets.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "services/search/analyzer.h"
#include "services/text/utf8.h"

namespace newsgraph::search {
namespace {

// BM25 saturation and passage length normalization (passages of about 60
// words are typical).
constexpr double kK1 = 1.2;
constexpr double kB = 0.5;
constexpr double kAveragePassageWords = 60;

// Whether `c` continues a UTF-8 sequence.
bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The byte `n` code points after `from` (a character boundary), at most `limit`.
size_t ByteAfterCodePoints(const std::string& s, size_t from, size_t n, size_t limit) {
  size_t pos = from;
  for (size_t k = 0; k < n && pos < limit; ++k) {
    ++pos;
    while (pos < limit && IsContinuation(s[pos])) ++pos;
  }
  return pos;
}

// How many code points [from, limit) holds, counting at most `cap`.
size_t CodePointsAfter(const std::string& s, size_t from, size_t cap, size_t limit) {
  size_t count = 0;
  for (size_t pos = from; pos < limit && count < cap; ++pos) count += !IsContinuation(s[pos]);
  return count;
}

// The character boundary `n` code points before `from`, at least `floor`.
size_t CodePointsBack(const std::string& s, size_t from, size_t n, size_t floor) {
  size_t pos = from;
  for (size_t k = 0; k < n && pos > floor; ++k) {
    --pos;
    while (pos > floor && IsContinuation(s[pos])) --pos;
  }
  return pos;
}

// Q&A blocks, then the paragraphs that overlap none of them, in text order.
std::vector<ScoredPassage> Units(const newsgraph::v1::Document& doc) {
  const std::string& text = doc.text();
  std::vector<ScoredPassage> units;
  for (int i = 0; i < doc.passages_size(); ++i) {
    const auto& span = doc.passages(i).span();
    if (span.byte_end() <= text.size() && span.byte_begin() < span.byte_end()) {
      units.push_back({.begin = span.byte_begin(), .end = span.byte_end(), .qa_index = i});
    }
  }
  // The blocks in text order (documents indexed since IndexDocument checks
  // the order have them so already); paragraphs are in text order too, so
  // one pass finds the block a paragraph overlaps.
  const auto by_begin = [](const ScoredPassage& a, const ScoredPassage& b) {
    return a.begin < b.begin;
  };
  const size_t qa_count = units.size();
  std::sort(units.begin(), units.end(), by_begin);
  size_t q = 0;
  for (int i = 0; i < doc.paragraphs_size(); ++i) {
    const auto& span = doc.paragraphs(i).span();
    if (span.byte_end() > text.size() || span.byte_begin() >= span.byte_end()) continue;
    while (q < qa_count && units[q].end <= span.byte_begin()) ++q;
    const bool inside = q < qa_count && units[q].begin < span.byte_end();
    if (!inside) units.push_back({.begin = span.byte_begin(), .end = span.byte_end()});
  }
  if (units.empty() && !text.empty()) units.push_back({.begin = 0, .end = text.size()});
  std::sort(units.begin(), units.end(), by_begin);
  for (size_t i = 0; i < units.size(); ++i) units[i].order = i;
  return units;
}

}  // namespace

std::vector<ScoredPassage> ScorePassages(const newsgraph::v1::Document& doc,
                                         const HighlightTerms& terms) {
  const std::string& text = doc.text();
  std::vector<ScoredPassage> units = Units(doc);
  // Analyzing text is the expensive part; most units cannot match. ASCII
  // stems keep the start of the word they came from (the stemmer rewrites
  // at most the last letter of what it keeps, except in its irregular forms
  // "dying", "lying", "tying" -> "die", "lie", "tie"), so an all-ASCII unit
  // whose lower-cased text contains no term minus its last letter is
  // skipped. Units with other characters are always analyzed: folding makes
  // "Türkiye" the ASCII term "turkiye".
  std::vector<std::string> probes;
  bool can_prefilter = true;
  for (const std::string& term : terms.terms) {
    for (char ch : term) can_prefilter &= static_cast<unsigned char>(ch) < 0x80;
    size_t keep = term.size() >= 3 ? term.size() - 1 : term.size();
    if (term.size() == 3 && term.ends_with("ie")) keep = 1;  // "die" from "dying"
    probes.push_back(term.substr(0, keep));
  }
  for (const std::string& prefix : terms.prefixes) {
    for (char ch : prefix) can_prefilter &= static_cast<unsigned char>(ch) < 0x80;
    probes.push_back(prefix);
  }
  if (probes.empty()) return units;
  std::string lower;
  for (ScoredPassage& unit : units) {
    const absl::string_view passage(text.data() + unit.begin, unit.end - unit.begin);
    if (can_prefilter) {
      lower.assign(passage.data(), passage.size());
      bool ascii = true;
      for (char& ch : lower) {
        ascii &= static_cast<unsigned char>(ch) < 0x80;
        ch = absl::ascii_tolower(static_cast<unsigned char>(ch));
      }
      bool possible = !ascii;
      for (const std::string& probe : probes) possible |= lower.find(probe) != std::string::npos;
      if (!possible) continue;
    }
    absl::flat_hash_map<std::string, int> frequencies;
    const std::vector<AnalyzedToken> tokens = Analyze(passage, doc.language());
    for (const AnalyzedToken& t : tokens) {
      bool match = terms.terms.contains(t.term);
      std::string matched = t.term;
      if (!match && !terms.prefixes.empty()) {
        const std::string folded = FoldWord(passage.substr(t.byte_begin, t.byte_end - t.byte_begin));
        for (const std::string& p : terms.prefixes) {
          if (absl::StartsWith(folded, p)) {
            match = true;
            matched = p;
          }
        }
      }
      if (!match) continue;
      unit.hits.emplace_back(unit.begin + t.byte_begin, unit.begin + t.byte_end);
      ++frequencies[matched];
    }
    unit.distinct = frequencies.size();
    const double length_norm =
        1 - kB + kB * static_cast<double>(tokens.size()) / kAveragePassageWords;
    for (const auto& [term, tf] : frequencies) {
      auto weight = terms.weights.find(term);
      const double idf = weight == terms.weights.end() ? 1.0 : weight->second;
      const double saturated = tf * (kK1 + 1) / (tf + kK1 * length_norm);
      unit.score += idf * saturated;
    }
  }
  return units;
}

newsgraph::v1::Snippet MakeSnippet(const newsgraph::v1::Document& doc,
                                   const ScoredPassage& passage, size_t max_chars) {
  const std::string& text = doc.text();
  // Window of at most max_chars code points, snapped to words, starting a
  // quarter of it before the first hit.
  size_t begin = passage.begin;
  size_t end = passage.end;
  if (CodePointsAfter(text, begin, max_chars + 1, end) > max_chars) {
    const size_t anchor = passage.hits.empty() ? passage.begin : passage.hits.front().first;
    begin = CodePointsBack(text, anchor, max_chars / 4, passage.begin);
    if (begin > passage.begin) {
      const size_t space = text.find(' ', begin);
      if (space != std::string::npos && space < anchor) begin = space + 1;
    }
    end = ByteAfterCodePoints(text, begin, max_chars, passage.end);
    if (end < passage.end) {
      const size_t space = text.rfind(' ', end);
      if (space != std::string::npos && space > begin) end = space;
    }
  }
  newsgraph::v1::Snippet snippet;
  snippet.set_text(text.substr(begin, end - begin));
  const text::CodePointOffsets doc_offsets(text);
  snippet.mutable_span()->set_begin(doc_offsets.FromByte(begin));
  snippet.mutable_span()->set_end(doc_offsets.FromByte(end));
  snippet.mutable_span()->set_byte_begin(static_cast<uint32_t>(begin));
  snippet.mutable_span()->set_byte_end(static_cast<uint32_t>(end));
  const text::CodePointOffsets offsets(snippet.text());
  for (const auto& [hit_begin, hit_end] : passage.hits) {
    if (hit_begin < begin || hit_end > end) continue;
    newsgraph::v1::TextSpan* h = snippet.add_highlights();
    h->set_byte_begin(static_cast<uint32_t>(hit_begin - begin));
    h->set_byte_end(static_cast<uint32_t>(hit_end - begin));
    h->set_begin(offsets.FromByte(hit_begin - begin));
    h->set_end(offsets.FromByte(hit_end - begin));
  }
  return snippet;
}

std::vector<newsgraph::v1::Snippet> MakeSnippets(const newsgraph::v1::Document& doc,
                                                 const HighlightTerms& terms, int max_passages,
                                                 size_t max_chars) {
  std::vector<ScoredPassage> units = ScorePassages(doc, terms);
  std::stable_sort(units.begin(), units.end(), [](const ScoredPassage& a, const ScoredPassage& b) {
    return a.score > b.score;
  });
  std::vector<newsgraph::v1::Snippet> snippets;
  for (const ScoredPassage& unit : units) {
    if (static_cast<int>(snippets.size()) >= max_passages) break;
    if (unit.distinct == 0 && !snippets.empty()) break;
    snippets.push_back(MakeSnippet(doc, unit, max_chars));
  }
  return snippets;
}

}  // namespace newsgraph::search
