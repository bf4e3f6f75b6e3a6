// The terms one document contributes to the search index: analyzed title
// and body words with positions, and keyword terms for its source,
// language, entities, entity types and Q&A speakers.
#ifndef NEWSGRAPH_SERVICES_SEARCH_DOCUMENT_TERMS_H_
#define NEWSGRAPH_SERVICES_SEARCH_DOCUMENT_TERMS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "newsgraph/v1/search_service.pb.h"
#include "services/search/posting_codec.h"

namespace newsgraph::search {

// Keyword terms (a \x01 byte and a letter before the folded value, so they
// never collide with words).
std::string SourceTerm(absl::string_view source);
std::string LanguageTerm(absl::string_view language);
std::string EntityTerm(absl::string_view entity_name);
std::string EntityTypeTerm(absl::string_view type_name);
// Who answered / who asked in a document's Q&A passages; indexed for the
// full (folded) name and each of its word suffixes ("zhang ming", "ming").
std::string SpeakerTerm(absl::string_view folded_name);
std::string AskerTerm(absl::string_view folded_name);

// The postings one document contributes: one entry per distinct term and
// the positions of all of them in one array (no allocation per term).
struct DocumentTerms {
  struct Term {
    std::string term;
    uint32_t title_tf = 0;
    uint32_t body_tf = 0;
    float salience = 0;
    // The term's positions are positions[positions_begin, positions_end).
    uint32_t positions_begin = 0;
    uint32_t positions_end = 0;
  };
  std::vector<Term> terms;
  std::vector<uint32_t> positions;
};

// All the postings `request`'s document contributes; fills `norms` (field
// lengths, story cluster, publication time).
DocumentTerms CollectPostings(const newsgraph::v1::IndexDocumentRequest& request, DocNorms* norms);

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_DOCUMENT_TERMS_H_
