// Peer: SQLite FTS5 (Debian libsqlite3-dev), porter stemmer, bm25() with the
// title column weighted like newsgraph's BM25F title weight (2.5).
// Set up as an FTS5 user tuning for search would: a page cache of the order
// of newsgraph's in-memory caches (256 MiB of postings + 32 MiB of hit
// fields), the index merged into one b-tree ('optimize') after the load and
// the file vacuumed.
// "ORDER BY bm25(docs, 2.5, 1.0)" measured faster than the same function
// configured as the table's rank ("ORDER BY rank") on this SQLite (3.40).
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>

#include "bench/common/bench_corpus.h"
#include "bench/common/bench_main.h"

namespace {

// -N: N KiB. 256 MiB, as newsgraph's postings cache (its 32 MiB of hit
// fields are for stored fields FTS5 is not asked for).
constexpr char kCacheSize[] = "PRAGMA cache_size=-262144";

bool Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite_fts5_bench: %s: %s\n", sql, error ? error : "?");
    sqlite3_free(error);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace newsgraph;
  const bench::BenchInputs in = bench::LoadBenchInputs(argc, argv);
  const bench::BenchArgs& args = in.args;
  const std::vector<bench::BenchDocument>& docs = in.docs;
  const std::vector<bench::BenchQuery>& queries = in.queries;
  std::filesystem::create_directories(args.dir);
  const std::string path = args.dir + "/fts.db";
  bench::EngineResult result;
  result.engine = "sqlite-fts5";
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return 1;
  if (!Exec(db, kCacheSize)) return 1;
  if (args.builds()) {
    bench::BeforeTimedBuild(args, &result);
    const auto start = std::chrono::steady_clock::now();
    if (!Exec(db, "CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61')") ||
        !Exec(db, "BEGIN")) {
      return 1;
    }
    sqlite3_stmt* insert = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO docs(title, body) VALUES (?, ?)", -1, &insert, nullptr);
    for (const auto& d : docs) {
      sqlite3_bind_text(insert, 1, d.title.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(insert, 2, d.body.c_str(), -1, SQLITE_STATIC);
      if (sqlite3_step(insert) != SQLITE_DONE) return 1;
      sqlite3_reset(insert);
      result.raw_bytes += d.title.size() + d.body.size();
    }
    sqlite3_finalize(insert);
    // Like Lucene++'s optimize() and newsgraph's final merge: one b-tree;
    // then VACUUM returns the pages the merged segments left free.
    if (!Exec(db, "COMMIT") || !Exec(db, "INSERT INTO docs(docs) VALUES('optimize')") ||
        !Exec(db, "VACUUM")) {
      return 1;
    }
    result.index_seconds = bench::SecondsSince(start);
    result.documents = docs.size();
    // The size once the connection is closed (no journal left behind).
    sqlite3_close(db);
    result.index_bytes = bench::DirectoryBytes(args.dir);
    if (args.queries_run() && sqlite3_open(path.c_str(), &db) != SQLITE_OK) return 1;
    if (args.queries_run() && !Exec(db, kCacheSize)) return 1;
  }

  if (args.queries_run()) {
    sqlite3_stmt* query = nullptr;
    if (sqlite3_prepare_v2(
            db, "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 2.5, 1.0) LIMIT 10",
            -1, &query, nullptr) != SQLITE_OK) {
      std::fprintf(stderr, "sqlite_fts5_bench: %s\n", sqlite3_errmsg(db));
      return 1;
    }
    // The query strings as an application would pass them ("a AND b", "a OR b").
    std::vector<std::string> match;
    for (const bench::BenchQuery& q : queries) {
      std::string m;
      for (const std::string& w : q.words) {
        if (!m.empty()) m += q.conjunctive ? " AND " : " OR ";
        m += w;
      }
      match.push_back(std::move(m));
    }
    const bool ok = bench::RunQueryPasses(
        args, queries, &result, [&](size_t i, const bench::BenchQuery&) -> long long {
          sqlite3_bind_text(query, 1, match[i].data(), static_cast<int>(match[i].size()),
                            SQLITE_STATIC);
          long long hits = 0;
          int rc;
          while ((rc = sqlite3_step(query)) == SQLITE_ROW) ++hits;
          sqlite3_reset(query);
          if (rc != SQLITE_DONE) {
            std::fprintf(stderr, "sqlite_fts5_bench: '%s': %s\n", match[i].c_str(),
                         sqlite3_errmsg(db));
            return -1;
          }
          return hits;
        });
    sqlite3_finalize(query);
    sqlite3_close(db);
    if (!ok) return 1;
  }
  bench::PrintResult(result);
  return 0;
}
