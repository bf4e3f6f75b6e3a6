#include "storage/key_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

#include "tests/testing/status_matchers.h"

namespace newsgraph::storage {
namespace {

using ::newsgraph::testing::StatusIs;

TEST(KeyCodecTest, RoundTripsMixedComponents) {
  const std::string key =
      KeyBuilder().AddUint64(42).AddString(std::string("a\0b", 3)).AddInt64(-7).AddString("").key();
  KeyReader reader(key);
  NG_ASSERT_OK_AND_ASSIGN(uint64_t u, reader.ReadUint64());
  NG_ASSERT_OK_AND_ASSIGN(std::string s, reader.ReadString());
  NG_ASSERT_OK_AND_ASSIGN(int64_t i, reader.ReadInt64());
  NG_ASSERT_OK_AND_ASSIGN(std::string empty, reader.ReadString());
  EXPECT_EQ(u, 42u);
  EXPECT_EQ(s, std::string("a\0b", 3));
  EXPECT_EQ(i, -7);
  EXPECT_EQ(empty, "");
  EXPECT_TRUE(reader.AtEnd());
}

TEST(KeyCodecTest, Int64OrderIsPreserved) {
  const std::vector<int64_t> values = {std::numeric_limits<int64_t>::min(), -1000, -1, 0, 1, 99,
                                       std::numeric_limits<int64_t>::max()};
  for (size_t i = 1; i < values.size(); ++i) {
    EXPECT_LT(KeyBuilder().AddInt64(values[i - 1]).key(), KeyBuilder().AddInt64(values[i]).key())
        << values[i - 1] << " vs " << values[i];
  }
}

// Encoded (string, uint64) keys sort exactly like the tuples they encode,
// including strings that are prefixes of each other and contain 0x00/0xFF.
TEST(KeyCodecTest, CompositeOrderMatchesTupleOrderOnRandomKeys) {
  std::mt19937 rng(1234);
  const std::string alphabet(
      "\x00\x01\xFF"
      "ab",
      5);
  std::vector<std::tuple<std::string, uint64_t>> tuples;
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    const int len = static_cast<int>(rng() % 5);
    for (int k = 0; k < len; ++k) s.push_back(alphabet[rng() % alphabet.size()]);
    tuples.emplace_back(s, rng() % 4);
  }
  std::vector<std::pair<std::string, size_t>> encoded;
  for (size_t i = 0; i < tuples.size(); ++i) {
    encoded.emplace_back(
        KeyBuilder().AddString(std::get<0>(tuples[i])).AddUint64(std::get<1>(tuples[i])).key(), i);
  }
  std::sort(encoded.begin(), encoded.end());
  for (size_t i = 1; i < encoded.size(); ++i) {
    const auto& a = tuples[encoded[i - 1].second];
    const auto& b = tuples[encoded[i].second];
    EXPECT_LE(a, b) << "encoded order differs from tuple order at " << i;
  }
}

TEST(KeyCodecTest, StringPrefixKeyCoversOnlyThatString) {
  const std::string prefix = KeyBuilder().AddString("ab").key();
  const std::string same = KeyBuilder().AddString("ab").AddUint64(1).key();
  const std::string longer = KeyBuilder().AddString("abc").AddUint64(1).key();
  EXPECT_EQ(same.compare(0, prefix.size(), prefix), 0);
  EXPECT_NE(longer.compare(0, prefix.size(), prefix), 0);
}

TEST(KeyCodecTest, RejectsTruncatedAndCorruptKeys) {
  // KeyReader borrows its input: keep the bytes alive.
  const std::string three_bytes(3, 'x');
  KeyReader short_int(three_bytes);
  EXPECT_THAT(short_int.ReadUint64(), StatusIs(absl::StatusCode::kInvalidArgument));
  KeyReader unterminated("abc");
  EXPECT_THAT(unterminated.ReadString(),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("unterminated")));
  const std::string escaped("a\0\x07", 3);
  KeyReader bad_escape(escaped);
  EXPECT_THAT(bad_escape.ReadString(),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("bad escape")));
}

TEST(KeyCodecTest, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xFF", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xFF\xFF", 2)), "");
}

}  // namespace
}  // namespace newsgraph::storage
