#include "services/search/passage_search.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "services/text/normalizer.h"
#include "services/text/utf8.h"

namespace newsgraph::search {
namespace {

using Kind = QueryNode::Kind;

// Share of its document's score a passage's score gets.
constexpr double kDocumentScoreShare = 0.2;

void CollectAttribution(const QueryNode& node, Attribution* out) {
  if (node.kind == Kind::kNot) return;
  if (node.kind == Kind::kKeyword && node.field == "said_by") {
    out->speakers.push_back(text::FoldName(node.text));
  }
  if (node.kind == Kind::kKeyword && node.field == "asked_by") {
    out->askers.push_back(text::FoldName(node.text));
  }
  for (const QueryNode& child : node.children) CollectAttribution(child, out);
}

// Whether `value` names one of `names` (whole, or its last words).
bool NamedBy(const std::string& value, const std::vector<std::string>& names) {
  const std::string folded = text::FoldName(value);
  for (const std::string& name : names) {
    if (folded == name || absl::EndsWith(folded, absl::StrCat(" ", name))) return true;
  }
  return false;
}

}  // namespace

Attribution AttributionOf(const QueryNode& root) {
  Attribution attribution;
  CollectAttribution(root, &attribution);
  return attribution;
}

bool PassageMatches(const newsgraph::v1::Passage& passage, const Attribution& attribution) {
  if (!attribution.speakers.empty() && !NamedBy(passage.answered_by(), attribution.speakers)) {
    return false;
  }
  return attribution.askers.empty() || NamedBy(passage.asked_by(), attribution.askers);
}

absl::StatusOr<PassageHits> CollectPassageHits(
    const SearchIndexReader& reader, DocIterator* root, const HighlightTerms& highlight,
    const Attribution& attribution, const std::function<uint64_t(uint64_t)>& cluster_of,
    size_t documents, const StopCheck& stop) {
  NG_ASSIGN_OR_RETURN(TopDocs top, CollectTopDocs(root, documents, /*early_termination=*/true,
                                                  cluster_of, stop));
  PassageHits found;
  found.estimated = top.estimated || top.hits.size() >= documents;
  const bool has_terms = !highlight.terms.empty() || !highlight.prefixes.empty();
  found.has_terms = has_terms;
  for (const ScoredDoc& doc : top.hits) {
    if (stop) NG_RETURN_IF_ERROR(stop());
    absl::StatusOr<newsgraph::v1::IndexDocumentRequest> request = reader.StoredDocument(doc.doc);
    if (absl::IsNotFound(request.status())) continue;  // removed while the query ran
    if (!request.ok()) return request.status();
    found.documents.push_back(*std::move(request));
    found.document_hits.push_back(doc);
    const newsgraph::v1::Document& document = found.documents.back().document();
    // Which Q&A passages the attribution names, each folded and compared once.
    std::vector<bool> named(static_cast<size_t>(document.passages_size()), attribution.empty());
    if (!attribution.empty()) {
      for (int p = 0; p < document.passages_size(); ++p) {
        named[static_cast<size_t>(p)] = PassageMatches(document.passages(p), attribution);
      }
    }
    found.attributed.push_back(std::find(named.begin(), named.end(), true) != named.end());
    for (ScoredPassage& passage : ScorePassages(document, highlight)) {
      if (has_terms && passage.distinct == 0) continue;
      if (!attribution.empty() &&
          (passage.qa_index < 0 || passage.qa_index >= document.passages_size() ||
           !named[static_cast<size_t>(passage.qa_index)])) {
        continue;
      }
      const double score = passage.score + kDocumentScoreShare * doc.score;
      found.hits.push_back({found.documents.size() - 1, std::move(passage), score});
    }
  }
  std::stable_sort(found.hits.begin(), found.hits.end(),
                   [](const PassageHit& a, const PassageHit& b) { return a.score > b.score; });
  return found;
}

void WritePassagePage(const PassageHits& found, size_t offset, int page_size,
                      newsgraph::v1::SearchResponse* response) {
  response->set_total_hits(static_cast<int64_t>(found.hits.size()));
  response->set_total_hits_estimated(found.estimated);
  const size_t end = std::min(found.hits.size(), offset + static_cast<size_t>(page_size));
  for (size_t i = offset; i < end; ++i) {
    const newsgraph::v1::Document& doc = found.documents[found.hits[i].document].document();
    const ScoredPassage& passage = found.hits[i].passage;
    newsgraph::v1::SearchHit* hit = response->add_hits();
    hit->set_document(doc.name());
    hit->set_external_id(doc.external_id());
    hit->set_url(doc.url());
    hit->set_score(found.hits[i].score);
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
}

std::vector<ScoredDoc> RankDocumentsByPassages(const PassageHits& found) {
  std::vector<ScoredDoc> ranked;
  if (!found.has_terms) {
    for (size_t d = 0; d < found.documents.size(); ++d) {
      if (found.attributed[d]) ranked.push_back(found.document_hits[d]);
    }
    return ranked;
  }
  absl::flat_hash_set<size_t> seen;
  for (const PassageHit& hit : found.hits) {  // best first: a document's best passage comes first
    if (!seen.insert(hit.document).second) continue;
    ScoredDoc doc = found.document_hits[hit.document];
    doc.score = hit.score;
    ranked.push_back(doc);
  }
  return ranked;
}

}  // namespace newsgraph::search
