#include "services/search/query_builder.h"

#include <algorithm>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "services/search/analyzer.h"
#include "services/search/synonyms.h"
#include "services/text/normalizer.h"
#include "services/text/spelling_variants.h"
#include "services/text/utf8.h"

namespace newsgraph::search {
namespace {

using newsgraph::v1::SearchRequest;
using newsgraph::v1::SearchResponse;
using Kind = QueryNode::Kind;

}  // namespace

class QueryBuilder::Impl {
 public:
  Impl(const SearchIndexReader* reader, EntityResolver* resolver,
               const RankingOptions& options, const SearchRequest& request,
               SearchResponse* response, bool explain = false)
      : reader_(reader),
        resolver_(resolver),
        options_(options),
        response_(response),
        bm25f_(reader, options.bm25f),
        min_salience_(request.min_salience() > 0 ? request.min_salience() : 0.3f),
        typo_tolerance_(!request.disable_typo_tolerance()),
        explain_(explain) {}

  absl::StatusOr<DocIteratorPtr> Build(const QueryNode& node) {
    switch (node.kind) {
      case Kind::kTerm:
        return BuildTerm(node);
      case Kind::kPhrase:
        return BuildQuotedPhrase(node);
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
      case Kind::kMatch:
        return BuildMatch(node);
      case Kind::kEntityGroup: {
        QueryNode match{.kind = Kind::kMatch};
        match.children.push_back(node);
        return BuildMatch(match);
      }
    }
    return absl::InternalError("unknown query node");
  }

  // Slots of the outermost coordinated disjunction built (0 when none).
  int match_slots() const { return match_slots_; }

