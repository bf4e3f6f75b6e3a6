// How plain words of a query are interpreted before they are searched: the
// words a person types ("who asked about afghanistan") are neither all
// required nor all equal. Function and question words never decide whether
// a document matches; the remaining plain words of each conjunction become
// one kMatch node, which matches a document holding any of them and ranks
// documents holding more of them higher. Explicit syntax keeps its strict
// meaning: "+word", "a AND b", phrases, field and keyword terms, prefixes,
// dates, parenthesized OR groups and everything under NOT.
#ifndef NEWSGRAPH_SERVICES_SEARCH_QUERY_INTERPRETATION_H_
#define NEWSGRAPH_SERVICES_SEARCH_QUERY_INTERPRETATION_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/search/query_parser.h"

namespace newsgraph::search {

struct Interpretation {
  // Plain words left out because they are function or question words, in
  // query order, as typed.
  std::vector<std::string> ignored_words;
  // Plain words that rank documents without being required, as typed.
  std::vector<std::string> optional_words;
};

// Whether `word` (as typed; case and diacritics are folded) is a function or
// question word that never decides a match ("who", "the", "of", "is").
bool IsFunctionWord(absl::string_view word);

// Rewrites `root` in place as described above. When every plain word of a
// conjunction is a function word ("the who"), they are all kept. Fills
// `interpretation` (may be null).
void RelaxPlainWords(QueryNode* root, Interpretation* interpretation);

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_QUERY_INTERPRETATION_H_
