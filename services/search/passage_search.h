// Passage-level search: Q&A blocks of interviews and press conferences and
// the paragraphs outside them, ranked by their own match, and attribution
// filters (said_by:, asked_by:) that hold for passages, not documents.
#ifndef NEWSGRAPH_SERVICES_SEARCH_PASSAGE_SEARCH_H_
#define NEWSGRAPH_SERVICES_SEARCH_PASSAGE_SEARCH_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "newsgraph/v1/search_service.pb.h"
#include "services/search/query_iterators.h"
#include "services/search/query_parser.h"
#include "services/search/search_index.h"
#include "services/search/snippets.h"

namespace newsgraph::search {

// The said_by: and asked_by: names of a query (outside NOT), folded with
// text::FoldName so that look-alike letters of other scripts compare equal.
struct Attribution {
  std::vector<std::string> speakers;
  std::vector<std::string> askers;
  bool empty() const { return speakers.empty() && askers.empty(); }
};
Attribution AttributionOf(const QueryNode& root);

// Whether the Q&A passage satisfies every attribution name: its answerer is
// one of `speakers` and its asker one of `askers` (when given). A name
// matches the whole folded value or its last words ("SCO Secretary-General
// Zhang Ming" is said_by "Zhang Ming").
bool PassageMatches(const newsgraph::v1::Passage& passage, const Attribution& attribution);

// A passage of one of the best documents.
struct PassageHit {
  size_t document = 0;  // index into PassageHits::documents
  ScoredPassage passage;
  double score = 0;     // the passage's match plus a share of its document's
};

struct PassageHits {
  std::vector<newsgraph::v1::IndexDocumentRequest> documents;
  std::vector<ScoredDoc> document_hits;  // parallel to `documents`
  std::vector<PassageHit> hits;          // best first
  // Per document: whether one of its Q&A passages satisfies the attribution.
  std::vector<bool> attributed;
  // Whether the query has words (then passages must match them too).
  bool has_terms = false;
  bool estimated = false;                // more documents matched than were read
};

// The passages of the best `documents` documents of `root` that match the
// query's words (any passage when it has none) and `attribution`, best
// first. Errors: storage errors, and whatever `stop` returns.
absl::StatusOr<PassageHits> CollectPassageHits(
    const SearchIndexReader& reader, DocIterator* root, const HighlightTerms& highlight,
    const Attribution& attribution, const std::function<uint64_t(uint64_t)>& cluster_of,
    size_t documents, const StopCheck& stop);

// Fills `response` with hits offset .. offset + page_size of `found`.
void WritePassagePage(const PassageHits& found, size_t offset, int page_size,
                      newsgraph::v1::SearchResponse* response);

// Documents ranked by their best matching passage (document mode with an
// attribution filter): one ScoredDoc per document that has one. Without
// query words, every attributed document in its document order.
std::vector<ScoredDoc> RankDocumentsByPassages(const PassageHits& found);

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_PASSAGE_SEARCH_H_
