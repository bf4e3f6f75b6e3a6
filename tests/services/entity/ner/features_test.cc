#include "services/entity/ner/features.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace newsgraph::entity::ner {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::vector<TokenInfo> Describe(const std::vector<std::string>& tokens,
                                const Lexicons& lexicons = Lexicons(),
                                const absl::flat_hash_set<std::string>* lowercase = nullptr) {
  return DescribeTokens(tokens, lexicons, lowercase);
}

// The features of token `i` computed afresh (the tests change tokens after
// describing them, which the cached context features do not follow).
std::vector<uint64_t> Features(std::vector<TokenInfo> sentence, size_t i, int document_tag = -1) {
  for (TokenInfo& token : sentence) token.context_features.clear();
  std::vector<uint64_t> features;
  ExtractFeatures(sentence, i, document_tag, &features);
  return features;
}

// ---------------------------------------------------------------------------
// DescribeTokens

TEST(DescribeTokensTest, AnEmptySentenceHasNoTokens) { EXPECT_THAT(Describe({}), IsEmpty()); }

TEST(DescribeTokensTest, WordsAreKeptAndLowerCasedInAscii) {
  const std::vector<TokenInfo> t = Describe({"McDonald's", "ZÜRICH", "eu-27"});
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].word, "McDonald's");
  EXPECT_EQ(t[0].lower, "mcdonald's");
  // Only ASCII letters are lowered.
  EXPECT_EQ(t[1].lower, "z\xC3\x9Crich");
  EXPECT_EQ(t[2].lower, "eu-27");
}

TEST(DescribeTokensTest, ShapesMapLettersDigitsAndOtherBytes) {
  const std::vector<TokenInfo> t =
      Describe({"Paris", "NATO", "1990-91", "McDonald's", "a", "Zürich", "$5.2bn", ""});
  ASSERT_EQ(t.size(), 8u);
  // Runs of one kind are cut at two in the shape and at one in the short shape.
  EXPECT_EQ(t[0].shape, "Xxx");
  EXPECT_EQ(t[0].short_shape, "Xx");
  EXPECT_EQ(t[1].shape, "XX");
  EXPECT_EQ(t[1].short_shape, "X");
  EXPECT_EQ(t[2].shape, "dd-dd");
  EXPECT_EQ(t[2].short_shape, "d-d");
  EXPECT_EQ(t[3].shape, "XxXxx'x");
  EXPECT_EQ(t[3].short_shape, "XxXx'x");
  EXPECT_EQ(t[4].shape, "x");
  EXPECT_EQ(t[4].short_shape, "x");
  // Every byte of a non-ASCII letter is 'u'.
  EXPECT_EQ(t[5].shape, "Xuuxx");
  EXPECT_EQ(t[5].short_shape, "Xux");
  EXPECT_EQ(t[6].shape, "$d.dxx");
  EXPECT_EQ(t[6].short_shape, "$d.dx");
  EXPECT_EQ(t[7].shape, "");
  EXPECT_EQ(t[7].short_shape, "");
}

TEST(DescribeTokensTest, ASentenceOfCapitalsFromEightLettersOnIsAHeadline) {
  auto all_caps = [](const std::vector<std::string>& tokens) {
    const std::vector<TokenInfo> t = Describe(tokens);
    for (const TokenInfo& token : t) EXPECT_EQ(token.all_caps_sentence, t[0].all_caps_sentence);
    return t[0].all_caps_sentence;
  };
  EXPECT_TRUE(all_caps({"TALKS", "END", "IN", "PARIS"}));
  EXPECT_FALSE(all_caps({"UN", "OK"}));            // four letters only
  EXPECT_FALSE(all_caps({"ABCDEFG"}));             // seven
  EXPECT_TRUE(all_caps({"ABCDEFGH"}));             // eight
  EXPECT_TRUE(all_caps({"ABCDEFGHI", "j", "2"}));  // nine of ten letters
  EXPECT_FALSE(all_caps({"ABCDEFGH", "ij"}));      // eight of ten
  EXPECT_FALSE(all_caps({"Talks", "End", "In", "Paris"}));
}

