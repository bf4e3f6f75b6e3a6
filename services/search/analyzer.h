// Analyzer: text -> index terms, the same way for documents and queries.
//
// ICU word segmentation (any script), NFKD diacritic removal and Unicode
// case folding ("Türkiye" -> "turkiye"), then Snowball stemming for English
// Latin-script words. Stop words are kept, so phrase queries that contain
// them still match; BM25 gives them little weight.
#ifndef NEWSGRAPH_SERVICES_SEARCH_ANALYZER_H_
#define NEWSGRAPH_SERVICES_SEARCH_ANALYZER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace newsgraph::search {

struct AnalyzedToken {
  std::string term;
  // Word position within the analyzed text (0-based, punctuation skipped).
  uint32_t position = 0;
  size_t byte_begin = 0;
  size_t byte_end = 0;
};

// Terms longer than this many bytes are truncated.
inline constexpr size_t kMaxTermBytes = 64;

// Analyzes valid UTF-8 `text`. `language` is a BCP-47 tag; stemming applies
// to "en" (and "" as English). Thread-safe.
std::vector<AnalyzedToken> Analyze(absl::string_view text, absl::string_view language);

// Analyzes one query word the same way (folded and stemmed); "" when it
// holds no word characters.
std::string AnalyzeWord(absl::string_view word, absl::string_view language);

// Folds without stemming, for prefix queries: "Turk*" -> "turk".
std::string FoldWord(absl::string_view word);

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_ANALYZER_H_
