// How the Lucene++ peers (lucenepp_bench, lucenepp_relevance) index a story
// and parse a query, in one place so speed and relevance measure one setup.
//
// One analyzed field, "text", holds the title and the body: the catch-all
// field Lucene's own demo ("contents") and Solr's default schema ("text")
// search, with one posting list per term, as newsgraph (one list carrying
// title and body frequencies for BM25F), Xapian and FTS5 have. The other
// usual setup, "title" and "body" fields queried through a
// MultiFieldQueryParser, reads two posting lists per query word. Lucene 3
// cannot weight part of a field (a field boost scales the whole field's
// norm), so the title's weight comes from indexing its words three times,
// the wdf of 3 the Xapian peer gives title words; newsgraph weights titles
// 2.5 in BM25F.
#ifndef NEWSGRAPH_BENCH_PEERS_LUCENEPP_INDEX_H_
#define NEWSGRAPH_BENCH_PEERS_LUCENEPP_INDEX_H_

#include <lucene++/LuceneHeaders.h>
#include <lucene++/SnowballAnalyzer.h>

#include "bench/common/bench_corpus.h"

namespace newsgraph::bench {

inline constexpr int kLuceneTitleRepeats = 3;

// Lucene++'s Snowball English analyzer as constructed by default: standard
// tokenizer, standard filter, lower case, Snowball English stemming, no stop
// words. Like the other engines then, every query word is searched: the
// generated query set draws words by document frequency, and some are stop
// words ("this", "their", "will"), which a stop list would drop, leaving
// Lucene++ a one-word query where the others answer two words.
inline Lucene::AnalyzerPtr NewsAnalyzer() {
  return Lucene::newLucene<Lucene::SnowballAnalyzer>(Lucene::LuceneVersion::LUCENE_CURRENT,
                                                     L"english");
}

// The story as one "text" field (title words three times, then the body);
// with `store_id`, its id as a stored, unanalyzed "id" field.
inline Lucene::DocumentPtr NewsDocument(const BenchDocument& d, bool store_id) {
  using namespace Lucene;
  DocumentPtr doc = newLucene<Document>();
  if (store_id) {
    doc->add(newLucene<Field>(L"id", StringUtils::toUnicode(d.id), Field::STORE_YES,
                              Field::INDEX_NOT_ANALYZED_NO_NORMS));
  }
  const String title = StringUtils::toUnicode(d.title);
  // Fields of one name make one field, their texts one after the other.
  for (int i = 0; i < kLuceneTitleRepeats; ++i) {
    doc->add(newLucene<Field>(L"text", title, Field::STORE_NO, Field::INDEX_ANALYZED));
  }
  doc->add(newLucene<Field>(L"text", StringUtils::toUnicode(d.body), Field::STORE_NO,
                            Field::INDEX_ANALYZED));
  return doc;
}

// A QueryParser over "text" with the same analyzer; its default operator is OR.
inline Lucene::QueryParserPtr NewsQueryParser(const Lucene::AnalyzerPtr& analyzer) {
  return Lucene::newLucene<Lucene::QueryParser>(Lucene::LuceneVersion::LUCENE_CURRENT, L"text",
                                                analyzer);
}

}  // namespace newsgraph::bench

#endif  // NEWSGRAPH_BENCH_PEERS_LUCENEPP_INDEX_H_
