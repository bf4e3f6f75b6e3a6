// The judged query files the relevance runners read (relevance_run for
// newsgraph, peers/*_relevance), in either of two tab-separated formats:
//   bench/relevance/queries.tsv   set <TAB> query <TAB> rule               (3 columns)
//   bench/relevance/natural/*.tsv qid <TAB> split <TAB> kind <TAB> query <TAB> judgments
// Every runner writes "KEY<TAB>RANK<TAB>ID" lines (top 10), KEY being the
// query's index among the file's queries (counted from 0, blank and '#'
// lines skipped) in the first format and its qid in the second. A header
// line starting with "qid<TAB>" is skipped.
#ifndef NEWSGRAPH_BENCH_COMMON_RELEVANCE_QUERIES_H_
#define NEWSGRAPH_BENCH_COMMON_RELEVANCE_QUERIES_H_

#include <fstream>
#include <string>
#include <vector>

namespace newsgraph::bench {

struct RelevanceQuery {
  std::string key;   // What the run file names the query by.
  std::string text;  // What a user typed.
};

inline std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t begin = 0;
  while (true) {
    const size_t end = line.find('\t', begin);
    fields.push_back(line.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
    if (end == std::string::npos) return fields;
    begin = end + 1;
  }
}

// Returns false when the file cannot be read.
inline bool ReadRelevanceQueries(const std::string& path, std::vector<RelevanceQuery>* queries) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  int index = -1;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#' || line.rfind("qid\t", 0) == 0) continue;
    const std::vector<std::string> fields = SplitTabs(line);
    if (fields.size() < 3) continue;
    ++index;
    if (fields.size() >= 5) {
      queries->push_back({fields[0], fields[3]});
    } else {
      queries->push_back({std::to_string(index), fields[1]});
    }
  }
  return true;
}

// The peers' command line:
//   PROGRAM --dir=SCRATCH --queries=FILE.tsv --out=RUN.tsv [--limit=N] CORPUS.jsonl.gz...
// --limit reads at most N records of each corpus (as grpc_ingest does).
struct RelevanceArgs {
  std::string dir, queries, out;
  size_t limit = 0;
  std::vector<std::string> corpora;
};

inline RelevanceArgs ParseRelevanceArgs(int argc, char** argv) {
  RelevanceArgs args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--dir=", 0) == 0) {
      args.dir = a.substr(6);
    } else if (a.rfind("--queries=", 0) == 0) {
      args.queries = a.substr(10);
    } else if (a.rfind("--out=", 0) == 0) {
      args.out = a.substr(6);
    } else if (a.rfind("--limit=", 0) == 0) {
      args.limit = std::stoul(a.substr(8));
    } else {
      args.corpora.push_back(a);
    }
  }
  return args;
}

}  // namespace newsgraph::bench

#endif  // NEWSGRAPH_BENCH_COMMON_RELEVANCE_QUERIES_H_
