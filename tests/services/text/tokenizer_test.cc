#include "services/text/tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace newsgraph::text {
namespace {

// The text of each token.
std::vector<std::string> Texts(absl::string_view text) {
  std::vector<std::string> out;
  for (const Token& t : Tokenize(text)) out.emplace_back(t.in(text));
  return out;
}

std::vector<TokenKind> Kinds(absl::string_view text) {
  std::vector<TokenKind> out;
  for (const Token& t : Tokenize(text)) out.push_back(t.kind);
  return out;
}

TEST(TokenizeTest, EmptyTextHasNoTokens) { EXPECT_TRUE(Tokenize("").empty()); }

TEST(TokenizeTest, WhitespaceOnlyHasNoTokens) {
  EXPECT_TRUE(Tokenize(" \t\r\n  ").empty());
  // NO-BREAK SPACE, EM SPACE and IDEOGRAPHIC SPACE are whitespace too.
  EXPECT_TRUE(Tokenize("\xC2\xA0\xE2\x80\x83\xE3\x80\x80").empty());
}

TEST(TokenizeTest, OffsetsAndKindsOfASimpleSentence) {
  const std::string text = "Hello, world!";
  const std::vector<Token> tokens = Tokenize(text);
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[0].byte_begin, 0u);
  EXPECT_EQ(tokens[0].byte_end, 5u);
  EXPECT_EQ(tokens[0].kind, TokenKind::kWord);
  EXPECT_EQ(tokens[1].byte_begin, 5u);
  EXPECT_EQ(tokens[1].byte_end, 6u);
  EXPECT_EQ(tokens[1].kind, TokenKind::kPunctuation);
  EXPECT_EQ(tokens[2].byte_begin, 7u);  // the space is skipped
  EXPECT_EQ(tokens[2].byte_end, 12u);
  EXPECT_EQ(tokens[2].kind, TokenKind::kWord);
  EXPECT_EQ(tokens[3].byte_begin, 12u);
  EXPECT_EQ(tokens[3].byte_end, 13u);
  EXPECT_EQ(tokens[3].kind, TokenKind::kPunctuation);
}

TEST(TokenizeTest, NonBreakingSpaceSeparatesWordsAndIsSkipped) {
  const std::string text =
      "a\xC2\xA0"
      "b";
  const std::vector<Token> tokens = Tokenize(text);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].byte_begin, 0u);
  EXPECT_EQ(tokens[0].byte_end, 1u);
  EXPECT_EQ(tokens[1].byte_begin, 3u);
  EXPECT_EQ(tokens[1].byte_end, 4u);
}

TEST(TokenizeTest, InnerApostrophesAndDotsStayInTheWord) {
  EXPECT_EQ(Texts("O'Neill's"), std::vector<std::string>{"O'Neill's"});
  // U+2019 RIGHT SINGLE QUOTATION MARK used as an apostrophe.
  EXPECT_EQ(Texts("don\xE2\x80\x99t"), std::vector<std::string>{"don\xE2\x80\x99t"});
  // The final dot is not inner: it is punctuation of its own.
  EXPECT_EQ(Texts("U.S."), (std::vector<std::string>{"U.S", "."}));
  EXPECT_EQ(Kinds("U.S."), (std::vector<TokenKind>{TokenKind::kWord, TokenKind::kPunctuation}));
}

TEST(TokenizeTest, NumbersKeepTheirSeparators) {
  const std::string text = "paid 1,500.25 today";
  EXPECT_EQ(Texts(text), (std::vector<std::string>{"paid", "1,500.25", "today"}));
  EXPECT_EQ(Kinds(text),
            (std::vector<TokenKind>{TokenKind::kWord, TokenKind::kNumber, TokenKind::kWord}));
}

TEST(TokenizeTest, SignIsPunctuationBeforeANumber) {
  EXPECT_EQ(Texts("-3"), (std::vector<std::string>{"-", "3"}));
  EXPECT_EQ(Kinds("-3"), (std::vector<TokenKind>{TokenKind::kPunctuation, TokenKind::kNumber}));
}

TEST(TokenizeTest, CombiningMarkStaysWithItsBaseLetter) {
  // "cafe" + U+0301 COMBINING ACUTE ACCENT, then "ok".
  const std::string text = "cafe\xCC\x81 ok";
  const std::vector<Token> tokens = Tokenize(text);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].byte_begin, 0u);
  EXPECT_EQ(tokens[0].byte_end, 6u);
  EXPECT_EQ(tokens[0].kind, TokenKind::kWord);
  EXPECT_EQ(tokens[1].in(text), "ok");
}

TEST(TokenizeTest, SingleNonAsciiWordIsOneWord) {
  const std::string text = "Z\xC3\xBCrich";  // "Zürich"
  const std::vector<Token> tokens = Tokenize(text);
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].byte_begin, 0u);
  EXPECT_EQ(tokens[0].byte_end, text.size());
  EXPECT_EQ(tokens[0].kind, TokenKind::kWord);
}

