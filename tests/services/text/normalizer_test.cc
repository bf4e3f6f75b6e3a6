#include "services/text/normalizer.h"

#include <gtest/gtest.h>

#include "services/text/tokenizer.h"
#include "services/text/utf8.h"
#include "tests/testing/status_matchers.h"

namespace newsgraph::text {
namespace {

using ::newsgraph::testing::StatusIs;

TEST(Utf8Test, FindsFirstInvalidByte) {
  EXPECT_FALSE(FindInvalidUtf8("plain ascii and T\xC3\xBCrkiye").has_value());
  EXPECT_EQ(FindInvalidUtf8("ok\xFFrest"), 2u);
  EXPECT_EQ(FindInvalidUtf8("ab\xC3"), 2u);            // Truncated sequence.
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0u);          // Overlong form.
  EXPECT_EQ(FindInvalidUtf8("x\xED\xA0\x80"), 1u);     // Surrogate.
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // Above U+10FFFF.
}

TEST(Utf8Test, RepairReplacesEachBrokenSequence) {
  size_t replaced = 0;
  EXPECT_EQ(RepairUtf8("a\xFF"
                       "b\xC3",
                       &replaced),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
  EXPECT_EQ(replaced, 2u);
}

TEST(Utf8Test, CodePointOffsets) {
  const std::string text = "T\xC3\xBCrkiye \xE2\x80\x94 ok";  // "Türkiye — ok"
  CodePointOffsets offsets(text);
  EXPECT_EQ(offsets.FromByte(0), 0u);
  EXPECT_EQ(offsets.FromByte(3), 2u);   // After "Tü".
  EXPECT_EQ(offsets.FromByte(9), 8u);   // Start of the dash.
  EXPECT_EQ(offsets.FromByte(12), 9u);  // After the dash.
  EXPECT_EQ(offsets.FromByte(text.size()), CountCodePoints(text));
}

TEST(NormalizerTest, ComposesToNfcAndCleansWhitespace) {
  // "e" + combining acute -> "é"; NBSP and tabs collapse; CRLF becomes LF.
  NG_ASSERT_OK_AND_ASSIGN(
      NormalizedText n, NormalizeText("  Caf\x65\xCC\x81\xC2\xA0\t au  lait \r\n\r\n\r\nSecond  "));
  EXPECT_EQ(n.text, "Caf\xC3\xA9 au lait\n\nSecond");
  ASSERT_EQ(n.paragraphs.size(), 2u);
  EXPECT_EQ(n.text.substr(n.paragraphs[1].begin, n.paragraphs[1].end - n.paragraphs[1].begin),
            "Second");
}

TEST(NormalizerTest, KeepsTypographicCharacters) {
  NG_ASSERT_OK_AND_ASSIGN(NormalizedText n,
                          NormalizeText("\xE2\x80\x9CQuote\xE2\x80\x9D \xE2\x80\x93 dash"));
  EXPECT_EQ(n.text, "\xE2\x80\x9CQuote\xE2\x80\x9D \xE2\x80\x93 dash");
}

TEST(NormalizerTest, EveryLineIsAParagraphUnlessTextIsHardWrapped) {
  NG_ASSERT_OK_AND_ASSIGN(NormalizedText lines, NormalizeText("One line.\nTwo line.\n\nThree."));
  EXPECT_EQ(lines.text, "One line.\n\nTwo line.\n\nThree.");
  EXPECT_EQ(lines.paragraphs.size(), 3u);
  // Wire copy: wrapped mid-sentence, paragraphs start with an indent.
  NG_ASSERT_OK_AND_ASSIGN(
      NormalizedText wrapped,
      NormalizeText("Showers continued throughout the week in\nthe cocoa zone, alleviating the\n"
                    "drought since early January.\n    The dry period means the harvest\n"
                    "will be late this year.\n Reuter"));
  EXPECT_EQ(wrapped.text,
            "Showers continued throughout the week in the cocoa zone, alleviating the drought "
            "since early January.\n\nThe dry period means the harvest will be late this year.\n\n"
            "Reuter");
}

TEST(NormalizerTest, RejectsInvalidUtf8WithOffset) {
  EXPECT_THAT(NormalizeText("abc\xFF"),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("byte offset 3")));
}

TEST(NormalizerTest, FoldsCaseAndDiacritics) {
  EXPECT_EQ(FoldForMatching("T\xC3\xBCrkiye"), "turkiye");
  EXPECT_EQ(FoldForMatching("STRA\xC3\x9F"
                            "E"),
            "strasse");
  EXPECT_EQ(FoldForMatching("\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0"),
            "\xD0\xBC\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0");  // Москва -> москва
}

TEST(NormalizerTest, SpellsLatinLettersInAsciiKeepingCase) {
  EXPECT_EQ(ToLatinAscii("Troms\xC3\xB8"), "Tromso");                       // Tromsø
  EXPECT_EQ(ToLatinAscii("\xC5\x81ukasz Erdo\xC4\x9F" "an"), "Lukasz Erdogan");  // Łukasz Erdoğan
  EXPECT_EQ(ToLatinAscii("Soci\xC3\xA9t\xC3\xA9 G\xC3\xA9n\xC3\xA9rale"), "Societe Generale");
  EXPECT_EQ(ToLatinAscii("Stra\xC3\x9F" "e"), "Strasse");
  EXPECT_EQ(ToLatinAscii("Plain ASCII, 42%"), "Plain ASCII, 42%");
  // Other scripts are left alone.
  EXPECT_EQ(ToLatinAscii("\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0"),
            "\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0");  // Москва
}

TEST(TokenizerTest, SplitsWordsInAnyScript) {
  const std::string text =
      "Hossein Amir-Abdollahian met \xD0\x9B\xD0\xB0\xD0\xB2\xD1\x80\xD0\xBE\xD0\xB2, 42.5%!";
  std::vector<std::string> words;
  for (const Token& t : Tokenize(text)) words.emplace_back(t.in(text));
  EXPECT_EQ(words, (std::vector<std::string>{"Hossein", "Amir", "-", "Abdollahian", "met",
                                             "\xD0\x9B\xD0\xB0\xD0\xB2\xD1\x80\xD0\xBE\xD0\xB2",
                                             ",", "42.5", "%", "!"}));
}

TEST(TokenizerTest, SingleAsciiWordMatchesTheWordBreakRules) {
  // A lone ASCII word takes a shortcut; followed by a space it goes through
  // ICU, and both must give one word token over the same bytes.
  for (const std::string word : {"a", "Reuters", "OPEC", "zz", "interest"}) {
    const std::vector<Token> fast = Tokenize(word);
    const std::vector<Token> icu = Tokenize(word + " ");
    ASSERT_EQ(fast.size(), 1u) << word;
    ASSERT_EQ(icu.size(), 1u) << word;
    EXPECT_EQ(fast[0].byte_begin, icu[0].byte_begin);
    EXPECT_EQ(fast[0].byte_end, icu[0].byte_end);
    EXPECT_EQ(fast[0].kind, icu[0].kind);
    EXPECT_EQ(fast[0].kind, TokenKind::kWord);
  }
  // Digits, apostrophes and non-ASCII letters still go through ICU.
  EXPECT_EQ(Tokenize("B52")[0].byte_end, 3u);
  EXPECT_EQ(Tokenize("42")[0].kind, TokenKind::kNumber);
  EXPECT_EQ(Tokenize("don't").size(), 1u);
}

}  // namespace
}  // namespace newsgraph::text
