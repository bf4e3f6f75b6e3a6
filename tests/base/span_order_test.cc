#include "base/span_order.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace newsgraph {
namespace {

using ::testing::HasSubstr;

struct Span {
  uint32_t b = 0, e = 0;
  uint32_t byte_begin() const { return b; }
  uint32_t byte_end() const { return e; }
};
struct Item {
  Span s;
  const Span& span() const { return s; }
};

std::vector<Item> Items(std::initializer_list<std::pair<uint32_t, uint32_t>> spans) {
  std::vector<Item> items;
  for (const auto& [b, e] : spans) items.push_back({{b, e}});
  return items;
}

TEST(SpanOrderTest, AcceptsSpansInOrderTouchingOrEmpty) {
  EXPECT_TRUE(CheckSpansInOrder(Items({}), 0, "paragraphs").ok());
  EXPECT_TRUE(CheckSpansInOrder(Items({{0, 4}, {4, 9}, {9, 9}, {9, 9}, {12, 20}}), 20, "p").ok());
}

TEST(SpanOrderTest, NamesTheFirstSpanOutOfPlace) {
  const absl::Status overlapping = CheckSpansInOrder(Items({{0, 10}, {5, 12}}), 20, "paragraphs");
  EXPECT_EQ(overlapping.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(overlapping.message(), HasSubstr("paragraphs[1]: span bytes [5, 12)"));
  EXPECT_THAT(overlapping.message(), HasSubstr("previous span (which ends at 10)"));

  const absl::Status backwards = CheckSpansInOrder(Items({{10, 12}, {0, 4}}), 20, "passages");
  EXPECT_THAT(backwards.message(), HasSubstr("passages[1]"));

  const absl::Status past_end = CheckSpansInOrder(Items({{0, 4}, {4, 21}}), 20, "paragraphs");
  EXPECT_THAT(past_end.message(), HasSubstr("paragraphs[1]"));
  EXPECT_THAT(past_end.message(), HasSubstr("(20 bytes)"));

  const absl::Status reversed = CheckSpansInOrder(Items({{7, 3}}), 20, "paragraphs");
  EXPECT_THAT(reversed.message(), HasSubstr("paragraphs[0]: span bytes [7, 3)"));
}

}  // namespace
}  // namespace newsgraph