TEST(DescribeTokensTest, ATableLineHasDigitsAndNoLowerCaseWordOfThreeLetters) {
  auto table = [](const std::vector<std::string>& tokens) {
    return Describe(tokens).back().table_line;
  };
  EXPECT_TRUE(table({"Porto", "3", "Benfica", "1"}));
  EXPECT_TRUE(table({"Porto", "3", "to", "1"}));  // "to" is short
  EXPECT_TRUE(table({"2.", "Hamilton", "(", "GBR", ")"}));
  EXPECT_FALSE(table({"Porto", "won", "3"}));
  EXPECT_FALSE(table({"Porto", "Benfica"}));        // no digits
  EXPECT_FALSE(table({"Porto", "x3", "Benfica"}));  // a digit, but not leading a token
}

TEST(DescribeTokensTest, LexiconsMarkPlacesDictionaryWordsClustersAndPaths) {
  Lexicons lexicons;
  lexicons.places = {"paris", "new york"};
  lexicons.common_words = {"talks", "may"};
  lexicons.proper_words = {"may", "paris"};
  lexicons.clusters["paris"] = ClusterIds{.coarse = 3, .fine = 41};
  lexicons.paths["Paris"] = "0110101";
  lexicons.paths["talks"] = "1110";
  lexicons.paths["may"] = "0001";
  const std::vector<TokenInfo> t = Describe({"Paris", "TALKS", "May", "Oslo"}, lexicons);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_TRUE(t[0].in_gazetteer);
  EXPECT_EQ(t[0].cluster_coarse, 3);
  EXPECT_EQ(t[0].cluster_fine, 41);
  EXPECT_EQ(t[0].path, "0110101");  // as written
  EXPECT_FALSE(t[0].common_word);
  EXPECT_TRUE(t[0].proper_word);
  EXPECT_FALSE(t[1].in_gazetteer);
  EXPECT_EQ(t[1].cluster_coarse, -1);
  EXPECT_EQ(t[1].cluster_fine, -1);
  EXPECT_EQ(t[1].path, "1110");  // lower-cased
  EXPECT_TRUE(t[1].common_word);
  EXPECT_FALSE(t[1].proper_word);
  EXPECT_TRUE(t[2].common_word);
  EXPECT_TRUE(t[2].proper_word);
  EXPECT_FALSE(t[3].in_gazetteer);
  EXPECT_TRUE(t[3].path.empty());
  EXPECT_FALSE(t[3].common_word || t[3].proper_word);
}

TEST(DescribeTokensTest, AWrittenPathWinsOverTheLowerCasedOne) {
  Lexicons lexicons;
  lexicons.paths["Apple"] = "10";
  lexicons.paths["apple"] = "01";
  const std::vector<TokenInfo> t = Describe({"Apple", "apple", "APPLE"}, lexicons);
  EXPECT_EQ(t[0].path, "10");
  EXPECT_EQ(t[1].path, "01");
  EXPECT_EQ(t[2].path, "01");
}

TEST(DescribeTokensTest, SeenLowercaseComesFromTheDocumentsLowerCaseWords) {
  const absl::flat_hash_set<std::string> lowercase = {"apple", "may"};
  const std::vector<TokenInfo> t = Describe({"Apple", "May", "Banana"}, Lexicons(), &lowercase);
  EXPECT_TRUE(t[0].seen_lowercase);
  EXPECT_TRUE(t[1].seen_lowercase);
  EXPECT_FALSE(t[2].seen_lowercase);
  for (const TokenInfo& token : Describe({"Apple"}, Lexicons(), nullptr)) {
    EXPECT_FALSE(token.seen_lowercase);
  }
}

TEST(DescribeTokensTest, NameListsMatchPhrasesStartingAtCapitalizedWords) {
  Lexicons lexicons;
  const int person = lexicons.gazetteer.Category("first_name");
  const int place = lexicons.gazetteer.Category("iso:country");
  lexicons.gazetteer.Add("New Zealand", place);
  lexicons.gazetteer.Add("Grace", person);
  const std::vector<TokenInfo> t =
      Describe({"Grace", "visited", "New", "Zealand", "with", "grace"}, lexicons);
  ASSERT_EQ(t.size(), 6u);
  ASSERT_EQ(t[0].lists.size(), 1u);
  EXPECT_EQ(t[0].lists[0].category, person);
  EXPECT_EQ(t[0].lists[0].position, 'U');
  EXPECT_THAT(t[1].lists, IsEmpty());
  ASSERT_EQ(t[2].lists.size(), 1u);
  EXPECT_EQ(t[2].lists[0].category, place);
  EXPECT_EQ(t[2].lists[0].position, 'B');
  ASSERT_EQ(t[3].lists.size(), 1u);
  EXPECT_EQ(t[3].lists[0].position, 'L');
  EXPECT_THAT(t[5].lists, IsEmpty());  // lower case: may not start a name
  // The places list is separate from the name lists.
  EXPECT_FALSE(t[2].in_gazetteer);
}

