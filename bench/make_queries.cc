// Writes the benchmark query set for a corpus (fixed seed).
//   make_queries --corpus=FILE.jsonl.gz --queries=OUT [--limit=N]
#include "bench/common/bench_corpus.h"
#include "bench/common/bench_main.h"

int main(int argc, char** argv) {
  using namespace newsgraph;
  const bench::BenchArgs args = bench::ParseBenchArgs(argc, argv);
  const auto docs = bench::ReadCorpus(args.corpus, args.limit);
  bench::WriteQueries(bench::GenerateQueries(docs, 200, 20261124), args.queries);
  std::printf("%zu documents, 400 queries -> %s\n", docs.size(), args.queries.c_str());
  return 0;
}
