// Opens an existing search store (a stopped daemon's DATA_DIR/search) and
// reports how long opening took (start-up to the first served query) and the
// in-process latency of the query set on it, as one JSON line.
//   search_existing --dir=DATA_DIR/search --queries=FILE [--repeat=K]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "bench/common/bench_corpus.h"
#include "bench/common/bench_main.h"
#include "bench/common/search_request.h"
#include "services/search/search_index.h"
#include "services/search/search_keyspace.h"
#include "services/search/searcher.h"
#include "storage/rocksdb_kv_store.h"

int main(int argc, char** argv) {
  using namespace newsgraph;
  const bench::BenchArgs args = bench::ParseBenchArgs(argc, argv);
  const std::vector<bench::BenchQuery> queries = bench::ReadQueries(args.queries);
  const auto start = std::chrono::steady_clock::now();
  storage::RocksDbOptions options;
  options.path = args.dir;
  options.column_families = search::SearchColumnFamilies();
  options.zstd_column_families = search::SearchZstdColumnFamilies();
  auto store = storage::OpenRocksDbStore(options);
  if (!store.ok()) {
    std::fprintf(stderr, "search_existing: %s\n", store.status().ToString().c_str());
    return 1;
  }
  auto index = search::SearchIndex::Open(store->get());
  if (!index.ok()) {
    std::fprintf(stderr, "search_existing: %s\n", index.status().ToString().c_str());
    return 1;
  }
  if (std::getenv("NEWSGRAPH_FORCE_MERGE") != nullptr) {
    if (absl::Status merged = (*index)->ForceMerge(); !merged.ok()) {
      std::fprintf(stderr, "search_existing: %s\n", merged.ToString().c_str());
      return 1;
    }
  }
  absl::StatusOr<search::RankingOptions> ranking = search::ParseRankingOptions(args.ranking);
  if (!ranking.ok()) {
    std::fprintf(stderr, "search_existing: %s\n", ranking.status().ToString().c_str());
    return 2;
  }
  search::Searcher searcher(index->get(), nullptr, *ranking);
  std::vector<double> latencies;
  double open_seconds = 0;
  for (int pass = 0; pass < std::max(1, args.repeat); ++pass) {
    for (const bench::BenchQuery& q : queries) {
      const newsgraph::v1::SearchRequest request = bench::MakeSearchRequest(q);
      const auto t = std::chrono::steady_clock::now();
      auto response = searcher.Search(request);
      if (!response.ok()) {
        std::fprintf(stderr, "search_existing: %s\n", response.status().ToString().c_str());
        return 1;
      }
      if (open_seconds == 0) open_seconds = bench::SecondsSince(start);
      if (pass > 0) latencies.push_back(bench::SecondsSince(t) * 1e6);
    }
  }
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double p) {
    return latencies.empty() ? 0.0 : latencies[static_cast<size_t>(p * (latencies.size() - 1))];
  };
  std::printf(
      "{\"documents\":%llu,\"segments\":%zu,\"recovered_at_open\":%llu,"
      "\"open_to_first_query_ms\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f}\n",
      static_cast<unsigned long long>((*index)->Stats().document_count), (*index)->SegmentCount(),
      static_cast<unsigned long long>((*index)->RecoveredAtOpen()), open_seconds * 1000, at(0.5),
      at(0.99));
  return 0;
}
