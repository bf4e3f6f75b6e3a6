#include "services/search/searcher.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/page_size.h"
#include "base/page_token.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "services/search/analyzer.h"
#include "services/search/facets.h"
#include "services/search/passage_search.h"
#include "services/search/query_builder.h"
#include "services/search/query_interpretation.h"
#include "services/search/query_iterators.h"
#include "services/search/query_parser.h"
#include "services/search/snippets.h"

namespace newsgraph::search {
namespace {

using newsgraph::v1::SearchRequest;
using newsgraph::v1::SearchResponse;
using Kind = QueryNode::Kind;

// Passage mode ranks the passages of at most this many best documents.
constexpr size_t kMaxPassageDocuments = 300;
// SearchRequest.max_passages at most (the proto's documented maximum).
constexpr int kMaxPassages = 5;
// The best candidates by the other scores that get the proximity bonus:
// always the same number, so that pages stay consistent (a deeper page is
// ordered by the other scores alone).
constexpr size_t kProximityWindow = 10;

// Adds each proximity scorer's bonus to the hits it matches (the first
// `window` of `hits`, which are best first) and sorts them again.
void RescoreByProximity(std::vector<std::unique_ptr<PhraseScorer>>& scorers, size_t window,
                        std::vector<ScoredDoc>* hits) {
  window = std::min(window, hits->size());
  if (scorers.empty() || window == 0) return;
  std::vector<ScoredDoc*> by_doc;
  for (size_t i = 0; i < window; ++i) by_doc.push_back(&(*hits)[i]);
  std::sort(by_doc.begin(), by_doc.end(),
            [](const ScoredDoc* a, const ScoredDoc* b) { return a->doc < b->doc; });
  for (ScoredDoc* hit : by_doc) {
    for (std::unique_ptr<PhraseScorer>& scorer : scorers) {
      const double bonus = scorer->ScoreAt(hit->doc);
      hit->score += bonus;
      hit->proximity += bonus;
    }
  }
  std::sort(hits->begin(), hits->begin() + static_cast<long>(window),
            [](const ScoredDoc& a, const ScoredDoc& b) {
              return a.score != b.score ? a.score > b.score : a.doc < b.doc;
            });
}

// Whether `node` names an entity by text (entity:/about: without an id),
// which the entity service must resolve.
bool NamesEntityByText(const QueryNode& node) {
  if (node.kind == Kind::kKeyword && (node.field == "entity" || node.field == "about") &&
      !absl::StartsWith(node.text, "entities/")) {
    return true;
  }
  for (const QueryNode& child : node.children) {
    if (NamesEntityByText(child)) return true;
  }
  return false;
}

// The page token is bound to everything that decides the ranking.
std::string Fingerprint(const SearchRequest& request) {
  std::string fingerprint = request.query();
  absl::StrAppend(&fingerprint, "|", request.filter().SerializeAsString(), "|",
                  absl::StrJoin(request.facets(), ","), "|", request.disable_entity_resolution(),
                  request.disable_collapse(), request.disable_typo_tolerance(), "|",
                  request.min_salience(), "|", request.unit());
  return fingerprint;
}

// Sets the hit fields every view has.
void SetHitFields(const newsgraph::v1::Document& doc, const ScoredDoc& ranked, int32_t cluster_size,
                  newsgraph::v1::SearchHit* hit) {
  hit->set_document(doc.name());
  hit->set_external_id(doc.external_id());
  hit->set_url(doc.url());
  hit->set_score(ranked.score);
  hit->set_title(doc.title());
  hit->set_source(doc.source());
  hit->set_version(doc.version());
  hit->set_cluster_size(cluster_size);
  if (doc.has_published_time()) *hit->mutable_published_time() = doc.published_time();
}

// Entities of `stored` that the query's recognized entities name.
void AddMatchedEntities(const newsgraph::v1::IndexDocumentRequest& stored,
                        const SearchResponse& response, newsgraph::v1::SearchHit* hit) {
  for (const auto& span : response.recognized_entities()) {
    for (const auto& candidate : span.candidates()) {
      for (const auto& e : stored.entities()) {
        if (e.entity() == candidate.entity().name()) *hit->add_matched_entities() = e;
      }
    }
  }
}

}  // namespace

absl::StatusOr<RankingOptions> ParseRankingOptions(absl::string_view spec) {
  constexpr uint32_t kMaxProximitySlop = 16;
  RankingOptions options;
  const absl::flat_hash_map<std::string, double*> fields = {
      {"k1", &options.bm25f.k1},
      {"b", &options.bm25f.b},
      {"title_weight", &options.bm25f.title_weight},
      {"body_weight", &options.bm25f.body_weight},
      {"phrase_boost", &options.phrase_boost},
      {"proximity_boost", &options.proximity_boost},
      {"synonym_weight", &options.synonym_weight},
      {"entity_boost", &options.entity_boost},
      {"coordination_exponent", &options.coordination_exponent},
      {"entity_weight", &options.entity_weight},
      {"entity_tie", &options.entity_tie},
      {"entity_salience_floor", &options.entity_salience_floor},
      {"acronym_weight", &options.acronym_weight},
      {"min_entity_share", &options.min_entity_share},
  };
  for (absl::string_view item : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    const std::pair<std::string, std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    const std::string name(absl::StripAsciiWhitespace(kv.first));
    if (name == "proximity_slop") {
      if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(kv.second), &options.proximity_slop) ||
          options.proximity_slop > kMaxProximitySlop) {
        return absl::InvalidArgumentError(
            absl::StrCat("ranking: option 'proximity_slop' needs a whole number in [0, ",
                         kMaxProximitySlop, "], got '", kv.second, "'"));
      }
      continue;
    }
    auto field = fields.find(name);
    double value = 0;
    if (field == fields.end()) {
      return absl::InvalidArgumentError(absl::StrCat("ranking: unknown option '", name, "'"));
    }
    if (!absl::SimpleAtod(absl::StripAsciiWhitespace(kv.second), &value) || !std::isfinite(value) ||
        value < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("ranking: option '", name, "' needs a number >= 0, got '", kv.second, "'"));
    }
    if (name == "synonym_weight" && value > 1) {
      // A synonym ranks below the word itself.
      return absl::InvalidArgumentError(absl::StrCat(
          "ranking: option 'synonym_weight' needs a number in [0, 1], got '", kv.second, "'"));
    }
    if (name == "entity_tie" && value > 1) {
      // Above 1 a group would score more than its clauses' sum, which the
      // MaxScore bounds assume it never does.
      return absl::InvalidArgumentError(absl::StrCat(
          "ranking: option 'entity_tie' needs a number in [0, 1], got '", kv.second, "'"));
    }
    *field->second = value;
  }
  return options;
}