TEST(DescribeTokensTest, FirstPassFieldsStartUnset) {
  for (const TokenInfo& token : Describe({"Oslo", "talks"})) {
    EXPECT_EQ(token.first_pass_type, -1);
    EXPECT_EQ(token.first_pass_majority, -1);
    EXPECT_EQ(token.first_pass_longest_type, -1);
    EXPECT_EQ(token.first_pass_longest_length, 0);
  }
}

// ---------------------------------------------------------------------------
// LowercaseWords

TEST(LowercaseWordsTest, CollectsWordsStartingWithALowerCaseLetterOverSentences) {
  const std::vector<std::string> first = {"Apple", "sold", "apple", "juice", "3rd", ""};
  const std::vector<std::string> second = {"juice", "iPhone", "US", "eBay"};
  EXPECT_THAT(LowercaseWords({&first, &second}),
              UnorderedElementsAre("sold", "apple", "juice", "iPhone", "eBay"));
  EXPECT_THAT(LowercaseWords({}), IsEmpty());
}

// ---------------------------------------------------------------------------
// ExtractFeatures

TEST(ExtractFeaturesTest, ReplacesWhatTheVectorHeldAndIsDeterministic) {
  const std::vector<TokenInfo> s = Describe({"Talks", "in", "Paris", "ended"});
  std::vector<uint64_t> features = {1, 2, 3};
  ExtractFeatures(s, 2, -1, &features);
  EXPECT_FALSE(features.empty());
  EXPECT_EQ(features, Features(s, 2));
  EXPECT_EQ(Features(Describe({"Talks", "in", "Paris", "ended"}), 2), features);
}

// DescribeTokens computes each token's context features once; both passes
// reuse them, and only the pass features follow the first pass.
TEST(ExtractFeaturesTest, DescribedTokensCarryTheirContextFeatures) {
  Lexicons lexicons;
  lexicons.places = {"paris"};
  lexicons.clusters["paris"] = ClusterIds{.coarse = 3, .fine = 41};
  std::vector<TokenInfo> s = Describe({"Talks", "in", "Paris", "ended", "."}, lexicons);
  for (size_t i = 0; i < s.size(); ++i) {
    std::vector<uint64_t> context;
    ContextFeatures(s, i, &context);
    EXPECT_EQ(s[i].context_features, context) << "token " << i;
    std::vector<uint64_t> cached;
    ExtractFeatures(s, i, 2, &cached);
    EXPECT_EQ(cached, Features(s, i, 2)) << "token " << i;
    ASSERT_GE(cached.size(), context.size());
    EXPECT_TRUE(std::equal(context.begin(), context.end(), cached.begin()));
  }
  std::vector<uint64_t> pass;
  PassFeatures(s, 2, -1, &pass);
  s[2].first_pass_type = 3;
  std::vector<uint64_t> after;
  PassFeatures(s, 2, -1, &after);
  EXPECT_NE(pass, after);
  EXPECT_EQ(pass.size(), after.size());
}

TEST(ExtractFeaturesTest, EveryTemplateGivesADistinctFeature) {
  const std::vector<TokenInfo> s = Describe({"Talks", "in", "Paris", "ended"});
  for (size_t i = 0; i < s.size(); ++i) {
    const std::vector<uint64_t> features = Features(s, i);
    const absl::flat_hash_set<uint64_t> distinct(features.begin(), features.end());
    EXPECT_EQ(distinct.size(), features.size()) << "token " << i;
  }
}

