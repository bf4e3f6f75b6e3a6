// Peer: Xapian (Debian libxapian-dev), BM25, English stemming, title
// weighted like newsgraph's BM25F title weight. After the load the database
// is compacted into a new one (what xapian-compact does, at its default full
// level), as Xapian recommends for a database that is searched more than
// updated; the queries read the compacted copy.
#include <xapian.h>

#include <cstdio>
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
  const std::string loaded = args.dir + "/loaded";    // Written document by document.
  const std::string compacted = args.dir + "/db";     // What the queries read.
  try {
    if (args.builds()) {
      bench::BeforeTimedBuild(args, &result);
      std::filesystem::create_directories(args.dir);
      const auto start = std::chrono::steady_clock::now();
      {
        Xapian::WritableDatabase db(loaded, Xapian::DB_CREATE_OR_OVERWRITE);
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
      Xapian::Database(loaded).compact(compacted, Xapian::Compactor::FULL);
      std::filesystem::remove_all(loaded);
      result.index_seconds = bench::SecondsSince(start);
      result.documents = docs.size();
      result.index_bytes = bench::DirectoryBytes(args.dir);
    }

    if (args.queries_run()) {
      Xapian::Database db(compacted);
      Xapian::Enquire enquire(db);
      Xapian::Stem stem("english");
      const bool ok = bench::RunQueryPasses(
          args, queries, &result, [&](size_t, const bench::BenchQuery& q) -> long long {
            // Xapian's TermGenerator stores stemmed terms with a "Z" prefix.
            std::vector<Xapian::Query> terms;
            for (const std::string& word : q.words) {
              std::string term("Z");
              term += stem(word);
              terms.emplace_back(term);
            }
            enquire.set_query(Xapian::Query(
                q.conjunctive ? Xapian::Query::OP_AND : Xapian::Query::OP_OR, terms.begin(),
                terms.end()));
            Xapian::MSet mset = enquire.get_mset(0, 10);
            long long hits = 0;
            for (auto it = mset.begin(); it != mset.end(); ++it) ++hits;
            return hits;
          });
      if (!ok) return 1;
    }
  } catch (const Xapian::Error& e) {
    std::fprintf(stderr, "xapian_bench: %s\n", e.get_description().c_str());
    return 1;
  }
  bench::PrintResult(result);
  return 0;
}
