// Searcher: runs queries against a SearchIndex. BM25F ranking (title and
// body weights), phrase and entity boosts, structured filters, facets and
// highlighted passages. No gRPC: the entity service is reached through the
// EntityResolver interface.
#ifndef NEWSGRAPH_SERVICES_SEARCH_SEARCHER_H_
#define NEWSGRAPH_SERVICES_SEARCH_SEARCHER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "newsgraph/v1/entity_service.pb.h"
#include "newsgraph/v1/search_service.pb.h"
#include "services/search/query_iterators.h"
#include "services/search/search_index.h"

namespace newsgraph::search {

// Finds the entities a query mentions. Implementations must be thread-safe.
class EntityResolver {
 public:
  virtual ~EntityResolver() = default;
  // Errors (e.g. UNAVAILABLE, DEADLINE_EXCEEDED) make the searcher fall back
  // to text-only matching with a warning in the response.
  virtual absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> Resolve(
      absl::string_view text) = 0;
};

struct RankingOptions {
  // BM25F: k1 1.2, b 0.75, title weight 2.5, body weight 1.
  Bm25fParameters bm25f;
  // Multiplier for the terms of a matched phrase. Default 1.5.
  double phrase_boost = 1.5;
  // Unquoted words next to each other in the query ("central bank") score
  // this multiple of a phrase's weight extra where the document has them
  // next to each other too. 0 turns it off. Default 0.5.
  double proximity_boost = 0.5;
  // Score added per unit of entity salience when an entity matches. Default 3.
  double entity_boost = 3.0;
  // Most documents whose fields are read to count facets. Default 20000.
  size_t max_facet_documents = 20000;
};

class Searcher {
 public:
  // `index` is borrowed. `resolver` may be null (no entity resolution).
  Searcher(const SearchIndex* index, EntityResolver* resolver, RankingOptions options = {})
      : index_(index), resolver_(resolver), options_(options) {}

  // Errors: INVALID_ARGUMENT for a bad query (with position), page size,
  // page token or facet name; storage errors.
  absl::StatusOr<newsgraph::v1::SearchResponse> Search(
      const newsgraph::v1::SearchRequest& request) const;

  // Whether Search(request) may call the entity service, and so wait on the
  // network: true when the query is resolved as a whole or names an entity
  // by text (entity:, about:, filter.entities). Cheap: at most a parse.
  bool MayCallEntityService(const newsgraph::v1::SearchRequest& request) const;

 private:
  const SearchIndex* const index_;
  EntityResolver* const resolver_;
  const RankingOptions options_;
};

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_SEARCHER_H_
