// GoogleTest helpers for absl::Status / absl::StatusOr (Debian's Abseil
// ships no matchers).
#ifndef NEWSGRAPH_TESTS_TESTING_STATUS_MATCHERS_H_
#define NEWSGRAPH_TESTS_TESTING_STATUS_MATCHERS_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace newsgraph::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// EXPECT_THAT(x, IsOk()) for a Status or StatusOr.
MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status.ToString();
  return status.ok();
}

// EXPECT_THAT(x, StatusIs(absl::StatusCode::kNotFound)).
MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code;
}

// EXPECT_THAT(x, StatusIs(code, HasSubstr("...")))
MATCHER_P2(StatusIs, code, message_matcher, "") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

}  // namespace newsgraph::testing

#define NG_ASSERT_OK(expr) ASSERT_THAT(expr, ::newsgraph::testing::IsOk())
#define NG_EXPECT_OK(expr) EXPECT_THAT(expr, ::newsgraph::testing::IsOk())

// Declares `lhs` from a StatusOr, failing the test when it is an error.
#define NG_ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  NG_ASSERT_OK_AND_ASSIGN_IMPL(NG_TEST_CONCAT(ng_test_statusor_, __COUNTER__), lhs, rexpr)
#define NG_TEST_CONCAT_INNER(a, b) a##b
#define NG_TEST_CONCAT(a, b) NG_TEST_CONCAT_INNER(a, b)
#define NG_ASSERT_OK_AND_ASSIGN_IMPL(statusor, lhs, rexpr)    \
  auto statusor = (rexpr);                                    \
  ASSERT_TRUE(statusor.ok()) << statusor.status().ToString(); \
  lhs = std::move(statusor).value()

#endif  // NEWSGRAPH_TESTS_TESTING_STATUS_MATCHERS_H_
