#include "services/search/document_terms.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/page_token.h"
#include "base/time_util.h"
#include "services/search/analyzer.h"
#include "services/text/normalizer.h"

namespace newsgraph::search {

using newsgraph::v1::IndexDocumentRequest;

std::string SourceTerm(absl::string_view source) {
  return absl::StrCat("\x01s", text::FoldForMatching(source));
}
std::string LanguageTerm(absl::string_view language) {
  return absl::StrCat("\x01l", text::FoldForMatching(language));
}
std::string EntityTerm(absl::string_view entity_name) { return absl::StrCat("\x01e", entity_name); }
std::string EntityTypeTerm(absl::string_view type_name) { return absl::StrCat("\x01t", type_name); }
std::string SpeakerTerm(absl::string_view folded_name) {
  return absl::StrCat("\x01a", folded_name);
}
std::string AskerTerm(absl::string_view folded_name) { return absl::StrCat("\x01q", folded_name); }

namespace {

// Builds a document's DocumentTerms: word terms with their positions, then
// keyword terms (no positions).
class DocumentTermsBuilder {
 public:
  using Term = DocumentTerms::Term;

  // Title and body words: counts the terms, then lays their positions out
  // term after term (title positions first, so each term's are ascending).
  void AddWords(const std::vector<AnalyzedToken>& title, const std::vector<AnalyzedToken>& body) {
    // Distinct terms run at about half the tokens in news text.
    const size_t expected_terms = (title.size() + body.size()) / 2 + 8;
    ids_.reserve(expected_terms);
    out_.terms.reserve(expected_terms);
    std::vector<uint32_t> ids;
    ids.reserve(title.size() + body.size());
    for (const AnalyzedToken& t : title) {
      ids.push_back(Id(t.term));
      ++out_.terms[ids.back()].title_tf;
    }
    for (const AnalyzedToken& t : body) {
      ids.push_back(Id(t.term));
      ++out_.terms[ids.back()].body_tf;
    }
    uint32_t offset = 0;
    for (Term& term : out_.terms) {
      term.positions_begin = term.positions_end = offset;
      offset += term.title_tf + term.body_tf;
    }
    out_.positions.resize(offset);
    size_t k = 0;
    for (const AnalyzedToken& t : title) {
      out_.positions[out_.terms[ids[k++]].positions_end++] = t.position;
    }
    for (const AnalyzedToken& t : body) {
      out_.positions[out_.terms[ids[k++]].positions_end++] = kBodyOffset + t.position;
    }
  }

  // A keyword term (no positions); added once, later calls return it again.
  Term& Keyword(std::string term) {
    Term& added = out_.terms[Id(std::move(term))];
    added.positions_begin = added.positions_end = static_cast<uint32_t>(out_.positions.size());
    return added;
  }

  // A keyword term for `folded_name` and each of its word suffixes.
  void AddNameTerms(absl::string_view prefix, absl::string_view folded_name) {
    size_t from = 0;
    while (from < folded_name.size()) {
      Keyword(absl::StrCat(prefix, folded_name.substr(from))).body_tf = 1;
      const size_t space = folded_name.find(' ', from);
      if (space == absl::string_view::npos) break;
      from = space + 1;
    }
  }

  DocumentTerms Take() { return std::move(out_); }

 private:
  uint32_t Id(std::string term) {
    auto [it, added] = ids_.try_emplace(term, static_cast<uint32_t>(out_.terms.size()));
    if (added) out_.terms.push_back(Term{.term = std::move(term)});
    return it->second;
  }

  DocumentTerms out_;
  absl::flat_hash_map<std::string, uint32_t> ids_;
};

}  // namespace

DocumentTerms CollectPostings(const IndexDocumentRequest& request, DocNorms* norms) {
  const newsgraph::v1::Document& doc = request.document();
  const std::vector<AnalyzedToken> title = Analyze(doc.title(), doc.language());
  const std::vector<AnalyzedToken> body = Analyze(doc.text(), doc.language());
  DocumentTermsBuilder terms;
  terms.AddWords(title, body);
  if (!doc.source().empty()) terms.Keyword(SourceTerm(doc.source())).body_tf = 1;
  terms.Keyword(LanguageTerm(doc.language().empty() ? "en" : doc.language())).body_tf = 1;
  for (const newsgraph::v1::DocumentEntity& e : request.entities()) {
    DocumentTermsBuilder::Term& entity = terms.Keyword(EntityTerm(e.entity()));
    entity.body_tf = std::max<uint32_t>(1, e.mention_count());
    entity.salience = std::clamp(e.salience(), 0.0f, 1.0f);
    terms.Keyword(EntityTypeTerm(newsgraph::v1::EntityType_Name(e.type()))).body_tf +=
        std::max<uint32_t>(1, e.mention_count());
  }
  for (const newsgraph::v1::Passage& passage : doc.passages()) {
    if (!passage.answered_by().empty()) {
      terms.AddNameTerms("\x01a", text::FoldName(passage.answered_by()));
    }
    if (!passage.asked_by().empty()) {
      terms.AddNameTerms("\x01q", text::FoldName(passage.asked_by()));
    }
  }
  const std::string& story = !doc.duplicate_of().empty()        ? doc.duplicate_of()
                             : !doc.near_duplicate_of().empty() ? doc.near_duplicate_of()
                                                                : doc.name();
  norms->cluster = Fingerprint64(story);
  norms->title_length = static_cast<uint32_t>(title.size());
  norms->body_length = static_cast<uint32_t>(body.size());
  norms->published =
      doc.has_published_time() ? FromTimestamp(doc.published_time()) : absl::InfinitePast();
  return terms.Take();
}

}  // namespace newsgraph::search
