#include "services/search/synonyms.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/search/analyzer.h"

namespace newsgraph::search {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;

std::string Stem(const std::string& word) { return Analyze(word, "en").at(0).term; }

TEST(SynonymsTest, AWordFindsTheOthersOfItsGroupByStem) {
  EXPECT_THAT(SynonymsOf(Stem("drop")), Contains(Stem("fall")));
  EXPECT_THAT(SynonymsOf(Stem("drop")), Contains(Stem("plunge")));
  // Inflected forms share the stem.
  EXPECT_THAT(SynonymsOf(Stem("dropped")), Contains(Stem("falling")));
  EXPECT_THAT(SynonymsOf(Stem("film")), Contains(Stem("movies")));
}

TEST(SynonymsTest, GroupsAreSymmetricAndLeaveTheWordItselfOut) {
  for (const char* word : {"drop", "offer", "takeover", "jail", "win"}) {
    const std::string stem = Stem(word);
    EXPECT_THAT(SynonymsOf(stem), Not(Contains(stem))) << word;
    for (const std::string& other : SynonymsOf(stem)) {
      EXPECT_THAT(SynonymsOf(other), Contains(stem)) << word << " / " << other;
    }
  }
}

TEST(SynonymsTest, WordsWithASecondSenseHaveNone) {
  for (const char* word : {"fire", "name", "state", "strike", "the", "zebra", ""}) {
    const std::vector<AnalyzedToken> tokens = Analyze(word, "en");
    const std::string stem = tokens.empty() ? std::string(word) : tokens[0].term;
    EXPECT_THAT(SynonymsOf(stem), IsEmpty()) << word;
  }
}

}  // namespace
}  // namespace newsgraph::search
