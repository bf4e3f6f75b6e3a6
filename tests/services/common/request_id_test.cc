#include "services/common/request_id.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/match.h"

namespace newsgraph {
namespace {

bool IsTraceId(const std::string& id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos &&
         id.find_first_not_of('0') != std::string::npos;
}

TEST(RequestIdTest, AValidTraceparentGivesItsTraceId) {
  EXPECT_EQ(RequestIdFor("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", ""),
            "4bf92f3577b34da6a3ce929d0e0e4736");
  // The traceparent wins over a caller's id.
  EXPECT_EQ(RequestIdFor("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", "job-7"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(RequestIdTest, AMalformedTraceparentFallsBackToTheCallersIdOrANewOne) {
  for (const char* bad : {
           "", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",      // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",      // zero parent id
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",      // other version
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",     // too long
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",       // too short
           "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",      // separator
       }) {
    EXPECT_EQ(RequestIdFor(bad, "job-7:part.2"), "job-7:part.2") << bad;
    EXPECT_TRUE(IsTraceId(RequestIdFor(bad, ""))) << bad;
  }
}

TEST(RequestIdTest, ACallersIdThatCouldForgeLogLinesIsReplaced) {
  for (const std::string bad :
       {std::string("a\nE forged line"), std::string("a\"b"), std::string("a b"),
        std::string(65, 'x'), std::string("caf\xc3\xa9"), std::string("a\0b", 3)}) {
    const std::string id = RequestIdFor("", bad);
    EXPECT_TRUE(IsTraceId(id)) << id;
  }
  EXPECT_EQ(RequestIdFor("", std::string(64, 'x')), std::string(64, 'x'));
}

TEST(RequestIdTest, NewIdsAreDistinctTraceIds) {
  const std::string a = NewTraceId();
  const std::string b = NewTraceId();
  EXPECT_TRUE(IsTraceId(a)) << a;
  EXPECT_TRUE(IsTraceId(b)) << b;
  EXPECT_NE(a, b);
}

TEST(RequestIdTest, TraceparentForKeepsATraceIdAndRoundTrips) {
  const std::string trace = NewTraceId();
  const std::string header = TraceparentFor(trace);
  EXPECT_TRUE(absl::StartsWith(header, "00-" + trace + "-")) << header;
  EXPECT_TRUE(absl::EndsWith(header, "-01")) << header;
  EXPECT_EQ(RequestIdFor(header, ""), trace);
  // Not a trace id (a caller's id, or none): a new trace.
  const std::string fresh = TraceparentFor("job-7");
  EXPECT_TRUE(IsTraceId(RequestIdFor(fresh, ""))) << fresh;
  EXPECT_NE(RequestIdFor(TraceparentFor(""), ""), RequestIdFor(TraceparentFor(""), ""));
}

}  // namespace
}  // namespace newsgraph
