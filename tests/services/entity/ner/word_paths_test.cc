#include "services/entity/ner/word_paths.h"

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


TEST(WordPathsTest, SavesOneSortedLinePerWord) {
  ::newsgraph::testing::TempDir dir;
  NG_ASSERT_OK(
      SaveWordPaths({{"zebra", "111"}, {"apple", "0"}, {"mango", "0101"}}, dir.Sub("p.tsv")));
  EXPECT_EQ(::newsgraph::testing::ReadWholeFile(dir.Sub("p.tsv")), "apple\t0\nmango\t0101\nzebra\t111\n");
}

TEST(WordPathsTest, RoundTripsIncludingTheRootPath) {
  ::newsgraph::testing::TempDir dir;
  // The only word of a one-word tree sits at the root: an empty path.
  const WordPaths paths = {{"alone", ""}, {"Oslo", "10"}, {"oslo", "11"}};
  NG_ASSERT_OK(SaveWordPaths(paths, dir.Sub("p.tsv")));
  NG_ASSERT_OK_AND_ASSIGN(WordPaths loaded, LoadWordPaths(dir.Sub("p.tsv")));
  EXPECT_EQ(loaded, paths);
}

TEST(WordPathsTest, EmptyFileLoadsEmpty) {
  ::newsgraph::testing::TempDir dir;
  NG_ASSERT_OK(SaveWordPaths({}, dir.Sub("empty.tsv")));
  EXPECT_EQ(::newsgraph::testing::ReadWholeFile(dir.Sub("empty.tsv")), "");
  NG_ASSERT_OK_AND_ASSIGN(WordPaths loaded, LoadWordPaths(dir.Sub("empty.tsv")));
  EXPECT_THAT(loaded, IsEmpty());
}

TEST(WordPathsTest, SavingIntoAMissingDirectoryFails) {
  ::newsgraph::testing::TempDir dir;
  EXPECT_THAT(SaveWordPaths({{"apple", "0"}}, dir.Sub("no/such/p.tsv")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no/such/p.tsv")));
}

TEST(WordPathsTest, MissingFileIsNotFound) {
  ::newsgraph::testing::TempDir dir;
  EXPECT_THAT(LoadWordPaths(dir.Sub("absent.tsv")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.tsv")));
}

TEST(WordPathsTest, DamagedLinesAreInvalidWithTheirNumber) {
  ::newsgraph::testing::TempDir dir;
  for (const std::string bad : {
           "pear\n",         // no path
           "pear\t01\t1\n",  // three fields
           "\t0101\n",       // no word
           "pear\t0121\n",   // not bits
           "pear\t01 \n",    // trailing space
           "\n",             // blank line
       }) {
    WriteFile(dir.Sub("bad.tsv"), "apple\t0\n" + bad + "zebra\t1\n");
    EXPECT_THAT(LoadWordPaths(dir.Sub("bad.tsv")),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad.tsv:2:")))
        << bad;
  }
}

TEST(WordPathsTest, LaterLinesOfAWordWin) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("p.tsv"), "pear\t00\npear\t111\n");
  NG_ASSERT_OK_AND_ASSIGN(WordPaths loaded, LoadWordPaths(dir.Sub("p.tsv")));
  EXPECT_EQ(loaded, (WordPaths{{"pear", "111"}}));
}

}  // namespace
}  // namespace newsgraph::entity::ner
