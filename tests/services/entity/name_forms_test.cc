#include "services/entity/name_forms.h"

#include "gtest/gtest.h"

namespace newsgraph::entity {
namespace {

TEST(NameFormsTest, InitialsOfCapitalizedWordsOnly) {
  EXPECT_EQ(Initials("Shanghai Cooperation Organisation"), "sco");
  EXPECT_EQ(Initials("Bank of England"), "be");
  EXPECT_EQ(Initials("lower case"), "");
}

TEST(NameFormsTest, SpellingsAndHeadWords) {
  EXPECT_EQ(FoldSpelling("organisation"), "organization");
  EXPECT_EQ(FoldSpelling("organization"), "organization");
  EXPECT_TRUE(IsGenericOrgHead("organization"));
  EXPECT_TRUE(IsGenericOrgHead("council"));
  EXPECT_FALSE(IsGenericOrgHead("organisation"));  // fold the spelling first
  EXPECT_FALSE(IsGenericOrgHead("summit"));
}

TEST(NameFormsTest, FirstAndLastWordsFolded) {
  EXPECT_EQ(FirstWordFolded("Zhang Ming"), "zhang");
  EXPECT_EQ(LastWordFolded("Zhang Ming."), "ming");
  EXPECT_EQ(LastWordFolded("Ölfeld Müller"), "muller");
  EXPECT_EQ(FirstWordFolded("--"), "");
}

TEST(NameFormsTest, NameTypesAreResolvedValuesAreNot) {
  EXPECT_TRUE(IsNameType(newsgraph::v1::PERSON));
  EXPECT_TRUE(IsNameType(newsgraph::v1::LAW));
  EXPECT_FALSE(IsNameType(newsgraph::v1::DATE));
  EXPECT_FALSE(IsNameType(newsgraph::v1::MONEY));
}

}  // namespace
}  // namespace newsgraph::entity
