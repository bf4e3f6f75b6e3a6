// Peer for the relevance stage: SQLite FTS5 over the same documents as
// sqlite_fts5_bench indexes them (porter stemmer over unicode61, bm25() with
// the title weighted 2.5), asked as an FTS5 application asks for free text:
// the query's words joined with OR (FTS5's implicit operator is AND), each
// word a quoted FTS5 string, so quotes, '-', ':', '*', parentheses or AND/OR/
// NOT in what the user typed are text, never FTS5 syntax (a word such as
// "U.S." becomes the phrase "u s" the tokenizer makes of it).
// Writes "KEY<TAB>RANK<TAB>ID" (top 10; see bench/common/relevance_queries.h).
//   sqlite_fts5_relevance --dir=SCRATCH --queries=FILE.tsv --out=RUN.tsv [--limit=N] CORPUS...
#include <sqlite3.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench/common/bench_corpus.h"
#include "bench/common/relevance_queries.h"

namespace {

bool Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite_fts5_relevance: %s: %s\n", sql, error ? error : "?");
    sqlite3_free(error);
    return false;
  }
  return true;
}

// "w1 w2 ..." as '"w1" OR "w2" ...': whitespace-separated words, each an
// FTS5 string (embedded quotes doubled); words without a letter or digit
// (dashes, lone punctuation) are left out. Empty when no word is left.
std::string MatchExpression(const std::string& text) {
  std::string match, word;
  auto flush = [&] {
    bool has_text = false;
    for (unsigned char c : word) has_text = has_text || std::isalnum(c) || c >= 0x80;
    if (has_text) {
      if (!match.empty()) match += " OR ";
      match += '"';
      for (char c : word) match += c == '"' ? std::string("\"\"") : std::string(1, c);
      match += '"';
    }
    word.clear();
  };
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      flush();
    } else {
      word += c;
    }
  }
  flush();
  return match;
}

}  // namespace

int main(int argc, char** argv) {
  const newsgraph::bench::RelevanceArgs args = newsgraph::bench::ParseRelevanceArgs(argc, argv);
  std::vector<newsgraph::bench::RelevanceQuery> queries;
  std::ofstream out(args.out);
  if (!newsgraph::bench::ReadRelevanceQueries(args.queries, &queries) || !out) {
    std::fprintf(stderr, "sqlite_fts5_relevance: cannot open --queries or --out\n");
    return 2;
  }
  std::filesystem::remove_all(args.dir);
  std::filesystem::create_directories(args.dir);
  sqlite3* db = nullptr;
  if (sqlite3_open((args.dir + "/fts.db").c_str(), &db) != SQLITE_OK) return 1;
  if (!Exec(db, "PRAGMA cache_size=-262144") ||
      !Exec(db,
            "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, "
            "tokenize='porter unicode61')") ||
      !Exec(db, "BEGIN")) {
    return 1;
  }
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO docs(id, title, body) VALUES (?, ?, ?)", -1, &insert,
                     nullptr);
  for (const std::string& corpus : args.corpora) {
    for (const auto& d : newsgraph::bench::ReadCorpus(corpus, args.limit)) {
      sqlite3_bind_text(insert, 1, d.id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert, 2, d.title.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert, 3, d.body.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(insert) != SQLITE_DONE) {
        std::fprintf(stderr, "sqlite_fts5_relevance: %s\n", sqlite3_errmsg(db));
        return 1;
      }
      sqlite3_reset(insert);
    }
  }
  sqlite3_finalize(insert);
  if (!Exec(db, "COMMIT") || !Exec(db, "INSERT INTO docs(docs) VALUES('optimize')")) return 1;

  sqlite3_stmt* query = nullptr;
  // bm25's weights follow the columns: id (not indexed), title, body.
  if (sqlite3_prepare_v2(db,
                         "SELECT id FROM docs WHERE docs MATCH ? "
                         "ORDER BY bm25(docs, 0.0, 2.5, 1.0) LIMIT 10",
                         -1, &query, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite_fts5_relevance: %s\n", sqlite3_errmsg(db));
    return 1;
  }
  for (const auto& q : queries) {
    const std::string match = MatchExpression(q.text);
    if (match.empty()) continue;
    sqlite3_bind_text(query, 1, match.c_str(), -1, SQLITE_TRANSIENT);
    int rank = 0, rc;
    while ((rc = sqlite3_step(query)) == SQLITE_ROW) {
      out << q.key << '\t' << ++rank << '\t'
          << reinterpret_cast<const char*>(sqlite3_column_text(query, 0)) << '\n';
    }
    if (rc != SQLITE_DONE) {
      // Not expected (every word is quoted); the query then has no answer.
      std::fprintf(stderr, "sqlite_fts5_relevance: '%s': %s\n", match.c_str(), sqlite3_errmsg(db));
    }
    sqlite3_reset(query);
  }
  sqlite3_finalize(query);
  sqlite3_close(db);
  return 0;
}
