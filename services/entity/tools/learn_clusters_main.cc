// learn_clusters: learns the word clusters the named-entity tagger uses from
// unlabeled news text: the CoNLL-2003 training text (without its labels)
// and the Reuters-21578, BBC News and AG News bodies in ../shared/corpora.
// Writes flat clusters (--out) and hierarchical cluster paths (--paths_out;
// 500 leaves over words as written by default, ~13 minutes on 2 cores).
//
//   build/release/services/entity/learn_clusters --corpora=../shared/corpora
//       --out=models/word-clusters.tsv --paths_out=models/word-paths.tsv
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_split.h"
#include "base/file_reading.h"
#include "services/entity/ner/brown_clusters.h"
#include "services/entity/ner/conll.h"
#include "services/entity/ner/word_cluster_learning.h"
#include "services/entity/ner/word_clusters.h"
#include "services/text/tokenizer.h"

ABSL_FLAG(std::string, corpora, "../shared/corpora", "the shared corpora directory");
ABSL_FLAG(std::string, out, "models/word-clusters.tsv", "clusters file to write");
ABSL_FLAG(std::string, paths_out, "models/word-paths.tsv",
          "hierarchical (Brown) cluster paths file to write; empty = skip");
ABSL_FLAG(int, brown_clusters, 500, "active clusters of the hierarchical clustering");
ABSL_FLAG(bool, cased, true, "hierarchical clusters of words as written instead of lower-cased");
ABSL_FLAG(int, threads, 2, "threads of the hierarchical clustering");

namespace {

// Adds the paragraphs of every JSON Lines record's title and body as token lists.
size_t AddJsonLines(const std::string& path, std::vector<std::vector<std::string>>* sentences) {
  size_t records = 0;
  // An unreadable file adds nothing; the caller reports an empty corpus.
  const std::string content = newsgraph::ReadMaybeGzippedFile(path).value_or("");
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    if (line.empty()) continue;
    google::protobuf::Struct object;
    if (!google::protobuf::util::JsonStringToMessage(std::string(line), &object).ok()) continue;
    ++records;
    for (const char* key : {"title", "body"}) {
      auto it = object.fields().find(key);
      if (it == object.fields().end()) continue;
      const std::string& text = it->second.string_value();
      for (absl::string_view paragraph : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
        std::vector<std::string> tokens;
        for (const auto& token : newsgraph::text::Tokenize(paragraph)) {
          tokens.emplace_back(token.in(paragraph));
        }
        if (!tokens.empty()) sentences->push_back(std::move(tokens));
      }
    }
  }
  return records;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace newsgraph::entity::ner;
  const std::string corpora = absl::GetFlag(FLAGS_corpora);
  std::vector<std::vector<std::string>> sentences;
  auto conll = ReadConll(corpora + "/conll2003/eng.train.gz");
  if (!conll.ok()) {
    std::fprintf(stderr, "learn_clusters: %s\n", conll.status().ToString().c_str());
    return 1;
  }
  for (const Sentence& s : *conll) sentences.push_back(s.tokens);
  std::printf("CoNLL-2003 train: %zu sentences\n", conll->size());
  for (const char* file : {"/reuters21578/reuters21578.jsonl.gz", "/bbc/bbc.jsonl.gz",
                           "/ag_news/ag_news_test.jsonl.gz"}) {
    std::printf("%s: %zu records\n", file, AddJsonLines(corpora + file, &sentences));
  }
  size_t tokens = 0;
  for (const auto& s : sentences) tokens += s.size();
  std::printf("%zu token sequences, %zu tokens\n", sentences.size(), tokens);
  std::fflush(stdout);
  const WordClusters clusters = LearnWordClusters(sentences, ClusterOptions());
  std::printf("clustered %zu words\n", clusters.size());
  auto saved = SaveWordClusters(clusters, absl::GetFlag(FLAGS_out));
  if (!saved.ok()) {
    std::fprintf(stderr, "learn_clusters: %s\n", saved.ToString().c_str());
    return 1;
  }
  if (const std::string paths_out = absl::GetFlag(FLAGS_paths_out); !paths_out.empty()) {
    BrownOptions options;
    options.clusters = absl::GetFlag(FLAGS_brown_clusters);
    options.threads = absl::GetFlag(FLAGS_threads);
    options.lowercase = !absl::GetFlag(FLAGS_cased);
    const auto start = std::chrono::steady_clock::now();
    const WordPaths paths =
        LearnBrownClusters(sentences, options, [&](size_t words, size_t total) {
          const double secs =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          std::printf("hierarchical clusters: %zu / %zu words (%.0f s)\n", words, total, secs);
          std::fflush(stdout);
        });
    std::printf("hierarchical clusters: %zu words\n", paths.size());
    auto written = SaveWordPaths(paths, paths_out);
    if (!written.ok()) {
      std::fprintf(stderr, "learn_clusters: %s\n", written.ToString().c_str());
      return 1;
    }
  }
  return 0;
}
