// Passages and snippets: the units a document is split into for
// highlighting and passage-mode search (its Q&A blocks and the paragraphs
// outside them), scored by the query terms they contain, and the
// highlighted excerpt of a unit.
#ifndef NEWSGRAPH_SERVICES_SEARCH_SNIPPETS_H_
#define NEWSGRAPH_SERVICES_SEARCH_SNIPPETS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "newsgraph/v1/search_service.pb.h"

namespace newsgraph::search {

struct HighlightTerms {
  // Analyzed terms to highlight exactly.
  absl::flat_hash_set<std::string> terms;
  // Folded prefixes; a word whose folded form starts with one is highlighted.
  std::vector<std::string> prefixes;
  // Weight of each term (its idf); terms not listed weigh 1.
  absl::flat_hash_map<std::string, double> weights;
};

// One unit of a document, scored for a query.
struct ScoredPassage {
  // Byte range in the document text.
  size_t begin = 0;
  size_t end = 0;
  // Index into Document.passages for a Q&A block, else -1.
  int qa_index = -1;
  // Position of the unit in the document (0 = first).
  size_t order = 0;
  // Byte ranges (in the document text) of the matched words.
  std::vector<std::pair<size_t, size_t>> hits;
  // Distinct matched terms, and the BM25-like score of the matches.
  size_t distinct = 0;
  double score = 0;
};

// The document's Q&A blocks and the paragraphs outside them (the whole text
// when it has neither), in document order, each scored against `terms`.
std::vector<ScoredPassage> ScorePassages(const newsgraph::v1::Document& doc,
                                         const HighlightTerms& terms);

// The excerpt of `passage`: at most `max_chars` code points around its first
// match, with the matches highlighted.
newsgraph::v1::Snippet MakeSnippet(const newsgraph::v1::Document& doc,
                                   const ScoredPassage& passage, size_t max_chars = 280);

// Up to `max_passages` best-scoring units of `doc` as snippets (ties: earlier
// first). When nothing matches, the first unit without highlights.
std::vector<newsgraph::v1::Snippet> MakeSnippets(const newsgraph::v1::Document& doc,
                                                 const HighlightTerms& terms, int max_passages,
                                                 size_t max_chars = 280);

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_SNIPPETS_H_
