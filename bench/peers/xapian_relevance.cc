// Peer for the relevance stage: Xapian's BM25 over the same documents,
// queried with its QueryParser (English stemming, its default OR), titles
// weighted as in xapian_bench. Writes "QUERY_INDEX<TAB>RANK<TAB>ID" (top 10).
//   xapian_relevance --dir=SCRATCH --queries=FILE.tsv --out=RUN.tsv [--limit=N] CORPUS.jsonl.gz...
// --limit reads at most N records of each corpus (as grpc_ingest does).
#include <xapian.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "bench/common/bench_corpus.h"

int main(int argc, char** argv) {
  std::string dir, queries_path, out_path;
  std::vector<std::string> corpora;
  size_t limit = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--dir=", 0) == 0) {
      dir = a.substr(6);
    } else if (a.rfind("--queries=", 0) == 0) {
      queries_path = a.substr(10);
    } else if (a.rfind("--out=", 0) == 0) {
      out_path = a.substr(6);
    } else if (a.rfind("--limit=", 0) == 0) {
      limit = std::stoul(a.substr(8));
    } else {
      corpora.push_back(a);
    }
  }
  {
    Xapian::WritableDatabase db(dir, Xapian::DB_CREATE_OR_OVERWRITE);
    Xapian::TermGenerator generator;
    generator.set_stemmer(Xapian::Stem("english"));
    for (const std::string& corpus : corpora) {
      for (const auto& d : newsgraph::bench::ReadCorpus(corpus, limit)) {
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
  Xapian::Database db(dir);
  Xapian::Enquire enquire(db);
  Xapian::QueryParser parser;
  parser.set_stemmer(Xapian::Stem("english"));
  parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  parser.set_database(db);
  std::ifstream in(queries_path);
  std::ofstream out(out_path);
  if (!in || !out) {
    std::fprintf(stderr, "xapian_relevance: cannot open --queries or --out\n");
    return 2;
  }
  std::string line;
  int index = -1;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t first = line.find('\t');
    const size_t second = line.find('\t', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    ++index;
    enquire.set_query(parser.parse_query(line.substr(first + 1, second - first - 1)));
    Xapian::MSet mset = enquire.get_mset(0, 10);
    int rank = 0;
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      out << index << '\t' << ++rank << '\t' << it.get_document().get_data() << '\n';
    }
  }
  return 0;
}
