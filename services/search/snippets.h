// Snippets: highlighted passages of a document for a set of query terms.
#ifndef NEWSGRAPH_SERVICES_SEARCH_SNIPPETS_H_
#define NEWSGRAPH_SERVICES_SEARCH_SNIPPETS_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "newsgraph/v1/search_service.pb.h"

namespace newsgraph::search {

struct HighlightTerms {
  // Analyzed terms to highlight exactly.
  absl::flat_hash_set<std::string> terms;
  // Folded prefixes; a word whose folded form starts with one is highlighted.
  std::vector<std::string> prefixes;
};

// Picks up to `max_passages` paragraphs of `doc` with the most distinct
// matching terms (ties: earlier first), each cut to at most `max_chars`
// code points around its first match, with matches highlighted. When no
// word matches, returns the first paragraph without highlights.
std::vector<newsgraph::v1::Snippet> MakeSnippets(const newsgraph::v1::Document& doc,
                                                 const HighlightTerms& terms, int max_passages,
                                                 size_t max_chars = 280);

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_SNIPPETS_H_
