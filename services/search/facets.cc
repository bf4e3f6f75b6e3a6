#include "services/search/facets.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "base/time_util.h"

namespace newsgraph::search {
namespace {

using newsgraph::v1::SearchRequest;
using newsgraph::v1::SearchResponse;

// value -> (count, label)
using FacetCounts = absl::flat_hash_map<std::string, std::pair<int64_t, std::string>>;

// Documents read between two calls of the stop check.
constexpr size_t kStopCheckInterval = 64;
// Values reported per facet.
constexpr size_t kValuesPerFacet = 10;

bool IsFacetField(const std::string& field) {
  return field == "source" || field == "language" || field == "entity" ||
         field == "entity_type" || field == "published_year";
}

// The requested fields, each once, in request order.
std::vector<std::string> DistinctFields(const SearchRequest& request) {
  std::vector<std::string> fields;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& field : request.facets()) {
    if (seen.insert(field).second) fields.push_back(field);
  }
  return fields;
}

void CountDocument(const newsgraph::v1::IndexDocumentRequest& stored, const std::string& field,
                   FacetCounts* counts) {
  const newsgraph::v1::Document& doc = stored.document();
  auto bump = [counts](const std::string& value, const std::string& label) {
    auto& slot = (*counts)[value];
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

void AddFacet(const std::string& field, const FacetCounts& counts, SearchResponse* response) {
  std::vector<std::pair<std::string, std::pair<int64_t, std::string>>> values(counts.begin(),
                                                                              counts.end());
  std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
    return a.second.first != b.second.first ? a.second.first > b.second.first : a.first < b.first;
  });
  newsgraph::v1::Facet* facet = response->add_facets();
  facet->set_field(field);
  for (size_t k = 0; k < values.size() && k < kValuesPerFacet; ++k) {
    newsgraph::v1::FacetValue* value = facet->add_values();
    value->set_value(values[k].first);
    value->set_count(values[k].second.first);
    value->set_label(values[k].second.second);
  }
}

}  // namespace

absl::Status ValidateFacets(const SearchRequest& request, int max_fields) {
  if (request.facets_size() > max_fields) {
    return absl::InvalidArgumentError(
        absl::StrCat("facets: at most ", max_fields, " entries (got ", request.facets_size(), ")"));
  }
  for (int i = 0; i < request.facets_size(); ++i) {
    if (!IsFacetField(request.facets(i))) {
      return absl::InvalidArgumentError(
          absl::StrCat("facets[", i, "]: unknown field '", request.facets(i),
                       "'; supported: source, language, entity, entity_type, published_year"));
    }
  }
  return absl::OkStatus();
}

absl::Status CountFacets(const SearchIndexReader* index, const std::vector<ScoredDoc>& hits,
                         const RankingOptions& options, const SearchRequest& request,
                         const StopCheck& stop, SearchResponse* response) {
  NG_RETURN_IF_ERROR(ValidateFacets(request, options.max_facet_fields));
  const std::vector<std::string> fields = DistinctFields(request);
  if (fields.empty()) return absl::OkStatus();
  std::vector<FacetCounts> counts(fields.size());
  const size_t limit = std::min(hits.size(), options.max_facet_documents);
  if (limit < hits.size()) {
    response->add_warnings(
        absl::StrCat("facets count the best ", limit, " of ", hits.size(), " matching documents"));
  }
  for (size_t h = 0; h < limit; ++h) {
    if (stop && h % kStopCheckInterval == 0) NG_RETURN_IF_ERROR(stop());
    absl::StatusOr<newsgraph::v1::IndexDocumentRequest> read = index->StoredDocument(hits[h].doc);
    if (absl::IsNotFound(read.status())) continue;  // removed while the query ran
    if (!read.ok()) return read.status();
    for (size_t f = 0; f < fields.size(); ++f) CountDocument(*read, fields[f], &counts[f]);
  }
  for (size_t f = 0; f < fields.size(); ++f) AddFacet(fields[f], counts[f], response);
  return absl::OkStatus();
}

}  // namespace newsgraph::search
