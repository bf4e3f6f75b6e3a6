// Checks on what a running deployment stored, shared by the reliability and
// crash tests. Header-only: users link newsgraph::client.
#ifndef NEWSGRAPH_TESTS_TESTING_STORED_STATE_H_
#define NEWSGRAPH_TESTS_TESTING_STORED_STATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "newsgraph/client.h"

namespace newsgraph::testing {

struct ExternalIdCounts {
  size_t lost = 0;        // External ids with no stored document.
  size_t duplicated = 0;  // External ids with more than one.
};

// How many of `docs` are stored not at all, or more than once.
inline absl::StatusOr<ExternalIdCounts> CountByExternalId(
    Client& client, const std::vector<newsgraph::v1::DocumentInput>& docs) {
  ExternalIdCounts counts;
  for (const auto& doc : docs) {
    newsgraph::v1::ListDocumentsRequest request;
    request.set_filter("external_id=\"" + doc.external_id() + "\"");
    absl::StatusOr<newsgraph::v1::ListDocumentsResponse> listed = client.ListDocuments(request);
    if (!listed.ok()) return listed.status();
    counts.lost += listed->documents_size() == 0;
    counts.duplicated += listed->documents_size() > 1;
  }
  return counts;
}

// The mentions the entity service stored for document `name`, after checking
// that they are exactly as many as a fresh analysis of its text finds
// (redelivery must not double them). FAILED_PRECONDITION names the mismatch.
inline absl::StatusOr<newsgraph::v1::ListMentionsResponse> MentionsMatchingFreshAnalysis(
    Client& client, const std::string& name) {
  absl::StatusOr<newsgraph::v1::Document> stored = client.GetDocument(name);
  if (!stored.ok()) return stored.status();
  newsgraph::v1::ListMentionsRequest request;
  request.set_document(name);
  request.set_page_size(1000);
  absl::StatusOr<newsgraph::v1::ListMentionsResponse> recorded = client.ListMentions(request);
  if (!recorded.ok()) return recorded.status();
  absl::StatusOr<newsgraph::v1::AnalyzeTextResponse> fresh = client.AnalyzeText(stored->text());
  if (!fresh.ok()) return fresh.status();
  if (recorded->mentions_size() != fresh->mentions_size()) {
    return absl::FailedPreconditionError(absl::StrCat(name, " has ", recorded->mentions_size(),
                                                      " stored mentions; analysis finds ",
                                                      fresh->mentions_size()));
  }
  return recorded;
}

}  // namespace newsgraph::testing

#endif  // NEWSGRAPH_TESTS_TESTING_STORED_STATE_H_
