// Searcher: runs queries against a SearchIndex. BM25F ranking (title and
// body weights), phrase and entity boosts, structured filters, facets and
// highlighted passages. No gRPC: the entity service is reached through the
// EntityResolver interface.
#ifndef NEWSGRAPH_SERVICES_SEARCH_SEARCHER_H_
#define NEWSGRAPH_SERVICES_SEARCH_SEARCHER_H_

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "newsgraph/v1/entity_service.pb.h"
#include "newsgraph/v1/search_service.pb.h"
#include "services/search/query_iterators.h"
#include "services/search/query_parser.h"
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
  // Whether Resolve(text) would answer now from memory, without waiting on
  // the entity service. Default false.
  virtual bool IsCached(absl::string_view /*text*/) const { return false; }
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
  // How far from the query's distance two adjacent query words may stand
  // and still earn the proximity bonus, in words, either order. Default 2
  // (tuned on the tune half of bench/relevance/natural).
  uint32_t proximity_slop = 2;
  // BM25F multiplier of a synonym a plain query word also matches
  // (synonyms.h); the better of the word and its synonyms counts. 0 turns
  // synonyms off. Default 0.5 (tuned on the tune half of
  // bench/relevance/natural).
  double synonym_weight = 0.5;
  // Score added per unit of entity salience when an entity:/about: term
  // matches. Default 3.
  double entity_boost = 3.0;
  // Plain words are a coordinated disjunction: a document's summed score is
  // multiplied by (matched words / words)^coordination_exponent. 0 is plain
  // BM25 over OR; 1 is Lucene's classic coord. Default 0.5 (tuned on the
  // tune half of bench/relevance/natural).
  double coordination_exponent = 0.5;
  // A recognized entity spelled by plain words of the query scores, in a
  // document that mentions it, entity_weight * (summed IDF of those words)
  // * (floor + (1 - floor) * salience), and covers those words for
  // coordination, so documents naming it by another alias rank as if they
  // held the words. Defaults 1 and 0.5.
  double entity_weight = 1.0;
  double entity_salience_floor = 0.5;
  // How a document that both mentions the entity and holds the words that
  // name it adds the two: max + entity_tie * min (Lucene's dis_max tie
  // breaker). 1 adds them; 0 counts only the better, so naming the entity
  // by the query's own words earns no double score.
  double entity_tie = 1.0;
  // BM25F multiplier of the acronym a run of capitalized query words spells
  // ("International Business Machines" -> ibm). Default 1.
  double acronym_weight = 1.0;
  // A single query word with at most one capital counts as naming the
  // entity the entity service found for it only when the entity's documents
  // are at least this share of the word's ("home" is not the organisation
  // "Home", "Petroleum" not the company "Tesoro Petroleum"; "SCO" always
  // names it). Default 0.3.
  double min_entity_share = 0.3;
  // Most documents whose fields are read to count facets. Default 20000.
  size_t max_facet_documents = 20000;
  // Longest query string, in bytes. Default 16384.
  size_t max_query_bytes = 16384;
  // Most terms a query may search after tokenization (a hyphenated word or
  // a phrase counts each of its words). Default 256.
  size_t max_query_terms = 256;
  // Most values in each repeated field of SearchRequest.filter (sources,
  // entities, entity_types, languages); duplicates count once. Default 64.
  size_t max_filter_values = 64;
  // Most entries of SearchRequest.facets (a name repeated among them yields
  // one facet). Default 16.
  int max_facet_fields = 16;
  // SearchRequest.page_size when 0, and its largest value. Defaults 10, 100.
  int default_page_size = 10;
  int max_page_size = 100;
  // Hits reachable by paging. Default 10,000.
  size_t max_result_window = 10000;
  // Indexed terms a prefix ("gr*") may stand for; more is INVALID_ARGUMENT.
  // Default 1,024.
  size_t max_prefix_expansions = 1024;
  // Query words corrected for typos per query. Default 8.
  int max_typo_corrections = 8;
};

// Parses "name=value,name=value" over RankingOptions' numeric fields
// (k1, b, title_weight, body_weight, phrase_boost, proximity_boost,
// proximity_slop (a whole number, at most 16), synonym_weight, entity_boost, coordination_exponent,
// entity_weight, entity_tie (at most 1), entity_salience_floor, acronym_weight, min_entity_share),
// starting from the defaults; "" gives the defaults. For the daemons' --ranking flag. Errors:
// INVALID_ARGUMENT naming the unknown name or bad value.
absl::StatusOr<RankingOptions> ParseRankingOptions(absl::string_view spec);

class QueryBuilder;
struct Attribution;

// Thread-safe: Search may run concurrently.
class Searcher {
 public:
  // `index` is borrowed. `resolver` may be null (no entity resolution).
  Searcher(const SearchIndex* index, EntityResolver* resolver, RankingOptions options = {})
      : index_(index), resolver_(resolver), options_(options) {}

  // Plain words rank with coordination and never strand the query
  // (query_interpretation.h); the response says how they were read.
  // `stop` is asked while matching documents are collected; its error ends
  // the search (deadline passed, call cancelled). Errors: INVALID_ARGUMENT
  // for a bad query (with position), page size, page token or facet name,
  // or a query over the term limit; storage errors; `stop`'s error.
  absl::StatusOr<newsgraph::v1::SearchResponse> Search(const newsgraph::v1::SearchRequest& request,
                                                       const StopCheck& stop = {}) const;

  // Whether Search(request) may call the entity service, and so wait on the
  // network: true when the query is resolved as a whole (unless the
  // resolver has the answer cached) or names an entity by text (entity:,
  // about:, filter.entities). Cheap: at most a parse.
  bool MayCallEntityService(const newsgraph::v1::SearchRequest& request) const;

 private:
  // Whether a span the entity service recognized in the query plausibly
  // names its entity (RankingOptions::min_entity_share).
  bool IsPlausibleQueryEntity(const newsgraph::v1::ResolvedSpan& span) const;
  // Parses and interprets the query, resolves its entities and appends the
  // request's filters: the tree that Build turns into iterators.
  absl::StatusOr<QueryNode> Interpret(const newsgraph::v1::SearchRequest& request,
                                      newsgraph::v1::SearchResponse* response) const;
  // The best `wanted` documents, facets counted, totals set.
  absl::StatusOr<std::vector<ScoredDoc>> Rank(const newsgraph::v1::SearchRequest& request,
                                              const SearchIndexReader& reader, DocIterator* root,
                                              QueryBuilder* builder,
                                              const Attribution& attribution, size_t wanted,
                                              const StopCheck& stop,
                                              newsgraph::v1::SearchResponse* response) const;
  // Score explanations of the page's hits, by document number.
  absl::StatusOr<absl::flat_hash_map<uint64_t, newsgraph::v1::ScoreExplanation>> Explain(
      const newsgraph::v1::SearchRequest& request, const SearchIndexReader& reader,
      const QueryNode& root_node, const std::vector<ScoredDoc>& page) const;
  absl::Status WriteHits(const newsgraph::v1::SearchRequest& request,
                         const SearchIndexReader& reader, const std::vector<ScoredDoc>& page,
                         QueryBuilder& builder, int max_passages,
                         absl::flat_hash_map<uint64_t, newsgraph::v1::ScoreExplanation>* explained,
                         int match_slots, newsgraph::v1::SearchResponse* response) const;

  const SearchIndex* const index_;
  EntityResolver* const resolver_;
  const RankingOptions options_;
};

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_SEARCHER_H_
