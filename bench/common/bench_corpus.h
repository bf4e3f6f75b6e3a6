// Shared by every benchmark program: the corpus (JSON Lines, gzip'd, as in
// ../shared/corpora), the query set, latency statistics and the one-line
// JSON result every program prints.
#ifndef NEWSGRAPH_BENCH_COMMON_BENCH_CORPUS_H_
#define NEWSGRAPH_BENCH_COMMON_BENCH_CORPUS_H_

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace newsgraph::bench {

struct BenchDocument {
  std::string id;
  std::string title;
  std::string body;
};

// Reads up to `limit` records (0 = all) with a non-empty title or body.
// Exits the benchmark (status 2, message on stderr) when the file cannot be read.
std::vector<BenchDocument> ReadCorpus(const std::string& jsonl_gz, size_t limit);

// A larger corpus made from `base` with a fixed seed: each document takes a
// random headline of `base` and as many random sentences of `base` as a
// random document of `base` has: lengths follow the base corpus and the
// vocabulary stays real. Short documents of formulaic sentences can come out
// alike (ingest's duplicate detector flags about a quarter of 100,000 made
// from Reuters). Ids are "synthetic:N".
std::vector<BenchDocument> SynthesizeCorpus(const std::vector<BenchDocument>& base, size_t count,
                                            uint64_t seed);

// Queries, one per line: "AND word word" or "OR word word". Blank lines and
// lines starting with '#' are skipped, except "# group NAME", which puts the
// queries after it into group NAME (before any: "generated"); bench/run marks
// the hand-written queries it appends to make_queries' output that way, and
// the engine programs report each group apart.
struct BenchQuery {
  bool conjunctive = true;
  std::vector<std::string> words;
  std::string group = "generated";
};
std::vector<BenchQuery> ReadQueries(const std::string& path);

// Generates `count` AND and `count` OR two-word queries from the corpus with
// a fixed seed: words of 4+ letters in 20..2000 documents, drawn from the
// same document so AND queries have answers.
std::vector<BenchQuery> GenerateQueries(const std::vector<BenchDocument>& docs, size_t count,
                                        uint64_t seed);
void WriteQueries(const std::vector<BenchQuery>& queries, const std::string& path);

struct Latencies {
  std::vector<double> micros;
  double Percentile(double p) const {
    if (micros.empty()) return 0;
    std::vector<double> sorted = micros;
    std::sort(sorted.begin(), sorted.end());
    const size_t k =
        std::min(sorted.size() - 1, static_cast<size_t>(p * (sorted.size() - 1) + 0.5));
    return sorted[k];
  }
};

inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

inline uint64_t DirectoryBytes(const std::string& path) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path, ec)) {
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  }
  return total;
}

// Latencies of one group of queries (see BenchQuery::group).
struct QueryGroupResult {
  std::string name;
  Latencies and_queries;
  Latencies or_queries;
  uint64_t hits = 0;
  size_t queries = 0;  // Timed query runs (queries x timed passes).
};

struct EngineResult {
  std::string engine;
  // Build phase (printed when `built`).
  bool built = false;
  size_t documents = 0;
  uint64_t raw_bytes = 0;
  double index_seconds = 0;
  uint64_t index_bytes = 0;
  double cpu_busy_before_build = -1;  // Other processes' CPU use, cores (-1: unknown).
  // Query phase (printed when `queried`).
  bool queried = false;
  Latencies and_queries;
  Latencies or_queries;
  std::vector<double> pass_seconds;  // Sum of the query times of each timed pass.
  std::vector<size_t> pass_queries;
  double query_seconds = 0;
  size_t queries = 0;
  uint64_t hits = 0;  // Sum of top-10 sizes, a sanity check across engines.
  std::vector<QueryGroupResult> groups;  // In order of first appearance.
  double cpu_busy_before_queries = -1;
  bool cpu_idle = true;  // Whether every check before a timed part found the CPU idle.
  // Engine-specific fields appended to the JSON object: ",\"key\":value...".
  std::string extra_json;

  // Records one timed query; `pass` counts the timed passes from 0.
  void RecordQuery(const BenchQuery& q, size_t pass, double micros, uint64_t top_hits) {
    queried = true;
    (q.conjunctive ? and_queries : or_queries).micros.push_back(micros);
    if (pass_seconds.size() <= pass) {
      pass_seconds.resize(pass + 1, 0.0);
      pass_queries.resize(pass + 1, 0);
    }
    pass_seconds[pass] += micros / 1e6;
    ++pass_queries[pass];
    query_seconds += micros / 1e6;
    hits += top_hits;
    ++queries;
    QueryGroupResult* group = nullptr;
    for (QueryGroupResult& g : groups) {
      if (g.name == q.group) group = &g;
    }
    if (group == nullptr) {
      group = &groups.emplace_back();
      group->name = q.group;
    }
    (q.conjunctive ? group->and_queries : group->or_queries).micros.push_back(micros);
    group->hits += top_hits;
    ++group->queries;
  }
};

// What other processes do to the CPU before a timed part: busy cores over a
// short /proc/stat sample (this process sleeps meanwhile).
struct CpuIdleCheck {
  bool idle = true;
  double busy_cores = -1;  // -1 when /proc/stat cannot be read.
  double waited_seconds = 0;
};
// Samples /proc/stat (250 ms windows) until fewer than `max_busy_cores` are
// busy or `max_wait_seconds` have passed (0: one sample, no waiting). Prints a
// warning on stderr naming `what` when the CPU never got idle.
CpuIdleCheck WaitForIdleCpu(const std::string& what, double max_wait_seconds,
                            double max_busy_cores = 0.3);

// Prints one JSON object on stdout.
void PrintResult(const EngineResult& r);

}  // namespace newsgraph::bench

#endif  // NEWSGRAPH_BENCH_COMMON_BENCH_CORPUS_H_
