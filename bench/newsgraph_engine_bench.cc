// newsgraph's search core in-process: SearchIndex over RocksDB and Searcher,
// no gRPC, no entity resolution. Same corpus and queries as the peers.
#include <filesystem>

#include "bench/common/bench_corpus.h"
#include "bench/common/bench_main.h"
#include "services/search/search_index.h"
#include "services/search/search_keyspace.h"
#include "services/search/searcher.h"
#include "storage/rocksdb_kv_store.h"

int main(int argc, char** argv) {
  using namespace newsgraph;
  const bench::BenchInputs in = bench::LoadBenchInputs(argc, argv);
  const bench::BenchArgs& args = in.args;
  const std::vector<bench::BenchDocument>& docs = in.docs;
  const std::vector<bench::BenchQuery>& queries = in.queries;
  storage::RocksDbOptions options;
  options.path = args.dir;
  options.column_families = search::SearchColumnFamilies();
  auto store = storage::OpenRocksDbStore(options);
  if (!store.ok()) return 1;
  auto index = search::SearchIndex::Open(store->get());
  if (!index.ok()) return 1;

  bench::EngineResult result;
  result.engine = "newsgraph";
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < docs.size(); ++i) {
    newsgraph::v1::IndexDocumentRequest request;
    auto* d = request.mutable_document();
    d->set_name("documents/" + std::to_string(i + 1));
    d->set_version(1);
    d->set_title(docs[i].title);
    d->set_text(docs[i].body);
    d->set_language("en");
    result.raw_bytes += docs[i].title.size() + docs[i].body.size();
    if (!(*index)->IndexDocument(request).ok()) return 1;
  }
  (void)(*store)->Flush();
  result.index_seconds = bench::SecondsSince(start);
  result.documents = docs.size();
  result.index_bytes = bench::DirectoryBytes(args.dir);

  search::Searcher searcher(index->get(), nullptr);
  for (int pass = 0; pass < args.repeat; ++pass) {
    for (const bench::BenchQuery& q : queries) {
      newsgraph::v1::SearchRequest request;
      request.set_query(q.words[0] + (q.conjunctive ? " " : " OR ") + q.words[1]);
      request.set_page_size(10);
      request.set_disable_entity_resolution(true);
      request.set_disable_typo_tolerance(true);
      request.set_max_passages(0);
      const auto t = std::chrono::steady_clock::now();
      auto response = searcher.Search(request);
      const double micros = bench::SecondsSince(t) * 1e6;
      if (!response.ok()) return 1;
      if (pass == 0) continue;  // Warm-up.
      result.RecordQuery(q, micros, response->hits_size());
    }
  }
  bench::PrintResult(result);
  return 0;
}
