#include "services/entity/salience.h"

#include "gtest/gtest.h"

namespace newsgraph::entity {
namespace {

TEST(SalienceTest, ShareEarlinessAndTitleAddUpToAtMostOne) {
  // Half of 10 mentions, first at byte 0 of 1,000, named in the title.
  const MentionStats central{.mentions = 5, .first_byte = 0};
  EXPECT_FLOAT_EQ(Salience(central, 10, 1000, false), 0.55 * std::sqrt(0.5) + 0.25);
  EXPECT_FLOAT_EQ(Salience(central, 10, 1000, true), 0.55 * std::sqrt(0.5) + 0.25 + 0.2);
  const MentionStats everything{.mentions = 10, .first_byte = 0};
  EXPECT_FLOAT_EQ(Salience(everything, 10, 1000, true), 1.0f);
  // A late single mention is peripheral.
  const MentionStats late{.mentions = 1, .first_byte = 900};
  EXPECT_LT(Salience(late, 100, 1000, false), 0.1f);
  // Weights are options.
  EXPECT_FLOAT_EQ(Salience(late, 100, 1000, true, {.share = 0, .early = 0, .title = 0.5}), 0.5f);
  // Empty inputs do not divide by zero.
  EXPECT_FLOAT_EQ(Salience({}, 0, 0, false), 0.25f);
}

TEST(SalienceTest, NamedInTitleByAnyAlias) {
  newsgraph::v1::Entity entity;
  entity.add_aliases()->set_text("Shanghai Cooperation Organisation");
  entity.add_aliases()->set_text("SCO");
  EXPECT_TRUE(NamedInTitle(entity, "sco summit opens"));
  EXPECT_FALSE(NamedInTitle(entity, "summit opens"));
  EXPECT_FALSE(NamedInTitle(entity, ""));
}

}  // namespace
}  // namespace newsgraph::entity
