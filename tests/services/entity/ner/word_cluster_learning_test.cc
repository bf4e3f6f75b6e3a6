// The cluster learners (tools only) and the cluster files the tagger loads.
#include "services/entity/ner/word_cluster_learning.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/entity/ner/brown_clusters.h"
#include "services/entity/ner/word_clusters.h"
#include "services/entity/ner/word_paths.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity::ner {
namespace {

const std::vector<std::string> kDays = {"monday", "tuesday", "wednesday", "thursday"};
const std::vector<std::string> kFirms = {"bank", "firm", "company", "group"};

// Days only ever appear as "on <day> morning", firms as "the <firm> said";
// "zebra" appears once.
std::vector<std::vector<std::string>> Corpus() {
  std::vector<std::vector<std::string>> sentences;
  for (int repeat = 0; repeat < 20; ++repeat) {
    for (const std::string& day : kDays) sentences.push_back({"on", day, "morning"});
    for (const std::string& firm : kFirms) sentences.push_back({"The", firm, "said"});
  }
  sentences.push_back({"a", "zebra"});
  return sentences;
}

size_t CommonPrefix(const std::string& a, const std::string& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

TEST(WordClusterLearningTest, WordsUsedAlikeShareTheirClusters) {
  ClusterOptions options;
  options.min_count = 5;
  options.context_words = 10;
  options.dimensions = 16;
  options.coarse_clusters = 2;
  options.fine_clusters = 4;
  const WordClusters clusters = LearnWordClusters(Corpus(), options);
  for (const auto* group : {&kDays, &kFirms}) {
    ASSERT_TRUE(clusters.contains(group->front()));
    const ClusterIds first = clusters.at(group->front());
    for (const std::string& word : *group) {
      ASSERT_TRUE(clusters.contains(word)) << word;
      EXPECT_EQ(clusters.at(word).coarse, first.coarse) << word;
      EXPECT_EQ(clusters.at(word).fine, first.fine) << word;
    }
  }
  EXPECT_TRUE(clusters.contains("the")) << "words are lower-cased";
  EXPECT_FALSE(clusters.contains("The"));
  EXPECT_FALSE(clusters.contains("zebra")) << "seen fewer than min_count times";
}

TEST(WordClusterLearningTest, OnlyTheMostFrequentWordsAreClustered) {
  ClusterOptions options;
  options.min_count = 1;
  options.max_words = 3;
  options.context_words = 10;
  options.dimensions = 8;
  options.coarse_clusters = 2;
  options.fine_clusters = 2;
  const WordClusters clusters = LearnWordClusters(Corpus(), options);
  EXPECT_EQ(clusters.size(), 3u);
  // Three of the four words used 80 times; no day or firm (20 times each).
  for (const auto& [word, ids] : clusters) {
    EXPECT_TRUE(word == "on" || word == "morning" || word == "the" || word == "said") << word;
  }
}

TEST(BrownClustersTest, WordsUsedAlikeMergeBeforeOthers) {
  BrownOptions options;
  options.clusters = 4;
  options.min_count = 5;
  options.threads = 1;
  const WordPaths paths = LearnBrownClusters(Corpus(), options, /*progress=*/{});
  for (const std::string& word : kDays) ASSERT_TRUE(paths.contains(word)) << word;
  for (const std::string& word : kFirms) ASSERT_TRUE(paths.contains(word)) << word;
  EXPECT_FALSE(paths.contains("zebra"));
  for (const auto& [word, path] : paths) {
    EXPECT_FALSE(path.empty()) << word;
    EXPECT_EQ(path.find_first_not_of("01"), std::string::npos) << word << " " << path;
  }
  // Two days, or two firms, share more of their path than a day and a firm.
  const size_t days = CommonPrefix(paths.at("monday"), paths.at("tuesday"));
  const size_t firms = CommonPrefix(paths.at("bank"), paths.at("firm"));
  const size_t across = CommonPrefix(paths.at("monday"), paths.at("bank"));
  EXPECT_GT(days, across);
  EXPECT_GT(firms, across);
}

TEST(ClusterFilesTest, SavedClustersAndPathsLoadBackTheSame) {
  ::newsgraph::testing::TempDir dir;
  const WordClusters clusters = {{"monday", {3, 17}}, {"bank", {1, 511}}};
  const std::string clusters_file = dir.path() + "/clusters.tsv";
  ASSERT_TRUE(SaveWordClusters(clusters, clusters_file).ok());
  absl::StatusOr<WordClusters> loaded = LoadWordClusters(clusters_file);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ(loaded->at("monday").coarse, 3);
  EXPECT_EQ(loaded->at("bank").fine, 511);

  const WordPaths paths = {{"monday", "0110"}, {"bank", "1"}};
  const std::string paths_file = dir.path() + "/paths.tsv";
  ASSERT_TRUE(SaveWordPaths(paths, paths_file).ok());
  absl::StatusOr<WordPaths> loaded_paths = LoadWordPaths(paths_file);
  ASSERT_TRUE(loaded_paths.ok()) << loaded_paths.status();
  EXPECT_EQ(*loaded_paths, paths);
  // Sorted by word, one per line.
  std::ifstream in(paths_file);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "bank\t1");
}

TEST(ClusterFilesTest, DamagedFilesNameTheirLine) {
  ::newsgraph::testing::TempDir dir;
  const std::string file = dir.path() + "/bad.tsv";
  std::ofstream(file) << "monday\t3\t17\nbank\tthree\t5\n";
  absl::StatusOr<WordClusters> clusters = LoadWordClusters(file);
  EXPECT_EQ(clusters.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(clusters.status().message().find(":2:"), std::string::npos) << clusters.status();

  std::ofstream(file, std::ios::trunc) << "monday\t0110\nbank\t012\n";
  absl::StatusOr<WordPaths> paths = LoadWordPaths(file);
  EXPECT_EQ(paths.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(paths.status().message().find(":2:"), std::string::npos) << paths.status();

  EXPECT_EQ(LoadWordClusters(dir.path() + "/missing.tsv").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(LoadWordPaths(dir.path() + "/missing.tsv").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace newsgraph::entity::ner