bool Searcher::MayCallEntityService(const SearchRequest& request) const {
  if (resolver_ == nullptr) return false;
  for (const std::string& entity : request.filter().entities()) {
    if (!absl::StartsWith(entity, "entities/")) return true;
  }
  if (absl::StripAsciiWhitespace(request.query()).empty()) return false;
  // An uncached resolution of the whole query calls out: no need to parse.
  const bool resolves_query = !request.disable_entity_resolution();
  if (resolves_query && !resolver_->IsCached(request.query())) return true;
  absl::StatusOr<QueryNode> parsed = ParseQuery(request.query());
  // A query that does not parse fails before anything is resolved.
  return parsed.ok() && NamesEntityByText(*parsed);
}

bool Searcher::IsPlausibleQueryEntity(const newsgraph::v1::ResolvedSpan& span) const {
  const std::string& text = span.text();
  if (IsFunctionWord(text)) return false;
  if (text.find(' ') != std::string::npos) return true;
  // Two capitals or more ("SCO", "McDonald") mark a name whatever its share.
  if (std::count_if(text.begin(), text.end(), absl::ascii_isupper) >= 2) return true;
  // Any other single word ("home", "new", and "Petroleum": people capitalize
  // ordinary words in queries too) names an entity only when the entity
  // accounts for a good share of the documents holding the word.
  const std::string term = AnalyzeWord(text, "en");
  if (term.empty()) return false;
  SearchIndexReader reader(index_);
  absl::StatusOr<uint64_t> df = reader.DocumentFrequency(term);
  if (!df.ok()) return true;
  const double documents = static_cast<double>(span.candidates(0).entity().document_count());
  return documents >= options_.min_entity_share * static_cast<double>(*df);
}

