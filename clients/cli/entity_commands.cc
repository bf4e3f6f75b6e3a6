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

absl::StatusOr<std::string> Cli::EntityNamed(const std::string& typed, bool strict) {
  std::string name = EntityResourceName(typed);
  if (!name.empty()) return name;
  absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> resolved = client_->ResolveEntities(typed);
  if (!resolved.ok()) return resolved.status();
  std::string note;
  absl::StatusOr<std::string> chosen = ChooseEntity(typed, *resolved, &note, strict);
  if (chosen.ok() && !note.empty()) std::fprintf(stderr, "note: %s\n", note.c_str());
  return chosen;
}

int Cli::EntityGet() {
  if (Arg(2).empty()) return Usage("entity get needs an entity name or id");
  absl::StatusOr<std::string> name = EntityNamed(Arg(2));
  if (!name.ok()) return Fail(name.status(), "entity get");
  absl::StatusOr<newsgraph::v1::Entity> entity = client_->GetEntity(*name);
  if (!entity.ok()) return Fail(entity.status(), "entity get");
  if (json_) {
    PrintJson(*entity);
    return 0;
  }
  std::printf("%s  %s (%s)\n", Bold(entity->name()).c_str(), entity->canonical_name().c_str(),
              newsgraph::v1::EntityType_Name(entity->type()).c_str());
  std::printf("mentions: %lld in %lld documents; first seen %s, last seen %s\n",
              static_cast<long long>(entity->mention_count()),
              static_cast<long long>(entity->document_count()),
              FormatTime(entity->first_seen_time()).c_str(),
              FormatTime(entity->last_seen_time()).c_str());
  for (const auto& a : entity->aliases()) {
    std::printf("  alias %-40s %lld\n", a.text().c_str(),
                static_cast<long long>(a.mention_count()));
  }
  for (const auto& r : entity->roles()) {
    std::printf("  role  %-40s %lld\n",
                (r.organization_text().empty()
                     ? r.title()
                     : absl::StrCat(r.title(), " (", r.organization_text(),
                                    r.organization().empty() ? "" : ", ", r.organization(), ")"))
                    .c_str(),
                static_cast<long long>(r.mention_count()));
  }
  return 0;
}

int Cli::EntityList() {
  newsgraph::v1::ListEntitiesRequest request;
  request.set_page_size(PageSize());
  request.set_page_token(args_.Get("page-token"));
  request.set_name_prefix(args_.Get("prefix"));
  newsgraph::v1::EntityType type = newsgraph::v1::ENTITY_TYPE_UNSPECIFIED;
  if (const std::string error = TypeFlag(&type); !error.empty()) return Usage(error);
  request.set_type(type);
  absl::StatusOr<newsgraph::v1::ListEntitiesResponse> list = client_->ListEntities(request);
  if (!list.ok()) return Fail(list.status(), "entity list");
  if (json_) {
    PrintJson(*list);
    return 0;
  }
  std::printf("%s\n", Bold(absl::StrFormat("%-14s %-8s %8s %6s  %s", "NAME", "TYPE", "MENTIONS",
                                           "DOCS", "CANONICAL NAME"))
                          .c_str());
  for (const auto& e : list->entities()) PrintEntityRow(e);
  if (!list->next_page_token().empty()) {
    std::printf("%s\n", Dim("more: --page-token=" + list->next_page_token()).c_str());
  }
  return 0;
}

int Cli::EntityResolve() {
  std::vector<std::string> words(args_.positional.begin() + 2, args_.positional.end());
  if (words.empty()) return Usage("entity resolve needs a text");
  absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> resolved =
      client_->ResolveEntities(absl::StrJoin(words, " "));
  if (!resolved.ok()) return Fail(resolved.status(), "entity resolve");
  if (json_) {
    PrintJson(*resolved);
    return 0;
  }
  if (resolved->spans().empty()) std::printf("no known entities\n");
  for (const auto& span : resolved->spans()) {
    std::printf("\"%s\"\n", span.text().c_str());
    for (const auto& c : span.candidates()) {
      std::printf("  %.2f  ", c.score());
      PrintEntityRow(c.entity());
    }
  }
  return 0;
}

