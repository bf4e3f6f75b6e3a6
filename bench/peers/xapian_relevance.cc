// Peer for the relevance stage: Xapian's BM25 over the same documents,
// queried with its QueryParser (English stemming, its default flags and OR;
// text whose operators do not parse is parsed again as plain words), titles
// weighted as in xapian_bench. Writes "KEY<TAB>RANK<TAB>ID" (top 10); KEY is
// the query's index in queries.tsv's format and its qid in the natural sets'
// (bench/common/relevance_queries.h).
//   xapian_relevance --dir=SCRATCH --queries=FILE.tsv --out=RUN.tsv [--limit=N] CORPUS.jsonl.gz...
#include <xapian.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "bench/common/bench_corpus.h"
#include "bench/common/relevance_queries.h"

int main(int argc, char** argv) {
  const newsgraph::bench::RelevanceArgs args = newsgraph::bench::ParseRelevanceArgs(argc, argv);
  std::vector<newsgraph::bench::RelevanceQuery> queries;
  std::ofstream out(args.out);
  if (!newsgraph::bench::ReadRelevanceQueries(args.queries, &queries) || !out) {
    std::fprintf(stderr, "xapian_relevance: cannot open --queries or --out\n");
    return 2;
  }
  {
    Xapian::WritableDatabase db(args.dir, Xapian::DB_CREATE_OR_OVERWRITE);
    Xapian::TermGenerator generator;
    generator.set_stemmer(Xapian::Stem("english"));
    for (const std::string& corpus : args.corpora) {
      for (const auto& d : newsgraph::bench::ReadCorpus(corpus, args.limit)) {
        Xapian::Document doc;
        generator.set_document(doc);
        generator.index_text(d.title, 3);
        generator.increase_termpos();
        generator.index_text(d.body);
        doc.set_data(d.id);
        db.add_document(doc);
      }
    }
    db.commit();
  }
  Xapian::Database db(args.dir);
  Xapian::Enquire enquire(db);
  Xapian::QueryParser parser;
  parser.set_stemmer(Xapian::Stem("english"));
  parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  parser.set_database(db);
  for (const auto& q : queries) {
    Xapian::Query query;
    try {
      query = parser.parse_query(q.text);
    } catch (const Xapian::QueryParserError&) {
      // Operators that do not parse (a dangling "AND"): the words alone, as
      // applications built on Xapian retry.
      query = parser.parse_query(q.text, 0);
    }
    enquire.set_query(query);
    Xapian::MSet mset = enquire.get_mset(0, 10);
    int rank = 0;
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      out << q.key << '\t' << ++rank << '\t' << it.get_document().get_data() << '\n';
    }
  }
  return 0;
}
