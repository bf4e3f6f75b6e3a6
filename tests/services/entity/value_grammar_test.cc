#include "services/entity/value_grammar.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace newsgraph::entity {
namespace {

struct Found {
  std::string text;
  newsgraph::v1::EntityType type;
  std::string value;
};

// Every value of `text`, scanning as the recognizer does.
std::vector<Found> Values(const std::string& text) {
  const std::vector<text::Token> tokens = text::Tokenize(text);
  std::vector<Found> out;
  size_t free_from = 0;
  for (size_t i = 0; i < tokens.size();) {
    std::optional<ValueMatch> match = MatchValue(text, tokens, i, free_from);
    if (!match.has_value()) {
      ++i;
      continue;
    }
    const size_t begin = tokens[match->first].byte_begin;
    free_from = tokens[match->last].byte_end;
    out.push_back({text.substr(begin, free_from - begin), match->type, match->value});
    i = match->last + 1;
  }
  return out;
}

TEST(ValueGrammarTest, PercentagesWithScaleAndSpelling) {
  const auto v = Values("up 5 % or 12.5 percent, not 3 per cent");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].value, "0.05");
  EXPECT_EQ(v[1].text, "12.5 percent");
  EXPECT_EQ(v[2].text, "3 per cent");
  EXPECT_EQ(v[2].type, newsgraph::v1::PERCENT);
}

TEST(ValueGrammarTest, MoneyBeforeAndAfterTheNumber) {
  const auto v = Values("a $5 million deal and 300 dlrs and 1,200 roubles");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].text, "$5 million");
  EXPECT_EQ(v[0].value, "USD 5000000");
  EXPECT_EQ(v[1].value, "USD 300");
  EXPECT_EQ(v[2].value, "RUB 1200");
  for (const Found& f : v) EXPECT_EQ(f.type, newsgraph::v1::MONEY);
}

TEST(ValueGrammarTest, DatesInEveryOrder) {
  const auto v = Values("on 17 January 2023, January 17, 2023, March 2024, in 1987 and on Monday");
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[0].value, "2023-01-17");
  EXPECT_EQ(v[1].value, "2023-01-17");
  EXPECT_EQ(v[2].value, "2024-03");
  EXPECT_EQ(v[3].value, "1987");
  EXPECT_EQ(v[4].text, "Monday");
  for (const Found& f : v) EXPECT_EQ(f.type, newsgraph::v1::DATE);
}

TEST(ValueGrammarTest, ShortMonthNamesAloneAndPlainNumbersAreNoValues) {
  EXPECT_TRUE(Values("May we ask 42 questions of 12345 people").empty());
  EXPECT_TRUE(Values("in the 2200s").empty());
}

TEST(ValueGrammarTest, DateWords) {
  EXPECT_TRUE(IsDateWord("march"));
  EXPECT_TRUE(IsDateWord("sept"));
  EXPECT_TRUE(IsDateWord("sunday"));
  EXPECT_FALSE(IsDateWord("mon"));
  EXPECT_FALSE(IsDateWord("March"));  // callers pass lower case
}

}  // namespace
}  // namespace newsgraph::entity
