// Peer: SQLite FTS5 (Debian libsqlite3-dev), BM25 ranking, porter stemmer.
#include <sqlite3.h>

#include <filesystem>

#include "bench/common/bench_corpus.h"
#include "bench/common/bench_main.h"

int main(int argc, char** argv) {
  using namespace newsgraph;
  const bench::BenchInputs in = bench::LoadBenchInputs(argc, argv);
  const bench::BenchArgs& args = in.args;
  const std::vector<bench::BenchDocument>& docs = in.docs;
  const std::vector<bench::BenchQuery>& queries = in.queries;
  std::filesystem::create_directories(args.dir);
  const std::string path = args.dir + "/fts.db";
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return 1;
  sqlite3_exec(db, "CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61')",
               nullptr, nullptr, nullptr);
  bench::EngineResult result;
  result.engine = "sqlite-fts5";
  const auto start = std::chrono::steady_clock::now();
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
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
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  result.index_seconds = bench::SecondsSince(start);
  result.documents = docs.size();
  result.index_bytes = bench::DirectoryBytes(args.dir);

  sqlite3_stmt* query = nullptr;
  sqlite3_prepare_v2(
      db, "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 2.5, 1.0) LIMIT 10", -1,
      &query, nullptr);
  for (int pass = 0; pass < args.repeat; ++pass) {
    for (const bench::BenchQuery& q : queries) {
      const std::string match = q.words[0] + (q.conjunctive ? " AND " : " OR ") + q.words[1];
      const auto t = std::chrono::steady_clock::now();
      sqlite3_bind_text(query, 1, match.c_str(), -1, SQLITE_TRANSIENT);
      uint64_t hits = 0;
      while (sqlite3_step(query) == SQLITE_ROW) ++hits;
      sqlite3_reset(query);
      const double micros = bench::SecondsSince(t) * 1e6;
      if (pass == 0) continue;
      result.RecordQuery(q, micros, hits);
    }
  }
  sqlite3_finalize(query);
  sqlite3_close(db);
  bench::PrintResult(result);
  return 0;
}
