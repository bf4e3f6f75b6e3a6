#include "clients/cli/cli_flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace newsgraph::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ParsedCommandLine Parse(std::vector<std::string> words) {
  words.insert(words.begin(), "newsgraph");
  std::vector<const char*> argv;
  for (const std::string& w : words) argv.push_back(w.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

TEST(CliFlagsTest, VerbsArgumentsAndFlagsInAnyOrder) {
  const ParsedCommandLine p =
      Parse({"--json", "search", "water", "--facet=source", "council", "--facet", "entity",
             "--page-size", "5", "--target=127.0.0.1:1"});
  ASSERT_FALSE(p.done) << p.output;
  EXPECT_THAT(p.args.positional, ElementsAre("search", "water", "council"));
  EXPECT_THAT(p.args.GetAll("facet"), ElementsAre("source", "entity"));
  EXPECT_EQ(p.args.Get("page-size"), "5");
  EXPECT_EQ(p.args.Get("target"), "127.0.0.1:1");
  EXPECT_TRUE(p.args.Has("json"));
}

TEST(CliFlagsTest, WordsThatNameVerbsAreArgumentsOnceAVerbIsChosen) {
  EXPECT_THAT(Parse({"search", "oil", "status"}).args.positional,
              ElementsAre("search", "oil", "status"));
  EXPECT_THAT(Parse({"search", "job", "cuts"}).args.positional,
              ElementsAre("search", "job", "cuts"));
  EXPECT_THAT(Parse({"entity", "resolve", "Trade", "list"}).args.positional,
              ElementsAre("entity", "resolve", "Trade", "list"));
  EXPECT_THAT(Parse({"token", "new", "search", "search.read"}).args.positional,
              ElementsAre("token", "new", "search", "search.read"));
  EXPECT_THAT(Parse({"ingest", "doc"}).args.positional, ElementsAre("ingest", "doc"));
}

TEST(CliFlagsTest, SingleDashWordsAndWordsAfterDoubleDashAreArguments) {
  EXPECT_THAT(Parse({"search", "grain", "-sanctions"}).args.positional,
              ElementsAre("search", "grain", "-sanctions"));
  EXPECT_THAT(Parse({"search", "--", "--literally", "grain"}).args.positional,
              ElementsAre("search", "--literally", "grain"));
  EXPECT_THAT(Parse({"analyze", "-"}).args.positional, ElementsAre("analyze", "-"));
  EXPECT_EQ(Parse({"doc", "list", "--page-token", "-abc"}).args.Get("page-token"), "-abc");
}

TEST(CliFlagsTest, UnknownFlagsAndBadValuesAreUsageErrors) {
  for (const std::vector<std::string>& words :
       std::vector<std::vector<std::string>>{{"doc", "list", "--pagesize=2"},
                                             {"search", "x", "--page-size=ten"},
                                             {"search", "x", "--after=yesterday"},
                                             {"--timeout", "-1", "status"},
                                             {"entity", "annotate", "f", "--version=0"}}) {
    const ParsedCommandLine p = Parse(words);
    EXPECT_TRUE(p.done) << words[0];
    EXPECT_EQ(p.exit_code, 2) << words[0];
    EXPECT_THAT(p.output, HasSubstr("newsgraph: ")) << words[0];
    EXPECT_EQ(p.output.find('\x01'), std::string::npos) << "no internal marks leak";
  }
}

TEST(CliFlagsTest, HelpVersionAndVerbsGivenHalf) {
  const ParsedCommandLine help = Parse({"doc", "--help"});
  EXPECT_FALSE(help.done);
  EXPECT_TRUE(help.args.Has("help"));
  EXPECT_THAT(help.args.positional, ElementsAre("doc"));
  const ParsedCommandLine version = Parse({"--version"});
  EXPECT_TRUE(version.done);
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.output, HasSubstr("newsgraph "));
  EXPECT_THAT(Parse({"frobnicate"}).args.positional, ElementsAre("frobnicate"));
  // The annotate verb's own --version is a number, not the program's.
  EXPECT_EQ(Parse({"entity", "annotate", "f", "--version=3"}).args.Get("version"), "3");
}

TEST(CliFlagsTest, CompletionNamesEveryVerbAndItsFlags) {
  const std::string script = BashCompletion();
  EXPECT_THAT(script, HasSubstr("\"entity mentions\") words=\"--document --page-size"));
  EXPECT_THAT(script, HasSubstr("words=\"ingest doc job search entity analyze status token"));
}

}  // namespace
}  // namespace newsgraph::cli
