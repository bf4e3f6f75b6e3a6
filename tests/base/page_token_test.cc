#include "base/page_token.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "tests/testing/status_matchers.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::StatusIs;

TEST(PageTokensTest, RoundTripsAndBindsKindAndParameters) {
  const PageTokens tokens(NewPageTokenKey());
  const std::string token = tokens.Encode("search", "grain|filter", "40");
  NG_ASSERT_OK_AND_ASSIGN(std::string position, tokens.Decode(token, "search", "grain|filter"));
  EXPECT_EQ(position, "40");
  EXPECT_THAT(tokens.Decode(token, "documents", "grain|filter"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(tokens.Decode(token, "search", "wheat|filter"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PageTokensTest, ForgedAlteredTruncatedAndForeignTokensFail) {
  const PageTokens tokens(NewPageTokenKey());
  const std::string token = tokens.Encode("search", "q", "10");
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &raw));
  // Every single-bit change anywhere is caught.
  for (size_t i = 0; i < raw.size(); ++i) {
    std::string altered = raw;
    altered[i] ^= 0x01;
    EXPECT_THAT(tokens.Decode(absl::WebSafeBase64Escape(altered), "search", "q"),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << "byte " << i;
  }
  EXPECT_THAT(tokens.Decode(token.substr(0, token.size() / 2), "search", "q"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(tokens.Decode("not a token", "search", "q"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A token made with another store's key (or by someone who knows the
  // format but not the key) does not verify.
  const PageTokens other(NewPageTokenKey());
  EXPECT_THAT(other.Decode(token, "search", "q"), StatusIs(absl::StatusCode::kInvalidArgument));
  const PageTokens attacker(std::string(32, '\0'));
  EXPECT_THAT(tokens.Decode(attacker.Encode("search", "q", "9999"), "search", "q"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace newsgraph
