#include "services/text/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace newsgraph::text {
namespace {

// U+FFFD REPLACEMENT CHARACTER.
constexpr char kReplacement[] = "\xEF\xBF\xBD";

TEST(FindInvalidUtf8Test, EmptyAndAsciiAreValid) {
  EXPECT_EQ(FindInvalidUtf8(""), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8("plain text, 123."), std::nullopt);
  // An embedded NUL is the valid one-byte sequence U+0000.
  EXPECT_EQ(FindInvalidUtf8(std::string("a\0b", 3)), std::nullopt);
}

TEST(FindInvalidUtf8Test, AcceptsEverySequenceLength) {
  EXPECT_EQ(FindInvalidUtf8("\xC3\xA9"), std::nullopt);          // U+00E9, 2 bytes
  EXPECT_EQ(FindInvalidUtf8("\xE2\x82\xAC"), std::nullopt);      // U+20AC, 3 bytes
  EXPECT_EQ(FindInvalidUtf8("\xF0\x9F\x98\x80"), std::nullopt);  // U+1F600, 4 bytes
}

TEST(FindInvalidUtf8Test, AcceptsTheBoundaryCodePoints) {
  EXPECT_EQ(FindInvalidUtf8("\x7F"), std::nullopt);              // last 1-byte
  EXPECT_EQ(FindInvalidUtf8("\xC2\x80"), std::nullopt);          // first 2-byte, U+0080
  EXPECT_EQ(FindInvalidUtf8("\xE0\xA0\x80"), std::nullopt);      // first 3-byte, U+0800
  EXPECT_EQ(FindInvalidUtf8("\xED\x9F\xBF"), std::nullopt);      // U+D7FF, before surrogates
  EXPECT_EQ(FindInvalidUtf8("\xEE\x80\x80"), std::nullopt);      // U+E000, after surrogates
  EXPECT_EQ(FindInvalidUtf8("\xEF\xBF\xBF"), std::nullopt);      // U+FFFF
  EXPECT_EQ(FindInvalidUtf8("\xF0\x90\x80\x80"), std::nullopt);  // first 4-byte, U+10000
  EXPECT_EQ(FindInvalidUtf8("\xF4\x8F\xBF\xBF"), std::nullopt);  // U+10FFFF, the last
}

TEST(FindInvalidUtf8Test, RejectsOverlongForms) {
  EXPECT_EQ(FindInvalidUtf8("\xC1\xBF"), 0u);             // U+007F in 2 bytes
  EXPECT_EQ(FindInvalidUtf8("ab\xE0\x9F\xBF"), 2u);       // U+07FF in 3 bytes
  EXPECT_EQ(FindInvalidUtf8("abc\xF0\x8F\xBF\xBF"), 3u);  // U+FFFF in 4 bytes
}

TEST(FindInvalidUtf8Test, RejectsSurrogatesAndValuesAboveTheRange) {
  EXPECT_EQ(FindInvalidUtf8("\xED\xBF\xBF"), 0u);          // U+DFFF, a low surrogate
  EXPECT_EQ(FindInvalidUtf8("ok\xF4\x90\x80\x80"), 2u);    // U+110000
  EXPECT_EQ(FindInvalidUtf8("\xF5\x80\x80\x80"), 0u);      // lead byte past F4
  EXPECT_EQ(FindInvalidUtf8("\xF8\x88\x80\x80\x80"), 0u);  // 5-byte form
  EXPECT_EQ(FindInvalidUtf8("\xFE"), 0u);
}

TEST(FindInvalidUtf8Test, ReportsStrayContinuationAndTruncatedSequences) {
  EXPECT_EQ(FindInvalidUtf8("\x80"), 0u);
  // The offset is that of the first byte of the broken sequence, after
  // valid multi-byte characters.
  EXPECT_EQ(FindInvalidUtf8("\xC3\xA9\xE2\x82\xAC\x80"), 5u);
  EXPECT_EQ(FindInvalidUtf8("\xC3\xA9\xF0\x9F\x98"), 2u);  // 4-byte sequence cut short
  EXPECT_EQ(FindInvalidUtf8("x\xE2\x82y"), 1u);            // interrupted by ASCII
  EXPECT_EQ(FindInvalidUtf8("\xC3\xC3\xA9"), 0u);          // lead byte followed by a lead byte
}

TEST(RepairUtf8Test, LeavesValidTextUnchanged) {
  const std::string text =
      "Caf\xC3\xA9 \xE2\x82\xAC"
      "5 \xF0\x9F\x98\x80";
  size_t replaced = 99;
  EXPECT_EQ(RepairUtf8(text, &replaced), text);
  EXPECT_EQ(replaced, 0u);
  EXPECT_EQ(RepairUtf8("", &replaced), "");
  EXPECT_EQ(replaced, 0u);
}

TEST(RepairUtf8Test, NullCountIsAllowed) {
  EXPECT_EQ(RepairUtf8("a\xFF", nullptr), std::string("a") + kReplacement);
}

TEST(RepairUtf8Test, TruncatedSequenceBecomesOneReplacementCharacter) {
  size_t replaced = 0;
  // E2 82 is the start of a 3-byte sequence cut by 'x'.
  EXPECT_EQ(RepairUtf8("\xE2\x82x", &replaced), std::string(kReplacement) + "x");
  EXPECT_EQ(replaced, 1u);
}

TEST(RepairUtf8Test, KeepsTheValidCharacterAfterABrokenOne) {
  size_t replaced = 0;
  // F0 9F starts an emoji that never finishes; C3 A9 is a complete "é".
  EXPECT_EQ(RepairUtf8("\xF0\x9F\xC3\xA9", &replaced), std::string(kReplacement) + "\xC3\xA9");
  EXPECT_EQ(replaced, 1u);
}

TEST(RepairUtf8Test, CountsSeparateBrokenSequences) {
  size_t replaced = 0;
  EXPECT_EQ(RepairUtf8("\xFF"
                       "a\xED\xA0\x80"
                       "b\xC0\x80",
                       &replaced),
            std::string(kReplacement) + "a" + kReplacement + "b" + kReplacement);
  EXPECT_EQ(replaced, 3u);
}

TEST(RepairUtf8Test, OutputIsAlwaysValid) {
  for (const std::string& bytes :
       {std::string("\x80\x80\x80"), std::string("\xF4\x90\x80\x80z"), std::string("\xC3"),
        std::string("ab\xE0\x80\x80\xEF\xBF\xBF"), std::string("\xFE\xFF\xC3\xA9\xED\xBF\xBF")}) {
    const std::string repaired = RepairUtf8(bytes, nullptr);
    EXPECT_EQ(FindInvalidUtf8(repaired), std::nullopt) << repaired;
    EXPECT_NE(repaired.find(kReplacement), std::string::npos) << repaired;
  }
}

TEST(CountCodePointsTest, CountsCodePointsNotBytes) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CountCodePoints("abc"), 3u);
  EXPECT_EQ(CountCodePoints("h\xC3\xA9llo"), 5u);                      // "héllo", 6 bytes
  EXPECT_EQ(CountCodePoints("\xE6\x97\xA5\xE6\x9C\xAC"), 2u);          // "日本"
  EXPECT_EQ(CountCodePoints("\xF0\x9F\x98\x80\xF0\x9F\x98\x81"), 2u);  // two emoji
}

