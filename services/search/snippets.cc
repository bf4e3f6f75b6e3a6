#include "services/search/snippets.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "services/search/analyzer.h"
#include "services/text/utf8.h"

namespace newsgraph::search {
namespace {

struct Candidate {
  size_t begin = 0;  // Paragraph byte range.
  size_t end = 0;
  std::vector<std::pair<size_t, size_t>> hits;  // Matched word byte ranges.
  size_t distinct = 0;
  size_t order = 0;
};

// Moves `pos` back to the start of a UTF-8 sequence.
size_t CharBoundary(const std::string& s, size_t pos) {
  while (pos > 0 && pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) --pos;
  return pos;
}

}  // namespace

std::vector<newsgraph::v1::Snippet> MakeSnippets(const newsgraph::v1::Document& doc,
                                                 const HighlightTerms& terms, int max_passages,
                                                 size_t max_chars) {
  const std::string& text = doc.text();
  std::vector<Candidate> candidates;
  if (doc.paragraphs_size() == 0) {
    candidates.push_back({0, text.size(), {}, 0, 0});
  }
  for (int i = 0; i < doc.paragraphs_size(); ++i) {
    const auto& span = doc.paragraphs(i).span();
    if (span.byte_end() <= text.size() && span.byte_begin() < span.byte_end()) {
      candidates.push_back({span.byte_begin(), span.byte_end(), {}, 0, static_cast<size_t>(i)});
    }
  }
  // Analyzing text is the expensive part; most paragraphs cannot match.
  // ASCII stems keep the start of the word they came from (the stemmer
  // rewrites at most the last letter of what it keeps), so a paragraph whose
  // lower-cased text contains no term minus its last letter is skipped.
  std::vector<std::string> probes;
  bool can_prefilter = true;
  for (const std::string& term : terms.terms) {
    for (char ch : term) can_prefilter &= static_cast<unsigned char>(ch) < 0x80;
    probes.push_back(term.size() >= 3 ? term.substr(0, term.size() - 1) : term);
  }
  for (const std::string& prefix : terms.prefixes) {
    for (char ch : prefix) can_prefilter &= static_cast<unsigned char>(ch) < 0x80;
    probes.push_back(prefix);
  }
  std::string lower;
  for (Candidate& c : candidates) {
    absl::flat_hash_set<std::string> seen;
    const absl::string_view paragraph(text.data() + c.begin, c.end - c.begin);
    if (can_prefilter) {
      lower.assign(paragraph.data(), paragraph.size());
      for (char& ch : lower) ch = absl::ascii_tolower(static_cast<unsigned char>(ch));
      bool possible = false;
      for (const std::string& probe : probes) possible |= lower.find(probe) != std::string::npos;
      if (!possible) continue;
    }
    for (const AnalyzedToken& t : Analyze(paragraph, doc.language())) {
      bool match = terms.terms.contains(t.term);
      if (!match && !terms.prefixes.empty()) {
        const std::string folded =
            FoldWord(paragraph.substr(t.byte_begin, t.byte_end - t.byte_begin));
        for (const std::string& p : terms.prefixes) match = match || absl::StartsWith(folded, p);
      }
      if (!match) continue;
      c.hits.emplace_back(c.begin + t.byte_begin, c.begin + t.byte_end);
      seen.insert(t.term);
    }
    c.distinct = seen.size();
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.distinct > b.distinct; });
  std::vector<newsgraph::v1::Snippet> snippets;
  const text::CodePointOffsets doc_offsets(text);
  for (const Candidate& c : candidates) {
    if (static_cast<int>(snippets.size()) >= max_passages) break;
    if (c.distinct == 0 && !snippets.empty()) break;
    // Window of at most max_chars code points (approximated in bytes, then
    // snapped to characters and words) starting a little before the first hit.
    size_t begin = c.begin;
    size_t end = c.end;
    const size_t budget = max_chars * 2;
    if (end - begin > budget) {
      const size_t anchor = c.hits.empty() ? c.begin : c.hits.front().first;
      begin = anchor > c.begin + budget / 4 ? anchor - budget / 4 : c.begin;
      begin = CharBoundary(text, begin);
      if (begin > c.begin) {
        const size_t space = text.find(' ', begin);
        if (space != std::string::npos && space < anchor) begin = space + 1;
      }
      end = std::min(c.end, begin + budget);
      end = CharBoundary(text, end);
      if (end < c.end) {
        const size_t space = text.rfind(' ', end);
        if (space != std::string::npos && space > begin) end = space;
      }
    }
    newsgraph::v1::Snippet snippet;
    snippet.set_text(text.substr(begin, end - begin));
    snippet.mutable_span()->set_begin(doc_offsets.FromByte(begin));
    snippet.mutable_span()->set_end(doc_offsets.FromByte(end));
    snippet.mutable_span()->set_byte_begin(static_cast<uint32_t>(begin));
    snippet.mutable_span()->set_byte_end(static_cast<uint32_t>(end));
    const text::CodePointOffsets offsets(snippet.text());
    for (const auto& [hit_begin, hit_end] : c.hits) {
      if (hit_begin < begin || hit_end > end) continue;
      newsgraph::v1::TextSpan* h = snippet.add_highlights();
      h->set_byte_begin(static_cast<uint32_t>(hit_begin - begin));
      h->set_byte_end(static_cast<uint32_t>(hit_end - begin));
      h->set_begin(offsets.FromByte(hit_begin - begin));
      h->set_end(offsets.FromByte(hit_end - begin));
    }
    snippets.push_back(std::move(snippet));
  }
  return snippets;
}

}  // namespace newsgraph::search
