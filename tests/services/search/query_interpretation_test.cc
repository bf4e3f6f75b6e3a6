#include "services/search/query_interpretation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testing/status_matchers.h"

namespace newsgraph::search {
namespace {

using Kind = QueryNode::Kind;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

// The texts of a node's children.
std::vector<std::string> Texts(const QueryNode& node) {
  std::vector<std::string> texts;
  for (const QueryNode& child : node.children) texts.push_back(child.text);
  return texts;
}

// The node's kMatch children.
std::vector<const QueryNode*> Matches(const QueryNode& node) {
  std::vector<const QueryNode*> matches;
  for (const QueryNode& child : node.children) {
    if (child.kind == Kind::kMatch) matches.push_back(&child);
  }
  return matches;
}

// The node's children other than kMatch.
std::vector<const QueryNode*> Others(const QueryNode& node) {
  std::vector<const QueryNode*> others;
  for (const QueryNode& child : node.children) {
    if (child.kind != Kind::kMatch) others.push_back(&child);
  }
  return others;
}

TEST(IsFunctionWordTest, FunctionAndQuestionWordsInAnyCase) {
  EXPECT_TRUE(IsFunctionWord("who"));
  EXPECT_TRUE(IsFunctionWord("WHO"));
  EXPECT_TRUE(IsFunctionWord("The"));
  EXPECT_TRUE(IsFunctionWord("of"));
  EXPECT_TRUE(IsFunctionWord("is"));
  EXPECT_TRUE(IsFunctionWord("Thé"));  // diacritics are folded
}

TEST(IsFunctionWordTest, ContentWordsAreNot) {
  EXPECT_FALSE(IsFunctionWord("afghanistan"));
  EXPECT_FALSE(IsFunctionWord("summit"));
  EXPECT_FALSE(IsFunctionWord("theory"));  // starts with a function word
  EXPECT_FALSE(IsFunctionWord(""));
}

TEST(RelaxPlainWordsTest, FunctionWordsAreLeftOutAndTheRestBecomeOneMatch) {
  const std::string query = "who asked about Afghanistan";
  NG_ASSERT_OK_AND_ASSIGN(QueryNode root, ParseQuery(query));
  Interpretation interpretation;
  RelaxPlainWords(&root, &interpretation);

  EXPECT_THAT(interpretation.ignored_words, ElementsAre("who", "about"));
  EXPECT_THAT(interpretation.optional_words, ElementsAre("asked", "Afghanistan"));
  ASSERT_EQ(root.kind, Kind::kAnd);
  ASSERT_EQ(root.children.size(), 1u);
  const QueryNode& match = root.children[0];
  ASSERT_EQ(match.kind, Kind::kMatch);
  EXPECT_THAT(Texts(match), ElementsAre("asked", "Afghanistan"));
  for (const QueryNode& word : match.children) EXPECT_EQ(word.kind, Kind::kTerm);
  EXPECT_EQ(match.children[0].skipped_before, 1u);  // "who"
  EXPECT_EQ(match.children[1].skipped_before, 1u);  // "about"
  EXPECT_EQ(match.begin, 0u);
  EXPECT_EQ(match.end, query.size());
}

TEST(RelaxPlainWordsTest, SkippedCountsConsecutiveFunctionWords) {
  NG_ASSERT_OK_AND_ASSIGN(QueryNode root, ParseQuery("summit of the leaders"));
  RelaxPlainWords(&root, nullptr);
  ASSERT_EQ(Matches(root).size(), 1u);
  const QueryNode& match = *Matches(root)[0];
  EXPECT_THAT(Texts(match), ElementsAre("summit", "leaders"));
  EXPECT_EQ(match.children[0].skipped_before, 0u);
  EXPECT_EQ(match.children[1].skipped_before, 2u);
}

TEST(RelaxPlainWordsTest, OnlyFunctionWordsAreAllKept) {
  NG_ASSERT_OK_AND_ASSIGN(QueryNode root, ParseQuery("The Who"));
  Interpretation interpretation;
  RelaxPlainWords(&root, &interpretation);
  EXPECT_THAT(interpretation.ignored_words, IsEmpty());
  EXPECT_THAT(interpretation.optional_words, ElementsAre("The", "Who"));
  ASSERT_EQ(Matches(root).size(), 1u);
  EXPECT_THAT(Texts(*Matches(root)[0]), ElementsAre("The", "Who"));
  EXPECT_EQ(Matches(root)[0]->children[1].skipped_before, 0u);
}

TEST(RelaxPlainWordsTest, SingleWordStaysATerm) {
  NG_ASSERT_OK_AND_ASSIGN(QueryNode root, ParseQuery("summit"));
  Interpretation interpretation;
  RelaxPlainWords(&root, &interpretation);
  EXPECT_EQ(root.kind, Kind::kTerm);
  EXPECT_EQ(root.text, "summit");
  EXPECT_THAT(interpretation.ignored_words, IsEmpty());
  EXPECT_THAT(interpretation.optional_words, ElementsAre("summit"));
}

TEST(RelaxPlainWordsTest, ExplicitSyntaxKeepsItsStrictMeaning) {
  NG_ASSERT_OK_AND_ASSIGN(QueryNode root,
                          ParseQuery("+summit \"foreign ministers\" title:talks source:TASS "
                                     "energ* published>=2023 (sco OR asean) the wheat"));
  Interpretation interpretation;
  RelaxPlainWords(&root, &interpretation);

  EXPECT_THAT(interpretation.ignored_words, ElementsAre("the"));
  EXPECT_THAT(interpretation.optional_words, Contains("wheat"));
  EXPECT_THAT(interpretation.optional_words, Not(Contains("summit")));
  EXPECT_THAT(interpretation.optional_words, Not(Contains("talks")));
  ASSERT_EQ(root.kind, Kind::kAnd);
  ASSERT_EQ(Matches(root).size(), 1u);
  EXPECT_THAT(Texts(*Matches(root)[0]), ElementsAre("wheat"));

  const std::vector<const QueryNode*> others = Others(root);
  ASSERT_EQ(others.size(), 7u);
  EXPECT_EQ(others[0]->kind, Kind::kTerm);
  EXPECT_EQ(others[0]->text, "summit");
  EXPECT_TRUE(others[0]->required);
  EXPECT_EQ(others[1]->kind, Kind::kPhrase);
  EXPECT_EQ(others[2]->kind, Kind::kTerm);
  EXPECT_EQ(others[2]->field, "title");
  EXPECT_EQ(others[3]->kind, Kind::kKeyword);
  EXPECT_EQ(others[4]->kind, Kind::kPrefix);
  EXPECT_EQ(others[5]->kind, Kind::kDateRange);
  EXPECT_EQ(others[6]->kind, Kind::kOr);
  EXPECT_THAT(Texts(*others[6]), ElementsAre("sco", "asean"));
  for (const QueryNode& alternative : others[6]->children) {
    EXPECT_EQ(alternative.kind, Kind::kTerm);
  }
}

TEST(RelaxPlainWordsTest, BothSidesOfAndStayRequired) {
  NG_ASSERT_OK_AND_ASSIGN(QueryNode root, ParseQuery("wheat AND prices"));
  Interpretation interpretation;
  RelaxPlainWords(&root, &interpretation);
  EXPECT_THAT(interpretation.optional_words, IsEmpty());
  EXPECT_THAT(interpretation.ignored_words, IsEmpty());
  EXPECT_TRUE(Matches(root).empty());
  EXPECT_THAT(Texts(root), ElementsAre("wheat", "prices"));
}

TEST(RelaxPlainWordsTest, WordsUnderNotAreUntouched) {
  NG_ASSERT_OK_AND_ASSIGN(QueryNode root, ParseQuery("summit -(the talks) NOT who"));
  Interpretation interpretation;
  RelaxPlainWords(&root, &interpretation);
  EXPECT_THAT(interpretation.ignored_words, IsEmpty());
  EXPECT_THAT(interpretation.optional_words, ElementsAre("summit"));

  const std::vector<const QueryNode*> others = Others(root);
  ASSERT_EQ(others.size(), 2u);
  ASSERT_EQ(others[0]->kind, Kind::kNot);
  const QueryNode& excluded = others[0]->children[0];
  EXPECT_EQ(excluded.kind, Kind::kAnd);
  EXPECT_THAT(Texts(excluded), ElementsAre("the", "talks"));
  ASSERT_EQ(others[1]->kind, Kind::kNot);
  EXPECT_EQ(others[1]->children[0].kind, Kind::kTerm);
  EXPECT_EQ(others[1]->children[0].text, "who");
}

TEST(RelaxPlainWordsTest, EachConjunctionOfAnOrIsRelaxedOnItsOwn) {
  NG_ASSERT_OK_AND_ASSIGN(QueryNode root, ParseQuery("who won the election OR the who"));
  Interpretation interpretation;
  RelaxPlainWords(&root, &interpretation);
  ASSERT_EQ(root.kind, Kind::kOr);
  ASSERT_EQ(root.children.size(), 2u);
  ASSERT_EQ(Matches(root.children[0]).size(), 1u);
  EXPECT_THAT(Texts(*Matches(root.children[0])[0]), ElementsAre("won", "election"));
  ASSERT_EQ(Matches(root.children[1]).size(), 1u);
  EXPECT_THAT(Texts(*Matches(root.children[1])[0]), ElementsAre("the", "who"));
  EXPECT_THAT(interpretation.ignored_words, ElementsAre("who", "the"));
  EXPECT_THAT(interpretation.optional_words, ElementsAre("won", "election", "the", "who"));
}

TEST(RelaxPlainWordsTest, IgnoredWordsAreInQueryOrderAcrossGroups) {
  NG_ASSERT_OK_AND_ASSIGN(QueryNode root, ParseQuery("who asked (about the summit) in Astana"));
  Interpretation interpretation;
  RelaxPlainWords(&root, &interpretation);
  EXPECT_THAT(interpretation.ignored_words, ElementsAre("who", "about", "the", "in"));
  EXPECT_THAT(interpretation.optional_words,
              ::testing::UnorderedElementsAre("asked", "summit", "Astana"));
}

TEST(RelaxPlainWordsTest, NullInterpretationRewritesTheSame) {
  NG_ASSERT_OK_AND_ASSIGN(QueryNode with, ParseQuery("who asked about afghanistan"));
  NG_ASSERT_OK_AND_ASSIGN(QueryNode without, ParseQuery("who asked about afghanistan"));
  Interpretation interpretation;
  RelaxPlainWords(&with, &interpretation);
  RelaxPlainWords(&without, nullptr);
  ASSERT_EQ(Matches(without).size(), 1u);
  EXPECT_THAT(Texts(*Matches(without)[0]), ElementsAre("asked", "afghanistan"));
  EXPECT_EQ(Texts(*Matches(with)[0]), Texts(*Matches(without)[0]));
}

}  // namespace
}  // namespace newsgraph::search
