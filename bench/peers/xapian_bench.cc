// Peer: Xapian (Debian libxapian-dev), BM25, English stemming, title
// weighted like newsgraph's BM25F title weight.
#include <xapian.h>

#include <filesystem>

#include "bench/common/bench_corpus.h"
#include "bench/common/bench_main.h"

int main(int argc, char** argv) {
  using namespace newsgraph;
  const bench::BenchInputs in = bench::LoadBenchInputs(argc, argv);
  const bench::BenchArgs& args = in.args;
  const std::vector<bench::BenchDocument>& docs = in.docs;
  const std::vector<bench::BenchQuery>& queries = in.queries;
  bench::EngineResult result;
  result.engine = "xapian";
  const auto start = std::chrono::steady_clock::now();
  {
    Xapian::WritableDatabase db(args.dir, Xapian::DB_CREATE_OR_OVERWRITE);
    Xapian::TermGenerator generator;
    generator.set_stemmer(Xapian::Stem("english"));
    for (const auto& d : docs) {
      Xapian::Document doc;
      generator.set_document(doc);
      generator.index_text(d.title, 3);  // wdf weight ~ title boost
      generator.increase_termpos();
      generator.index_text(d.body);
      db.add_document(doc);
      result.raw_bytes += d.title.size() + d.body.size();
    }
    db.commit();
  }
  result.index_seconds = bench::SecondsSince(start);
  result.documents = docs.size();
  result.index_bytes = bench::DirectoryBytes(args.dir);

  Xapian::Database db(args.dir);
  Xapian::Enquire enquire(db);
  Xapian::Stem stem("english");
  for (int pass = 0; pass < args.repeat; ++pass) {
    for (const bench::BenchQuery& q : queries) {
      const auto t = std::chrono::steady_clock::now();
      // Xapian's TermGenerator stores stemmed terms with a "Z" prefix.
      std::string first("Z");
      first.append(stem(q.words[0]));
      std::string second("Z");
      second.append(stem(q.words[1]));
      Xapian::Query query(q.conjunctive ? Xapian::Query::OP_AND : Xapian::Query::OP_OR,
                          Xapian::Query(first), Xapian::Query(second));
      enquire.set_query(query);
      Xapian::MSet mset = enquire.get_mset(0, 10);
      uint64_t hits = 0;
      for (auto it = mset.begin(); it != mset.end(); ++it) ++hits;
      const double micros = bench::SecondsSince(t) * 1e6;
      if (pass == 0) continue;
      result.RecordQuery(q, micros, hits);
    }
  }
  bench::PrintResult(result);
  return 0;
}