absl::StatusOr<QueryNode> Searcher::Interpret(const SearchRequest& request,
                                              SearchResponse* response) const {
  QueryNode root{.kind = Kind::kAnd};
  if (!absl::StripAsciiWhitespace(request.query()).empty()) {
    NG_ASSIGN_OR_RETURN(QueryNode parsed, ParseQuery(request.query()));
    Interpretation interpretation;
    RelaxPlainWords(&parsed, &interpretation);
    for (std::string& w : interpretation.ignored_words) {
      response->mutable_interpretation()->add_ignored_words(std::move(w));
    }
    for (std::string& w : interpretation.optional_words) {
      response->mutable_interpretation()->add_optional_words(std::move(w));
    }
    if (!request.disable_entity_resolution() && resolver_ != nullptr) {
      absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> resolved =
          resolver_->Resolve(request.query());
      if (resolved.ok()) {
        // Only the entities taken as names are searched and reported ("who"
        // is not the WHO); each span is judged once.
        newsgraph::v1::ResolveEntitiesResponse kept;
        for (const newsgraph::v1::ResolvedSpan& span : resolved->spans()) {
          if (IsPlausibleQueryEntity(span)) *kept.add_spans() = span;
        }
        RewriteWithEntities(kept, &parsed);
        *response->mutable_recognized_entities() = kept.spans();
      } else {
        response->add_warnings(absl::StrCat("entity service unavailable, searched text only: ",
                                            resolved.status().ToString()));
      }
    }
    root.children.push_back(std::move(parsed));
  }
  if (request.has_filter() && request.filter().ByteSizeLong() > 0) {
    AddFilters(request.filter(), &root);
  }
  return root;
}

absl::StatusOr<std::vector<ScoredDoc>> Searcher::Rank(const SearchRequest& request,
                                                      const SearchIndexReader& reader,
                                                      DocIterator* root, QueryBuilder* builder,
                                                      const Attribution& attribution,
                                                      size_t wanted, const StopCheck& stop,
                                                      SearchResponse* response) const {
  const bool collapse = !request.disable_collapse();
  const std::function<uint64_t(uint64_t)> cluster_of =
      collapse ? std::function<uint64_t(uint64_t)>(
                     [&reader](uint64_t doc) { return reader.Ranking(doc).cluster; })
               : nullptr;
  std::vector<ScoredDoc> ranked;
  if (!attribution.empty()) {
    // Documents ranked by their passages that match the attribution.
    NG_ASSIGN_OR_RETURN(PassageHits found,
                        CollectPassageHits(reader, root, builder->highlight(), attribution,
                                           cluster_of, kMaxPassageDocuments, stop));
    ranked = RankDocumentsByPassages(found);
    response->set_total_hits(static_cast<int64_t>(ranked.size()));
    response->set_total_hits_estimated(found.estimated);
    if (!request.facets().empty()) {
      NG_RETURN_IF_ERROR(CountFacets(&reader, ranked, options_, request, stop, response));
    }
    return ranked;
  }
  if (!request.facets().empty()) {
    // Facets count every match: no early termination.
    NG_ASSIGN_OR_RETURN(std::vector<ScoredDoc> all, CollectAll(root, stop));
    RescoreByProximity(builder->proximity(), kProximityWindow, &all);
    response->set_total_hits(static_cast<int64_t>(all.size()));
    NG_RETURN_IF_ERROR(CountFacets(&reader, all, options_, request, stop, response));
    absl::flat_hash_set<uint64_t> seen_clusters;
    for (const ScoredDoc& hit : all) {
      if (ranked.size() >= wanted) break;
      if (!collapse || seen_clusters.insert(reader.Ranking(hit.doc).cluster).second) {
        ranked.push_back(hit);
      }
    }
    return ranked;
  }
  const size_t collect = builder->proximity().empty() ? wanted : std::max(wanted, kProximityWindow);
  NG_ASSIGN_OR_RETURN(TopDocs top, CollectTopDocs(root, collect, /*early_termination=*/true,
                                                  cluster_of, stop));
  response->set_total_hits(static_cast<int64_t>(top.total));
  response->set_total_hits_estimated(top.estimated);
  ranked = std::move(top.hits);
  // Adjacent query words reorder the first candidates (positions are read
  // for these documents only).
  RescoreByProximity(builder->proximity(), kProximityWindow, &ranked);
  return ranked;
}

absl::StatusOr<absl::flat_hash_map<uint64_t, newsgraph::v1::ScoreExplanation>> Searcher::Explain(
    const SearchRequest& request, const SearchIndexReader& reader, const QueryNode& root_node,
    const std::vector<ScoredDoc>& page) const {
  SearchResponse scratch;
  QueryBuilder builder(&reader, resolver_, options_, request, &scratch, /*explain=*/true);
  NG_ASSIGN_OR_RETURN(DocIteratorPtr root, builder.Build(root_node));
  std::vector<const ScoredDoc*> by_doc;
  for (const ScoredDoc& hit : page) by_doc.push_back(&hit);
  std::sort(by_doc.begin(), by_doc.end(),
            [](const ScoredDoc* a, const ScoredDoc* b) { return a->doc < b->doc; });
  absl::flat_hash_map<uint64_t, newsgraph::v1::ScoreExplanation> explained;
  for (const ScoredDoc* hit : by_doc) {
    root->Advance(hit->doc);
    std::vector<ScoreComponent> parts;
    if (root->doc() == hit->doc) root->Explain(&parts);
    if (hit->proximity != 0) parts.push_back({"proximity of adjacent query words", hit->proximity});
    double sum = 0;
    for (const ScoreComponent& part : parts) sum += part.value;
    if (std::abs(sum - hit->score) > 1e-9 * std::max(1.0, std::abs(hit->score))) {
      // Ranked by passages (said_by:/asked_by:): the best matching passage's
      // score, not the document's, is the hit's.
      parts.push_back({"ranked by its best passage matching said_by/asked_by", hit->score - sum});
    }
    newsgraph::v1::ScoreExplanation& explanation = explained[hit->doc];
    for (ScoreComponent& part : parts) {
      newsgraph::v1::ScoreComponent* component = explanation.add_components();
      component->set_description(std::move(part.description));
      component->set_value(part.value);
    }
  }
  return explained;
}

