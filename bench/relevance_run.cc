// Runs the judged relevance queries against a running daemon and writes the
// ranked external ids, "KEY<TAB>RANK<TAB>ID" per line (top 10); KEY is the
// query's index in queries.tsv's format and its qid in the natural sets'
// (bench/common/relevance_queries.h).
//   relevance_run --target=HOST:PORT --queries=FILE.tsv --out=RUN.tsv [--plain]
// --plain disables entity resolution (BM25F over the words alone).
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "bench/common/relevance_queries.h"
#include "newsgraph/client.h"

int main(int argc, char** argv) {
  std::string target = "127.0.0.1:7700", queries_path, out_path;
  bool plain = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--target=", 0) == 0) target = a.substr(9);
    if (a.rfind("--queries=", 0) == 0) queries_path = a.substr(10);
    if (a.rfind("--out=", 0) == 0) out_path = a.substr(6);
    if (a == "--plain") plain = true;
  }
  std::vector<newsgraph::bench::RelevanceQuery> queries;
  std::ofstream out(out_path);
  if (!newsgraph::bench::ReadRelevanceQueries(queries_path, &queries) || !out) {
    std::fprintf(stderr, "relevance_run: cannot open --queries or --out\n");
    return 2;
  }
  newsgraph::ClientOptions options;
  options.target = target;
  auto client = newsgraph::Client::Create(options);
  if (!client.ok()) {
    std::fprintf(stderr, "relevance_run: %s\n", client.status().ToString().c_str());
    return 3;
  }
  absl::flat_hash_map<std::string, std::string> external_ids;  // document name -> id
  for (const newsgraph::bench::RelevanceQuery& q : queries) {
    newsgraph::v1::SearchRequest request;
    request.set_query(q.text);
    request.set_page_size(10);
    request.set_view(newsgraph::v1::SEARCH_VIEW_BASIC);
    request.set_disable_entity_resolution(plain);
    // Every document counts: a duplicate story may be the one judged.
    request.set_disable_collapse(true);
    auto response = (*client)->Search(request);
    if (!response.ok()) {
      std::fprintf(stderr, "relevance_run: '%s': %s\n", q.text.c_str(),
                   response.status().ToString().c_str());
      return 1;
    }
    int rank = 0;
    for (const auto& hit : response->hits()) {
      auto [it, inserted] = external_ids.try_emplace(hit.document());
      if (inserted) {
        auto doc = (*client)->GetDocument(hit.document());
        if (!doc.ok()) {
          std::fprintf(stderr, "relevance_run: %s\n", doc.status().ToString().c_str());
          return 1;
        }
        it->second = doc->external_id();
      }
      out << q.key << '\t' << ++rank << '\t' << it->second << '\n';
    }
  }
  return 0;
}
