// The command line every engine benchmark shares:
//   PROGRAM --corpus=FILE.jsonl.gz --queries=FILE --dir=SCRATCH [--limit=N] [--repeat=K]
#ifndef NEWSGRAPH_BENCH_COMMON_BENCH_MAIN_H_
#define NEWSGRAPH_BENCH_COMMON_BENCH_MAIN_H_

#include <cstdlib>
#include <string>

namespace newsgraph::bench {

struct BenchArgs {
  std::string corpus;
  std::string queries;
  std::string dir;
  size_t limit = 0;
  int repeat = 3;  // Passes over the query set; the first is a warm-up.
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
  }
  return args;
}

}  // namespace newsgraph::bench

#endif  // NEWSGRAPH_BENCH_COMMON_BENCH_MAIN_H_
