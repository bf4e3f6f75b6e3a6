#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "clients/cli/cli.h"
#include "clients/cli/entity_names.h"

namespace newsgraph::cli {

int Cli::SearchCmd() {
  std::vector<std::string> words(args_.positional.begin() + 1, args_.positional.end());
  newsgraph::v1::SearchRequest request;
  request.set_query(absl::StrJoin(words, " "));
  request.set_page_size(PageSize());
  request.set_page_token(args_.Get("page-token"));
  int passages = 0;
  if (args_.Has("passages")) (void)absl::SimpleAtoi(args_.Get("passages"), &passages);
  request.set_max_passages(passages);
  request.set_disable_entity_resolution(args_.Has("no-entities"));
  if (args_.Has("by-passage")) request.set_unit(newsgraph::v1::SEARCH_UNIT_PASSAGE);
  request.set_explain(args_.Has("explain"));
  for (const std::string& f : args_.GetAll("facet")) request.add_facets(f);
  for (const std::string& s : args_.GetAll("source")) request.mutable_filter()->add_sources(s);
  for (const std::string& e : args_.GetAll("entity")) {
    // A resource name or an id as such; any other text is resolved by the
    // search service.
    const std::string name = EntityResourceName(e);
    request.mutable_filter()->add_entities(name.empty() ? e : name);
  }
  for (const std::string& l : args_.GetAll("language")) request.mutable_filter()->add_languages(l);
  for (const std::string& t : args_.GetAll("type")) {
    newsgraph::v1::EntityType type;
    if (!newsgraph::v1::EntityType_Parse(t, &type)) {
      return Usage(absl::StrCat("unknown entity type '", t, "'"));
    }
    request.mutable_filter()->add_entity_types(type);
  }
  if (args_.Has("after")) {
    const std::string error =
        DateFlag("after", request.mutable_filter()->mutable_published_after());
    if (!error.empty()) return Usage(error);
  }
  if (args_.Has("before")) {
    const std::string error =
        DateFlag("before", request.mutable_filter()->mutable_published_before());
    if (!error.empty()) return Usage(error);
  }
  if (request.query().empty() && request.filter().ByteSizeLong() == 0) {
    return Usage("search needs a query or a filter");
  }
  absl::StatusOr<newsgraph::v1::SearchResponse> response = client_->Search(request);
  if (!response.ok()) return Fail(response.status(), "search");
  if (json_) {
    PrintJson(*response);
    return 0;
  }
  for (const std::string& w : response->warnings()) std::printf("warning: %s\n", w.c_str());
  for (const auto& span : response->recognized_entities()) {
    if (span.candidates().empty()) continue;
    const auto& e = span.candidates(0).entity();
    std::printf("%s\n",
                Dim(absl::StrCat("entity: \"", span.text(), "\" -> ", e.canonical_name(), " (",
                                 newsgraph::v1::EntityType_Name(e.type()), ", ", e.name(), ")"))
                    .c_str());
  }
  for (const std::string& c : response->corrections()) {
    std::printf("%s\n", Dim("searched instead: " + c).c_str());
  }
  const auto& interpretation = response->interpretation();
  if (!interpretation.ignored_words().empty()) {
    std::printf(
        "%s\n",
        Dim(absl::StrCat("ignored: ", absl::StrJoin(interpretation.ignored_words(), " "))).c_str());
  }
  if (interpretation.relaxed()) {
    std::printf("%s\n", Dim("some hits lack some words (+word requires one)").c_str());
  }
  std::printf("%lld hits\n", static_cast<long long>(response->total_hits()));
  int rank = 0;
  for (const auto& hit : response->hits()) {
    ++rank;
    std::printf("\n%2d. %s  %s\n", rank,
                Bold(hit.title().empty() ? "(untitled)" : hit.title()).c_str(),
                Dim(absl::StrFormat("%s  score %.2f  %s %s", hit.document(), hit.score(),
                                    hit.source(), FormatTime(hit.published_time())))
                    .c_str());
    if (hit.cluster_size() > 1) {
      std::printf(
          "    %s\n",
          Dim(absl::StrCat("+", hit.cluster_size() - 1, " more from the same story")).c_str());
    }
    if (hit.has_passage() && !hit.passage().answered_by().empty()) {
      std::printf("    %s\n", Dim(absl::StrCat("answered by ", hit.passage().answered_by(),
                                               hit.passage().asked_by().empty()
                                                   ? ""
                                                   : ", asked by " + hit.passage().asked_by()))
                                  .c_str());
    }
    for (const auto& snippet : hit.snippets()) {
      std::printf("    %s\n", Highlight(snippet).c_str());
    }
    for (const auto& part : hit.explanation().components()) {
      std::printf("    %s\n",
                  Dim(absl::StrFormat("%+9.3f  %s", part.value(), part.description())).c_str());
    }
  }
  for (const auto& facet : response->facets()) {
    std::printf("\n%s:", Bold(facet.field()).c_str());
    for (const auto& v : facet.values()) {
      std::printf("  %s (%lld)", (v.label().empty() ? v.value() : v.label()).c_str(),
                  static_cast<long long>(v.count()));
    }
    std::printf("\n");
  }
  if (!response->next_page_token().empty()) {
    std::printf("\n%s\n", Dim("more: --page-token=" + response->next_page_token()).c_str());
  }
  return 0;
}

}  // namespace newsgraph::cli
