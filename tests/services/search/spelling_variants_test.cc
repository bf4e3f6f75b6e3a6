#include "services/search/spelling_variants.h"

#include <gtest/gtest.h>

namespace newsgraph::search {
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

}  // namespace
}  // namespace newsgraph::search
