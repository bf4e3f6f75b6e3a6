// Writes the benchmark query set for a corpus (fixed seed).
//   make_queries --corpus=FILE.jsonl.gz --queries=OUT [--limit=N]
#include "bench/common/bench_corpus.h"
#include "bench/common/bench_main.h"

int main(int argc, char** argv) {
  using namespace newsgraph;
  const bench::BenchArgs args = bench::ParseBenchArgs(argc, argv);
  const auto docs = bench::ReadCorpus(args.corpus, args.limit);
  const auto queries = bench::GenerateQueries(docs, 200, 20261124);
  bench::WriteQueries(queries, args.queries);
  std::printf("%zu documents, %zu queries -> %s\n", docs.size(), queries.size(),
              args.queries.c_str());
  return 0;
}
