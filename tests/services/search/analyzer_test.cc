#include "services/search/analyzer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace newsgraph::search {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Terms(absl::string_view text, absl::string_view language = "en") {
  std::vector<std::string> terms;
  for (const AnalyzedToken& t : Analyze(text, language)) terms.push_back(t.term);
  return terms;
}

TEST(AnalyzerTest, FoldsCaseAndDiacriticsLikeTheQuerySide) {
  EXPECT_EQ(Terms("Türkiye"), Terms("turkiye"));
  EXPECT_EQ(Terms("TÜRKIYE"), Terms("Turkiye"));
  EXPECT_EQ(FoldWord("Énergie"), "energie");
  EXPECT_EQ(FoldWord("Straße"), "strasse");
  EXPECT_EQ(AnalyzeWord("Ministers", "en"), AnalyzeWord("minister", "en"));
}

TEST(AnalyzerTest, StemsEnglishOnlyAndKeepsStopWordsForPhrases) {
  EXPECT_THAT(Terms("The ministers were meeting"), ElementsAre("the", "minist", "were", "meet"));
  // Other languages are folded, not stemmed.
  EXPECT_THAT(Terms("ministers meeting", "de"), ElementsAre("ministers", "meeting"));
  // Positions count every word, so "the organization" stays a phrase.
  const auto tokens = Analyze("Head of the Organization", "en");
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[3].position, 3u);
}

TEST(AnalyzerTest, SegmentsCyrillicAndChineseWithOffsetsIntoTheText) {
  const std::string text = "Москва и Пекин: 上海合作组织 summit";
  const auto tokens = Analyze(text, "");
  ASSERT_GE(tokens.size(), 5u);
  EXPECT_EQ(tokens[0].term, "москва");
  EXPECT_EQ(tokens[2].term, "пекин");
  bool chinese = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(tokens[i].position, i);
    const std::string original = text.substr(tokens[i].byte_begin,
                                             tokens[i].byte_end - tokens[i].byte_begin);
    EXPECT_EQ(FoldWord(original).empty(), false) << original;
    chinese |= original.find("上海") != std::string::npos || original == "上" ;
  }
  EXPECT_TRUE(chinese);
  EXPECT_EQ(tokens.back().term, "summit");
}

TEST(AnalyzerTest, NumbersHyphensAndLongTerms) {
  EXPECT_THAT(Terms("Resolution 59/48"), ElementsAre("resolut", "59", "48"));
  const std::vector<std::string> hyphen = Terms("Secretary-General");
  EXPECT_EQ(hyphen.size(), 2u);
  const std::string long_word(200, 'x');
  const auto tokens = Analyze(long_word, "en");
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].term.size(), kMaxTermBytes);
  EXPECT_TRUE(Analyze("  ,;  ", "en").empty());
}

}  // namespace
}  // namespace newsgraph::search
