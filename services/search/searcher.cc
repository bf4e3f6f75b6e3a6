#include "services/search/searcher.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/page_token.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "services/search/analyzer.h"
#include "services/search/query_iterators.h"
#include "services/search/query_parser.h"
#include "services/search/snippets.h"
#include "services/text/normalizer.h"
#include "services/text/utf8.h"

namespace newsgraph::search {
namespace {

using newsgraph::v1::SearchRequest;
using newsgraph::v1::SearchResponse;
using Kind = QueryNode::Kind;

constexpr int kDefaultPageSize = 10;
constexpr int kMaxPageSize = 100;
constexpr size_t kMaxPrefixExpansions = 1024;
constexpr size_t kMaxResultWindow = 10000;
// Unknown query words per query that typo tolerance tries to correct; each
// scans the dictionary terms sharing its first letter.
constexpr int kMaxTypoCorrections = 8;
constexpr float kEntityResolutionMinScore = 0.2f;
// Passage mode ranks the passages of at most this many best documents.
constexpr size_t kMaxPassageDocuments = 300;
// Share of its document's score a passage's score gets.
constexpr double kDocumentScoreShare = 0.2;

// Builds the iterator tree of one query over a reader.
// Adds each proximity scorer's bonus to the hits it matches (the first
// `window` of `hits`, which are best first) and sorts them again.
// The best candidates by the other scores that get the proximity bonus:
// always the same number, so that pages stay consistent (a deeper page is
// ordered by the other scores alone).
constexpr size_t kProximityWindow = 10;

void RescoreByProximity(std::vector<std::unique_ptr<PhraseScorer>>& scorers, size_t window,
                        std::vector<ScoredDoc>* hits) {
  window = std::min(window, hits->size());
  if (scorers.empty() || window == 0) return;
  std::vector<ScoredDoc*> by_doc;
  for (size_t i = 0; i < window; ++i) by_doc.push_back(&(*hits)[i]);
  std::sort(by_doc.begin(), by_doc.end(),
            [](const ScoredDoc* a, const ScoredDoc* b) { return a->doc < b->doc; });
  for (ScoredDoc* hit : by_doc) {
    for (std::unique_ptr<PhraseScorer>& scorer : scorers) hit->score += scorer->ScoreAt(hit->doc);
  }
  std::sort(hits->begin(), hits->begin() + static_cast<long>(window),
            [](const ScoredDoc& a, const ScoredDoc& b) {
              return a.score != b.score ? a.score > b.score : a.doc < b.doc;
            });
}

class QueryBuilder {
 public:
  QueryBuilder(const SearchIndexReader* reader, EntityResolver* resolver,
               const RankingOptions& options, const SearchRequest& request,
               SearchResponse* response)
      : reader_(reader),
        resolver_(resolver),
        options_(options),
        response_(response),
        bm25f_(reader, options.bm25f),
        min_salience_(request.min_salience() > 0 ? request.min_salience() : 0.3f),
        typo_tolerance_(!request.disable_typo_tolerance()) {}

  absl::StatusOr<DocIteratorPtr> Build(const QueryNode& node) {
    switch (node.kind) {
      case Kind::kTerm:
        return BuildTerm(node);
      case Kind::kPhrase:
        return BuildPhrase(node.text, node.field);
      case Kind::kPrefix:
        return BuildPrefix(node);
      case Kind::kKeyword:
        return BuildKeyword(node);
      case Kind::kDateRange:
        return MakeFilter(MakeAllDocuments(reader_), DateFilter(node));
      case Kind::kNot: {
        exclude_mode_ = true;
        absl::StatusOr<DocIteratorPtr> excluded = Build(node.children[0]);
        exclude_mode_ = false;
        if (!excluded.ok()) return excluded.status();
        std::vector<DocIteratorPtr> list;
        list.push_back(*std::move(excluded));
        return MakeAndNot(MakeAllDocuments(reader_), std::move(list));
      }
      case Kind::kOr: {
        std::vector<DocIteratorPtr> children;
        for (const QueryNode& child : node.children) {
          NG_ASSIGN_OR_RETURN(DocIteratorPtr built, Build(child));
          children.push_back(std::move(built));
        }
        return MakeOr(std::move(children));
      }
      case Kind::kAnd:
        return BuildAnd(node);
    }
    return absl::InternalError("unknown query node");
  }

  // Analyzed words to highlight for this query.
  HighlightTerms& highlight() { return highlight_; }
  // Phrases of adjacent query words whose matches earn a bonus.
  std::vector<std::unique_ptr<PhraseScorer>>& proximity() { return proximity_; }
  const Bm25f& bm25f() const { return bm25f_; }

 private:
  // The analyzed term of `node` when it is a plain word of the query (no
  // field, one token); std::nullopt otherwise.
  std::optional<std::string> PlainWordTerm(const QueryNode& node) {
    if (node.kind != Kind::kTerm || !node.field.empty()) return std::nullopt;
    std::vector<AnalyzedToken> tokens = Analyze(node.text, "en");
    if (tokens.size() != 1) return std::nullopt;
    return std::move(tokens[0].term);
  }