TEST(TokenizeTest, GreekWordOffsetsAreInBytes) {
  const std::string text = "\xCE\x91\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1 2024";  // "Αθήνα 2024"
  const std::vector<Token> tokens = Tokenize(text);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].byte_begin, 0u);
  EXPECT_EQ(tokens[0].byte_end, 10u);
  EXPECT_EQ(tokens[0].kind, TokenKind::kWord);
  EXPECT_EQ(tokens[1].byte_begin, 11u);
  EXPECT_EQ(tokens[1].byte_end, 15u);
  EXPECT_EQ(tokens[1].kind, TokenKind::kNumber);
}

TEST(TokenizeTest, HanAndKanaAreIdeographicAndCoverTheText) {
  const std::string han =
      "\xE5\x8C\x97\xE4\xBA\xAC\xE6\xAC\xA2\xE8\xBF\x8E\xE4\xBD\xA0";  // 北京欢迎你
  const std::string katakana = "\xE3\x82\xAB\xE3\x82\xBF\xE3\x82\xAB\xE3\x83\x8A";  // カタカナ
  const std::string hiragana = "\xE3\x81\xB2\xE3\x82\x89\xE3\x81\x8C\xE3\x81\xAA";  // ひらがな
  for (const std::string& text : {han, katakana, hiragana}) {
    const std::vector<Token> tokens = Tokenize(text);
    ASSERT_FALSE(tokens.empty()) << text;
    std::string joined;
    for (const Token& t : tokens) {
      EXPECT_EQ(t.kind, TokenKind::kIdeographic) << t.in(text);
      joined += std::string(t.in(text));
    }
    EXPECT_EQ(joined, text);
  }
}

TEST(TokenizeTest, MixedScriptsGetTheirKinds) {
  const std::string text = "Tokyo \xE6\x9D\xB1\xE4\xBA\xAC 2024";  // "Tokyo 東京 2024"
  const std::vector<Token> tokens = Tokenize(text);
  ASSERT_GE(tokens.size(), 3u);
  EXPECT_EQ(tokens.front().in(text), "Tokyo");
  EXPECT_EQ(tokens.front().kind, TokenKind::kWord);
  EXPECT_EQ(tokens.back().in(text), "2024");
  EXPECT_EQ(tokens.back().kind, TokenKind::kNumber);
  for (size_t k = 1; k + 1 < tokens.size(); ++k) {
    EXPECT_EQ(tokens[k].kind, TokenKind::kIdeographic);
  }
}

TEST(TokenizeTest, SymbolsThatAreNotWhitespaceArePunctuation) {
  const std::string text = "hi \xF0\x9F\x98\x80 (x)";  // "hi 😀 (x)"
  EXPECT_EQ(Texts(text), (std::vector<std::string>{"hi", "\xF0\x9F\x98\x80", "(", "x", ")"}));
  EXPECT_EQ(Kinds(text), (std::vector<TokenKind>{TokenKind::kWord, TokenKind::kPunctuation,
                                                 TokenKind::kPunctuation, TokenKind::kWord,
                                                 TokenKind::kPunctuation}));
}

TEST(TokenizeTest, TokensAreOrderedDisjointAndNeverWhitespace) {
  const std::string text =
      "  On 3 May, \xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0 (pop. 13,100,000)\n\t"
      "met \xE6\x9D\xB1\xE4\xBA\xAC\xE2\x80\x94 \"again\"...  ";
  const std::vector<Token> tokens = Tokenize(text);
  ASSERT_FALSE(tokens.empty());
  size_t previous_end = 0;
  for (const Token& t : tokens) {
    EXPECT_LE(previous_end, t.byte_begin);
    EXPECT_LT(t.byte_begin, t.byte_end);
    EXPECT_LE(t.byte_end, text.size());
    EXPECT_EQ(t.in(text).find_first_of(" \t\n"), absl::string_view::npos) << t.in(text);
    previous_end = t.byte_end;
  }
  EXPECT_EQ(tokens.front().in(text), "On");
  EXPECT_EQ(tokens.back().in(text), ".");
}

TEST(TokenizeTest, ConcurrentCallsGiveTheSameTokens) {
  const std::vector<std::string> texts = {"Hello, world!", "paid 1,500.25 today",
                                          "\xE5\x8C\x97\xE4\xBA\xAC 2024",
                                          "\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0"};
  std::vector<std::vector<std::string>> expected;
  for (const std::string& text : texts) expected.push_back(Texts(text));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        const size_t k = static_cast<size_t>(t + round) % texts.size();
        if (Texts(texts[k]) != expected[k]) ++mismatches[static_cast<size_t>(t)];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace newsgraph::text