int Cli::EntityMentions() {
  newsgraph::v1::ListMentionsRequest request;
  if (args_.Has("document")) {
    request.set_document(Qualify(args_.Get("document"), "documents"));
  } else if (!Arg(2).empty()) {
    absl::StatusOr<std::string> name = EntityNamed(Arg(2));
    if (!name.ok()) return Fail(name.status(), "entity mentions");
    request.set_entity(*name);
  } else {
    return Usage("entity mentions needs an entity, or --document=NAME");
  }
  request.set_page_size(PageSize());
  request.set_page_token(args_.Get("page-token"));
  absl::StatusOr<newsgraph::v1::ListMentionsResponse> list = client_->ListMentions(request);
  if (!list.ok()) return Fail(list.status(), "entity mentions");
  if (json_) {
    PrintJson(*list);
    return 0;
  }
  for (const auto& m : list->mentions()) {
    std::printf("%-16s %6u-%-6u %-8s %-14s %s\n", m.document().c_str(), m.span().begin(),
                m.span().end(), newsgraph::v1::EntityType_Name(m.type()).c_str(),
                m.entity().c_str(), m.text().c_str());
  }
  if (!list->next_page_token().empty()) {
    std::printf("%s\n", Dim("more: --page-token=" + list->next_page_token()).c_str());
  }
  return 0;
}

int Cli::EntityRelated() {
  if (Arg(2).empty()) return Usage("entity related needs an entity name or id");
  newsgraph::v1::ListRelatedEntitiesRequest request;
  absl::StatusOr<std::string> name = EntityNamed(Arg(2));
  if (!name.ok()) return Fail(name.status(), "entity related");
  request.set_entity(*name);
  request.set_page_size(PageSize());
  request.set_page_token(args_.Get("page-token"));
  newsgraph::v1::EntityType type = newsgraph::v1::ENTITY_TYPE_UNSPECIFIED;
  for (const std::string& error :
       {TypeFlag(&type), args_.Has("after") ? DateFlag("after", request.mutable_start_time()) : "",
        args_.Has("before") ? DateFlag("before", request.mutable_end_time()) : ""}) {
    if (!error.empty()) return Usage(error);
  }
  request.set_type(type);
  if (args_.Has("evidence")) {
    int evidence = 0;
    if (!absl::SimpleAtoi(args_.Get("evidence"), &evidence)) {
      return Usage(absl::StrCat("--evidence wants a number, got '", args_.Get("evidence"), "'"));
    }
    request.set_max_evidence(evidence);
  }
  auto response = CallEntity<newsgraph::v1::ListRelatedEntitiesRequest,
                             newsgraph::v1::ListRelatedEntitiesResponse>(
      request, &newsgraph::v1::EntityService::Stub::ListRelatedEntities);
  if (!response.ok()) return Fail(response.status(), "entity related");
  if (json_) {
    PrintJson(*response);
    return 0;
  }
  for (const auto& r : response->related_entities()) {
    std::printf("%6.2f  npmi %.3f  %4lld sentences %4lld docs  ", r.weight(), r.strength(),
                static_cast<long long>(r.sentence_count()),
                static_cast<long long>(r.document_count()));
    PrintEntityRow(r.entity());
    for (const auto& e : r.evidence()) {
      std::printf("        %s %s  %s\n", Dim(e.document()).c_str(),
                  FormatTime(e.published_time()).c_str(), e.text().c_str());
    }
  }
  if (!response->next_page_token().empty()) {
    std::printf("%s\n", Dim("more: --page-token=" + response->next_page_token()).c_str());
  }
  return 0;
}

int Cli::EntityQuotes() {
  if (Arg(2).empty()) return Usage("entity quotes needs an entity name or id");
  newsgraph::v1::ListQuotesRequest request;
  absl::StatusOr<std::string> name = EntityNamed(Arg(2));
  if (!name.ok()) return Fail(name.status(), "entity quotes");
  request.set_entity(*name);
  request.set_page_size(PageSize());
  request.set_page_token(args_.Get("page-token"));
  if (args_.Has("about")) {
    absl::StatusOr<std::string> about = EntityNamed(args_.Get("about"));
    if (!about.ok()) return Fail(about.status(), "entity quotes --about");
    request.set_mentioned_entity(*about);
  }
  auto response = CallEntity<newsgraph::v1::ListQuotesRequest, newsgraph::v1::ListQuotesResponse>(
      request, &newsgraph::v1::EntityService::Stub::ListQuotes);
  if (!response.ok()) return Fail(response.status(), "entity quotes");
  if (json_) {
    PrintJson(*response);
    return 0;
  }
  for (const auto& q : response->quotes()) {
    std::printf("%s  \"%s\"\n", q.document().c_str(), q.text().c_str());
  }
  return 0;
}

int Cli::EntityMerge() {
  if (args_.positional.size() < 4) return Usage("entity merge needs a target and sources");
  newsgraph::v1::MergeEntitiesRequest request;
  for (size_t i = 2; i < args_.positional.size(); ++i) {
    absl::StatusOr<std::string> name = EntityNamed(args_.positional[i], /*strict=*/true);
    if (!name.ok()) return Fail(name.status(), "entity merge");
    if (i == 2) {
      request.set_target(*name);
    } else {
      request.add_sources(*name);
    }
  }
  auto response = CallEntity<newsgraph::v1::MergeEntitiesRequest, newsgraph::v1::Entity>(
      request, &newsgraph::v1::EntityService::Stub::MergeEntities);
  if (!response.ok()) return Fail(response.status(), "entity merge");
  if (json_) {
    PrintJson(*response);
    return 0;
  }
  PrintEntityRow(*response);
  return 0;
}