  // Words that stand next to each other in the query, all required. Their
  // phrase is kept aside as a proximity scorer: the best hits by the other
  // scores get its bonus afterwards (RescoreByProximity), so that positions
  // are read for a few documents rather than for every match.
  absl::StatusOr<DocIteratorPtr> BuildWordsWithProximity(
      const std::vector<const QueryNode*>& run, const std::vector<std::string>& terms) {
    std::vector<DocIteratorPtr> words;
    for (const QueryNode* word : run) {
      NG_ASSIGN_OR_RETURN(DocIteratorPtr built, Build(*word));
      if (built->doc() == kNoMoreDocs) return MakeEmpty();
      words.push_back(std::move(built));
    }
    DocIteratorPtr all = MakeAnd(std::move(words));
    std::vector<TermPostings> lists;
    std::vector<uint32_t> offsets;
    for (const std::string& term : terms) {
      NG_ASSIGN_OR_RETURN(TermPostings postings, reader_->Postings(term, /*with_positions=*/true));
      if (postings.doc() == kNoMoreDocs) return all;  // e.g. a corrected typo
      lists.push_back(std::move(postings));
      offsets.push_back(static_cast<uint32_t>(offsets.size()));
    }
    proximity_.push_back(MakePhraseScorer(std::move(lists), std::move(offsets), FieldScope::kAll,
                                          &bm25f_, options_.proximity_boost));
    return all;
  }

  absl::StatusOr<DocIteratorPtr> BuildAnd(const QueryNode& node) {
    std::vector<DocIteratorPtr> required;
    std::vector<const QueryNode*> dates;
    std::vector<DocIteratorPtr> excluded;
    // Runs of adjacent plain words (at most kMaxProximityWords) get a proximity bonus.
    constexpr size_t kMaxProximityWords = 6;
    std::vector<const QueryNode*> run;
    std::vector<std::string> run_terms;
    auto flush_run = [&]() -> absl::Status {
      if (run.size() >= 2 && options_.proximity_boost > 0 && !exclude_mode_) {
        NG_ASSIGN_OR_RETURN(DocIteratorPtr built, BuildWordsWithProximity(run, run_terms));
        required.push_back(std::move(built));
      } else {
        for (const QueryNode* word : run) {
          NG_ASSIGN_OR_RETURN(DocIteratorPtr built, Build(*word));
          required.push_back(std::move(built));
        }
      }
      run.clear();
      run_terms.clear();
      return absl::OkStatus();
    };
    for (const QueryNode& child : node.children) {
      std::optional<std::string> term = PlainWordTerm(child);
      if (term.has_value()) {
        if (run.size() == kMaxProximityWords) NG_RETURN_IF_ERROR(flush_run());
        run.push_back(&child);
        run_terms.push_back(*std::move(term));
        continue;
      }
      NG_RETURN_IF_ERROR(flush_run());
      if (child.kind == Kind::kDateRange) {
        dates.push_back(&child);
        continue;
      }
      if (child.kind == Kind::kNot) {
        exclude_mode_ = true;
        absl::StatusOr<DocIteratorPtr> built = Build(child.children[0]);
        exclude_mode_ = false;
        if (!built.ok()) return built.status();
        excluded.push_back(*std::move(built));
        continue;
      }
      NG_ASSIGN_OR_RETURN(DocIteratorPtr built, Build(child));
      required.push_back(std::move(built));
    }
    NG_RETURN_IF_ERROR(flush_run());
    for (const DocIteratorPtr& r : required) {
      if (r->doc() == kNoMoreDocs) return MakeEmpty();
    }
    DocIteratorPtr result =
        required.empty() ? MakeAllDocuments(reader_) : MakeAnd(std::move(required));
    for (const QueryNode* date : dates) result = MakeFilter(std::move(result), DateFilter(*date));
    return MakeAndNot(std::move(result), std::move(excluded));
  }

  absl::StatusOr<DocIteratorPtr> BuildTerm(const QueryNode& node) {
    std::vector<AnalyzedToken> tokens = Analyze(node.text, "en");
    if (tokens.size() > 1) return BuildPhrase(node.text, node.field);
    if (tokens.empty()) return MakeAllDocuments(reader_);
    std::string term = tokens[0].term;
    bool unknown = false;
    if (typo_tolerance_ && !exclude_mode_ && corrections_tried_ < kMaxTypoCorrections) {
      NG_ASSIGN_OR_RETURN(uint64_t df, reader_->DocumentFrequency(term));
      unknown = df == 0;
    }
    if (unknown) {
      ++corrections_tried_;
      NG_ASSIGN_OR_RETURN(std::optional<std::string> corrected, Correct(term));
      if (corrected.has_value()) {
        response_->add_corrections(absl::StrCat(node.text, " -> ", *corrected));
        term = *corrected;
      }
    }
    return BuildWord(term, node.field, 1.0);
  }

