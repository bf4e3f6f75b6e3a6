#include "services/entity/ner/brown_clusters.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace newsgraph::entity::ner {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

using Sentences = std::vector<std::vector<std::string>>;

BrownOptions Options(int clusters, int min_count) {
  BrownOptions options;
  options.clusters = clusters;
  options.min_count = min_count;
  options.threads = 1;
  return options;
}

// "The cat sat" and "a dog ran" patterns, each repeated `times` times.
Sentences Animals(int times) {
  Sentences out;
  for (int i = 0; i < times; ++i) {
    out.push_back({"The", "cat", "sat"});
    out.push_back({"the", "dog", "ran"});
    out.push_back({"a", "cat", "ran"});
    out.push_back({"a", "dog", "sat"});
  }
  return out;
}

TEST(BrownClustersTest, EmptyCorpusHasNoPaths) {
  EXPECT_THAT(LearnBrownClusters({}, Options(4, 1), {}), IsEmpty());
  EXPECT_THAT(LearnBrownClusters({{}, {}}, Options(4, 1), {}), IsEmpty());
}

TEST(BrownClustersTest, RareWordsAreLeftOut) {
  // Every word occurs twice here, below the minimum of three.
  EXPECT_THAT(LearnBrownClusters(Animals(1), Options(4, 3), {}), IsEmpty());
  const WordPaths paths = LearnBrownClusters(Animals(3), Options(8, 3), {});
  EXPECT_EQ(paths.size(), 6u);  // the, a, cat, dog, sat, ran
  EXPECT_TRUE(paths.contains("the"));
  EXPECT_FALSE(paths.contains("The"));
}

TEST(BrownClustersTest, OneWordSitsAtTheRoot) {
  const WordPaths paths = LearnBrownClusters({{"echo", "echo", "echo"}}, Options(4, 1), {});
  EXPECT_THAT(paths, UnorderedElementsAre(Pair("echo", "")));
}

TEST(BrownClustersTest, WordsAsWrittenWhenNotLowerCasing) {
  BrownOptions options = Options(8, 1);
  options.lowercase = false;
  const WordPaths paths = LearnBrownClusters(Animals(1), options, {});
  EXPECT_TRUE(paths.contains("The"));
  EXPECT_TRUE(paths.contains("the"));
  EXPECT_EQ(paths.size(), 7u);
}

TEST(BrownClustersTest, MaxWordsKeepsTheMostFrequent) {
  Sentences corpus = Animals(4);
  corpus.push_back({"cat", "cat", "cat"});  // cat: 11, dog: 8, the: 8, a: 8 ...
  BrownOptions options = Options(8, 1);
  options.max_words = 1;
  EXPECT_THAT(LearnBrownClusters(corpus, options, {}), UnorderedElementsAre(Pair("cat", "")));
  options.max_words = 3;
  const WordPaths paths = LearnBrownClusters(corpus, options, {});
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_TRUE(paths.contains("cat"));
}

TEST(BrownClustersTest, WithEnoughClustersEveryWordIsItsOwnLeaf) {
  const WordPaths paths = LearnBrownClusters(Animals(3), Options(16, 1), {});
  ASSERT_EQ(paths.size(), 6u);
  for (const auto& [word, path] : paths) {
    EXPECT_FALSE(path.empty()) << word;
    EXPECT_EQ(path.find_first_not_of("01"), std::string::npos) << word;
    for (const auto& [other, other_path] : paths) {
      if (other == word) continue;
      // Leaves of one tree: no path is a prefix of another.
      EXPECT_NE(other_path.rfind(path, 0), 0u)
          << word << " " << path << " / " << other << " " << other_path;
    }
  }
}

TEST(BrownClustersTest, FewClustersShareLeaves) {
  const WordPaths paths = LearnBrownClusters(Animals(3), Options(2, 1), {});
  ASSERT_EQ(paths.size(), 6u);
  std::vector<std::string> distinct;
  for (const auto& [word, path] : paths) {
    if (std::find(distinct.begin(), distinct.end(), path) == distinct.end()) {
      distinct.push_back(path);
    }
  }
  EXPECT_EQ(distinct.size(), 2u);
}

TEST(BrownClustersTest, ThreadsDoNotChangeTheResult) {
  BrownOptions one = Options(3, 1);
  BrownOptions four = Options(3, 1);
  four.threads = 4;
  EXPECT_EQ(LearnBrownClusters(Animals(3), one, {}), LearnBrownClusters(Animals(3), four, {}));
}

TEST(BrownClustersTest, ProgressEveryTwoThousandWords) {
  Sentences corpus;
  for (int i = 0; i < 2500; ++i) corpus.push_back({absl::StrCat("w", i), "and"});
  std::vector<std::pair<size_t, size_t>> reports;
  const WordPaths paths =
      LearnBrownClusters(corpus, Options(2, 1),
                         [&](size_t words, size_t total) { reports.emplace_back(words, total); });
  EXPECT_EQ(paths.size(), 2501u);
  EXPECT_THAT(reports, ElementsAre(Pair(2000u, 2501u)));
}

}  // namespace
}  // namespace newsgraph::entity::ner
