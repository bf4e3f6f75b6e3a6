#include "services/entity/ner/decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "services/entity/ner/tagger.h"

namespace newsgraph::entity::ner {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

int Tag(const std::string& name) {
  const std::vector<std::string>& tags = BilouTagSet();
  const auto it = std::find(tags.begin(), tags.end(), name);
  EXPECT_NE(it, tags.end()) << name;
  return static_cast<int>(it - tags.begin());
}

std::vector<std::string> Names(const std::vector<int>& tags) {
  std::vector<std::string> names;
  for (int t : tags) names.push_back(BilouTagSet()[static_cast<size_t>(t)]);
  return names;
}

TokenInfo Describe(const std::string& word) {
  TokenInfo token;
  token.word = word;
  token.lower = absl::AsciiStrToLower(word);
  return token;
}

// The BILOU rules, written out independently of the decoder: I/L continue an
// open span of the same type, B/I leave one open, and no span is left open
// at the end.
bool ValidBilou(const std::vector<std::string>& tags) {
  std::string open;  // type of the open span, empty when none
  for (const std::string& tag : tags) {
    const char kind = tag[0];
    const std::string type = tag == "O" ? "" : tag.substr(2);
    const bool continues = kind == 'I' || kind == 'L';
    if (open.empty() ? continues : (!continues || type != open)) return false;
    open = kind == 'B' || kind == 'I' ? type : "";
  }
  return open.empty();
}

// A sentence whose emission and transition scores the test sets one by one:
// each token gets a feature no other token has (found by extracting them),
// which carries its emission scores; the plain transition template (the
// same at every token) carries the transition scores.
class HandLattice {
 public:
  explicit HandLattice(const std::vector<std::string>& words) : model_(BilouTagSet()) {
    for (const std::string& w : words) tokens_.push_back(Describe(w));
    std::vector<std::vector<uint64_t>> features(tokens_.size());
    for (size_t i = 0; i < tokens_.size(); ++i) ExtractFeatures(tokens_, i, -1, &features[i]);
    for (size_t i = 0; i < tokens_.size(); ++i) {
      uint64_t unique = 0;
      for (uint64_t f : features[i]) {
        bool shared = std::count(features[i].begin(), features[i].end(), f) != 1;
        for (size_t j = 0; j < tokens_.size() && !shared; ++j) {
          shared = j != i && std::count(features[j].begin(), features[j].end(), f) > 0;
        }
        if (!shared) {
          unique = f;
          break;
        }
      }
      EXPECT_NE(unique, 0u) << "no feature of its own for token " << i;
      own_.push_back(unique);
    }
    if (!tokens_.empty()) transition_base_ = TransitionBases(tokens_, 0)[0];
    for (size_t i = 1; i < tokens_.size(); ++i) {
      EXPECT_EQ(TransitionBases(tokens_, i)[0], transition_base_);
    }
    emission_.assign(tokens_.size(), std::vector<double>(kMaxTags, 0.0));
    transition_.assign(kMaxTags + 1, std::vector<double>(kMaxTags, 0.0));
  }

  void Emit(size_t i, const std::string& tag, float score) {
    model_.Adjust(own_[i], Tag(tag), score);
    emission_[i][static_cast<size_t>(Tag(tag))] += score;
  }
  // `from` = "" for the sentence start.
  void Transition(const std::string& from, const std::string& to, float score) {
    const int previous = from.empty() ? -1 : Tag(from);
    model_.Adjust(TransitionFeature(transition_base_, previous), Tag(to), score);
    transition_[static_cast<size_t>(previous + 1)][static_cast<size_t>(Tag(to))] += score;
  }

  std::vector<int> Decode(int beam = kMaxTags, std::vector<float>* confidences = nullptr,
                          float temperature = 1.0f) const {
    absl::flat_hash_map<std::string, int> memory;
    return ner::Decode(model_, tokens_, beam, &memory, confidences, temperature, nullptr, nullptr);
  }
  std::vector<std::string> Best(int beam = kMaxTags) const { return Names(Decode(beam)); }

