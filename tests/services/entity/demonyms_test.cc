#include "services/entity/demonyms.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace newsgraph::entity {
namespace {

using ::testing::Contains;
using ::testing::Pair;
using Map = absl::flat_hash_map<std::string, std::string>;

TEST(DemonymsTest, IrregularFormsNeedNoCountries) {
  const Map demonyms = BuildDemonyms({});
  EXPECT_THAT(demonyms, Contains(Pair("french", "FR")));
  EXPECT_THAT(demonyms, Contains(Pair("british", "GB")));
  EXPECT_THAT(demonyms, Contains(Pair("dutch", "NL")));
  // Nothing is derived without countries.
  EXPECT_FALSE(demonyms.contains("russian"));
}

TEST(DemonymsTest, DerivesTheDocumentedRegularForms) {
  const Map demonyms =
      BuildDemonyms({{"russia", "RU"}, {"china", "CN"}, {"pakistan", "PK"}, {"poland", "PL"}});
  EXPECT_THAT(demonyms, Contains(Pair("russian", "RU")));
  EXPECT_THAT(demonyms, Contains(Pair("chinese", "CN")));
  EXPECT_THAT(demonyms, Contains(Pair("pakistani", "PK")));
  EXPECT_THAT(demonyms, Contains(Pair("polish", "PL")));
}

TEST(DemonymsTest, DerivesFormsOfOtherEndings) {
  const Map demonyms = BuildDemonyms({{"egypt", "EG"},
                                      {"canada", "CA"},
                                      {"germany", "DE"},
                                      {"mexico", "MX"},
                                      {"italy", "IT"},
                                      {"ukraine", "UA"},
                                      {"kenya", "KE"}});
  EXPECT_THAT(demonyms, Contains(Pair("egyptian", "EG")));
  EXPECT_THAT(demonyms, Contains(Pair("canadian", "CA")));
  EXPECT_THAT(demonyms, Contains(Pair("german", "DE")));
  EXPECT_THAT(demonyms, Contains(Pair("mexican", "MX")));
  EXPECT_THAT(demonyms, Contains(Pair("italian", "IT")));
  EXPECT_THAT(demonyms, Contains(Pair("ukrainian", "UA")));
  EXPECT_THAT(demonyms, Contains(Pair("kenyan", "KE")));
}

TEST(DemonymsTest, MultiWordNamesDeriveNothing) {
  const Map demonyms = BuildDemonyms({{"south africa", "ZA"}, {"new zealand", "NZ"}});
  EXPECT_FALSE(demonyms.contains("south african"));
  for (const auto& [form, code] : demonyms) {
    EXPECT_NE(code, "ZA") << form;
    EXPECT_NE(code, "NZ") << form;
  }
  EXPECT_EQ(demonyms, BuildDemonyms({}));
}

TEST(DemonymsTest, TheMoreRegularDerivationWins) {
  // "nigeria" + "n" is the first rule for names in -a; "niger" + "ian" only
  // the second for names ending in a consonant. Both give "nigerian".
  const Map demonyms = BuildDemonyms({{"niger", "NE"}, {"nigeria", "NG"}});
  EXPECT_THAT(demonyms, Contains(Pair("nigerian", "NG")));
  // And the other way round in the input.
  const Map reversed = BuildDemonyms({{"nigeria", "NG"}, {"niger", "NE"}});
  EXPECT_THAT(reversed, Contains(Pair("nigerian", "NG")));
}

TEST(DemonymsTest, EmptyNameDerivesNothing) {
  const Map demonyms = BuildDemonyms({{"", "XX"}});
  for (const auto& [form, code] : demonyms) EXPECT_NE(code, "XX") << form;
}

TEST(DemonymsTest, KeysAreTheFoldedForms) {
  const Map demonyms = BuildDemonyms({{"russia", "RU"}});
  for (const auto& [form, code] : demonyms) {
    for (char c : form) EXPECT_FALSE(c >= 'A' && c <= 'Z') << form;
    EXPECT_FALSE(code.empty()) << form;
  }
}

}  // namespace
}  // namespace newsgraph::entity