TEST(CountCodePointsTest, CombiningMarkIsItsOwnCodePoint) {
  // "e" + U+0301 COMBINING ACUTE ACCENT: one grapheme, two code points.
  EXPECT_EQ(CountCodePoints("e\xCC\x81"), 2u);
}

TEST(CodePointOffsetsTest, EmptyText) {
  const CodePointOffsets offsets("");
  EXPECT_EQ(offsets.FromByte(0), 0u);
}

TEST(CodePointOffsetsTest, MapsEveryByteOfMixedWidthText) {
  // a | é (2 bytes) | € (3 bytes) | 😀 (4 bytes) | b  = 11 bytes, 5 code points.
  const std::string text =
      "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"
      "b";
  ASSERT_EQ(text.size(), 11u);
  const CodePointOffsets offsets(text);
  const uint32_t expected[] = {0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 5};
  for (size_t byte = 0; byte <= text.size(); ++byte) {
    EXPECT_EQ(offsets.FromByte(byte), expected[byte]) << "byte " << byte;
  }
}

TEST(CodePointOffsetsTest, BytesOfTheFirstCharacterMapToZero) {
  // A text starting with a multi-byte character: its bytes all map to 0.
  const std::string text = "\xE2\x82\xAC";
  const CodePointOffsets offsets(text);
  EXPECT_EQ(offsets.FromByte(0), 0u);
  EXPECT_EQ(offsets.FromByte(1), 0u);
  EXPECT_EQ(offsets.FromByte(2), 0u);
  EXPECT_EQ(offsets.FromByte(3), 1u);
}

TEST(CodePointOffsetsTest, SequencesStraddlingCheckpointsMapCorrectly) {
  // "a" then 60 three-byte "€": 181 bytes, so several 64-byte checkpoints fall
  // inside a character (byte 64 = 1 + 3 * 21: a character start; byte 128 =
  // 1 + 3 * 42 + 1: the middle of one).
  std::string text = "a";
  for (int k = 0; k < 60; ++k) text += "\xE2\x82\xAC";
  ASSERT_EQ(text.size(), 181u);
  const CodePointOffsets offsets(text);
  EXPECT_EQ(offsets.FromByte(0), 0u);
  for (size_t byte = 1; byte < text.size(); ++byte) {
    // The "€" holding byte `byte` is number (byte - 1) / 3, code point 1 + that.
    EXPECT_EQ(offsets.FromByte(byte), 1 + (byte - 1) / 3) << "byte " << byte;
  }
  EXPECT_EQ(offsets.FromByte(text.size()), 61u);
}

TEST(CodePointOffsetsTest, EndMapsToTheCodePointCount) {
  std::string text;
  for (int k = 0; k < 100; ++k) text += "\xD0\x96";  // Cyrillic "Ж", 2 bytes each
  const CodePointOffsets offsets(text);
  EXPECT_EQ(offsets.FromByte(text.size()), CountCodePoints(text));
  EXPECT_EQ(offsets.FromByte(text.size()), 100u);
  EXPECT_EQ(offsets.FromByte(128), 64u);  // exactly on a checkpoint, a character start
  EXPECT_EQ(offsets.FromByte(129), 64u);  // its second byte
  EXPECT_EQ(offsets.FromByte(199), 99u);  // the last byte
}

}  // namespace
}  // namespace newsgraph::text