TEST(ExtractFeaturesTest, TheBiasFeatureIsSharedAndTheWordFeaturesAreNot) {
  const std::vector<TokenInfo> s = Describe({"Talks", "in", "Paris"});
  const std::vector<uint64_t> talks = Features(s, 0);
  const std::vector<uint64_t> paris = Features(s, 2);
  const std::vector<uint64_t> other = Features(Describe({"Rome"}), 0);
  ASSERT_FALSE(talks.empty());
  EXPECT_EQ(talks[0], paris[0]);
  EXPECT_EQ(talks[0], other[0]);
  EXPECT_NE(talks[1], paris[1]);
}

TEST(ExtractFeaturesTest, OnlyWordsWithinTwoPositionsMatter) {
  const std::vector<uint64_t> base =
      Features(Describe({"A", "new", "deal", "for", "Kenya", "today", "again"}), 3);
  // Changing a word three away changes nothing...
  EXPECT_EQ(Features(Describe({"The", "new", "deal", "for", "Kenya", "today", "again"}), 3), base);
  EXPECT_EQ(Features(Describe({"A", "new", "deal", "for", "Kenya", "today", "once"}), 3), base);
  // ...changing one two away does.
  EXPECT_NE(Features(Describe({"A", "old", "deal", "for", "Kenya", "today", "again"}), 3), base);
  EXPECT_NE(Features(Describe({"A", "new", "deal", "for", "Kenya", "soon", "again"}), 3), base);
}

TEST(ExtractFeaturesTest, SentenceBoundariesDifferFromWords) {
  // "<s>" standing in the text is not the sentence start.
  const std::vector<uint64_t> start = Features(Describe({"Rome", "fell"}), 0);
  const std::vector<uint64_t> after_marker = Features(Describe({"<s>", "Rome", "fell"}), 1);
  EXPECT_NE(start, after_marker);
}

TEST(ExtractFeaturesTest, TheDocumentsEarlierTagForTheWordIsAFeature) {
  const std::vector<TokenInfo> s = Describe({"Talks", "in", "Paris"});
  EXPECT_NE(Features(s, 2, -1), Features(s, 2, 3));
  EXPECT_NE(Features(s, 2, 3), Features(s, 2, 4));
  EXPECT_EQ(Features(s, 2, 3).size(), Features(s, 2, -1).size());
}

TEST(ExtractFeaturesTest, AffixFeaturesGrowWithTheWordUpToFourLetters) {
  const size_t one = Features(Describe({"a"}), 0).size();
  EXPECT_EQ(Features(Describe({"ab"}), 0).size(), one + 2);
  EXPECT_EQ(Features(Describe({"abcd"}), 0).size(), one + 6);
  EXPECT_EQ(Features(Describe({"abcdefgh"}), 0).size(), one + 6);
  // An empty token has neither prefixes nor suffixes.
  EXPECT_EQ(Features(Describe({""}), 0).size(), one - 2);
}

TEST(ExtractFeaturesTest, OptionalEvidenceAddsFeatures) {
  std::vector<TokenInfo> plain = Describe({"Porto", "beat", "Braga"});
  const size_t base = Features(plain, 1).size();

  std::vector<TokenInfo> with_path = plain;
  with_path[1].path = "0101101";
  EXPECT_EQ(Features(with_path, 1).size(), base + 5);  // four prefixes and one with the shape
  std::vector<TokenInfo> neighbour_path = plain;
  neighbour_path[0].path = "0101101";
  EXPECT_EQ(Features(neighbour_path, 1).size(), base + 4);

  std::vector<TokenInfo> listed = plain;
  listed[1].lists.push_back({2, 'U'});
  EXPECT_EQ(Features(listed, 1).size(), base + 5);
  std::vector<TokenInfo> neighbour_listed = plain;
  neighbour_listed[2].lists.push_back({2, 'U'});
  EXPECT_EQ(Features(neighbour_listed, 1).size(), base + 1);

  std::vector<TokenInfo> table = plain;
  table[1].table_line = true;
  EXPECT_EQ(Features(table, 1).size(), base + 2);
}

