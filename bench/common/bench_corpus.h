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

// Queries, one per line: "AND word word" or "OR word word".
struct BenchQuery {
  bool conjunctive = true;
  std::vector<std::string> words;
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

struct EngineResult {
  std::string engine;
  size_t documents = 0;
  uint64_t raw_bytes = 0;
  double index_seconds = 0;
  uint64_t index_bytes = 0;
  Latencies and_queries;
  Latencies or_queries;
  double query_seconds = 0;
  size_t queries = 0;
  uint64_t hits = 0;  // Sum of top-10 sizes, a sanity check across engines.
  // Engine-specific fields appended to the JSON object: ",\"key\":value...".
  std::string extra_json;

  // Records one timed query (not the warm-up pass).
  void RecordQuery(const BenchQuery& q, double micros, uint64_t top_hits) {
    (q.conjunctive ? and_queries : or_queries).micros.push_back(micros);
    query_seconds += micros / 1e6;
    hits += top_hits;
    ++queries;
  }
};

// Prints one JSON object on stdout.
void PrintResult(const EngineResult& r);

}  // namespace newsgraph::bench

#endif  // NEWSGRAPH_BENCH_COMMON_BENCH_CORPUS_H_
