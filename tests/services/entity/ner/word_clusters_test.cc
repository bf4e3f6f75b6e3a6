#include "services/entity/ner/word_clusters.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/testing/status_matchers.h"
#include "tests/testing/corpora.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity::ner {
namespace {

using ::newsgraph::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using ::newsgraph::testing::WriteFile;


TEST(WordClustersTest, SavesOneSortedLinePerWord) {
  ::newsgraph::testing::TempDir dir;
  const WordClusters clusters = {{"tuesday", {3, 18}}, {"bank", {1, 511}}, {"monday", {3, 17}}};
  NG_ASSERT_OK(SaveWordClusters(clusters, dir.Sub("c.tsv")));
  EXPECT_EQ(::newsgraph::testing::ReadWholeFile(dir.Sub("c.tsv")), "bank\t1\t511\nmonday\t3\t17\ntuesday\t3\t18\n");
}

TEST(WordClustersTest, RoundTripsIncludingTheLargestIds) {
  ::newsgraph::testing::TempDir dir;
  const WordClusters clusters = {{"zero", {0, 0}}, {"max", {65535, 65535}}, {"ünïcode", {7, 8}}};
  NG_ASSERT_OK(SaveWordClusters(clusters, dir.Sub("c.tsv")));
  NG_ASSERT_OK_AND_ASSIGN(WordClusters loaded, LoadWordClusters(dir.Sub("c.tsv")));
  ASSERT_EQ(loaded.size(), 3u);
  EXPECT_EQ(loaded.at("zero").coarse, 0);
  EXPECT_EQ(loaded.at("zero").fine, 0);
  EXPECT_EQ(loaded.at("max").coarse, 65535);
  EXPECT_EQ(loaded.at("max").fine, 65535);
  EXPECT_EQ(loaded.at("ünïcode").fine, 8);
}

TEST(WordClustersTest, EmptyMapSavesAnEmptyFileThatLoadsEmpty) {
  ::newsgraph::testing::TempDir dir;
  NG_ASSERT_OK(SaveWordClusters({}, dir.Sub("empty.tsv")));
  EXPECT_EQ(::newsgraph::testing::ReadWholeFile(dir.Sub("empty.tsv")), "");
  NG_ASSERT_OK_AND_ASSIGN(WordClusters loaded, LoadWordClusters(dir.Sub("empty.tsv")));
  EXPECT_THAT(loaded, IsEmpty());
}

TEST(WordClustersTest, SavingIntoAMissingDirectoryFails) {
  ::newsgraph::testing::TempDir dir;
  const absl::Status status = SaveWordClusters({{"bank", {1, 2}}}, dir.Sub("no/such/c.tsv"));
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("no/such/c.tsv")));
}

TEST(WordClustersTest, SavingReplacesAnOlderFile) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("c.tsv"), "old\t1\t1\nolder\t2\t2\n");
  NG_ASSERT_OK(SaveWordClusters({{"new", {4, 5}}}, dir.Sub("c.tsv")));
  EXPECT_EQ(::newsgraph::testing::ReadWholeFile(dir.Sub("c.tsv")), "new\t4\t5\n");
}

TEST(WordClustersTest, MissingFileIsNotFound) {
  ::newsgraph::testing::TempDir dir;
  EXPECT_THAT(LoadWordClusters(dir.Sub("absent.tsv")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.tsv")));
}

TEST(WordClustersTest, LinesThatAreNotThreeNumbersFieldsAreInvalid) {
  ::newsgraph::testing::TempDir dir;
  for (const std::string bad : {
           "bank\t1\n",        // two fields
           "bank\t1\t2\t3\n",  // four fields
           "bank 1 2\n",       // spaces are not separators
           "bank\t-1\t2\n",    // negative
           "bank\t1\tx\n",     // not a number
           "bank\t\t2\n",      // empty number
           "\n",               // blank line
       }) {
    WriteFile(dir.Sub("bad.tsv"), "monday\t3\t17\n" + bad);
    EXPECT_THAT(LoadWordClusters(dir.Sub("bad.tsv")),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad.tsv:2:")))
        << bad;
  }
}

TEST(WordClustersTest, LaterLinesOfAWordWin) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("c.tsv"), "bank\t1\t2\nbank\t3\t4\n");
  NG_ASSERT_OK_AND_ASSIGN(WordClusters loaded, LoadWordClusters(dir.Sub("c.tsv")));
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded.at("bank").coarse, 3);
  EXPECT_EQ(loaded.at("bank").fine, 4);
}

TEST(WordClustersTest, IdsTooLargeForSixteenBitsAreInvalid) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("big.tsv"), "bank\t65536\t1\n");
  EXPECT_THAT(LoadWordClusters(dir.Sub("big.tsv")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("big.tsv:1:")));
}

}  // namespace
}  // namespace newsgraph::entity::ner