int Cli::EntityUpdate() {
  if (Arg(2).empty()) return Usage("entity update needs an entity name or id");
  newsgraph::v1::UpdateEntityRequest request;
  absl::StatusOr<std::string> name = EntityNamed(Arg(2), /*strict=*/true);
  if (!name.ok()) return Fail(name.status(), "entity update");
  request.mutable_entity()->set_name(*name);
  if (args_.Has("canonical-name")) {
    request.mutable_entity()->set_canonical_name(args_.Get("canonical-name"));
    request.mutable_update_mask()->add_paths("canonical_name");
  }
  if (args_.Has("description")) {
    request.mutable_entity()->set_description(args_.Get("description"));
    request.mutable_update_mask()->add_paths("description");
  }
  if (args_.Has("type")) {
    newsgraph::v1::EntityType type;
    if (!newsgraph::v1::EntityType_Parse(args_.Get("type"), &type)) {
      return Usage(absl::StrCat("unknown entity type '", args_.Get("type"), "'"));
    }
    request.mutable_entity()->set_type(type);
    request.mutable_update_mask()->add_paths("type");
  }
  if (request.update_mask().paths().empty()) {
    return Usage("entity update needs --canonical-name, --type or --description");
  }
  auto response = CallEntity<newsgraph::v1::UpdateEntityRequest, newsgraph::v1::Entity>(
      request, &newsgraph::v1::EntityService::Stub::UpdateEntity);
  if (!response.ok()) return Fail(response.status(), "entity update");
  if (json_) {
    PrintJson(*response);
    return 0;
  }
  PrintEntityRow(*response);
  return 0;
}

int Cli::EntityAnnotate() {
  if (Arg(2).empty()) return Usage("entity annotate needs a file, or - for standard input");
  if (!args_.Has("document")) return Usage("entity annotate needs --document=NAME");
  newsgraph::v1::AnnotateDocumentRequest request;
  request.set_document(Qualify(args_.Get("document"), "documents"));
  int64_t version = 0;
  if (!absl::SimpleAtoi(args_.Get("version"), &version) || version <= 0) {
    return Usage(
        absl::StrCat("--version wants a positive number, got '", args_.Get("version"), "'"));
  }
  request.set_version(version);
  request.set_title(args_.Get("title"));
  if (args_.Has("published")) {
    const std::string error = DateFlag("published", request.mutable_published_time());
    if (!error.empty()) return Usage(error);
  }
  std::string text;
  if (absl::Status read = ReadInput(Arg(2), &text); !read.ok()) {
    return Fail(read, "entity annotate");
  }
  request.set_text(text);
  auto response =
      CallEntity<newsgraph::v1::AnnotateDocumentRequest, newsgraph::v1::AnnotateDocumentResponse>(
          request, &newsgraph::v1::EntityService::Stub::AnnotateDocument);
  if (!response.ok()) return Fail(response.status(), "entity annotate");
  if (json_) {
    PrintJson(*response);
    return 0;
  }
  std::printf("%s v%lld: %d mentions, %d entities, %d quotes, %d roles%s\n",
              request.document().c_str(), static_cast<long long>(version),
              response->mentions_size(), response->entities_size(), response->quotes_size(),
              response->roles_size(), response->already_annotated() ? " (already annotated)" : "");
  for (const auto& e : response->entities()) {
    std::printf("  %.2f  %-14s %-8s %s\n", e.salience(), e.entity().c_str(),
                newsgraph::v1::EntityType_Name(e.type()).c_str(), e.canonical_name().c_str());
  }
  return 0;
}

int Cli::EntityForget() {
  if (Arg(2).empty()) return Usage("entity forget needs a document name");
  newsgraph::v1::DeleteDocumentAnnotationsRequest request;
  request.set_document(Qualify(Arg(2), "documents"));
  auto response = CallEntity<newsgraph::v1::DeleteDocumentAnnotationsRequest,
                             newsgraph::v1::DeleteDocumentAnnotationsResponse>(
      request, &newsgraph::v1::EntityService::Stub::DeleteDocumentAnnotations);
  if (!response.ok()) return Fail(response.status(), "entity forget");
  if (json_) {
    PrintJson(*response);
    return 0;
  }
  std::printf("%s: %lld mentions removed\n", request.document().c_str(),
              static_cast<long long>(response->removed_mention_count()));
  return 0;
}

}  // namespace newsgraph::cli
