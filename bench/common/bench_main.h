// The command line every engine benchmark shares:
//   PROGRAM --corpus=FILE.jsonl.gz --queries=FILE --dir=SCRATCH [--limit=N] [--repeat=K]
//           [--synthesize=N] [--phase=all|build|query] [--idle_wait=SECONDS]
// --phase=build indexes the corpus into --dir and prints the build figures;
// --phase=query opens the index a build phase left in --dir and prints the
// query figures (bench/run builds every engine, then alternates the engines'
// query phases); the default does both in one process.
#ifndef NEWSGRAPH_BENCH_COMMON_BENCH_MAIN_H_
#define NEWSGRAPH_BENCH_COMMON_BENCH_MAIN_H_

#include <cstdio>
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
  // Passes over the query set; the first is a warm-up, the others are timed.
  int repeat = 6;
  // When set, that many documents synthesized from the corpus
  // (SynthesizeCorpus, seed 20261124) replace it.
  size_t synthesize = 0;
  std::string phase = "all";
  // Before each timed part (build, queries): how long to wait at most for the
  // other processes to leave the CPU idle (0: check once, do not wait).
  double idle_wait = 20;
  // Ranking options for newsgraph's searcher (ParseRankingOptions); "" the
  // defaults.
  std::string ranking;

  bool builds() const { return phase != "query"; }
  bool queries_run() const { return phase != "build"; }
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
    if (const char* v = value("phase")) args.phase = v;
    if (const char* v = value("idle_wait")) args.idle_wait = std::strtod(v, nullptr);
    if (const char* v = value("ranking")) args.ranking = v;
  }
  if (args.phase != "all" && args.phase != "build" && args.phase != "query") {
    std::fprintf(stderr, "--phase must be all, build or query\n");
    std::exit(2);
  }
  return args;
}

// What every engine program starts from: its arguments, the corpus (when it
// builds; the scratch directory is emptied) and the query set (when it queries).
struct BenchInputs {
  BenchArgs args;
  std::vector<BenchDocument> docs;
  std::vector<BenchQuery> queries;
};

inline BenchInputs LoadBenchInputs(int argc, char** argv) {
  BenchInputs in;
  in.args = ParseBenchArgs(argc, argv);
  if (in.args.builds()) {
    in.docs = ReadCorpus(in.args.corpus, in.args.limit);
    if (in.args.synthesize > 0) in.docs = SynthesizeCorpus(in.docs, in.args.synthesize, 20261124);
    std::filesystem::remove_all(in.args.dir);
  } else if (!std::filesystem::is_directory(in.args.dir)) {
    std::fprintf(stderr, "--phase=query needs the index a --phase=build run left in %s\n",
                 in.args.dir.c_str());
    std::exit(2);
  }
  if (in.args.queries_run()) {
    in.queries = ReadQueries(in.args.queries);
    if (in.queries.empty()) {
      std::fprintf(stderr, "no queries in %s\n", in.args.queries.c_str());
      std::exit(2);
    }
  }
  return in;
}

// Call right before the timed build: waits (bounded) for an idle CPU.
inline void BeforeTimedBuild(const BenchArgs& args, EngineResult* result) {
  const CpuIdleCheck check = WaitForIdleCpu(result->engine + " build", args.idle_wait);
  result->built = true;
  result->cpu_busy_before_build = check.busy_cores;
  result->cpu_idle = result->cpu_idle && check.idle;
}

// The timed query passes: waits (bounded) for an idle CPU, then runs
// args.repeat passes over the query set, the first a warm-up. `run(i, q)`
// answers query i (top 10) and returns the number of hits, or a negative
// number after printing an error; only that call is timed. Returns false on
// an error.
template <typename RunQuery>
bool RunQueryPasses(const BenchArgs& args, const std::vector<BenchQuery>& queries,
                    EngineResult* result, RunQuery run) {
  const CpuIdleCheck check = WaitForIdleCpu(result->engine + " queries", args.idle_wait);
  result->queried = true;
  result->cpu_busy_before_queries = check.busy_cores;
  result->cpu_idle = result->cpu_idle && check.idle;
  for (int pass = 0; pass < args.repeat; ++pass) {
    for (size_t i = 0; i < queries.size(); ++i) {
      const auto t = std::chrono::steady_clock::now();
      const long long hits = run(i, queries[i]);
      const double micros = SecondsSince(t) * 1e6;
      if (hits < 0) return false;
      if (pass == 0) continue;  // Warm-up.
      result->RecordQuery(queries[i], static_cast<size_t>(pass - 1), micros,
                          static_cast<uint64_t>(hits));
    }
  }
  return true;
}

}  // namespace newsgraph::bench

#endif  // NEWSGRAPH_BENCH_COMMON_BENCH_MAIN_H_