  absl::StatusOr<DocIteratorPtr> BuildWord(const std::string& term, const std::string& field,
                                           double boost) {
    NG_ASSIGN_OR_RETURN(TermPostings postings, reader_->Postings(term, /*with_positions=*/false));
    if (!exclude_mode_) {
      highlight_.terms.insert(term);
      highlight_.weights[term] = bm25f_.Idf(postings.document_frequency());
    }
    if (postings.doc() == kNoMoreDocs) return MakeEmpty();
    return MakeTerm(std::move(postings), Scope(field), &bm25f_, boost);
  }

  static FieldScope Scope(const std::string& field) {
    if (field == "title") return FieldScope::kTitle;
    if (field == "body") return FieldScope::kBody;
    return FieldScope::kAll;
  }

  // The dictionary term closest to `term` (sharing its first character)
  // within edit distance 1 (5-7 characters) or 2 (8 or more); the most
  // frequent on ties. std::nullopt when none qualifies.
  absl::StatusOr<std::optional<std::string>> Correct(const std::string& term) {
    const size_t length = text::CountCodePoints(term);
    if (length < 5) return std::nullopt;
    const int max_distance = length >= 8 ? 2 : 1;
    NG_ASSIGN_OR_RETURN(std::vector<std::string> candidates,
                        reader_->ExpandPrefix(term.substr(0, 1), 1u << 20));
    std::optional<std::string> best;
    int best_distance = max_distance + 1;
    uint64_t best_df = 0;
    for (const std::string& candidate : candidates) {
      const long size_gap = static_cast<long>(candidate.size()) - static_cast<long>(term.size());
      if (size_gap > max_distance || size_gap < -max_distance) continue;
      const int distance = BoundedEditDistance(term, candidate, max_distance);
      if (distance > max_distance || distance > best_distance) continue;
      NG_ASSIGN_OR_RETURN(uint64_t df, reader_->DocumentFrequency(candidate));
      if (distance < best_distance || df > best_df) {
        best = candidate;
        best_distance = distance;
        best_df = df;
      }
    }
    return best;
  }

