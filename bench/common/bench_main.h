// The command line every engine benchmark shares:
//   PROGRAM --corpus=FILE.jsonl.gz --queries=FILE --dir=SCRATCH [--limit=N] [--repeat=K]
//           [--synthesize=N]
#ifndef NEWSGRAPH_BENCH_COMMON_BENCH_MAIN_H_
#define NEWSGRAPH_BENCH_COMMON_BENCH_MAIN_H_

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/common/bench_corpus.h"

namespace newsgraph::bench {

struct BenchArgs {
  std::string corpus;
  std::string queries;
  std::string dir;
  size_t limit = 0;
  int repeat = 3;  // Passes over the query set; the first is a warm-up.
  // When set, that many documents synthesized from the corpus
  // (SynthesizeCorpus, seed 20261124) replace it.
  size_t synthesize = 0;
};

inline BenchArgs ParseBenchArgs(int argc, char** argv) {
  BenchArgs args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      const std::string prefix = std::string("--") + name + "=";
      return a.rfind(prefix, 0) == 0 ? argv[i] + prefix.size() : nullptr;
    };
    if (const char* v = value("corpus")) args.corpus = v;
    if (const char* v = value("queries")) args.queries = v;
    if (const char* v = value("dir")) args.dir = v;
    if (const char* v = value("limit")) args.limit = std::strtoul(v, nullptr, 10);
    if (const char* v = value("repeat")) args.repeat = std::atoi(v);
    if (const char* v = value("synthesize")) args.synthesize = std::strtoul(v, nullptr, 10);
  }
  return args;
}

// What every engine program starts from: its arguments, the corpus and the
// query set, with the scratch directory emptied.
struct BenchInputs {
  BenchArgs args;
  std::vector<BenchDocument> docs;
  std::vector<BenchQuery> queries;
};

inline BenchInputs LoadBenchInputs(int argc, char** argv) {
  BenchInputs in;
  in.args = ParseBenchArgs(argc, argv);
  in.docs = ReadCorpus(in.args.corpus, in.args.limit);
  if (in.args.synthesize > 0) in.docs = SynthesizeCorpus(in.docs, in.args.synthesize, 20261124);
  in.queries = ReadQueries(in.args.queries);
  std::filesystem::remove_all(in.args.dir);
  return in;
}

}  // namespace newsgraph::bench

#endif  // NEWSGRAPH_BENCH_COMMON_BENCH_MAIN_H_
