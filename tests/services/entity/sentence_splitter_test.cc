#include "services/entity/sentence_splitter.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace newsgraph::entity {
namespace {

std::vector<std::string> Sentences(const std::string& text) {
  const SentenceSplit split = SplitSentences(text, text::Tokenize(text));
  std::vector<std::string> out;
  for (const auto& [begin, end] : split.sentences) out.push_back(text.substr(begin, end - begin));
  return out;
}

TEST(SentenceSplitterTest, EndsAtTerminalsButNotAfterAbbreviationsOrInitials) {
  EXPECT_THAT(Sentences("Mr. Smith met J. Doe in the U.S. capital. They talked? Yes!"),
              ::testing::ElementsAre("Mr. Smith met J. Doe in the U.S. capital.",
                                     "They talked?", "Yes!"));
}

TEST(SentenceSplitterTest, TakesClosingQuotesAndBracketsAndBreaksAtLines) {
  EXPECT_THAT(Sentences("He said: \"We agree.\" Then he left (quietly.) Done\nNext line"),
              ::testing::ElementsAre("He said: \"We agree.\"", "Then he left (quietly.)", "Done",
                                     "Next line"));
}

TEST(SentenceSplitterTest, MarksSentenceAndClauseStarts) {
  const std::string text = "Director Karin Holm: Roughly so. Then";
  const std::vector<text::Token> tokens = text::Tokenize(text);
  const SentenceSplit split = SplitSentences(text, tokens);
  ASSERT_EQ(split.starts_sentence.size(), tokens.size());
  std::vector<std::string> starts;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (split.starts_sentence[i]) starts.emplace_back(tokens[i].in(text));
  }
  EXPECT_THAT(starts, ::testing::ElementsAre("Director", "Roughly", "Then"));
  EXPECT_EQ(split.sentence_of.back(), 1u);
}

TEST(SentenceSplitterTest, EmptyTextHasNoSentences) {
  EXPECT_TRUE(Sentences("").empty());
  EXPECT_THAT(Sentences("no terminal"), ::testing::ElementsAre("no terminal"));
}

TEST(SentenceSplitterTest, HeadlineLinesAreMostlyCapitalizedAndEndNoSentence) {
  const std::string text = "Oil Prices Rise After Opec Meeting\nPrices rose after the Opec meeting.";
  const std::vector<text::Token> tokens = text::Tokenize(text);
  const std::vector<bool> headline = MarkHeadlineLines(text, tokens);
  for (size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(headline[i], tokens[i].byte_begin < text.find('\n')) << tokens[i].in(text);
  }
}

}  // namespace
}  // namespace newsgraph::entity