  // Levenshtein distance of byte strings, or max_distance + 1 when larger.
  static int BoundedEditDistance(absl::string_view a, absl::string_view b, int max_distance) {
    std::vector<int> previous(b.size() + 1);
    std::vector<int> current(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) previous[j] = static_cast<int>(j);
    for (size_t i = 1; i <= a.size(); ++i) {
      current[0] = static_cast<int>(i);
      int row_min = current[0];
      for (size_t j = 1; j <= b.size(); ++j) {
        current[j] = std::min({previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        row_min = std::min(row_min, current[j]);
      }
      if (row_min > max_distance) return max_distance + 1;
      std::swap(previous, current);
    }
    return previous[b.size()];
  }

  absl::StatusOr<DocIteratorPtr> BuildPhrase(const std::string& phrase, const std::string& field) {
    std::vector<AnalyzedToken> tokens = Analyze(phrase, "en");
    if (tokens.empty()) return MakeAllDocuments(reader_);
    if (tokens.size() == 1) return BuildWord(tokens[0].term, field, 1.0);
    std::vector<TermPostings> lists;
    std::vector<uint32_t> offsets;
    for (const AnalyzedToken& t : tokens) {
      NG_ASSIGN_OR_RETURN(TermPostings postings, reader_->Postings(t.term, /*with_positions=*/true));
      if (!exclude_mode_) {
        highlight_.terms.insert(t.term);
        highlight_.weights[t.term] = bm25f_.Idf(postings.document_frequency());
      }
      if (postings.doc() == kNoMoreDocs) return MakeEmpty();
      lists.push_back(std::move(postings));
      offsets.push_back(static_cast<uint32_t>(t.position - tokens[0].position));
    }
    return MakePhrase(std::move(lists), std::move(offsets), Scope(field), &bm25f_,
                      options_.phrase_boost);
  }

  absl::StatusOr<DocIteratorPtr> BuildPrefix(const QueryNode& node) {
    const std::string prefix = FoldWord(node.text);
    if (prefix.size() < 2)
      return absl::InvalidArgumentError(absl::StrCat("query syntax error at position ", node.begin,
                                                     ": prefix '", node.text, "' is too short"));
    if (!exclude_mode_) highlight_.prefixes.push_back(prefix);
    NG_ASSIGN_OR_RETURN(std::vector<std::string> terms,
                        reader_->ExpandPrefix(prefix, kMaxPrefixExpansions + 1));
    if (terms.size() > kMaxPrefixExpansions) {
      return absl::InvalidArgumentError(
          absl::StrCat("prefix '", node.text, "*' at position ", node.begin, " matches more than ",
                       kMaxPrefixExpansions, " indexed terms; use a longer prefix"));
    }
    std::vector<DocIteratorPtr> words;
    for (const std::string& term : terms) {
      NG_ASSIGN_OR_RETURN(TermPostings postings, reader_->Postings(term, /*with_positions=*/false));
      if (postings.doc() == kNoMoreDocs) continue;
      words.push_back(MakeTerm(std::move(postings), Scope(node.field), &bm25f_, 1.0));
    }
    return MakeOr(std::move(words), /*best_only=*/true);
  }

  absl::StatusOr<DocIteratorPtr> BuildKeyword(const QueryNode& node) {
    std::vector<std::string> terms;
    if (node.field == "source") {
      terms.push_back(SourceTerm(node.text));
    } else if (node.field == "language") {
      terms.push_back(LanguageTerm(node.text));
    } else if (node.field == "type") {
      const std::string type = absl::AsciiStrToUpper(node.text);
      newsgraph::v1::EntityType parsed;
      if (!newsgraph::v1::EntityType_Parse(type, &parsed) ||
          parsed == newsgraph::v1::ENTITY_TYPE_UNSPECIFIED) {
        return absl::InvalidArgumentError(absl::StrCat(
            "query error at position ", node.begin, ": unknown entity type '", node.text,
            "'; use PERSON, NORP, ORG, GPE, LOC, EVENT, LAW, DATE, MONEY, PERCENT, ..."));
      }
      terms.push_back(EntityTypeTerm(type));
    } else if (node.field == "entity" || node.field == "about") {
      if (absl::StartsWith(node.text, "entities/")) {
        terms.push_back(EntityTerm(node.text));
      } else {
        NG_ASSIGN_OR_RETURN(std::vector<std::string> names, ResolveEntityNames(node.text));
        for (const std::string& name : names) terms.push_back(EntityTerm(name));
      }
    } else if (node.field == "said_by") {
      terms.push_back(SpeakerTerm(text::FoldForMatching(node.text)));
    } else if (node.field == "asked_by") {
      terms.push_back(AskerTerm(text::FoldForMatching(node.text)));
    }
    // about: only documents where the entity is salient.
    const float min_salience = node.field == "about" ? min_salience_ : -1.0f;
    std::vector<DocIteratorPtr> matches;
    for (const std::string& term : terms) {
      NG_ASSIGN_OR_RETURN(TermPostings postings, reader_->Postings(term, /*with_positions=*/false));
      if (postings.doc() == kNoMoreDocs) continue;
      matches.push_back(MakeKeyword(std::move(postings), min_salience, options_.entity_boost));
    }
    return MakeOr(std::move(matches), /*best_only=*/true);
  }

  // Entity names for an `entity:` value, via the entity service.
  absl::StatusOr<std::vector<std::string>> ResolveEntityNames(const std::string& text) {
    std::vector<std::string> names;
    if (resolver_ == nullptr) {
      response_->add_warnings(
          absl::StrCat("entity:\"", text, "\" matched nothing: no entity service is configured"));
      return names;
    }
    absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> resolved = resolver_->Resolve(text);
    if (!resolved.ok()) {
      response_->add_warnings(absl::StrCat("entity:\"", text, "\" matched nothing: entity service ",
                                           resolved.status().ToString()));
      return names;
    }
    for (const auto& span : resolved->spans()) {
      // Only a span covering the whole value names the entity.
      if (span.span().byte_begin() != 0 || span.span().byte_end() != text.size()) continue;
      for (const auto& candidate : span.candidates()) names.push_back(candidate.entity().name());
    }
    return names;
  }

  std::function<bool(uint64_t)> DateFilter(const QueryNode& node) {
    const SearchIndexReader* reader = reader_;
    const absl::Time from = node.from;
    const absl::Time to = node.to;
    return [reader, from, to](uint64_t doc) {
      const absl::Time published = reader->Norms(doc).published;
      return published != absl::InfinitePast() && published >= from && published < to;
    };
  }

  const SearchIndexReader* const reader_;
  EntityResolver* const resolver_;
  const RankingOptions& options_;
  SearchResponse* const response_;
  const Bm25f bm25f_;
  std::vector<std::unique_ptr<PhraseScorer>> proximity_;
  HighlightTerms highlight_;
  bool exclude_mode_ = false;
  const float min_salience_;
  const bool typo_tolerance_;
  // Unknown words looked up for a correction so far (bounded per query).
  int corrections_tried_ = 0;
};

// Lets recognized entities match: consecutive plain words of an AND (or a
// whole phrase) that spell an entity the entity service recognized become
// "(words) OR entity:ID".
void RewriteWithEntities(const newsgraph::v1::ResolveEntitiesResponse& resolved, QueryNode* root) {
  for (const auto& span : resolved.spans()) {
    if (span.candidates().empty() || span.candidates(0).score() < kEntityResolutionMinScore)
      continue;
    const size_t begin = span.span().byte_begin();
    const size_t end = span.span().byte_end();
    auto entity_node = [&](size_t b, size_t e) {
      QueryNode node{.kind = Kind::kKeyword, .field = "entity", .begin = b, .end = e};
      node.text = span.candidates(0).entity().name();
      return node;
    };
    auto rewrite = [&](auto&& self, QueryNode* node) -> bool {
      if ((node->kind == Kind::kTerm || node->kind == Kind::kPhrase) && node->field.empty()) {
        const size_t inner_begin = node->kind == Kind::kPhrase ? node->begin + 1 : node->begin;
        const size_t inner_end = node->kind == Kind::kPhrase ? node->end - 1 : node->end;
        if (inner_begin == begin && inner_end == end) {
          QueryNode original = std::move(*node);
          *node = QueryNode{.kind = Kind::kOr, .begin = original.begin, .end = original.end};
          node->children.push_back(std::move(original));
          node->children.push_back(entity_node(begin, end));
          return true;
        }
        return false;
      }
      if (node->kind == Kind::kAnd) {
        auto& kids = node->children;
        for (size_t i = 0; i < kids.size(); ++i) {
          if (kids[i].kind != Kind::kTerm || !kids[i].field.empty() || kids[i].begin != begin)
            continue;
          size_t j = i;
          while (j < kids.size() && kids[j].kind == Kind::kTerm && kids[j].field.empty() &&
                 kids[j].end < end) {
            ++j;
          }
          if (j >= kids.size() || j == i || kids[j].kind != Kind::kTerm || kids[j].end != end)
            continue;
          QueryNode words{.kind = Kind::kAnd, .begin = begin, .end = end};
          for (size_t k = i; k <= j; ++k) words.children.push_back(std::move(kids[k]));
          QueryNode either{.kind = Kind::kOr, .begin = begin, .end = end};
          either.children.push_back(std::move(words));
          either.children.push_back(entity_node(begin, end));
          kids.erase(kids.begin() + static_cast<long>(i), kids.begin() + static_cast<long>(j) + 1);
          kids.insert(kids.begin() + static_cast<long>(i), std::move(either));
          return true;
        }
      }
      if (node->kind == Kind::kNot) return false;
      for (QueryNode& child : node->children) {
        if (self(self, &child)) return true;
      }
      return false;
    };
    rewrite(rewrite, root);
  }
}

// Appends the request's structured filters to the query as AND conditions.
void AddFilters(const newsgraph::v1::SearchFilter& filter, QueryNode* root) {
  auto any_of = [](const std::string& field, const auto& values) {
    QueryNode node{.kind = Kind::kOr};
    for (const auto& v : values) {
      QueryNode leaf{.kind = Kind::kKeyword, .field = field};
      if constexpr (std::is_same_v<std::decay_t<decltype(v)>, int>) {
        leaf.text = newsgraph::v1::EntityType_Name(static_cast<newsgraph::v1::EntityType>(v));
      } else {
        leaf.text = v;
      }
      node.children.push_back(std::move(leaf));
    }
    return node;
  };
  if (filter.sources_size() > 0) root->children.push_back(any_of("source", filter.sources()));
  if (filter.languages_size() > 0) root->children.push_back(any_of("language", filter.languages()));
  if (filter.entity_types_size() > 0)
    root->children.push_back(any_of("type", filter.entity_types()));
  for (const std::string& entity : filter.entities()) {
    root->children.push_back(QueryNode{.kind = Kind::kKeyword, .field = "entity", .text = entity});
  }
  if (filter.has_published_after() || filter.has_published_before()) {
    QueryNode range{.kind = Kind::kDateRange, .field = "published"};
    if (filter.has_published_after()) range.from = FromTimestamp(filter.published_after());
    if (filter.has_published_before()) range.to = FromTimestamp(filter.published_before());
    root->children.push_back(std::move(range));
  }
}

absl::Status CountFacets(const SearchIndexReader* index, const std::vector<ScoredDoc>& hits,
                         const RankingOptions& options, const SearchRequest& request,
                         SearchResponse* response) {
  static const absl::flat_hash_set<std::string>* kFacetFields =
      new absl::flat_hash_set<std::string>{"source", "language", "entity", "entity_type",
                                           "published_year"};
  for (const std::string& field : request.facets()) {
    if (!kFacetFields->contains(field)) {
      return absl::InvalidArgumentError(
          absl::StrCat("facets: unknown field '", field,
                       "'; supported: source, language, entity, entity_type, published_year"));
    }
  }
  if (request.facets().empty()) return absl::OkStatus();
  std::vector<absl::flat_hash_map<std::string, std::pair<int64_t, std::string>>> counts(
      request.facets_size());
  const size_t limit = std::min(hits.size(), options.max_facet_documents);
  if (limit < hits.size()) {
    response->add_warnings(
        absl::StrCat("facets count the best ", limit, " of ", hits.size(), " matching documents"));
  }
  for (size_t h = 0; h < limit; ++h) {
    absl::StatusOr<newsgraph::v1::IndexDocumentRequest> read = index->StoredDocument(hits[h].doc);
    if (absl::IsNotFound(read.status())) continue;  // removed while the query ran
    if (!read.ok()) return read.status();
    const newsgraph::v1::IndexDocumentRequest& stored = *read;
    const newsgraph::v1::Document& doc = stored.document();
    for (int f = 0; f < request.facets_size(); ++f) {
      const std::string& field = request.facets(f);
      auto bump = [&](const std::string& value, const std::string& label) {
        auto& slot = counts[f][value];
        ++slot.first;
        slot.second = label;
      };
      if (field == "source" && !doc.source().empty()) bump(doc.source(), doc.source());
      if (field == "language") bump(doc.language(), doc.language());
      if (field == "published_year" && doc.has_published_time()) {
        const std::string year =
            absl::FormatTime("%Y", FromTimestamp(doc.published_time()), absl::UTCTimeZone());
        bump(year, year);
      }
      if (field == "entity") {
        for (const auto& e : stored.entities()) bump(e.entity(), e.canonical_name());
      }
      if (field == "entity_type") {
        absl::flat_hash_set<int> types;
        for (const auto& e : stored.entities()) types.insert(e.type());
        for (int t : types) {
          const std::string name =
              newsgraph::v1::EntityType_Name(static_cast<newsgraph::v1::EntityType>(t));
          bump(name, name);
        }
      }
    }
  }
  for (int f = 0; f < request.facets_size(); ++f) {
    std::vector<std::pair<std::string, std::pair<int64_t, std::string>>> values(counts[f].begin(),
                                                                                counts[f].end());
    std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
      return a.second.first != b.second.first ? a.second.first > b.second.first : a.first < b.first;
    });
    newsgraph::v1::Facet* facet = response->add_facets();
    facet->set_field(request.facets(f));
    for (size_t k = 0; k < values.size() && k < 10; ++k) {
      newsgraph::v1::FacetValue* value = facet->add_values();
      value->set_value(values[k].first);
      value->set_count(values[k].second.first);
      value->set_label(values[k].second.second);
    }
  }
  return absl::OkStatus();
}

// Folded names of the query's said_by: terms.
std::vector<std::string> SpeakersOf(const QueryNode& node) {
  std::vector<std::string> names;
  if (node.kind == Kind::kKeyword && node.field == "said_by") {
    names.push_back(text::FoldForMatching(node.text));
  }
  if (node.kind == Kind::kNot) return names;
  for (const QueryNode& child : node.children) {
    for (std::string& name : SpeakersOf(child)) names.push_back(std::move(name));
  }
  return names;
}

// Whether `answered_by` names one of `speakers` (the whole name or its end:
// "SCO Secretary-General Zhang Ming" is said_by "Zhang Ming" and "Ming").
bool SpokenBy(const std::string& answered_by, const std::vector<std::string>& speakers) {
  const std::string folded = text::FoldForMatching(answered_by);
  for (const std::string& name : speakers) {
    if (folded == name || absl::EndsWith(folded, absl::StrCat(" ", name))) return true;
  }
  return false;
}

// Passage mode: the passages of the best documents, ranked by their own
// match (plus a share of their document's score).
absl::Status SearchPassages(const SearchIndexReader& reader, DocIterator* root,
                            const HighlightTerms& highlight,
                            const std::vector<std::string>& speakers,
                            const std::function<uint64_t(uint64_t)>& cluster_of, size_t offset,
                            int page_size, const std::string& fingerprint,
                            SearchResponse* response) {
  const size_t wanted = offset + static_cast<size_t>(page_size) + 1;
  const size_t documents = std::min(kMaxPassageDocuments, std::max<size_t>(30, 3 * wanted));
  const TopDocs top = CollectTopDocs(root, documents, /*early_termination=*/true, cluster_of);
  struct PassageHit {
    size_t document;  // index into `stored`
    ScoredPassage passage;
    double score;
  };
  std::vector<newsgraph::v1::IndexDocumentRequest> stored;
  std::vector<PassageHit> hits;
  const bool has_terms = !highlight.terms.empty() || !highlight.prefixes.empty();
  for (const ScoredDoc& doc : top.hits) {
    absl::StatusOr<newsgraph::v1::IndexDocumentRequest> request = reader.StoredDocument(doc.doc);
    if (absl::IsNotFound(request.status())) continue;  // removed while the query ran
    if (!request.ok()) return request.status();
    stored.push_back(*std::move(request));
    const newsgraph::v1::Document& document = stored.back().document();
    for (ScoredPassage& passage : ScorePassages(document, highlight)) {
      if (has_terms && passage.distinct == 0) continue;
      if (!speakers.empty() &&
          (passage.qa_index < 0 ||
           !SpokenBy(document.passages(passage.qa_index).answered_by(), speakers))) {
        continue;
      }
      const double score = passage.score + kDocumentScoreShare * doc.score;
      hits.push_back({stored.size() - 1, std::move(passage), score});
    }
  }
  std::stable_sort(hits.begin(), hits.end(),
                   [](const PassageHit& a, const PassageHit& b) { return a.score > b.score; });
  response->set_total_hits(static_cast<int64_t>(hits.size()));
  response->set_total_hits_estimated(top.estimated || top.hits.size() >= documents);
  const size_t end = std::min(hits.size(), offset + static_cast<size_t>(page_size));
  for (size_t i = offset; i < end; ++i) {
    const newsgraph::v1::Document& doc = stored[hits[i].document].document();
    const ScoredPassage& passage = hits[i].passage;
    newsgraph::v1::SearchHit* hit = response->add_hits();
    hit->set_document(doc.name());
    hit->set_score(hits[i].score);
    hit->set_title(doc.title());
    hit->set_source(doc.source());
    hit->set_version(doc.version());
    hit->set_cluster_size(1);
    if (doc.has_published_time()) *hit->mutable_published_time() = doc.published_time();
    *hit->add_snippets() = MakeSnippet(doc, passage);
    newsgraph::v1::PassageRef* ref = hit->mutable_passage();
    *ref->mutable_span() = hit->snippets(0).span();
    ref->mutable_span()->set_byte_begin(static_cast<uint32_t>(passage.begin));
    ref->mutable_span()->set_byte_end(static_cast<uint32_t>(passage.end));
    const text::CodePointOffsets offsets(doc.text());
    ref->mutable_span()->set_begin(offsets.FromByte(passage.begin));
    ref->mutable_span()->set_end(offsets.FromByte(passage.end));
    ref->set_qa_index(passage.qa_index);
    if (passage.qa_index >= 0) {
      ref->set_asked_by(doc.passages(passage.qa_index).asked_by());
      ref->set_answered_by(doc.passages(passage.qa_index).answered_by());
    }
  }
  if (end < hits.size() && end < kMaxResultWindow) {
    response->set_next_page_token(EncodePageToken("search", fingerprint, absl::StrCat(end)));
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

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

}  // namespace

bool Searcher::MayCallEntityService(const SearchRequest& request) const {
  if (resolver_ == nullptr) return false;
  const bool has_query = !absl::StripAsciiWhitespace(request.query()).empty();
  if (has_query && !request.disable_entity_resolution()) return true;
  for (const std::string& entity : request.filter().entities()) {
    if (!absl::StartsWith(entity, "entities/")) return true;
  }
  if (!has_query) return false;
  absl::StatusOr<QueryNode> parsed = ParseQuery(request.query());
  // A query that does not parse fails before anything is resolved.
  return parsed.ok() && NamesEntityByText(*parsed);
}

absl::StatusOr<SearchResponse> Searcher::Search(const SearchRequest& request) const {
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size must not be negative (got ", request.page_size(), ")"));
  }
  const int page_size =
      request.page_size() == 0 ? kDefaultPageSize : std::min(request.page_size(), kMaxPageSize);
  const int max_passages = request.max_passages() <= 0 ? 1 : std::min(request.max_passages(), 5);
  const bool has_filter = request.has_filter() && request.filter().ByteSizeLong() > 0;
  if (absl::StripAsciiWhitespace(request.query()).empty() && !has_filter) {
    return absl::InvalidArgumentError("query is required unless filter is set");
  }

  // The page token is bound to the query, filter and facets.
  std::string fingerprint = request.query();
  absl::StrAppend(&fingerprint, "|", request.filter().SerializeAsString(), "|",
                  absl::StrJoin(request.facets(), ","), "|", request.disable_entity_resolution(),
                  request.disable_collapse(), request.disable_typo_tolerance(), "|",
                  request.min_salience(), "|", request.unit());
  size_t offset = 0;
  if (!request.page_token().empty()) {
    NG_ASSIGN_OR_RETURN(std::string position,
                        DecodePageToken(request.page_token(), "search", fingerprint));
    if (!absl::SimpleAtoi(position, &offset))
      return absl::InvalidArgumentError("page_token is malformed");
  }

  SearchResponse response;
  QueryNode root_node{.kind = Kind::kAnd};
  if (!absl::StripAsciiWhitespace(request.query()).empty()) {
    NG_ASSIGN_OR_RETURN(QueryNode parsed, ParseQuery(request.query()));
    if (!request.disable_entity_resolution() && resolver_ != nullptr) {
      absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> resolved =
          resolver_->Resolve(request.query());
      if (resolved.ok()) {
        RewriteWithEntities(*resolved, &parsed);
        *response.mutable_recognized_entities() = resolved->spans();
      } else {
        response.add_warnings(absl::StrCat("entity service unavailable, searched text only: ",
                                           resolved.status().ToString()));
      }
    }
    root_node.children.push_back(std::move(parsed));
  }
  if (has_filter) AddFilters(request.filter(), &root_node);

  if (offset > kMaxResultWindow) {
    return absl::InvalidArgumentError(
        absl::StrCat("results beyond the first ", kMaxResultWindow, " cannot be paged to"));
  }
  SearchIndexReader reader(index_);
  QueryBuilder builder(&reader, resolver_, options_, request, &response);
  const bool collapse = !request.disable_collapse();
  const std::function<uint64_t(uint64_t)> cluster_of =
      collapse ? std::function<uint64_t(uint64_t)>(
                     [&reader](uint64_t doc) { return reader.Ranking(doc).cluster; })
               : nullptr;
  // One more hit than the page shows tells whether there is a next page.
  const size_t wanted = offset + static_cast<size_t>(page_size) + 1;
  if (request.unit() == newsgraph::v1::SEARCH_UNIT_PASSAGE) {
    NG_ASSIGN_OR_RETURN(DocIteratorPtr root, builder.Build(root_node));
    NG_RETURN_IF_ERROR(SearchPassages(reader, root.get(), builder.highlight(), SpeakersOf(root_node),
                                      cluster_of, offset, page_size, fingerprint, &response));
    return response;
  }
  std::vector<ScoredDoc> ranked;
  if (!request.facets().empty()) {
    // Facets count every match: no early termination.
    NG_ASSIGN_OR_RETURN(DocIteratorPtr root, builder.Build(root_node));
    std::vector<ScoredDoc> all = CollectAll(root.get());
    RescoreByProximity(builder.proximity(), kProximityWindow, &all);
    response.set_total_hits(static_cast<int64_t>(all.size()));
    NG_RETURN_IF_ERROR(CountFacets(&reader, all, options_, request, &response));
    absl::flat_hash_set<uint64_t> seen_clusters;
    for (const ScoredDoc& hit : all) {
      if (ranked.size() >= wanted) break;
      if (!collapse || seen_clusters.insert(reader.Ranking(hit.doc).cluster).second) {
        ranked.push_back(hit);
      }
    }
  } else {
    NG_ASSIGN_OR_RETURN(DocIteratorPtr root, builder.Build(root_node));
    const size_t collect =
        builder.proximity().empty() ? wanted : std::max(wanted, kProximityWindow);
    TopDocs top = CollectTopDocs(root.get(), collect, /*early_termination=*/true, cluster_of);
    response.set_total_hits(static_cast<int64_t>(top.total));
    response.set_total_hits_estimated(top.estimated);
    ranked = std::move(top.hits);
    // Adjacent query words reorder the first candidates (positions are read
    // for these documents only).
    RescoreByProximity(builder.proximity(), kProximityWindow, &ranked);
  }

  const size_t end = std::min(ranked.size(), offset + static_cast<size_t>(page_size));
  const bool basic = request.view() == newsgraph::v1::SEARCH_VIEW_BASIC;
  for (size_t i = offset; i < end; ++i) {
    // A document removed or replaced while the query ran is live in this
    // reader's view but its stored fields are gone: it is left out.
    // The basic view reads the (cached) hit fields only.
    std::shared_ptr<const newsgraph::v1::Document> fields;
    newsgraph::v1::IndexDocumentRequest stored;
    absl::Status read;
    if (basic) {
      absl::StatusOr<std::shared_ptr<const newsgraph::v1::Document>> cached =
          reader.HitFields(ranked[i].doc);
      read = cached.status();
      if (cached.ok()) fields = *std::move(cached);
    } else {
      absl::StatusOr<newsgraph::v1::IndexDocumentRequest> full = reader.StoredDocument(ranked[i].doc);
      read = full.status();
      if (full.ok()) stored = *std::move(full);
    }
    if (absl::IsNotFound(read)) continue;
    NG_RETURN_IF_ERROR(read);
    const newsgraph::v1::Document& doc = basic ? *fields : stored.document();
    newsgraph::v1::SearchHit* hit = response.add_hits();
    hit->set_document(doc.name());
    hit->set_score(ranked[i].score);
    hit->set_title(doc.title());
    hit->set_source(doc.source());
    hit->set_version(doc.version());
    hit->set_cluster_size(
        collapse ? static_cast<int32_t>(reader.ClusterSize(reader.Ranking(ranked[i].doc).cluster))
                 : 1);
    if (doc.has_published_time()) *hit->mutable_published_time() = doc.published_time();
    if (basic) continue;
    for (newsgraph::v1::Snippet& s : MakeSnippets(doc, builder.highlight(), max_passages)) {
      *hit->add_snippets() = std::move(s);
    }
    for (const auto& span : response.recognized_entities()) {
      for (const auto& candidate : span.candidates()) {
        for (const auto& e : stored.entities()) {
          if (e.entity() == candidate.entity().name()) *hit->add_matched_entities() = e;
        }
      }
    }
  }
  if (end < ranked.size() && end < kMaxResultWindow) {
    response.set_next_page_token(EncodePageToken("search", fingerprint, absl::StrCat(end)));
  }
  return response;
}

}  // namespace newsgraph::search
