#include "services/common/log.h"

#include <fcntl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

// What `write` sends to stderr.
std::string CaptureStderr(const std::function<void()>& write) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/stderr";
  const int saved = dup(STDERR_FILENO);
  const int file = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(file, STDERR_FILENO);
  close(file);
  write();
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `line` parsed as a JSON object; fails the test when it is not one.
google::protobuf::Struct ParseJson(const std::string& line) {
  google::protobuf::Struct object;
  const auto status = google::protobuf::util::JsonStringToMessage(line, &object);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in " << line;
  return object;
}

class LogTest : public ::testing::Test {
 protected:
  void TearDown() override { ConfigureLog({}); }
};

TEST(JsonQuoteTest, EscapesQuotesControlsAndInvalidUtf8) {
  EXPECT_EQ(JsonQuote("plain"), "\"plain\"");
  EXPECT_EQ(JsonQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonQuote("line\nnext\ttab\x01"), "\"line\\nnext\\ttab\\u0001\"");
  EXPECT_EQ(JsonQuote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xb0"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xb0\"");
  // A lone continuation byte, a truncated sequence, an overlong form and a
  // surrogate each become U+FFFD.
  EXPECT_EQ(JsonQuote("a\x80z"), "\"a\\ufffdz\"");
  EXPECT_EQ(JsonQuote("a\xe2\x82"), "\"a\\ufffd\\ufffd\"");
  EXPECT_EQ(JsonQuote("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(JsonQuote("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
  EXPECT_EQ(JsonQuote(std::string("a\0b", 3)), "\"a\\u0000b\"");
}

TEST_F(LogTest, JsonLinesAreObjectsWithTheRequestIdOfTheThread) {
  ConfigureLog({.format = LogFormat::kJson, .service = "ingestd"});
  const std::string out = CaptureStderr([] {
    LogInfo("pipeline", "outside any call");
    const ScopedRequestId id("4bf92f3577b34da6a3ce929d0e0e4736");
    LogError("pipeline", "documents/7 failed: \"bad\"\n\xff");
  });
  std::istringstream lines(out);
  std::string first, second, rest;
  ASSERT_TRUE(std::getline(lines, first));
  ASSERT_TRUE(std::getline(lines, second));
  EXPECT_FALSE(std::getline(lines, rest)) << out;
  google::protobuf::Struct a = ParseJson(first);
  EXPECT_EQ(a.fields().at("level").string_value(), "INFO");
  EXPECT_EQ(a.fields().at("service").string_value(), "ingestd");
  EXPECT_EQ(a.fields().at("component").string_value(), "pipeline");
  EXPECT_EQ(a.fields().count("request_id"), 0u);
  EXPECT_EQ(a.fields().at("message").string_value(), "outside any call");
  EXPECT_EQ(a.fields().at("time").string_value().size(), 24u);  // 2026-11-24T10:00:00.123Z
  google::protobuf::Struct b = ParseJson(second);
  EXPECT_EQ(b.fields().at("level").string_value(), "ERROR");
  EXPECT_EQ(b.fields().at("request_id").string_value(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(b.fields().at("message").string_value(), "documents/7 failed: \"bad\"\n\xef\xbf\xbd");
}

TEST_F(LogTest, CallRecordsCarryMethodCodeDurationAndRequest) {
  ConfigureLog({.format = LogFormat::kJson, .service = "searchd"});
  const std::string out = CaptureStderr([] {
    LogCall(LogLevel::kWarning, "searchd", "slow call",
            {.method = "/newsgraph.v1.SearchService/Search",
             .code = "OK",
             .duration_ms = 1234.5,
             .request_id = "job-7",
             .peer = "ipv4:127.0.0.1:5000",
             .request = "newsgraph.v1.SearchRequest {query: \"harbour\"}"});
  });
  google::protobuf::Struct line = ParseJson(out.substr(0, out.find('\n')));
  EXPECT_EQ(line.fields().at("level").string_value(), "WARNING");
  EXPECT_EQ(line.fields().at("method").string_value(), "/newsgraph.v1.SearchService/Search");
  EXPECT_EQ(line.fields().at("code").string_value(), "OK");
  EXPECT_EQ(line.fields().at("duration_ms").number_value(), 1234.5);
  EXPECT_EQ(line.fields().at("request_id").string_value(), "job-7");
  EXPECT_EQ(line.fields().at("peer").string_value(), "ipv4:127.0.0.1:5000");
  EXPECT_EQ(line.fields().at("request").string_value(),
            "newsgraph.v1.SearchRequest {query: \"harbour\"}");
}

TEST_F(LogTest, TextLinesNameTheRequestAndScopesNest) {
  const std::string out = CaptureStderr([] {
    const ScopedRequestId outer("outer");
    {
      const ScopedRequestId inner("inner");
      LogWarning("pipeline", "first");
    }
    LogWarning("pipeline", "second");
  });
  EXPECT_NE(out.find(" W pipeline: first [request=inner]\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" W pipeline: second [request=outer]\n"), std::string::npos) << out;
  EXPECT_EQ(CurrentRequestId(), "");
}

}  // namespace
}  // namespace newsgraph
