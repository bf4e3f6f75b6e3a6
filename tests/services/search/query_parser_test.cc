#include "services/search/query_parser.h"

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace newsgraph::search {
namespace {

using Kind = QueryNode::Kind;
using ::newsgraph::testing::StatusIs;
using ::testing::HasSubstr;

TEST(QueryParserTest, ParsesImplicitAndWithPhraseExclusionAndFields) {
  NG_ASSERT_OK_AND_ASSIGN(
      QueryNode q, ParseQuery("zhang \"foreign ministers\" -sanctions title:summit source:TASS"));
  ASSERT_EQ(q.kind, Kind::kAnd);
  ASSERT_EQ(q.children.size(), 5u);
  EXPECT_EQ(q.children[0].kind, Kind::kTerm);
  EXPECT_EQ(q.children[1].kind, Kind::kPhrase);
  EXPECT_EQ(q.children[1].text, "foreign ministers");
  EXPECT_EQ(q.children[2].kind, Kind::kNot);
  EXPECT_EQ(q.children[3].field, "title");
  EXPECT_EQ(q.children[4].kind, Kind::kKeyword);
  EXPECT_EQ(q.children[4].text, "TASS");
}

TEST(QueryParserTest, OrBindsLooserThanAndAndParenthesesGroup) {
  NG_ASSERT_OK_AND_ASSIGN(QueryNode q, ParseQuery("a b OR (c OR d) e"));
  ASSERT_EQ(q.kind, Kind::kOr);
  ASSERT_EQ(q.children.size(), 2u);
  EXPECT_EQ(q.children[0].kind, Kind::kAnd);
  EXPECT_EQ(q.children[1].kind, Kind::kAnd);
  EXPECT_EQ(q.children[1].children[0].kind, Kind::kOr);
}

TEST(QueryParserTest, PrefixEntityAndDates) {
  NG_ASSERT_OK_AND_ASSIGN(
      QueryNode q, ParseQuery("energ* entity:\"Zhang Ming\" published>=2023-01 published<2024"));
  ASSERT_EQ(q.children.size(), 4u);
  EXPECT_EQ(q.children[0].kind, Kind::kPrefix);
  EXPECT_EQ(q.children[0].text, "energ");
  EXPECT_EQ(q.children[1].kind, Kind::kKeyword);
  EXPECT_EQ(q.children[1].text, "Zhang Ming");
  EXPECT_EQ(q.children[2].from, absl::FromCivil(absl::CivilDay(2023, 1, 1), absl::UTCTimeZone()));
  EXPECT_EQ(q.children[3].to, absl::FromCivil(absl::CivilDay(2024, 1, 1), absl::UTCTimeZone()));
}

TEST(QueryParserTest, UnknownFieldIsPlainText) {
  NG_ASSERT_OK_AND_ASSIGN(QueryNode q, ParseQuery("note:this"));
  EXPECT_EQ(q.kind, Kind::kTerm);
  EXPECT_EQ(q.text, "note:this");
}

TEST(QueryParserTest, SyntaxErrorsNamePositions) {
  EXPECT_THAT(ParseQuery("a \"open phrase"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("position 2")));
  EXPECT_THAT(ParseQuery("(a OR b"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unclosed '('")));
  EXPECT_THAT(ParseQuery("a)"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("position 1: unmatched ')'")));
  EXPECT_THAT(ParseQuery("a OR"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("OR needs a term")));
  EXPECT_THAT(ParseQuery("- a"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseQuery("published>=yesterday"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad date")));
  EXPECT_THAT(ParseQuery("a*"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseQuery("title: x"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(QueryParserTest, LimitsTermsAndNesting) {
  std::string many;
  for (int i = 0; i < 10000; ++i) many += "w" + std::to_string(i) + " ";
  EXPECT_THAT(ParseQuery(many),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("more than 256 terms")));
  EXPECT_THAT(ParseQuery(std::string(100, '(') + "a" + std::string(100, ')')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested deeper")));
}

}  // namespace
}  // namespace newsgraph::search
