// Words a news story may use for a query word ("fall" for "drop", "bid" for
// "offer", "movie" for "film"): a query word with synonyms also matches
// documents that use one of them, at a lower weight
// (RankingOptions::synonym_weight).
#ifndef NEWSGRAPH_SERVICES_SEARCH_SYNONYMS_H_
#define NEWSGRAPH_SERVICES_SEARCH_SYNONYMS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace newsgraph::search {

// The analyzed terms (stems, as Analyze makes them) of the synonyms of the
// analyzed term `term`, without `term` itself; empty when it has none. The
// groups are single words that stand for each other in news text whatever
// the story; words with a common second sense ("fire", "name", "state",
// "strike", "firm", "lower", "aid" for AIDS) are left out.
const std::vector<std::string>& SynonymsOf(absl::string_view term);

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_SYNONYMS_H_