TEST(ExtractFeaturesTest, FlagsChangeTheFeaturesButNotTheirNumber) {
  const std::vector<TokenInfo> plain = Describe({"Porto", "beat", "Braga"});
  const std::vector<uint64_t> base = Features(plain, 1);
  auto changed = [&](auto&& change) {
    std::vector<TokenInfo> s = plain;
    change(s[1]);
    const std::vector<uint64_t> f = Features(s, 1);
    EXPECT_EQ(f.size(), base.size());
    return f != base;
  };
  EXPECT_TRUE(changed([](TokenInfo& t) { t.in_gazetteer = true; }));
  EXPECT_TRUE(changed([](TokenInfo& t) { t.seen_lowercase = true; }));
  EXPECT_TRUE(changed([](TokenInfo& t) { t.all_caps_sentence = true; }));
  EXPECT_TRUE(changed([](TokenInfo& t) { t.common_word = true; }));
  EXPECT_TRUE(changed([](TokenInfo& t) { t.proper_word = true; }));
  EXPECT_TRUE(changed([](TokenInfo& t) { t.cluster_fine = 7; }));
  EXPECT_TRUE(changed([](TokenInfo& t) { t.cluster_coarse = 7; }));
  EXPECT_TRUE(changed([](TokenInfo& t) { t.first_pass_type = 2; }));
  EXPECT_TRUE(changed([](TokenInfo& t) { t.first_pass_majority = 2; }));
  EXPECT_TRUE(changed([](TokenInfo& t) { t.first_pass_longest_length = 2; }));
  EXPECT_FALSE(changed([](TokenInfo&) {}));
}

// ---------------------------------------------------------------------------
// TransitionBases and TransitionFeature

TEST(TransitionBasesTest, TheFirstTemplateIsTheSameForEveryToken) {
  const std::vector<TokenInfo> s = Describe({"Talks", "in", "Paris"});
  EXPECT_EQ(TransitionBases(s, 0)[0], TransitionBases(s, 2)[0]);
  EXPECT_EQ(TransitionBases(s, 0)[0], TransitionBases(Describe({"x"}), 0)[0]);
}

TEST(TransitionBasesTest, TemplatesFollowTheLowerCasedWordShapeClusterAndPathPrefix) {
  Lexicons lexicons;
  lexicons.clusters["paris"] = ClusterIds{.coarse = 1, .fine = 9};
  lexicons.clusters["rome"] = ClusterIds{.coarse = 1, .fine = 9};
  lexicons.paths["paris"] = "0101100";
  lexicons.paths["rome"] = "0101101";  // same first six
  lexicons.paths["oslo"] = "1101101";
  const std::vector<TokenInfo> s =
      Describe({"Paris", "PARIS", "Rome", "Oslo", "oslo", "x"}, lexicons);
  const auto paris = TransitionBases(s, 0);
  const auto caps = TransitionBases(s, 1);
  const auto rome = TransitionBases(s, 2);
  const auto oslo = TransitionBases(s, 3);
  const auto lower_oslo = TransitionBases(s, 4);
  const auto x = TransitionBases(s, 5);
  EXPECT_EQ(paris[1], caps[1]);  // lower-cased word
  EXPECT_NE(paris[1], rome[1]);
  EXPECT_EQ(paris[2], rome[2]);  // short shape "Xx"
  EXPECT_NE(paris[2], caps[2]);  // "X"
  EXPECT_EQ(paris[3], rome[3]);  // fine cluster
  EXPECT_NE(paris[3], oslo[3]);  // unknown cluster
  EXPECT_EQ(oslo[3], x[3]);
  EXPECT_EQ(paris[4], rome[4]);  // path prefix of six
  EXPECT_NE(paris[4], oslo[4]);
  EXPECT_EQ(oslo[4], lower_oslo[4]);
  EXPECT_NE(x[4], oslo[4]);  // no path
  const auto none = TransitionBases(Describe({"y"}), 0);
  EXPECT_EQ(none[4], x[4]);
}

TEST(TransitionFeatureTest, EachPreviousTagGivesItsOwnFeature) {
  const uint64_t base = TransitionBases(Describe({"Paris"}), 0)[1];
  absl::flat_hash_set<uint64_t> seen;
  for (int previous = -1; previous < 20; ++previous) {
    const uint64_t f = TransitionFeature(base, previous);
    EXPECT_EQ(f, TransitionFeature(base, previous));
    EXPECT_TRUE(seen.insert(f).second) << previous;
    EXPECT_NE(f, base);
  }
  EXPECT_NE(TransitionFeature(base, 0), TransitionFeature(base + 1, 0));
}

}  // namespace
}  // namespace newsgraph::entity::ner
