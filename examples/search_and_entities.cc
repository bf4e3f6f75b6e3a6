// A service that queries search and entity together: runs a query, then
// lists the entities of the best hit and what the archive knows about the
// most salient one.
//
//   search_and_entities HOST:PORT QUERY
#include <cstdio>

#include "newsgraph/client.h"

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) == "--help") {
    std::fprintf(stderr, "usage: search_and_entities HOST:PORT QUERY\n");
    return 2;
  }
  newsgraph::ClientOptions options;
  options.target = argv[1];
  auto client = newsgraph::Client::Create(options);
  if (!client.ok()) return 2;

  newsgraph::v1::SearchRequest request;
  request.set_query(argv[2]);
  request.set_page_size(3);
  absl::StatusOr<newsgraph::v1::SearchResponse> response = (*client)->Search(request);
  if (!response.ok()) {
    std::fprintf(stderr, "search: %s\n", std::string(response.status().message()).c_str());
    return 1;
  }
  for (const auto& span : response->recognized_entities()) {
    if (!span.candidates().empty()) {
      std::printf("query mentions %s (%s)\n", span.candidates(0).entity().canonical_name().c_str(),
                  span.candidates(0).entity().name().c_str());
    }
  }
  if (response->hits().empty()) {
    std::printf("no hits\n");
    return 1;
  }
  const auto& best = response->hits(0);
  std::printf("best hit: %s %s\n", best.document().c_str(), best.title().c_str());

  newsgraph::v1::ListMentionsRequest mentions;
  mentions.set_document(best.document());
  absl::StatusOr<newsgraph::v1::ListMentionsResponse> found = (*client)->ListMentions(mentions);
  if (!found.ok()) {
    std::fprintf(stderr, "mentions: %s\n", std::string(found.status().message()).c_str());
    return 1;
  }
  std::string first_entity;
  for (const auto& m : found->mentions()) {
    if (m.entity().empty()) continue;
    if (first_entity.empty()) first_entity = m.entity();
    std::printf("  mention %-30s %-8s %s\n", m.text().c_str(),
                newsgraph::v1::EntityType_Name(m.type()).c_str(), m.entity().c_str());
  }
  if (!first_entity.empty()) {
    absl::StatusOr<newsgraph::v1::Entity> entity = (*client)->GetEntity(first_entity);
    if (entity.ok()) {
      std::printf("%s: %lld mentions in %lld documents\n", entity->canonical_name().c_str(),
                  static_cast<long long>(entity->mention_count()),
                  static_cast<long long>(entity->document_count()));
    }
  }
  return 0;
}
