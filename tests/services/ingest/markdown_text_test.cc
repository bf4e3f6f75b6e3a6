#include "services/ingest/markdown_text.h"

#include <gtest/gtest.h>

namespace newsgraph::ingest {
namespace {

TEST(MarkdownTextTest, MarkupGoesTextAndLinesStay) {
  std::string title;
  const std::string text = MarkdownToText(
      "# Harbour strike ends\n"
      "\n"
      "> Workers **returned** on _Tuesday_ after [talks](https://example.org) and ~~weeks~~ days.\n"
      "See ![the port](port.png) and `berth 4`.<!-- editor note -->\n"
      "## Background\n",
      &title);
  EXPECT_EQ(title, "Harbour strike ends");
  EXPECT_EQ(text,
            "Harbour strike ends\n"
            "\n"
            "Workers returned on _Tuesday_ after talks and weeks days.\n"
            "See the port and berth 4.\n"
            "Background\n"
            "\n");
}

TEST(MarkdownTextTest, CodeFencesKeepTheirTextVerbatimAndOnlyTheFirstTopHeadingIsTheTitle) {
  std::string title;
  const std::string text =
      MarkdownToText("## Not the title\n```\n**kept** as is\n```\n# Title\n# Second\n", &title);
  EXPECT_EQ(title, "Title");
  EXPECT_NE(text.find("**kept** as is"), std::string::npos);
  EXPECT_EQ(text.find("```"), std::string::npos);
  // No title wanted: none written.
  EXPECT_EQ(MarkdownToText("# Heading", nullptr), "Heading\n");
}

TEST(MarkdownTextTest, EmphasisNeedsWordsInsideAndUnderscoresInWordsStay) {
  EXPECT_EQ(MarkdownToText("2 * 3 * 4 and snake_case_name", nullptr),
            "2 * 3 * 4 and snake_case_name\n");
  EXPECT_EQ(MarkdownToText("__bold__ and *it*", nullptr), "bold and it\n");
}

// A stopped conversion ends early; the caller discards what it returns.
TEST(MarkdownTextTest, StopsWhenAsked) {
  std::string markdown;
  for (int i = 0; i < 10000; ++i) markdown += "**line** " + std::to_string(i) + "\n";
  int asked = 0;
  const std::string text = MarkdownToText(markdown, nullptr, [&] { return ++asked >= 2; });
  EXPECT_EQ(asked, 2);
  EXPECT_LT(text.size(), markdown.size() / 10);  // 512 of 10,000 lines
}

}  // namespace
}  // namespace newsgraph::ingest
