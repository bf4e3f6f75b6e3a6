#include "services/entity/word_shapes.h"

#include <gtest/gtest.h>

#include <string>

namespace newsgraph::entity {
namespace {

text::Token Tok(size_t begin, size_t end) {
  return {.byte_begin = begin, .byte_end = end, .kind = text::TokenKind::kWord};
}

TEST(StartsUpperTest, AsciiCase) {
  EXPECT_TRUE(StartsUpper("Apple"));
  EXPECT_TRUE(StartsUpper("A"));
  EXPECT_FALSE(StartsUpper("apple"));
  EXPECT_FALSE(StartsUpper("aPPLE"));
}

TEST(StartsUpperTest, EmptyAndCaselessStartsAreNotUpper) {
  EXPECT_FALSE(StartsUpper(""));
  EXPECT_FALSE(StartsUpper("1st"));
  EXPECT_FALSE(StartsUpper("\"Quoted\""));
  EXPECT_FALSE(StartsUpper("\xE6\x97\xA5\xE6\x9C\xAC"));  // "日本": no case
}

TEST(StartsUpperTest, MultiByteLettersOfAnyScript) {
  EXPECT_TRUE(StartsUpper("\xC3\x89mile"));                                       // "Émile"
  EXPECT_FALSE(StartsUpper("\xC3\xA9mile"));                                      // "émile"
  EXPECT_TRUE(StartsUpper("\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0"));   // "Москва"
  EXPECT_FALSE(StartsUpper("\xD0\xBC\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0"));  // "москва"
  EXPECT_TRUE(StartsUpper("\xCE\x91\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1"));           // "Αθήνα"
}

TEST(StartsUpperTest, TitleCaseLetterCounts) {
  // U+01C5 LATIN CAPITAL LETTER D WITH SMALL LETTER Z WITH CARON is title case.
  EXPECT_TRUE(StartsUpper("\xC7\x85uro"));
}

TEST(StartsUpperTest, LeadingCombiningMarkIsNotUpper) {
  // U+0301 COMBINING ACUTE ACCENT is the first code point, not the "A".
  EXPECT_FALSE(
      StartsUpper("\xCC\x81"
                  "A"));
}

TEST(StartsUpperTest, InvalidUtf8IsNotUpper) {
  EXPECT_FALSE(
      StartsUpper("\xFF"
                  "A"));
  EXPECT_FALSE(StartsUpper("\xC3"));  // truncated
}

TEST(IsAllCapsAcronymTest, TwoToSixCapitals) {
  EXPECT_TRUE(IsAllCapsAcronym("AB"));
  EXPECT_TRUE(IsAllCapsAcronym("SCO"));
  EXPECT_TRUE(IsAllCapsAcronym("ABCDEF"));
  EXPECT_FALSE(IsAllCapsAcronym(""));
  EXPECT_FALSE(IsAllCapsAcronym("A"));
  EXPECT_FALSE(IsAllCapsAcronym("ABCDEFG"));
}

TEST(IsAllCapsAcronymTest, DotsAreAllowed) {
  EXPECT_TRUE(IsAllCapsAcronym("U.N"));
  EXPECT_TRUE(IsAllCapsAcronym("U.N."));
  EXPECT_TRUE(IsAllCapsAcronym("U.S.A."));
}

TEST(IsAllCapsAcronymTest, DotsAloneAreNotCapitals) {
  EXPECT_FALSE(IsAllCapsAcronym(".."));
  EXPECT_FALSE(IsAllCapsAcronym("..."));
  EXPECT_FALSE(IsAllCapsAcronym(".A."));  // one capital
}

TEST(IsAllCapsAcronymTest, AnythingButAsciiCapitalsAndDotsIsRejected) {
  EXPECT_FALSE(IsAllCapsAcronym("Sco"));
  EXPECT_FALSE(IsAllCapsAcronym("sCO"));
  EXPECT_FALSE(IsAllCapsAcronym("B52"));
  EXPECT_FALSE(IsAllCapsAcronym("U-N"));
  EXPECT_FALSE(IsAllCapsAcronym("A B"));
  EXPECT_FALSE(IsAllCapsAcronym("\xC3\x89U"));  // "ÉU": É is not ASCII
}

TEST(LowerTest, LowersAsciiOnly) {
  EXPECT_EQ(Lower(""), "");
  EXPECT_EQ(Lower("HeLLo World"), "hello world");
  EXPECT_EQ(Lower("ABC-123!"), "abc-123!");
  // Non-ASCII capitals are left as they are: "ÉCOLE" -> "École".
  EXPECT_EQ(Lower("\xC3\x89"
                  "COLE"),
            "\xC3\x89"
            "cole");
}

TEST(AdjacentTest, OneOrTwoSpacesOrATab) {
  EXPECT_TRUE(Adjacent("New York", Tok(0, 3), Tok(4, 8)));
  EXPECT_TRUE(Adjacent("New  York", Tok(0, 3), Tok(5, 9)));
  EXPECT_TRUE(Adjacent("New\tYork", Tok(0, 3), Tok(4, 8)));
}

TEST(AdjacentTest, TouchingTokensAreAdjacent) {
  EXPECT_TRUE(Adjacent("$45", Tok(0, 1), Tok(1, 3)));
}

TEST(AdjacentTest, MoreThanTwoBytesOfWhitespaceIsTooFar) {
  EXPECT_FALSE(Adjacent("New   York", Tok(0, 3), Tok(6, 10)));
  // U+3000 IDEOGRAPHIC SPACE is one character but three bytes.
  EXPECT_FALSE(Adjacent("New\xE3\x80\x80York", Tok(0, 3), Tok(6, 10)));
}

TEST(AdjacentTest, TwoByteNoBreakSpaceIsAdjacent) {
  EXPECT_TRUE(Adjacent("New\xC2\xA0York", Tok(0, 3), Tok(5, 9)));
}

TEST(AdjacentTest, LineBreakSeparates) {
  EXPECT_FALSE(Adjacent("New\nYork", Tok(0, 3), Tok(4, 8)));
  EXPECT_FALSE(Adjacent("New\r\nYork", Tok(0, 3), Tok(5, 9)));
  EXPECT_FALSE(Adjacent("New \nYork", Tok(0, 3), Tok(5, 9)));
}

TEST(AdjacentTest, PunctuationBetweenIsNotWhitespace) {
  EXPECT_FALSE(Adjacent("Paris,France", Tok(0, 5), Tok(6, 12)));
  EXPECT_FALSE(Adjacent("Paris, France", Tok(0, 5), Tok(7, 13)));
  EXPECT_FALSE(Adjacent("Amir-Abdollahian", Tok(0, 4), Tok(5, 16)));
}

TEST(AdjacentTest, OrderMatters) {
  EXPECT_FALSE(Adjacent("New York", Tok(4, 8), Tok(0, 3)));
  EXPECT_FALSE(Adjacent("New York", Tok(0, 3), Tok(0, 3)));  // the same token
  EXPECT_FALSE(Adjacent("New York", Tok(0, 5), Tok(4, 8)));  // overlapping
}

TEST(AdjacentTest, WorksOnTokenizerOutput) {
  const std::string text = "met in New York\nyesterday";
  const std::vector<text::Token> tokens = text::Tokenize(text);
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_TRUE(Adjacent(text, tokens[2], tokens[3]));   // New York
  EXPECT_FALSE(Adjacent(text, tokens[3], tokens[4]));  // across the line break
}

}  // namespace
}  // namespace newsgraph::entity
