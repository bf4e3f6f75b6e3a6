// Peer for the relevance stage: Lucene++ 3.0.8 over the same documents,
// indexed as lucenepp_bench indexes them (lucenepp_index.h: one "text" field,
// title words three times, Lucene++'s Snowball English analyzer),
// scored by Lucene++'s only ranking, the classic TF-IDF DefaultSimilarity
// (BM25 came with Lucene 4), and queried through its QueryParser with its
// default OR operator. The user's text is escaped first (a backslash before
// each character of the query syntax, what Lucene's QueryParser.escape does;
// Lucene++ keeps its copy protected), so a '?' ending a question, a ':' or a
// '-' is text rather than wildcard, field or prohibition syntax, as the FTS5
// runner quotes every word. Should AND/OR/NOT, left as operators, not parse
// (a dangling "AND"), the text is parsed again lower-cased, where they are
// words.
// Writes "KEY<TAB>RANK<TAB>ID" (top 10; see bench/common/relevance_queries.h).
//   lucenepp_relevance --dir=SCRATCH --queries=FILE.tsv --out=RUN.tsv [--limit=N] CORPUS...
#include <lucene++/LuceneHeaders.h>
#include <lucene++/MMapDirectory.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench/common/bench_corpus.h"
#include "bench/common/relevance_queries.h"
#include "bench/peers/lucenepp_index.h"

namespace {

// A backslash before each character QueryParser reads as syntax.
Lucene::String Escape(const Lucene::String& text) {
  static const std::wstring kSyntax = L"\\+-!():^[]\"{}~*?|&/";
  Lucene::String escaped;
  for (wchar_t c : text) {
    if (kSyntax.find(c) != std::wstring::npos) escaped += L'\\';
    escaped += c;
  }
  return escaped;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace Lucene;
  const newsgraph::bench::RelevanceArgs args = newsgraph::bench::ParseRelevanceArgs(argc, argv);
  std::vector<newsgraph::bench::RelevanceQuery> queries;
  std::ofstream out(args.out);
  if (!newsgraph::bench::ReadRelevanceQueries(args.queries, &queries) || !out) {
    std::fprintf(stderr, "lucenepp_relevance: cannot open --queries or --out\n");
    return 2;
  }
  std::filesystem::remove_all(args.dir);
  try {
    AnalyzerPtr analyzer = newsgraph::bench::NewsAnalyzer();
    {
      IndexWriterPtr writer =
          newLucene<IndexWriter>(newLucene<MMapDirectory>(StringUtils::toUnicode(args.dir)),
                                 analyzer, true, IndexWriter::MaxFieldLengthUNLIMITED);
      writer->setRAMBufferSizeMB(64);
      for (const std::string& corpus : args.corpora) {
        for (const auto& d : newsgraph::bench::ReadCorpus(corpus, args.limit)) {
          writer->addDocument(newsgraph::bench::NewsDocument(d, /*store_id=*/true));
        }
      }
      writer->optimize();
      writer->close();
    }
    IndexReaderPtr reader =
        IndexReader::open(newLucene<MMapDirectory>(StringUtils::toUnicode(args.dir)), true);
    IndexSearcherPtr searcher = newLucene<IndexSearcher>(reader);
    QueryParserPtr parser = newsgraph::bench::NewsQueryParser(analyzer);
    for (const auto& q : queries) {
      const String escaped = Escape(StringUtils::toUnicode(q.text));
      QueryPtr query;
      try {
        query = parser->parse(escaped);
      } catch (const LuceneException&) {
        try {
          query = parser->parse(StringUtils::toLower(escaped));
        } catch (const LuceneException& e) {
          std::fprintf(stderr, "lucenepp_relevance: '%s': %s\n", q.text.c_str(),
                       StringUtils::toUTF8(e.getError()).c_str());
          continue;
        }
      }
      if (!query) continue;  // No word left after analysis.
      TopDocsPtr top = searcher->search(query, 10);
      int rank = 0;
      for (const ScoreDocPtr& hit : top->scoreDocs) {
        out << q.key << '\t' << ++rank << '\t'
            << StringUtils::toUTF8(searcher->doc(hit->doc)->get(L"id")) << '\n';
      }
    }
    searcher->close();
    reader->close();
  } catch (const LuceneException& e) {
    std::fprintf(stderr, "lucenepp_relevance: %s\n", StringUtils::toUTF8(e.getError()).c_str());
    return 1;
  }
  return 0;
}
