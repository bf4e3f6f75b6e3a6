// Peer: Lucene++ 3.0.8 (Debian liblucene++-dev), set up as its users
// usually do: one analyzer (Snowball English) shared by the IndexWriter and
// a QueryParser; each query string parsed by the QueryParser inside the timer
// (default operator AND for the AND set, OR for the OR set; it reuses the
// analyzer's token stream); classic Lucene scoring (DefaultSimilarity;
// Lucene++ 3.0 has no BM25); the index read through MMapDirectory. See
// lucenepp_index.h for the one "text" field that holds title and body.
#include <lucene++/LuceneHeaders.h>
#include <lucene++/MMapDirectory.h>

#include <cstdio>
#include <filesystem>

#include "bench/common/bench_corpus.h"
#include "bench/common/bench_main.h"
#include "bench/peers/lucenepp_index.h"

int main(int argc, char** argv) {
  using namespace newsgraph;
  using namespace Lucene;
  const bench::BenchInputs in = bench::LoadBenchInputs(argc, argv);
  const bench::BenchArgs& args = in.args;
  const std::vector<bench::BenchDocument>& docs = in.docs;
  const std::vector<bench::BenchQuery>& queries = in.queries;
  bench::EngineResult result;
  result.engine = "lucene++";
  try {
    AnalyzerPtr analyzer = bench::NewsAnalyzer();
    if (args.builds()) {
      bench::BeforeTimedBuild(args, &result);
      const auto start = std::chrono::steady_clock::now();
      IndexWriterPtr writer =
          newLucene<IndexWriter>(newLucene<MMapDirectory>(StringUtils::toUnicode(args.dir)),
                                 analyzer, true, IndexWriter::MaxFieldLengthUNLIMITED);
      writer->setRAMBufferSizeMB(64);
      for (const auto& d : docs) {
        writer->addDocument(bench::NewsDocument(d, /*store_id=*/false));
        result.raw_bytes += d.title.size() + d.body.size();
      }
      writer->optimize();
      writer->close();
      result.index_seconds = bench::SecondsSince(start);
      result.documents = docs.size();
      result.index_bytes = bench::DirectoryBytes(args.dir);
    }

    if (args.queries_run()) {
      IndexReaderPtr reader =
          IndexReader::open(newLucene<MMapDirectory>(StringUtils::toUnicode(args.dir)), true);
      IndexSearcherPtr searcher = newLucene<IndexSearcher>(reader);
      QueryParserPtr or_parser = bench::NewsQueryParser(analyzer);
      QueryParserPtr and_parser = bench::NewsQueryParser(analyzer);
      and_parser->setDefaultOperator(QueryParser::AND_OPERATOR);
      // The query strings as a user types them; parsing is part of the query.
      std::vector<String> text;
      for (const bench::BenchQuery& q : queries) {
        String s;
        for (const std::string& w : q.words) s += (s.empty() ? L"" : L" ") + StringUtils::toUnicode(w);
        text.push_back(s);
      }
      const bool ok = bench::RunQueryPasses(
          args, queries, &result, [&](size_t i, const bench::BenchQuery& q) -> long long {
            QueryPtr query = (q.conjunctive ? and_parser : or_parser)->parse(text[i]);
            if (!query) return 0;  // No word left after analysis.
            TopDocsPtr top = searcher->search(query, 10);
            return top->scoreDocs.size();
          });
      searcher->close();
      reader->close();
      if (!ok) return 1;
    }
  } catch (const LuceneException& e) {
    std::fprintf(stderr, "lucenepp_bench: %s\n", StringUtils::toUTF8(e.getError()).c_str());
    return 1;
  }
  bench::PrintResult(result);
  return 0;
}
