// Peer: Lucene++ 3.0.8 (Debian liblucene++-dev), Snowball English analyzer,
// classic Lucene scoring, title boosted like newsgraph's BM25F title weight.
#include <lucene++/LuceneHeaders.h>
#include <lucene++/SnowballAnalyzer.h>
#include <lucene++/TermAttribute.h>

#include <filesystem>

#include "bench/common/bench_corpus.h"
#include "bench/common/bench_main.h"

namespace {

using namespace Lucene;

// The analyzed (stemmed, lower-cased) form of one query word; empty for a
// stop word.
String AnalyzeWord(const AnalyzerPtr& analyzer, const std::string& word) {
  TokenStreamPtr stream =
      analyzer->tokenStream(L"body", newLucene<StringReader>(StringUtils::toUnicode(word)));
  TermAttributePtr term = stream->addAttribute<TermAttribute>();
  String result;
  if (stream->incrementToken()) result = term->term();
  stream->close();
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace newsgraph;
  const bench::BenchInputs in = bench::LoadBenchInputs(argc, argv);
  const bench::BenchArgs& args = in.args;
  const std::vector<bench::BenchDocument>& docs = in.docs;
  const std::vector<bench::BenchQuery>& queries = in.queries;
  bench::EngineResult result;
  result.engine = "lucene++";
  AnalyzerPtr analyzer = newLucene<SnowballAnalyzer>(LuceneVersion::LUCENE_CURRENT, L"english");
  const auto start = std::chrono::steady_clock::now();
  {
    IndexWriterPtr writer =
        newLucene<IndexWriter>(FSDirectory::open(StringUtils::toUnicode(args.dir)), analyzer, true,
                               IndexWriter::MaxFieldLengthUNLIMITED);
    writer->setRAMBufferSizeMB(64);
    for (const auto& d : docs) {
      DocumentPtr doc = newLucene<Document>();
      FieldPtr title = newLucene<Field>(L"title", StringUtils::toUnicode(d.title), Field::STORE_NO,
                                        Field::INDEX_ANALYZED);
      title->setBoost(2.5);
      doc->add(title);
      doc->add(newLucene<Field>(L"body", StringUtils::toUnicode(d.body), Field::STORE_NO,
                                Field::INDEX_ANALYZED));
      writer->addDocument(doc);
      result.raw_bytes += d.title.size() + d.body.size();
    }
    writer->optimize();
    writer->close();
  }
  result.index_seconds = bench::SecondsSince(start);
  result.documents = docs.size();
  result.index_bytes = bench::DirectoryBytes(args.dir);

  IndexReaderPtr reader =
      IndexReader::open(FSDirectory::open(StringUtils::toUnicode(args.dir)), true);
  IndexSearcherPtr searcher = newLucene<IndexSearcher>(reader);
  for (int pass = 0; pass < args.repeat; ++pass) {
    for (const bench::BenchQuery& q : queries) {
      const auto t = std::chrono::steady_clock::now();
      BooleanQueryPtr query = newLucene<BooleanQuery>();
      for (const std::string& word : q.words) {
        const String term = AnalyzeWord(analyzer, word);
        if (term.empty()) continue;
        BooleanQueryPtr either = newLucene<BooleanQuery>();
        either->add(newLucene<TermQuery>(newLucene<Term>(L"title", term)), BooleanClause::SHOULD);
        either->add(newLucene<TermQuery>(newLucene<Term>(L"body", term)), BooleanClause::SHOULD);
        query->add(either, q.conjunctive ? BooleanClause::MUST : BooleanClause::SHOULD);
      }
      TopDocsPtr top = searcher->search(query, 10);
      const uint64_t hits = top->scoreDocs.size();
      const double micros = bench::SecondsSince(t) * 1e6;
      if (pass == 0) continue;
      result.RecordQuery(q, micros, hits);
    }
  }
  bench::PrintResult(result);
  return 0;
}
