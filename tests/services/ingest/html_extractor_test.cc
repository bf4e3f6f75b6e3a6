// The HTML extractor on hostile shapes: nesting of any element kind far past
// what a parser's recursion survives, closed and unclosed.
#include "services/ingest/html_extractor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "services/ingest/html_depth_limit.h"

namespace newsgraph::ingest {
namespace {

using ::testing::HasSubstr;

std::string Repeat(const std::string& piece, size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(HtmlExtractorTest, KeepsArticleTextAndDropsChrome) {
  const HtmlExtraction page = ExtractHtml(
      "<html><head><title>Grain report</title></head><body><nav>Home | World</nav>"
      "<article><h1>Wheat rises</h1><p>Prices rose <b>sharply</b>.</p></article>"
      "<footer>Copyright</footer></body></html>");
  EXPECT_EQ(page.title, "Grain report");
  EXPECT_THAT(page.text, HasSubstr("Wheat rises"));
  EXPECT_THAT(page.text, HasSubstr("Prices rose sharply."));
  EXPECT_THAT(page.text, ::testing::Not(HasSubstr("Home")));
  EXPECT_THAT(page.text, ::testing::Not(HasSubstr("Copyright")));
}

// An <article> start tag that never becomes an element (template content)
// does not hide the page's text.
TEST(HtmlExtractorTest, ArticleTagInsideATemplateFallsBackToTheBody) {
  const HtmlExtraction page = ExtractHtml(
      "<html><body><template><article>Template copy</article></template>"
      "<p>The council approved the budget.</p></body></html>");
  EXPECT_THAT(page.text, HasSubstr("The council approved the budget."));
}

// 300,000 levels of each element kind, closed and unclosed: no crash, and
// the text inside survives.
TEST(HtmlExtractorTest, AnyElementNestedDeeplyKeepsItsText) {
  constexpr size_t kLevels = 300000;
  for (const std::string tag : {"b", "i", "span", "a", "em", "font", "div", "section", "ul",
                                "table", "blockquote", "sub", "custom-element", "svg"}) {
    for (const bool closed : {true, false}) {
      std::string html = absl::StrCat("<html><body><p>start ", tag, "</p>");
      html += Repeat(absl::StrCat("<", tag, ">"), kLevels);
      html += "deep text";
      if (closed) html += Repeat(absl::StrCat("</", tag, ">"), kLevels);
      html += "<p>after</p></body></html>";
      const HtmlExtraction page = ExtractHtml(html);
      if (tag != "svg") {
        EXPECT_THAT(page.text, HasSubstr("deep text")) << tag << " " << closed;
      }
      EXPECT_THAT(page.text, HasSubstr(absl::StrCat("start ", tag))) << tag << " " << closed;
    }
  }
}

TEST(HtmlExtractorTest, AlternatingFormattingElementsDoNotExplode) {
  std::string html = "<body>";
  for (int i = 0; i < 100000; ++i) html += (i % 2 == 0) ? "<b><i>x" : "</b></i>y";
  html += "</body>";
  const HtmlExtraction page = ExtractHtml(html);
  EXPECT_THAT(page.text, HasSubstr("xy"));
}

// A page of several MiB is parsed in pieces: each piece reopens the
// elements open at its cut, so the article's text comes out whole and in
// order, and chrome spanning a cut stays dropped.
TEST(HtmlExtractorTest, LargePagesAreParsedInPiecesWithTheSameText) {
  std::string html =
      "<html><head><title>Harbour log</title></head><body><nav>Menu entries</nav>"
      "<div class=\"wrap\"><article><h1>Harbour log</h1>";
  constexpr int kParagraphs = 40000;
  for (int i = 0; i < kParagraphs; ++i) {
    absl::StrAppend(&html, "<p>Entry ", i, " of the log, with <b>bold</b> words.</p>");
    if (i == kParagraphs / 2) {
      html += "<aside>";
      for (int k = 0; k < 20000; ++k) absl::StrAppend(&html, "<p>sidebar ", k, "</p>");
      html += "</aside>";
    }
  }
  html += "</article></div><footer>Copyright line</footer></body></html>";
  const HtmlPieces pieces = SplitBoundedHtml(html, 200, 512 << 10);
  ASSERT_GT(pieces.pieces.size(), 3u);
  for (size_t k = 1; k < pieces.pieces.size(); ++k) {
    EXPECT_EQ(pieces.pieces[k].rfind("<div class=\"wrap\"><article>", 0), 0u) << k;
  }
  const HtmlExtraction page = ExtractHtml(html);
  EXPECT_EQ(page.title, "Harbour log");
  size_t at = 0;
  for (int i = 0; i < kParagraphs; ++i) {
    const std::string entry = absl::StrCat("Entry ", i, " of the log, with bold words.");
    const size_t found = page.text.find(entry, at);
    ASSERT_NE(found, std::string::npos) << entry;
    at = found + entry.size();
  }
  EXPECT_THAT(page.text, ::testing::Not(HasSubstr("sidebar")));
  EXPECT_THAT(page.text, ::testing::Not(HasSubstr("Menu entries")));
  EXPECT_THAT(page.text, ::testing::Not(HasSubstr("Copyright")));

  // A stop request ends the extraction between pieces.
  int asked = 0;
  const HtmlExtraction stopped = ExtractHtml(html, [&asked] { return ++asked > 2; });
  EXPECT_TRUE(stopped.stopped);
  EXPECT_EQ(asked, 3);
}

TEST(HtmlDepthLimitTest, RemovesOnlyTagsPastTheLimit) {
  size_t removed = 0;
  EXPECT_EQ(LimitNestingDepth("<div><div><div>x</div></div></div>", 2, &removed),
            "<div><div>x</div></div>");
  EXPECT_EQ(removed, 2u);
  // Void, self-closing and optional-end-tag elements do not count.
  EXPECT_EQ(LimitNestingDepth("<div><br><img src='a>b'/><p>x<p>y</div>", 1, &removed),
            "<div><br><img src='a>b'/><p>x<p>y</div>");
  EXPECT_EQ(removed, 0u);
  // Raw text is skipped whole, comments are kept.
  EXPECT_EQ(LimitNestingDepth("<script><b><b></script><!-- <b> --><b>x</b>", 0, &removed),
            "<script><b><b></script><!-- <b> -->x");
  EXPECT_EQ(removed, 2u);
  // Unterminated tags and stray '<' are text.
  EXPECT_EQ(LimitNestingDepth("a < b <", 1, &removed), "a < b <");
}

}  // namespace
}  // namespace newsgraph::ingest
