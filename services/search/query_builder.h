// QueryBuilder: turns a parsed (and interpreted) query into the iterator
// tree that evaluates it over one index reader, and collects what ranking
// needs besides: the words to highlight and the proximity scorers of
// adjacent query words. Query rewriting before that (entities, filters,
// in query_rewrites.cc) is declared here too.
#ifndef NEWSGRAPH_SERVICES_SEARCH_QUERY_BUILDER_H_
#define NEWSGRAPH_SERVICES_SEARCH_QUERY_BUILDER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "newsgraph/v1/entity_service.pb.h"
#include "newsgraph/v1/search_service.pb.h"
#include "services/search/query_iterators.h"
#include "services/search/query_parser.h"
#include "services/search/searcher.h"
#include "services/search/snippets.h"

namespace newsgraph::search {

// Not thread-safe; one per query evaluation. Borrows every argument, which
// must outlive it and the iterators it builds.
class QueryBuilder {
 public:
  // Typo corrections and resolution warnings go to `response`. `explain`:
  // leaves carry labels for DocIterator::Explain.
  QueryBuilder(const SearchIndexReader* reader, EntityResolver* resolver,
               const RankingOptions& options, const newsgraph::v1::SearchRequest& request,
               newsgraph::v1::SearchResponse* response, bool explain = false);
  ~QueryBuilder();

  // Errors: INVALID_ARGUMENT for a bad term (prefix too short or too
  // common, unknown entity type, more than max_query_terms terms); storage
  // errors.
  absl::StatusOr<DocIteratorPtr> Build(const QueryNode& node);
  // Analyzed words to highlight.
  HighlightTerms& highlight();
  // Proximity scorers of adjacent query words, and what each is.
  std::vector<std::unique_ptr<PhraseScorer>>& proximity();
  const std::vector<std::string>& proximity_labels() const;
  // Slots of the first coordinated disjunction of plain words built (0 when
  // the query has none).
  int match_slots() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Consecutive plain words that spell an entity the entity service
// recognized become "(words) OR entity:ID" in a conjunction, and a
// kEntityGroup in a kMatch. Spans for which `keep` (when set) is false are
// left alone.
void RewriteWithEntities(const newsgraph::v1::ResolveEntitiesResponse& resolved, QueryNode* root,
                         const std::function<bool(const newsgraph::v1::ResolvedSpan&)>& keep = {});

// Appends the request's structured filters to `root` (a kAnd) as required
// conditions.
void AddFilters(const newsgraph::v1::SearchFilter& filter, QueryNode* root);

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_QUERY_BUILDER_H_