namespace {

// Checks that each repeated field of `filter` has at most `max_values`
// distinct values.
absl::Status ValidateFilterSizes(const newsgraph::v1::SearchFilter& filter, size_t max_values) {
  auto check = [max_values](absl::string_view field, const auto& values) {
    if (static_cast<size_t>(values.size()) <= max_values) return absl::OkStatus();
    using Value = std::decay_t<decltype(*values.begin())>;
    const absl::flat_hash_set<Value> distinct(values.begin(), values.end());
    if (distinct.size() <= max_values) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("filter.", field, " has ", distinct.size(),
                                                   " distinct values; at most ", max_values,
                                                   " (max_filter_values)"));
  };
  NG_RETURN_IF_ERROR(check("sources", filter.sources()));
  NG_RETURN_IF_ERROR(check("entities", filter.entities()));
  NG_RETURN_IF_ERROR(check("entity_types", filter.entity_types()));
  return check("languages", filter.languages());
}

}  // namespace

absl::StatusOr<SearchResponse> Searcher::Search(const SearchRequest& request,
                                                const StopCheck& stop) const {
  NG_ASSIGN_OR_RETURN(
      const int page_size,
      ResolvePageSize(request.page_size(), options_.default_page_size, options_.max_page_size));
  if (request.max_passages() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_passages must not be negative (got ", request.max_passages(), ")"));
  }
  // Above the maximum means the maximum, as page_size does (AIP-158).
  const int max_passages =
      request.max_passages() == 0 ? 1 : std::min(request.max_passages(), kMaxPassages);
  if (!(request.min_salience() >= 0 && request.min_salience() <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("min_salience must be in [0, 1] (got ", request.min_salience(), ")"));
  }
  const bool has_filter = request.has_filter() && request.filter().ByteSizeLong() > 0;
  if (absl::StripAsciiWhitespace(request.query()).empty() && !has_filter) {
    return absl::InvalidArgumentError("query is required unless filter is set");
  }
  NG_RETURN_IF_ERROR(ValidateFacets(request, options_.max_facet_fields));
  if (request.query().size() > options_.max_query_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("query: ", request.query().size(), " bytes; at most ",
                     options_.max_query_bytes, " (max_query_bytes)"));
  }
  NG_RETURN_IF_ERROR(ValidateFilterSizes(request.filter(), options_.max_filter_values));
  if (request.filter().has_published_after()) {
    NG_RETURN_IF_ERROR(
        ValidateTimestamp("filter.published_after", request.filter().published_after()));
  }
  if (request.filter().has_published_before()) {
    NG_RETURN_IF_ERROR(
        ValidateTimestamp("filter.published_before", request.filter().published_before()));
  }
  const std::string fingerprint = Fingerprint(request);
  size_t offset = 0;
  if (!request.page_token().empty()) {
    NG_ASSIGN_OR_RETURN(std::string position,
                        index_->page_tokens().Decode(request.page_token(), "search", fingerprint));
    if (!absl::SimpleAtoi(position, &offset))
      return absl::InvalidArgumentError("page_token is malformed");
  }
  if (offset > options_.max_result_window) {
    return absl::InvalidArgumentError(absl::StrCat(
        "results beyond the first ", options_.max_result_window, " cannot be paged to"));
  }

  SearchResponse response;
  NG_ASSIGN_OR_RETURN(QueryNode root_node, Interpret(request, &response));
  SearchIndexReader reader(index_);
  QueryBuilder builder(&reader, resolver_, options_, request, &response);
  NG_ASSIGN_OR_RETURN(DocIteratorPtr root, builder.Build(root_node));
  const Attribution attribution = AttributionOf(root_node);
  if (request.unit() == newsgraph::v1::SEARCH_UNIT_PASSAGE) {
    const size_t wanted = offset + static_cast<size_t>(page_size) + 1;
    const size_t documents = std::min(kMaxPassageDocuments, std::max<size_t>(30, 3 * wanted));
    const std::function<uint64_t(uint64_t)> cluster_of =
        request.disable_collapse() ? nullptr
                                   : std::function<uint64_t(uint64_t)>([&reader](uint64_t doc) {
                                       return reader.Ranking(doc).cluster;
                                     });
    NG_ASSIGN_OR_RETURN(PassageHits found,
                        CollectPassageHits(reader, root.get(), builder.highlight(), attribution,
                                           cluster_of, documents, stop));
    WritePassagePage(found, offset, page_size, &response);
    const size_t end = std::min(found.hits.size(), offset + static_cast<size_t>(page_size));
    if (end < found.hits.size() && end < options_.max_result_window) {
      response.set_next_page_token(index_->page_tokens().Encode("search", fingerprint, absl::StrCat(end)));
    }
    return response;
  }
  // One more hit than the page shows tells whether there is a next page.
  const size_t wanted = offset + static_cast<size_t>(page_size) + 1;
  NG_ASSIGN_OR_RETURN(std::vector<ScoredDoc> ranked,
                      Rank(request, reader, root.get(), &builder, attribution, wanted, stop,
                           &response));

  const size_t end = std::min(ranked.size(), offset + static_cast<size_t>(page_size));
  std::vector<ScoredDoc> page;
  if (offset < end) page.assign(ranked.begin() + static_cast<long>(offset),
                                ranked.begin() + static_cast<long>(end));
  absl::flat_hash_map<uint64_t, newsgraph::v1::ScoreExplanation> explained;
  if (request.explain()) {
    NG_ASSIGN_OR_RETURN(explained, Explain(request, reader, root_node, page));
  }
  NG_RETURN_IF_ERROR(WriteHits(request, reader, page, builder, max_passages, &explained,
                               builder.match_slots(), &response));
  if (end < ranked.size() && end < options_.max_result_window) {
    response.set_next_page_token(index_->page_tokens().Encode("search", fingerprint, absl::StrCat(end)));
  }
  return response;
}

