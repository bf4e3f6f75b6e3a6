// Facet counts over the matching documents of a search.
#ifndef NEWSGRAPH_SERVICES_SEARCH_FACETS_H_
#define NEWSGRAPH_SERVICES_SEARCH_FACETS_H_

#include <vector>

#include "absl/status/status.h"
#include "newsgraph/v1/search_service.pb.h"
#include "services/search/query_iterators.h"
#include "services/search/search_index.h"
#include "services/search/searcher.h"

namespace newsgraph::search {

// Checks SearchRequest.facets: at most `max_fields` entries, each a
// supported field. Errors: INVALID_ARGUMENT naming the field.
absl::Status ValidateFacets(const newsgraph::v1::SearchRequest& request, int max_fields);

// Adds one Facet per distinct requested field to `response`, counted over
// the best options.max_facet_documents of `hits` (a warning says when that
// cut the count). Errors: storage errors, and whatever `stop` returns.
absl::Status CountFacets(const SearchIndexReader* index, const std::vector<ScoredDoc>& hits,
                         const RankingOptions& options, const newsgraph::v1::SearchRequest& request,
                         const StopCheck& stop, newsgraph::v1::SearchResponse* response);

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_FACETS_H_
