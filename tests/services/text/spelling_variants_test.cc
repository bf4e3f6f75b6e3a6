#include "services/text/spelling_variants.h"

#include <gtest/gtest.h>

namespace newsgraph::text {
namespace {

TEST(SpellingVariantsTest, EachSpellingGivesTheOther) {
  EXPECT_EQ(OtherSpelling("theatre"), "theater");
  EXPECT_EQ(OtherSpelling("theater"), "theatre");
  EXPECT_EQ(OtherSpelling("organisation"), "organization");
  EXPECT_EQ(OtherSpelling("organization"), "organisation");
  EXPECT_EQ(OtherSpelling("neighbours"), "neighbors");  // plurals by their singular
  EXPECT_EQ(OtherSpelling("defence"), "defense");
}

TEST(SpellingVariantsTest, WordsThatOnlyLookLikeAFamilyHaveNone) {
  for (const char* word :
       {"four", "hour", "genre", "rise", "promise", "tour", "acre", "is", "news", "bus", ""}) {
    EXPECT_EQ(OtherSpelling(word), std::nullopt) << word;
  }
}

TEST(SpellingVariantsTest, AmericanSpellingFoldsEveryWordOfAName) {
  EXPECT_EQ(AmericanSpelling("shanghai cooperation organisation"),
            "shanghai cooperation organization");
  EXPECT_EQ(AmericanSpelling("treaty on good neighbourliness"), "treaty on good neighborliness");
  EXPECT_EQ(AmericanSpelling("labour ministers"), "labor ministers");
  // American spellings, other words and the spaces between them stay.
  EXPECT_EQ(AmericanSpelling("world health organization"), "world health organization");
  EXPECT_EQ(AmericanSpelling("four  rise"), "four  rise");
  EXPECT_EQ(AmericanSpelling(""), "");
}

}  // namespace
}  // namespace newsgraph::text