absl::Status Searcher::WriteHits(
    const SearchRequest& request, const SearchIndexReader& reader,
    const std::vector<ScoredDoc>& page, QueryBuilder& builder, int max_passages,
    absl::flat_hash_map<uint64_t, newsgraph::v1::ScoreExplanation>* explained, int match_slots,
    SearchResponse* response) const {
  const bool collapse = !request.disable_collapse();
  const bool basic = request.view() == newsgraph::v1::SEARCH_VIEW_BASIC;
  for (const ScoredDoc& ranked : page) {
    // A document removed or replaced while the query ran is live in this
    // reader's view but its stored fields are gone: it is left out.
    // The basic view reads the (cached) hit fields only.
    std::shared_ptr<const newsgraph::v1::Document> fields;
    newsgraph::v1::IndexDocumentRequest stored;
    absl::Status read;
    if (basic) {
      absl::StatusOr<std::shared_ptr<const newsgraph::v1::Document>> cached =
          reader.HitFields(ranked.doc);
      read = cached.status();
      if (cached.ok()) fields = *std::move(cached);
    } else {
      absl::StatusOr<newsgraph::v1::IndexDocumentRequest> full = reader.StoredDocument(ranked.doc);
      read = full.status();
      if (full.ok()) stored = *std::move(full);
    }
    if (absl::IsNotFound(read)) continue;
    NG_RETURN_IF_ERROR(read);
    const newsgraph::v1::Document& doc = basic ? *fields : stored.document();
    newsgraph::v1::SearchHit* hit = response->add_hits();
    const int32_t cluster_size =
        collapse ? static_cast<int32_t>(reader.ClusterSize(reader.Ranking(ranked.doc).cluster)) : 1;
    SetHitFields(doc, ranked, cluster_size, hit);
    if (match_slots > 0 && std::popcount(ranked.covered) < match_slots) {
      response->mutable_interpretation()->set_relaxed(true);
    }
    if (auto it = explained->find(ranked.doc); it != explained->end()) {
      *hit->mutable_explanation() = std::move(it->second);
    }
    if (basic) continue;
    for (newsgraph::v1::Snippet& s : MakeSnippets(doc, builder.highlight(), max_passages)) {
      *hit->add_snippets() = std::move(s);
    }
    AddMatchedEntities(stored, *response, hit);
  }
  return absl::OkStatus();
}

}  // namespace newsgraph::search