  // Analyzed words to highlight for this query.
  HighlightTerms& highlight() { return highlight_; }
  // Phrases of adjacent query words whose matches earn a bonus.
  std::vector<std::unique_ptr<PhraseScorer>>& proximity() { return proximity_; }
  const std::vector<std::string>& proximity_labels() const { return proximity_labels_; }
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
                                          &bm25f_, options_.proximity_boost,
                                          options_.proximity_slop));
    proximity_labels_.push_back(absl::StrCat("proximity '", absl::StrJoin(terms, " "), "'"));
    return all;
  }

  absl::StatusOr<DocIteratorPtr> BuildAnd(const QueryNode& node) {
    std::vector<DocIteratorPtr> required;
    std::vector<const QueryNode*> dates;
    std::vector<DocIteratorPtr> excluded;
    const QueryNode* match = nullptr;
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
      if (child.kind == Kind::kMatch) {
        match = &child;
        continue;
      }
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
    // The plain words match on their own when nothing else is required, and
    // only rank the documents of the required parts otherwise.
    DocIteratorPtr optional;
    if (match != nullptr) {
      NG_ASSIGN_OR_RETURN(DocIteratorPtr built, BuildMatch(*match));
      if (required.empty()) {
        required.push_back(std::move(built));
      } else {
        optional = std::move(built);
      }
    }
    for (const DocIteratorPtr& r : required) {
      if (r->doc() == kNoMoreDocs) return MakeEmpty();
    }
    DocIteratorPtr result =
        required.empty() ? MakeAllDocuments(reader_) : MakeAnd(std::move(required));
    if (optional != nullptr) result = MakeRequiredOptional(std::move(result), std::move(optional));
    for (const QueryNode* date : dates) result = MakeFilter(std::move(result), DateFilter(*date));
    return MakeAndNot(std::move(result), std::move(excluded));
  }

  // A plain query word for proximity: its analyzed term, its position in the
  // query, and the entity group it spells (-1: none).
  struct ProximityWord {
    std::string term;
    uint32_t position = 0;
    int group = -1;
  };

  // Plain words: a coordinated disjunction with one slot per word (a
  // hyphenated word is one slot); a recognized entity covers the slots of
  // the words that spell it. Adjacent words earn a proximity bonus where a
  // document has them as close as in the query.
  absl::StatusOr<DocIteratorPtr> BuildMatch(const QueryNode& node) {
    std::vector<DocIteratorPtr> clauses;
    Coordination coordination{.exponent = options_.coordination_exponent};
    int slot = 0;
    // Analyzed single-term words in query order.
    std::vector<ProximityWord> adjacent;
    int current_group = -1;
    // Every word as typed, with its slot.
    std::vector<std::pair<const QueryNode*, uint64_t>> typed;
    uint32_t position = 0;
    auto add_word = [&](const QueryNode& word) -> absl::StatusOr<uint64_t> {
      const uint64_t bit = uint64_t{1} << std::min(slot, 63);
      ++slot;
      typed.emplace_back(&word, bit);
      position += word.skipped_before;
      std::optional<std::string> term = PlainWordTerm(word);
      if (term.has_value()) adjacent.push_back({*term, position, current_group});
      ++position;
      NG_ASSIGN_OR_RETURN(DocIteratorPtr built,
                          word.kind == Kind::kTerm ? BuildTerm(word) : Build(word));
      // Words that spell a recognized name keep to themselves.
      if (term.has_value() && current_group < 0) {
        NG_ASSIGN_OR_RETURN(built, AddSynonyms(word, *term, std::move(built)));
      }
      clauses.push_back(std::move(built));
      coordination.covers.push_back(bit);
      return bit;
    };
    for (const QueryNode& child : node.children) {
      if (child.kind != Kind::kEntityGroup) {
        NG_RETURN_IF_ERROR(add_word(child).status());
        continue;
      }
      uint64_t span = 0;
      double idf_sum = 0;
      const int group = coordination.groups++;
      current_group = group;
      for (size_t k = 0; k + 1 < child.children.size(); ++k) {
        NG_ASSIGN_OR_RETURN(uint64_t bit, add_word(child.children[k]));
        span |= bit;
        idf_sum += last_idf_;
        coordination.group.resize(clauses.size(), -1);
        coordination.group.back() = group;
      }
      current_group = -1;
      NG_ASSIGN_OR_RETURN(DocIteratorPtr entity, BuildEntityClause(child.children.back(), idf_sum));
      clauses.push_back(std::move(entity));
      coordination.covers.push_back(span);
      coordination.group.resize(clauses.size(), -1);
      coordination.group.back() = group;
      coordination.entity.resize(clauses.size(), false);
      coordination.entity.back() = true;
    }
    NG_RETURN_IF_ERROR(AddAcronymClauses(typed, &clauses, &coordination.covers));
    if (coordination.groups > 0) {
      coordination.group.resize(clauses.size(), -1);
      coordination.entity.resize(clauses.size(), false);
      coordination.entity_tie = options_.entity_tie;
    }
    coordination.slots = std::clamp(slot, 1, 64);
    if (match_slots_ == 0) match_slots_ = coordination.slots;
    if (options_.proximity_boost > 0) {
      for (size_t k = 0; k + 1 < adjacent.size(); ++k) {
        // The entity clause already rewards the words of a name together.
        if (adjacent[k].group >= 0 && adjacent[k].group == adjacent[k + 1].group) continue;
        NG_RETURN_IF_ERROR(AddProximityPair(adjacent[k], adjacent[k + 1]));
      }
    }
    return MakeCoordinatedOr(std::move(clauses), std::move(coordination));
  }

  // A plain word's synonyms (synonyms.h) at RankingOptions::synonym_weight:
  // the better of the word and its synonyms counts, so a document using
  // both is not counted twice. The word's IDF stays the one its entity group
  // counts.
  absl::StatusOr<DocIteratorPtr> AddSynonyms(const QueryNode& word, const std::string& term,
                                             DocIteratorPtr built) {
    const std::vector<std::string>& synonyms = SynonymsOf(term);
    if (synonyms.empty() || options_.synonym_weight <= 0 || exclude_mode_) return built;
    // Synonyms never make a query too long: past the budget a word stays
    // alone.
    if (terms_used_ + synonyms.size() > options_.max_query_terms) return built;
    terms_used_ += synonyms.size();
    const double idf = last_idf_;
    std::vector<DocIteratorPtr> alternatives;
    alternatives.push_back(std::move(built));
    for (const std::string& synonym : synonyms) {
      NG_ASSIGN_OR_RETURN(DocIteratorPtr it, BuildWord(synonym, "", options_.synonym_weight));
      if (explain_) it->set_label(absl::StrCat("bm25f synonym '", synonym, "' of '", term, "'"));
      alternatives.push_back(std::move(it));
    }
    last_idf_ = idf;
    response_->mutable_interpretation()->add_expanded_words(
        absl::StrCat(word.text, ": ", absl::StrJoin(synonyms, ", ")));
    return MakeOr(std::move(alternatives), /*best_only=*/true);
  }

  // A name typed in full ("Organization of the Petroleum Exporting
  // Countries", "International Business Machines") also matches its initials
  // where the index holds them as a word (OPEC, IBM): each run of three or
  // more capitalized words (function words between them allowed, all-caps
  // words excluded) adds its acronym as a clause covering the run's slots.
  absl::Status AddAcronymClauses(const std::vector<std::pair<const QueryNode*, uint64_t>>& typed,
                                 std::vector<DocIteratorPtr>* clauses,
                                 std::vector<uint64_t>* covers) {
    auto capitalized = [](const QueryNode* word) {
      const std::string& t = word->text;
      if (word->kind != Kind::kTerm || t.empty() || !absl::ascii_isupper(t[0])) return false;
      return std::any_of(t.begin() + 1, t.end(), [](char c) { return absl::ascii_islower(c); });
    };
    size_t begin = 0;
    while (begin < typed.size()) {
      size_t end = begin;
      while (end < typed.size() && capitalized(typed[end].first)) ++end;
      if (end - begin >= 3 && end - begin <= 8) {
        std::string acronym;
        uint64_t span = 0;
        for (size_t k = begin; k < end; ++k) {
          acronym.push_back(absl::ascii_tolower(typed[k].first->text[0]));
          span |= typed[k].second;
        }
        NG_ASSIGN_OR_RETURN(TermPostings postings,
                            reader_->Postings(acronym, /*with_positions=*/false));
        if (postings.doc() != kNoMoreDocs) {
          highlight_.terms.insert(acronym);
          highlight_.weights[acronym] = bm25f_.Idf(postings.document_frequency());
          clauses->push_back(MakeTerm(std::move(postings), FieldScope::kAll, &bm25f_,
                                      options_.acronym_weight));
          if (explain_) clauses->back()->set_label(absl::StrCat("bm25f acronym '", acronym, "'"));
          covers->push_back(span);
        }
      }
      begin = std::max(end, begin + 1);
    }
    return absl::OkStatus();
  }

  // A proximity bonus for two query words where a document has them at about
  // the same distance as the query (function words left out count), give or
  // take RankingOptions::proximity_slop.
  absl::Status AddProximityPair(const ProximityWord& first, const ProximityWord& second) {
    std::vector<TermPostings> lists;
    for (const std::string* term : {&first.term, &second.term}) {
      NG_ASSIGN_OR_RETURN(TermPostings postings, reader_->Postings(*term, /*with_positions=*/true));
      if (postings.doc() == kNoMoreDocs) return absl::OkStatus();
      lists.push_back(std::move(postings));
    }
    std::vector<uint32_t> offsets = {0, second.position - first.position};
    proximity_.push_back(MakePhraseScorer(std::move(lists), std::move(offsets), FieldScope::kAll,
                                          &bm25f_, options_.proximity_boost,
                                          options_.proximity_slop));
    proximity_labels_.push_back(absl::StrCat("proximity '", first.term, " ", second.term, "'"));
    return absl::OkStatus();
  }

  // The entity of a kEntityGroup: matches documents that mention it under
  // any alias, scored like the words that spell it (RankingOptions). A kOr
  // of entities (one organisation under two) counts the better one.
  absl::StatusOr<DocIteratorPtr> BuildEntityClause(const QueryNode& entity, double idf_sum) {
    if (entity.kind == Kind::kOr) {
      std::vector<DocIteratorPtr> alternatives;
      for (const QueryNode& child : entity.children) {
        NG_ASSIGN_OR_RETURN(DocIteratorPtr built, BuildEntityClause(child, idf_sum));
        alternatives.push_back(std::move(built));
      }
      return MakeOr(std::move(alternatives), /*best_only=*/true);
    }
    NG_ASSIGN_OR_RETURN(TermPostings postings,
                        reader_->Postings(EntityTerm(entity.text), /*with_positions=*/false));
    if (postings.doc() == kNoMoreDocs) return MakeEmpty();
    DocIteratorPtr clause =
        MakeKeyword(std::move(postings), -1.0f, options_.entity_weight * idf_sum,
                    options_.entity_salience_floor);
    if (explain_) clause->set_label(absl::StrCat("entity ", entity.text));
    return clause;
  }

  // Counts `count` more analyzed terms against the query's budget.
  absl::Status CountTerms(size_t count, const QueryNode& node) {
    terms_used_ += count;
    if (terms_used_ <= options_.max_query_terms) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "query: more than ", options_.max_query_terms,
        " terms after tokenization (max_query_terms), reached at position ", node.begin));
  }

  absl::StatusOr<DocIteratorPtr> BuildTerm(const QueryNode& node) {
    std::vector<AnalyzedToken> tokens = Analyze(node.text, "en");
    NG_RETURN_IF_ERROR(CountTerms(tokens.size(), node));
    if (tokens.size() > 1) return BuildPhrase(std::move(tokens), node.field);
    if (tokens.empty()) return MakeAllDocuments(reader_);
    std::string term = tokens[0].term;
    // A word spelled the British or the American way finds the other
    // spelling too, before any typo correction could take it for a typo.
    if (std::optional<std::string> other = text::OtherSpelling(absl::AsciiStrToLower(node.text))) {
      const std::vector<AnalyzedToken> variant = Analyze(*other, "en");
      if (variant.size() == 1 && variant[0].term != term) {
        return BuildSpellings(term, variant[0].term, node.field);
      }
    }
    bool unknown = false;
    if (typo_tolerance_ && !exclude_mode_ && corrections_tried_ < options_.max_typo_corrections) {
      NG_ASSIGN_OR_RETURN(uint64_t df, reader_->DocumentFrequency(term));
      unknown = df == 0;
    }
    if (unknown) {
      ++corrections_tried_;
      NG_ASSIGN_OR_RETURN(std::optional<std::vector<AnalyzedToken>> parts, Decompound(term));
      if (parts.has_value()) {
        NG_ASSIGN_OR_RETURN(DocIteratorPtr phrase, BuildPhrase(*parts, node.field));
        if (phrase->doc() != kNoMoreDocs) {
          response_->add_corrections(
              absl::StrCat(node.text, " -> ", (*parts)[0].term, " ", (*parts)[1].term));
          return phrase;
        }
      }
      NG_ASSIGN_OR_RETURN(std::optional<std::string> corrected, Correct(term));
      if (corrected.has_value()) {
        response_->add_corrections(absl::StrCat(node.text, " -> ", *corrected));
        term = *corrected;
      }
    }
    return BuildWord(term, node.field, 1.0);
  }

  // Either spelling of one word: the better-scoring one counts, so a
  // document with both is not counted twice.
  absl::StatusOr<DocIteratorPtr> BuildSpellings(const std::string& term, const std::string& other,
                                                const std::string& field) {
    std::vector<DocIteratorPtr> spellings;
    NG_ASSIGN_OR_RETURN(DocIteratorPtr first, BuildWord(term, field, 1.0));
    const double idf = last_idf_;
    NG_ASSIGN_OR_RETURN(DocIteratorPtr second, BuildWord(other, field, 1.0));
    last_idf_ = std::max(idf, last_idf_);
    spellings.push_back(std::move(first));
    spellings.push_back(std::move(second));
    return MakeOr(std::move(spellings), /*best_only=*/true);
  }

  absl::StatusOr<DocIteratorPtr> BuildWord(const std::string& term, const std::string& field,
                                           double boost) {
    NG_ASSIGN_OR_RETURN(TermPostings postings, reader_->Postings(term, /*with_positions=*/false));
    last_idf_ = bm25f_.Idf(postings.document_frequency());
    if (!exclude_mode_) {
      // A synonym (boost below 1) weighs less in the choice of passages.
      highlight_.terms.insert(term);
      double& weight = highlight_.weights[term];
      weight = std::max(weight, last_idf_ * std::min(boost, 1.0));
    }
    if (postings.doc() == kNoMoreDocs) return MakeEmpty();
    DocIteratorPtr it = MakeTerm(std::move(postings), Scope(field), &bm25f_, boost);
    if (explain_) {
      it->set_label(absl::StrCat("bm25f ", field.empty() ? "" : absl::StrCat(field, ":"), "word '",
                                 term, "'"));
    }
    return it;
  }

  static FieldScope Scope(const std::string& field) {
    if (field == "title") return FieldScope::kTitle;
    if (field == "body") return FieldScope::kBody;
    return FieldScope::kAll;
  }

  // An unknown word written as one that the index holds as two ("walmart"
  // for "Wal-Mart"): the split whose rarer half is most frequent, as a
  // two-word phrase. std::nullopt when no split has both halves indexed.
  absl::StatusOr<std::optional<std::vector<AnalyzedToken>>> Decompound(const std::string& term) {
    constexpr size_t kMinPart = 2;
    if (term.size() < 2 * kMinPart + 1 || term.size() > 32) return std::nullopt;
    for (char c : term) {
      if (!absl::ascii_isalpha(c)) return std::nullopt;
    }
    std::optional<std::vector<AnalyzedToken>> best;
    uint64_t best_df = 0;
    for (size_t at = kMinPart; at + kMinPart <= term.size(); ++at) {
      const std::string left = term.substr(0, at);
      const std::string right = AnalyzeWord(term.substr(at), "en");
      if (right.empty()) continue;
      NG_ASSIGN_OR_RETURN(uint64_t left_df, reader_->DocumentFrequency(left));
      if (left_df == 0) continue;
      NG_ASSIGN_OR_RETURN(uint64_t right_df, reader_->DocumentFrequency(right));
      const uint64_t df = std::min(left_df, right_df);
      if (df > best_df) {
        best_df = df;
        best = std::vector<AnalyzedToken>{{.term = left, .position = 0},
                                          {.term = right, .position = 1}};
      }
    }
    return best;
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

  absl::StatusOr<DocIteratorPtr> BuildQuotedPhrase(const QueryNode& node) {
    std::vector<AnalyzedToken> tokens = Analyze(node.text, "en");
    NG_RETURN_IF_ERROR(CountTerms(tokens.size(), node));
    return BuildPhrase(std::move(tokens), node.field);
  }

  // `tokens`: the analyzed words of the phrase, counted already.
  absl::StatusOr<DocIteratorPtr> BuildPhrase(std::vector<AnalyzedToken> tokens,
                                             const std::string& field) {
    if (tokens.empty()) return MakeAllDocuments(reader_);
    if (tokens.size() == 1) return BuildWord(tokens[0].term, field, 1.0);
    std::vector<TermPostings> lists;
    std::vector<uint32_t> offsets;
    double idf_sum = 0;
    for (const AnalyzedToken& t : tokens) {
      NG_ASSIGN_OR_RETURN(TermPostings postings, reader_->Postings(t.term, /*with_positions=*/true));
      const double idf = bm25f_.Idf(postings.document_frequency());
      idf_sum += idf;
      if (!exclude_mode_) {
        highlight_.terms.insert(t.term);
        highlight_.weights[t.term] = idf;
      }
      if (postings.doc() == kNoMoreDocs) return MakeEmpty();
      lists.push_back(std::move(postings));
      offsets.push_back(static_cast<uint32_t>(t.position - tokens[0].position));
    }
    last_idf_ = idf_sum;
    DocIteratorPtr it = MakePhrase(std::move(lists), std::move(offsets), Scope(field), &bm25f_,
                                   options_.phrase_boost);
    if (explain_) {
      std::string words;
      for (const AnalyzedToken& t : tokens) absl::StrAppend(&words, words.empty() ? "" : " ", t.term);
      it->set_label(absl::StrCat("bm25f phrase '", words, "'"));
    }
    return it;
  }

  absl::StatusOr<DocIteratorPtr> BuildPrefix(const QueryNode& node) {
    const std::string prefix = FoldWord(node.text);
    if (prefix.size() < 2)
      return absl::InvalidArgumentError(absl::StrCat("query syntax error at position ", node.begin,
                                                     ": prefix '", node.text, "' is too short"));
    if (!exclude_mode_) highlight_.prefixes.push_back(prefix);
    NG_ASSIGN_OR_RETURN(std::vector<std::string> terms,
                        reader_->ExpandPrefix(prefix, options_.max_prefix_expansions + 1));
    if (terms.size() > options_.max_prefix_expansions) {
      return absl::InvalidArgumentError(
          absl::StrCat("prefix '", node.text, "*' at position ", node.begin, " matches more than ",
                       options_.max_prefix_expansions, " indexed terms; use a longer prefix"));
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
      terms.push_back(SpeakerTerm(text::FoldName(node.text)));
    } else if (node.field == "asked_by") {
      terms.push_back(AskerTerm(text::FoldName(node.text)));
    }
    // about: only documents where the entity is salient.
    const float min_salience = node.field == "about" ? min_salience_ : -1.0f;
    std::vector<DocIteratorPtr> matches;
    for (const std::string& term : terms) {
      NG_ASSIGN_OR_RETURN(TermPostings postings, reader_->Postings(term, /*with_positions=*/false));
      if (postings.doc() == kNoMoreDocs) continue;
      matches.push_back(MakeKeyword(std::move(postings), min_salience, options_.entity_boost));
      if (explain_) matches.back()->set_label(absl::StrCat(node.field, ":", node.text));
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
  std::vector<std::string> proximity_labels_;
  HighlightTerms highlight_;
  bool exclude_mode_ = false;
  const float min_salience_;
  const bool typo_tolerance_;
  const bool explain_;
  // IDF of the last word (summed over a phrase's words) built.
  double last_idf_ = 0;
  // Analyzed terms searched so far (RankingOptions::max_query_terms).
  size_t terms_used_ = 0;
  // Slots of the first coordinated disjunction built.
  int match_slots_ = 0;
  // Unknown words looked up for a correction so far (bounded per query).
  int corrections_tried_ = 0;
};


QueryBuilder::QueryBuilder(const SearchIndexReader* reader, EntityResolver* resolver,
                           const RankingOptions& options, const SearchRequest& request,
                           SearchResponse* response, bool explain)
    : impl_(std::make_unique<Impl>(reader, resolver, options, request, response, explain)) {}
QueryBuilder::~QueryBuilder() = default;
absl::StatusOr<DocIteratorPtr> QueryBuilder::Build(const QueryNode& node) {
  return impl_->Build(node);
}
HighlightTerms& QueryBuilder::highlight() { return impl_->highlight(); }
std::vector<std::unique_ptr<PhraseScorer>>& QueryBuilder::proximity() {
  return impl_->proximity();
}
const std::vector<std::string>& QueryBuilder::proximity_labels() const {
  return impl_->proximity_labels();
}
int QueryBuilder::match_slots() const { return impl_->match_slots(); }

}  // namespace newsgraph::search
