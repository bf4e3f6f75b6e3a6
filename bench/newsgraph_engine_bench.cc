// newsgraph's search core in-process: SearchIndex over RocksDB and Searcher,
// no gRPC, no entity resolution. Same corpus and queries as the peers.
#include <cstdio>
#include <filesystem>

#include "bench/common/bench_corpus.h"
#include "bench/common/bench_main.h"
#include "bench/common/search_request.h"
#include "services/search/search_index.h"
#include "services/search/search_keyspace.h"
#include "services/search/searcher.h"
#include "storage/rocksdb_kv_store.h"

namespace {
int Fail(const absl::Status& status) {
  std::fprintf(stderr, "newsgraph_engine_bench: %s\n", status.ToString().c_str());
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace newsgraph;
  const bench::BenchInputs in = bench::LoadBenchInputs(argc, argv);
  const bench::BenchArgs& args = in.args;
  const std::vector<bench::BenchDocument>& docs = in.docs;
  const std::vector<bench::BenchQuery>& queries = in.queries;
  storage::RocksDbOptions options;
  options.path = args.dir;
  options.column_families = search::SearchColumnFamilies();
  options.zstd_column_families = search::SearchZstdColumnFamilies();
  auto store = storage::OpenRocksDbStore(options);
  if (!store.ok()) return Fail(store.status());
  // Bulk load: one in-memory segment for up to 32,768 documents (Lucene++ buffers
  // 16 MB of postings by default) and up to 16 segments before merging (its merge
  // factor is 10); the service flushes every 4,096 and keeps at most 6.
  const search::SearchIndexOptions bulk{.flush_documents = 32768, .max_segments = 16};
  auto index = search::SearchIndex::Open(store->get(), bulk);
  if (!index.ok()) return Fail(index.status());

  bench::EngineResult result;
  result.engine = "newsgraph";
  if (args.builds()) {
    bench::BeforeTimedBuild(args, &result);
    const auto start = std::chrono::steady_clock::now();
    // Batches of documents, each one synced write (what the ingest pipeline's
    // concurrent IndexDocument calls amount to), then the in-memory segment is
    // merged into one segment as Lucene++'s optimize() does.
    constexpr size_t kBatch = 256;
    std::vector<newsgraph::v1::IndexDocumentRequest> batch;
    for (size_t i = 0; i < docs.size(); ++i) {
      newsgraph::v1::IndexDocumentRequest& request = batch.emplace_back();
      auto* d = request.mutable_document();
      d->set_name("documents/" + std::to_string(i + 1));
      d->set_version(1);
      d->set_title(docs[i].title);
      d->set_text(docs[i].body);
      d->set_language("en");
      result.raw_bytes += docs[i].title.size() + docs[i].body.size();
      if (batch.size() == kBatch || i + 1 == docs.size()) {
        if (auto indexed = (*index)->IndexDocuments(batch); !indexed.ok()) {
          return Fail(indexed.status());
        }
        batch.clear();
      }
    }
    // Like the peers' final optimize: one segment, and the posting lists
    // compacted (the replaced segments' space reclaimed).
    for (absl::Status status : {(*index)->ForceMerge(), (*store)->Flush(),
                                (*store)->Compact(search::cf::kSegments),
                                (*store)->Compact(search::cf::kTerms)}) {
      if (!status.ok()) return Fail(status);
    }
    result.index_seconds = bench::SecondsSince(start);
    result.documents = docs.size();
    // The inverted index (posting lists, dictionary, norms, names) apart from
    // the stored documents the peers do not keep.
    uint64_t inverted = 0, stored = 0;
    for (storage::ColumnFamily cf : {search::cf::kSegments, search::cf::kTerms, search::cf::kNorms,
                                     search::cf::kNames, search::cf::kMeta, search::cf::kDocs,
                                     search::cf::kHits}) {
      auto bytes = (*store)->ColumnFamilyDiskBytes(cf);
      if (!bytes.ok()) return Fail(bytes.status());
      (cf.index == search::cf::kDocs.index || cf.index == search::cf::kHits.index ? stored
                                                                                  : inverted) +=
          *bytes;
    }
    result.extra_json = ",\"inverted_index_to_raw\":" +
                        std::to_string(static_cast<double>(inverted) / result.raw_bytes) +
                        ",\"stored_documents_to_raw\":" +
                        std::to_string(static_cast<double>(stored) / result.raw_bytes);
    // Size on disk once closed (RocksDB drops obsolete logs by then), as the
    // peers' directories are measured after closing; then reopen for queries.
    index->reset();
    store->reset();
    result.index_bytes = bench::DirectoryBytes(args.dir);
    if (!args.queries_run()) {
      bench::PrintResult(result);
      return 0;
    }
    store = storage::OpenRocksDbStore(options);
    if (!store.ok()) return Fail(store.status());
    index = search::SearchIndex::Open(store->get(), bulk);
    if (!index.ok()) return Fail(index.status());
  }

  absl::StatusOr<search::RankingOptions> ranking = search::ParseRankingOptions(args.ranking);
  if (!ranking.ok()) {
    std::fprintf(stderr, "newsgraph_engine_bench: %s\n", ranking.status().ToString().c_str());
    return 2;
  }
  search::Searcher searcher(index->get(), nullptr, *ranking);
  std::vector<newsgraph::v1::SearchRequest> requests;
  for (const bench::BenchQuery& q : queries) requests.push_back(bench::MakeSearchRequest(q));
  absl::Status failure;
  const bool ok = bench::RunQueryPasses(
      args, queries, &result, [&](size_t i, const bench::BenchQuery&) -> long long {
        auto response = searcher.Search(requests[i]);
        if (!response.ok()) {
          failure = response.status();
          return -1;
        }
        return response->hits_size();
      });
  if (!ok) return Fail(failure);
  bench::PrintResult(result);
  return 0;
}