  // The score the test's own tables give a tag sequence.
  double Score(const std::vector<int>& tags) const {
    double total = 0;
    int previous = -1;
    for (size_t i = 0; i < tags.size(); ++i) {
      total += emission_[i][static_cast<size_t>(tags[i])] +
               transition_[static_cast<size_t>(previous + 1)][static_cast<size_t>(tags[i])];
      previous = tags[i];
    }
    return total;
  }

  // The best score of any valid sequence, by trying them all.
  double BruteForceBest() const {
    const size_t n = tokens_.size();
    std::vector<int> tags(n, 0);
    double best = -INFINITY;
    while (true) {
      if (ValidBilou(Names(tags))) best = std::max(best, Score(tags));
      size_t k = 0;
      while (k < n && ++tags[k] == kMaxTags) tags[k++] = 0;
      if (k == n) break;
    }
    return best;
  }

  Perceptron& model() { return model_; }
  const std::vector<TokenInfo>& tokens() const { return tokens_; }

 private:
  Perceptron model_;
  std::vector<TokenInfo> tokens_;
  std::vector<uint64_t> own_;
  uint64_t transition_base_ = 0;
  std::vector<std::vector<double>> emission_;
  std::vector<std::vector<double>> transition_;
};

TEST(DecodeTest, EmptySentenceDecodesToNothing) {
  const Perceptron model(BilouTagSet());
  absl::flat_hash_map<std::string, int> memory;
  std::vector<float> confidences = {0.5f};
  EXPECT_THAT(Decode(model, {}, kMaxTags, &memory, &confidences, 1.0f, nullptr, nullptr),
              IsEmpty());
  EXPECT_THAT(confidences, ElementsAre(0.5f));
  EXPECT_THAT(memory, IsEmpty());
}

TEST(DecodeTest, WithoutEvidenceEveryTokenIsOutside) {
  // A model with no weights ties every valid path at 0; it must not invent
  // entities.
  const HandLattice lattice({"alpha", "bravo", "charlie"});
  EXPECT_THAT(lattice.Best(), ElementsAre("O", "O", "O"));
}

TEST(DecodeTest, OneTokenTakesTheBestTagThatIsAWholeSpan) {
  HandLattice lattice({"alpha"});
  lattice.Emit(0, "B-PER", 5);  // would leave a span open at the end
  lattice.Emit(0, "I-LOC", 9);  // cannot start a sentence
  lattice.Emit(0, "L-LOC", 9);  // cannot start a sentence
  lattice.Emit(0, "U-ORG", 3);
  lattice.Emit(0, "O", 1);
  EXPECT_THAT(lattice.Best(), ElementsAre("U-ORG"));
}

TEST(DecodeTest, FindsTheBestPathNotTheBestTagPerToken) {
  // Token by token the best tags are U-LOC, I-PER, L-PER (invalid); the
  // paths: B-PER I-PER L-PER = 6, U-LOC U-ORG O = 5.5, U-LOC O O = 5,
  // B-PER L-PER O = 4.
  HandLattice lattice({"alpha", "bravo", "charlie"});
  lattice.Emit(0, "B-PER", 2);
  lattice.Emit(0, "U-LOC", 3);
  lattice.Emit(1, "I-PER", 2);
  lattice.Emit(1, "L-PER", 1);
  lattice.Emit(1, "O", 1);
  lattice.Emit(1, "U-ORG", 1.5f);
  lattice.Emit(2, "L-PER", 2);
  lattice.Emit(2, "O", 1);
  EXPECT_THAT(lattice.Best(), ElementsAre("B-PER", "I-PER", "L-PER"));
}

TEST(DecodeTest, IllegalTransitionsAreNeverChosen) {
  // The highest emissions all break the BILOU rules: I/L at the start, an L
  // or I of another type after a U, a B at the end. B-ORG L-ORG would be
  // legal but B-ORG costs 20. The best legal path is U-PER O (2).
  HandLattice lattice({"alpha", "bravo"});
  lattice.Emit(0, "I-PER", 10);
  lattice.Emit(0, "L-PER", 10);
  lattice.Emit(0, "B-ORG", -20);
  lattice.Emit(0, "U-PER", 1);
  lattice.Emit(1, "L-ORG", 10);
  lattice.Emit(1, "I-ORG", 10);
  lattice.Emit(1, "B-LOC", 10);
  lattice.Emit(1, "O", 1);
  lattice.Emit(1, "U-MISC", 0.5f);
  EXPECT_THAT(lattice.Best(), ElementsAre("U-PER", "O"));
}

TEST(DecodeTest, SpanMustContinueWithItsOwnType) {
  // B-PER is worth 4 but only I-PER/L-PER may follow it, and both cost 10;
  // L-ORG after B-PER (worth 10) is illegal, and B-ORG, which may precede it,
  // costs 20. So: U-LOC (1) then U-ORG (1).
  HandLattice lattice({"alpha", "bravo"});
  lattice.Emit(0, "B-PER", 4);
  lattice.Emit(0, "B-ORG", -20);
  lattice.Emit(0, "U-LOC", 1);
  lattice.Emit(1, "L-PER", -10);
  lattice.Emit(1, "I-PER", -10);
  lattice.Emit(1, "L-ORG", 10);
  lattice.Emit(1, "U-ORG", 1);
  EXPECT_THAT(lattice.Best(), ElementsAre("U-LOC", "U-ORG"));
}

TEST(DecodeTest, TransitionScoresChangeTheBestPath) {
  HandLattice lattice({"alpha", "bravo"});
  lattice.Emit(0, "U-PER", 1);
  lattice.Emit(1, "U-PER", 1.2f);
  EXPECT_THAT(lattice.Best(), ElementsAre("U-PER", "U-PER"));  // 2.2
  // U-PER U-PER now 2.2 - 3; O U-PER = 1.2 is best.
  lattice.Transition("U-PER", "U-PER", -3);
  EXPECT_THAT(lattice.Best(), ElementsAre("O", "U-PER"));
  // A bonus of 1 for O after U-PER: U-PER O = 2.
  lattice.Transition("U-PER", "O", 1);
  EXPECT_THAT(lattice.Best(), ElementsAre("U-PER", "O"));
}

TEST(DecodeTest, SentenceStartTransitionCounts) {
  HandLattice lattice({"alpha"});
  lattice.Emit(0, "U-PER", 1);
  lattice.Emit(0, "U-ORG", 0.5f);
  EXPECT_THAT(lattice.Best(), ElementsAre("U-PER"));
  lattice.Transition("", "U-PER", -2);  // U-PER now scores -1
  EXPECT_THAT(lattice.Best(), ElementsAre("U-ORG"));
}

TEST(DecodeTest, TiedPathsDecodeToOneOfThemEveryTime) {
  HandLattice lattice({"alpha"});
  lattice.Emit(0, "U-PER", 1);
  lattice.Emit(0, "U-ORG", 1);
  const std::vector<std::string> first = lattice.Best();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(first[0] == "U-PER" || first[0] == "U-ORG") << first[0];
  for (int k = 0; k < 3; ++k) EXPECT_EQ(lattice.Best(), first);
  EXPECT_EQ(lattice.Best(kSearchBeam), first);
}

TEST(DecodeTest, ExhaustiveSearchMatchesBruteForceOnRandomLattices) {
  std::mt19937 random(20240611);
  std::uniform_real_distribution<float> emission(-3, 3);
  std::uniform_real_distribution<float> transition(-1.5, 1.5);
  const std::vector<std::string> words = {"alpha", "bravo", "charlie", "delta"};
  for (size_t n = 1; n <= words.size(); ++n) {
    for (int trial = 0; trial < 3; ++trial) {
      HandLattice lattice(std::vector<std::string>(words.begin(), words.begin() + n));
      for (size_t i = 0; i < n; ++i) {
        for (const std::string& tag : BilouTagSet()) lattice.Emit(i, tag, emission(random));
      }
      for (const std::string& to : BilouTagSet()) {
        lattice.Transition("", to, transition(random));
        for (const std::string& from : BilouTagSet()) {
          lattice.Transition(from, to, transition(random));
        }
      }
      const std::vector<int> tags = lattice.Decode();
      ASSERT_EQ(tags.size(), n);
      EXPECT_TRUE(ValidBilou(Names(tags))) << ::testing::PrintToString(Names(tags));
      EXPECT_NEAR(lattice.Score(tags), lattice.BruteForceBest(), 1e-4)
          << "n=" << n << " trial " << trial << ": " << ::testing::PrintToString(Names(tags));
    }
  }
}

TEST(DecodeTest, NarrowBeamCanMissTheBestPath) {
  // With one prefix kept, only U-PER (5) survives the first token and the
  // B-ORG L-ORG path (14) is lost.
  HandLattice lattice({"alpha", "bravo"});
  lattice.Emit(0, "U-PER", 5);
  lattice.Emit(0, "B-ORG", 4);
  lattice.Emit(1, "L-ORG", 10);
  EXPECT_THAT(lattice.Best(kMaxTags), ElementsAre("B-ORG", "L-ORG"));
  EXPECT_THAT(lattice.Best(kSearchBeam), ElementsAre("B-ORG", "L-ORG"));
  const std::vector<std::string> narrow = lattice.Best(1);
  ASSERT_EQ(narrow.size(), 2u);
  EXPECT_EQ(narrow[0], "U-PER");
  EXPECT_TRUE(ValidBilou(narrow));
}

TEST(DecodeTest, ConfidenceIsTheSoftmaxShareOfTheChosenTag) {
  // One token: the tags that can make up the sentence are O and the four
  // U- tags. O scores ln 3, the others 0: exp(0)/(1 + 4/3) = 3/7.
  HandLattice lattice({"alpha"});
  lattice.Emit(0, "O", std::log(3.0f));
  std::vector<float> confidences;
  EXPECT_THAT(Names(lattice.Decode(kMaxTags, &confidences, 1.0f)), ElementsAre("O"));
  ASSERT_EQ(confidences.size(), 1u);
  EXPECT_NEAR(confidences[0], 3.0 / 7.0, 1e-5);
  // At temperature 2 the other tags weigh exp(-ln 3 / 2) = 1/sqrt(3) each.
  confidences.clear();
  lattice.Decode(kMaxTags, &confidences, 2.0f);
  ASSERT_EQ(confidences.size(), 1u);
  EXPECT_NEAR(confidences[0], 1.0 / (1.0 + 4.0 / std::sqrt(3.0)), 1e-5);
}

TEST(DecodeTest, ConfidencesAreAppendedOnePerToken) {
  HandLattice lattice({"alpha", "bravo", "charlie"});
  lattice.Emit(0, "B-PER", 30);
  lattice.Emit(1, "L-PER", 30);
  lattice.Emit(2, "O", 30);
  std::vector<float> confidences = {0.25f};
  EXPECT_THAT(Names(lattice.Decode(kMaxTags, &confidences)), ElementsAre("B-PER", "L-PER", "O"));
  ASSERT_EQ(confidences.size(), 4u);
  EXPECT_EQ(confidences[0], 0.25f);
  // Every alternative is at least 30 worse: the confidences are all ~1.
  for (size_t i = 1; i < 4; ++i) EXPECT_NEAR(confidences[i], 1.0, 1e-6) << i;
}

TEST(DecodeTest, PerceptronUpdateMovesTheModelToTheGold) {
  const HandLattice lattice({"alpha", "bravo"});
  const std::vector<int> gold = {Tag("B-PER"), Tag("L-PER")};
  Perceptron train(BilouTagSet());
  absl::flat_hash_map<std::string, int> memory;
  const Perceptron empty(BilouTagSet());
  EXPECT_THAT(Names(Decode(empty, lattice.tokens(), kMaxTags, &memory, nullptr, 1, &train, &gold)),
              ElementsAre("O", "O"));
  EXPECT_GT(train.num_features(), 0u);
  memory.clear();
  EXPECT_THAT(
      Names(Decode(train, lattice.tokens(), kMaxTags, &memory, nullptr, 1, nullptr, nullptr)),
      ElementsAre("B-PER", "L-PER"));
}

TEST(DecodeTest, CorrectDecodingLeavesTheModelUnchanged) {
  const HandLattice lattice({"alpha", "bravo"});
  const std::vector<int> gold = {Tag("O"), Tag("O")};
  Perceptron train(BilouTagSet());
  absl::flat_hash_map<std::string, int> memory;
  const Perceptron empty(BilouTagSet());
  Decode(empty, lattice.tokens(), kMaxTags, &memory, nullptr, 1, &train, &gold);
  EXPECT_EQ(train.num_features(), 0u);
}

TEST(DecodeTest, RemembersTheFirstTypeOfCapitalizedWords) {
  HandLattice lattice({"Paris", "is", "The", "Lyon"});
  lattice.Emit(0, "U-LOC", 5);
  lattice.Emit(1, "O", 1);
  lattice.Emit(2, "O", 1);
  lattice.Emit(3, "U-ORG", 5);
  absl::flat_hash_map<std::string, int> memory = {{"lyon", 1}};  // seen as PER before
  const std::vector<int> tags =
      Decode(lattice.model(), lattice.tokens(), kMaxTags, &memory, nullptr, 1, nullptr, nullptr);
  EXPECT_THAT(Names(tags), ElementsAre("U-LOC", "O", "O", "U-ORG"));
  // 0 = no type, else 1 + the type's index among PER, ORG, LOC, MISC.
  EXPECT_THAT(memory, ::testing::UnorderedElementsAre(::testing::Pair("paris", 3),
                                                      ::testing::Pair("the", 0),
                                                      ::testing::Pair("lyon", 1)));
}

TEST(SpansOfTest, SpellsTheSpansOfATagSequence) {
  EXPECT_THAT(SpansOf({}), IsEmpty());
  EXPECT_THAT(SpansOf({Tag("O"), Tag("O")}), IsEmpty());
  EXPECT_THAT(SpansOf({Tag("B-PER"), Tag("I-PER"), Tag("L-PER"), Tag("O"), Tag("U-LOC")}),
              ElementsAre(Span{0, 3, "PER"}, Span{4, 5, "LOC"}));
  EXPECT_THAT(SpansOf({Tag("U-ORG"), Tag("U-ORG")}),
              ElementsAre(Span{0, 1, "ORG"}, Span{1, 2, "ORG"}));
}

TEST(AddFirstPassEvidenceTest, FillsTypeMajorityAndLongestSpan) {
  const std::vector<std::vector<std::string>> words = {
      {"Santa", "Fe", "Gold"}, {"Santa", "Fe", "rose"}, {"Fe"}, {"Bank", "of", "New", "England"}};
  std::vector<std::vector<TokenInfo>> document;
  for (const auto& sentence : words) {
    document.emplace_back();
    for (const std::string& w : sentence) document.back().push_back(Describe(w));
  }
  const std::vector<std::vector<int>> tags = {
      {Tag("B-ORG"), Tag("I-ORG"), Tag("L-ORG")},
      {Tag("B-ORG"), Tag("L-ORG"), Tag("O")},
      {Tag("U-LOC")},
      {Tag("B-ORG"), Tag("I-ORG"), Tag("I-ORG"), Tag("L-ORG")}};
  AddFirstPassEvidence(tags, &document);
  constexpr int kOrg = 2, kLoc = 3;  // 1 + index among PER, ORG, LOC, MISC
  // "Fe" alone was tagged LOC; the word got ORG twice and LOC once, and its
  // longest span is the three-token ORG.
  const TokenInfo& fe = document[2][0];
  EXPECT_EQ(fe.first_pass_type, kLoc);
  EXPECT_EQ(fe.first_pass_majority, kOrg);
  EXPECT_EQ(fe.first_pass_longest_type, kOrg);
  EXPECT_EQ(fe.first_pass_longest_length, 3);
  // Every occurrence of a word shares the document-wide fields.
  EXPECT_EQ(document[0][1].first_pass_type, kOrg);
  EXPECT_EQ(document[0][1].first_pass_majority, kOrg);
  EXPECT_EQ(document[0][1].first_pass_longest_length, 3);
  // A word never in a span.
  const TokenInfo& rose = document[1][2];
  EXPECT_EQ(rose.first_pass_type, 0);
  EXPECT_EQ(rose.first_pass_majority, 0);
  EXPECT_EQ(rose.first_pass_longest_type, 0);
  EXPECT_EQ(rose.first_pass_longest_length, 0);
  // A four-token span's length is capped at 3.
  EXPECT_EQ(document[3][3].first_pass_longest_type, kOrg);
  EXPECT_EQ(document[3][3].first_pass_longest_length, 3);
}

TEST(StopRequestedTest, PollsEveryThirtySecondSentence) {
  EXPECT_FALSE(StopRequested(nullptr, 0));
  int calls = 0;
  const std::function<bool()> stop = [&calls] {
    ++calls;
    return true;
  };
  std::vector<size_t> stopped_at;
  for (size_t sentence = 0; sentence < 100; ++sentence) {
    if (StopRequested(stop, sentence)) stopped_at.push_back(sentence);
  }
  EXPECT_THAT(stopped_at, ElementsAre(0u, 32u, 64u, 96u));
  EXPECT_EQ(calls, 4);
}

TEST(DescribeDocumentTest, DescribesEverySentence) {
  Lexicons lexicons;
  const std::vector<std::vector<std::string>> sentences = {{"Hello", "world"}, {"Again"}};
  const auto document = DescribeDocument(sentences, lexicons, nullptr);
  ASSERT_EQ(document.size(), 2u);
  ASSERT_EQ(document[0].size(), 2u);
  EXPECT_EQ(document[0][1].word, "world");
  EXPECT_EQ(document[0][1].lower, "world");
  ASSERT_EQ(document[1].size(), 1u);
  EXPECT_EQ(document[1][0].lower, "again");
  EXPECT_EQ(document[1][0].first_pass_type, -1);  // no first pass
  EXPECT_THAT(DescribeDocument({}, lexicons, nullptr), IsEmpty());
}

TEST(DescribeDocumentTest, FirstPassAddsItsEvidence) {
  Lexicons lexicons;
  const Perceptron first_pass(BilouTagSet());
  const std::vector<std::vector<std::string>> sentences = {{"Hello", "world"}};
  const auto without = DescribeDocument(sentences, lexicons, nullptr);
  const auto with = DescribeDocument(sentences, lexicons, &first_pass);
  ASSERT_EQ(without.size(), 1u);
  ASSERT_EQ(with.size(), 1u);
  ASSERT_EQ(with[0].size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(without[0][i].first_pass_type, -1);
    EXPECT_EQ(without[0][i].first_pass_majority, -1);
    // 0 (no type) to 4 (MISC).
    EXPECT_GE(with[0][i].first_pass_type, 0);
    EXPECT_LE(with[0][i].first_pass_type, 4);
    EXPECT_GE(with[0][i].first_pass_majority, 0);
    EXPECT_LE(with[0][i].first_pass_majority, 4);
  }
}

// Described in chunks of any size, a document's sentences come out as
// DescribeDocument describes them whole, first-pass evidence included (the
// evidence counts every sentence of the document).
TEST(DescribeDocumentTest, ChunksDescribeAsTheWholeDocumentDoes) {
  Lexicons lexicons;
  // A first pass that tags "Holm" and "Karin Holm" as people.
  Perceptron first_pass(BilouTagSet());
  absl::flat_hash_map<std::string, int> memory;
  const std::vector<std::vector<std::string>> lessons = {{"Karin", "Holm", "spoke"},
                                                         {"Holm", "left"}};
  for (int round = 0; round < 5; ++round) {
    for (const auto& lesson : lessons) {
      const std::vector<int> gold = lesson.size() == 3
                                        ? std::vector<int>{Tag("B-PER"), Tag("L-PER"), Tag("O")}
                                        : std::vector<int>{Tag("U-PER"), Tag("O")};
      const Perceptron before = first_pass;
      memory.clear();
      Decode(before, DescribeTokens(lesson, lexicons, nullptr), kMaxTags, &memory, nullptr, 1,
             &first_pass, &gold);
    }
  }
  std::vector<std::vector<std::string>> sentences;
  for (int k = 0; k < 7; ++k) {
    sentences.push_back({"Karin", "Holm", "spoke", "in", "Oslo"});
    sentences.push_back({"Holm", "left", k % 2 ? "early" : "late"});
  }
  const auto whole = DescribeDocument(sentences, lexicons, &first_pass);
  bool some_evidence = false;
  for (size_t chunk : {1u, 3u, 5u, 14u, 100u}) {
    SCOPED_TRACE(chunk);
    size_t s = 0;
    ASSERT_TRUE(ForEachDescribedSentence(
        sentences, lexicons, &first_pass, chunk, nullptr, [&](std::vector<TokenInfo>& tokens) {
          EXPECT_LT(s, whole.size());
          if (s >= whole.size()) return false;
          for (size_t i = 0; i < tokens.size(); ++i) {
            const TokenInfo& want = whole[s][i];
            EXPECT_EQ(tokens[i].word, want.word);
            EXPECT_EQ(tokens[i].seen_lowercase, want.seen_lowercase);
            EXPECT_EQ(tokens[i].first_pass_type, want.first_pass_type);
            EXPECT_EQ(tokens[i].first_pass_majority, want.first_pass_majority);
            EXPECT_EQ(tokens[i].first_pass_longest_type, want.first_pass_longest_type);
            EXPECT_EQ(tokens[i].first_pass_longest_length, want.first_pass_longest_length);
            some_evidence |= want.first_pass_longest_length > 0;
          }
          ++s;
          return true;
        }));
    EXPECT_EQ(s, sentences.size());
  }
  EXPECT_TRUE(some_evidence);
  // `each` and `stop` end it early.
  int seen = 0;
  EXPECT_FALSE(ForEachDescribedSentence(sentences, lexicons, &first_pass, 3, nullptr,
                                        [&](std::vector<TokenInfo>&) { return ++seen < 4; }));
  EXPECT_EQ(seen, 4);
  EXPECT_FALSE(ForEachDescribedSentence(
      sentences, lexicons, &first_pass, 3, [] { return true; },
      [](std::vector<TokenInfo>&) { return true; }));
}

TEST(DescribeDocumentTest, StopEndsEarly) {
  Lexicons lexicons;
  const std::vector<std::vector<std::string>> sentences(40, {"word"});
  EXPECT_THAT(DescribeDocument(sentences, lexicons, nullptr, [] { return true; }), IsEmpty());
  // Asked at sentences 0 and 32: stopping at the second poll keeps 32.
  int calls = 0;
  const auto document =
      DescribeDocument(sentences, lexicons, nullptr, [&calls] { return ++calls == 2; });
  EXPECT_EQ(document.size(), 32u);
  EXPECT_EQ(DescribeDocument(sentences, lexicons, nullptr, [] { return false; }).size(), 40u);
}

}  // namespace
}  // namespace newsgraph::entity::ner
