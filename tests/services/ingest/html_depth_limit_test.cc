// LimitNestingDepth and SplitBoundedHtml on their own: which tags count
// towards the depth, what is removed past the limit (only tags, never text),
// what is never looked into (raw text, comments, quoted attributes), and
// where a page may be cut into pieces.
#include "services/ingest/html_depth_limit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace newsgraph::ingest {
namespace {

using ::testing::StartsWith;

std::string Repeat(const std::string& piece, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

// LimitNestingDepth's output, with the removed count checked against `removed`.
std::string Limit(const std::string& html, size_t max_depth, size_t removed) {
  size_t got = 12345;
  std::string out = LimitNestingDepth(html, max_depth, &got);
  EXPECT_EQ(got, removed) << html;
  return out;
}

TEST(LimitNestingDepthTest, EmptyInputStaysEmpty) { EXPECT_EQ(Limit("", 0, 0), ""); }

TEST(LimitNestingDepthTest, TagsWithinTheLimitAreKept) {
  const std::string html = "<div><section><span>x</span></section></div>";
  EXPECT_EQ(Limit(html, 3, 0), html);
  EXPECT_EQ(Limit(html, 100, 0), html);
}

TEST(LimitNestingDepthTest, TagsPastTheLimitAreRemovedAndTheirTextKept) {
  EXPECT_EQ(Limit("<div><section><span>x</span></section></div>", 1, 4), "<div>x</div>");
  EXPECT_EQ(Limit("<i><i><i>one</i>two</i>three</i>", 1, 4), "<i>onetwothree</i>");
}

TEST(LimitNestingDepthTest, DepthZeroRemovesEveryCountedTag) {
  EXPECT_EQ(Limit("<div>a<span>b</span>c</div>", 0, 4), "abc");
}

// Depth is nesting, not the number of tags: siblings and later elements at
// a shallow level are kept once the deep ones have closed.
TEST(LimitNestingDepthTest, DepthFallsAgainAfterEndTags) {
  const std::string siblings = "<div><b>1</b><i>2</i><u>3</u></div>";
  EXPECT_EQ(Limit(siblings, 2, 0), siblings);
  EXPECT_EQ(Limit("<b><b><b>x</b></b></b><i>y</i>", 1, 4), "<b>x</b><i>y</i>");
}

TEST(LimitNestingDepthTest, UnclosedElementsKeepCounting) {
  EXPECT_EQ(Limit("<span><span><span>deep", 2, 1), "<span><span>deep");
  EXPECT_EQ(Limit("<div>one<div>two<div>three", 1, 2), "<div>onetwothree");
}

// An end tag that closes no open element is removed and does not let the
// next elements nest deeper than the limit.
TEST(LimitNestingDepthTest, StrayEndTagsDoNotMakeTheDepthNegative) {
  EXPECT_EQ(Limit("</b></b></b><b><b>x</b></b>", 1, 5), "<b>x</b>");
}

// A parser ignores "</i>" when no <i> is open, so it must not lower the
// count either: "<div></i>" repeated nests divs as deep as it repeats.
TEST(LimitNestingDepthTest, StrayEndTagsCannotHideNesting) {
  std::string html;
  for (int k = 0; k < 100000; ++k) html += "<div></i>";
  html += "deep";
  size_t removed = 0;
  const std::string limited = LimitNestingDepth(html, 200, &removed);
  EXPECT_EQ(limited, Repeat("<div>", 200) + "deep");
  EXPECT_EQ(removed, 100000u + (100000u - 200u));
}

// An end tag closes the innermost open element of its name and the ones
// inside it that were left open, as a parser does.
TEST(LimitNestingDepthTest, AnEndTagClosesTheElementsLeftOpenInsideIt) {
  EXPECT_EQ(Limit("<div><span><b>x</div><div><span>y</span></div>", 2, 1),
            "<div><span>x</div><div><span>y</span></div>");
}

TEST(LimitNestingDepthTest, VoidAndSelfClosingElementsDoNotCount) {
  const std::string voids =
      "a<br>b<hr/>c<img src=x.png><input type=text><meta charset=utf-8><wbr>d";
  EXPECT_EQ(Limit(voids, 0, 0), voids);
  const std::string svg = "<svg><path d='M0'/><circle r='1' /></svg>";
  EXPECT_EQ(Limit(svg, 1, 0), svg);
  EXPECT_EQ(Limit("<x-icon/>text", 0, 0), "<x-icon/>text");
}

// p, li, td, ... may omit their end tags: they never deepen the count, while
// the list or table around them does.
TEST(LimitNestingDepthTest, ElementsWithOptionalEndTagsDoNotCount) {
  EXPECT_EQ(Limit("<ul><li>one<li>two<li>three</ul>", 0, 2), "<li>one<li>two<li>three");
  const std::string table = "<table><tbody><tr><td>1<td>2<tr><td>3</table>";
  EXPECT_EQ(Limit(table, 1, 0), table);
  EXPECT_EQ(Limit("<p>a<p>b<p>c<dl><dt>t<dd>d</dl>", 0, 2), "<p>a<p>b<p>c<dt>t<dd>d");
  const std::string page = "<html><head><title>T</title></head><body>x</body></html>";
  EXPECT_EQ(Limit(page, 0, 0), page);
}

TEST(LimitNestingDepthTest, TagNamesAreCaseInsensitive) {
  EXPECT_EQ(Limit("<DIV><Div>x</DIV></div>", 1, 2), "<DIV>x</div>");
  EXPECT_EQ(Limit("<BR><P>a<P>b<LI>c", 0, 0), "<BR><P>a<P>b<LI>c");
}

TEST(LimitNestingDepthTest, RawTextElementsAreSkippedWhole) {
  for (const std::string html :
       {"<script>if (a<b && c>d) { s = '<div><div>'; }</script>",
        "<style>p > b { color: red }</style>", "<textarea><b><i>typed</i></b></textarea>",
        "<title><em>x</em></title>", "<noscript><div><div>no js</div></div></noscript>"}) {
    EXPECT_EQ(Limit(html, 0, 0), html);
  }
  // The end tag is found whatever its case; what follows is markup again.
  EXPECT_EQ(Limit("<script>x</SCRIPT><b>y</b>", 0, 2), "<script>x</SCRIPT>y");
}

// A raw-text element is balanced: neither its start nor its end tag may move
// the depth, or each script on a page would let one more element nest.
TEST(LimitNestingDepthTest, RawTextElementsDoNotChangeTheDepth) {
  EXPECT_EQ(Limit("<div><script>x</script><div>y</div></div>", 1, 2),
            "<div><script>x</script>y</div>");
  const std::string nested = Repeat("<div><style></style>", 5) + "z";
  EXPECT_EQ(Limit(nested, 2, 3),
            "<div><style></style><div><style></style>" + Repeat("<style></style>", 3) + "z");
}

// Only "</script" followed by a space, '/' or '>' ends a script; a longer
// name inside it ("</scripts>") is part of its text.
TEST(LimitNestingDepthTest, RawTextEndsOnlyAtItsOwnEndTag) {
  const std::string html = "<script>s = '</scripts><b>';</script><i>x</i>";
  EXPECT_EQ(Limit(html, 0, 2), "<script>s = '</scripts><b>';</script>x");
}

TEST(LimitNestingDepthTest, UnclosedRawTextRunsToTheEnd) {
  const std::string html = "<div><script>while (1) {} <div><div><div>";
  EXPECT_EQ(Limit(html, 1, 0), html);
}

TEST(LimitNestingDepthTest, CommentsDoctypesAndInstructionsAreKeptUnparsed) {
  const std::string html = "<!DOCTYPE html><!-- <div><div> --><?php echo 1 ?><div>x</div>";
  EXPECT_EQ(Limit(html, 1, 0), html);
  EXPECT_EQ(Limit("<b><b><!-- note --></b></b>", 1, 2), "<b><!-- note --></b>");
  EXPECT_EQ(Limit("x<!-- never closed <div><div>", 0, 0), "x<!-- never closed <div><div>");
}

TEST(LimitNestingDepthTest, AttributesMayHoldAngleBrackets) {
  const std::string html = "<div title=\"a>b\"><span data-x='<i>'>x</span></div>";
  EXPECT_EQ(Limit(html, 2, 0), html);
  EXPECT_EQ(Limit(html, 1, 2), "<div title=\"a>b\">x</div>");
  // A quoted "/>" does not make a start tag self-closing.
  EXPECT_EQ(Limit("<div data-end=\"/>\">x</div>", 0, 2), "x");
  EXPECT_EQ(Limit("<div data-x=a<b>x</div>", 0, 2), "x");
}

TEST(LimitNestingDepthTest, LessThanSignsThatOpenNoTagAreText) {
  const std::string text = "1 < 2, 3<4 and x <= y; a </ b";
  EXPECT_EQ(Limit(text, 0, 0), text);
}

TEST(LimitNestingDepthTest, RemovedCountMayBeOmitted) {
  EXPECT_EQ(LimitNestingDepth("<b><b>x</b></b>", 1, nullptr), "<b>x</b>");
}

TEST(LimitNestingDepthTest, VeryDeepNestingIsCutToTheLimit) {
  constexpr size_t kLevels = 200000;
  const std::string html = Repeat("<div>", kLevels) + "x" + Repeat("</div>", kLevels);
  EXPECT_EQ(Limit(html, 200, 2 * (kLevels - 200)),
            Repeat("<div>", 200) + "x" + Repeat("</div>", 200));
}

TEST(SplitBoundedHtmlTest, WithoutAPieceSizeGivesOnePieceOfTheLimitedHtml) {
  const HtmlPieces pieces = SplitBoundedHtml("<div><div>a</div></div>", 1, 0);
  ASSERT_EQ(pieces.pieces.size(), 1u);
  EXPECT_EQ(pieces.pieces[0], "<div>a</div>");
  EXPECT_EQ(pieces.removed, 2u);
}

TEST(SplitBoundedHtmlTest, ReportsArticleAndMainStartTagsAnywhere) {
  const HtmlPieces both = SplitBoundedHtml("<main><ARTICLE>x</ARTICLE></main>", 10, 0);
  EXPECT_TRUE(both.has_article);
  EXPECT_TRUE(both.has_main);
  const HtmlPieces main_only = SplitBoundedHtml("<main>x</main>", 10, 0);
  EXPECT_FALSE(main_only.has_article);
  EXPECT_TRUE(main_only.has_main);
  // Past the depth limit still counts; comments and scripts do not.
  EXPECT_TRUE(SplitBoundedHtml("<div><div><article>x</article></div></div>", 1, 0).has_article);
  const HtmlPieces hidden =
      SplitBoundedHtml("<!-- <article> --><script>'<main>'</script><div>x</div>", 10, 0);
  EXPECT_FALSE(hidden.has_article);
  EXPECT_FALSE(hidden.has_main);
}

// Cuts come after a block's end once a piece holds piece_bytes; each later
// piece starts by reopening the elements open at the cut, and nothing else
// is added or lost.
TEST(SplitBoundedHtmlTest, CutsAfterBlockEndsAndReopensTheOpenElements) {
  const std::string open = "<div class=\"wrap\"><section>";
  std::string html = open;
  for (int i = 0; i < 30; ++i) absl::StrAppend(&html, "<p>Paragraph number ", i, " here.</p>");
  constexpr size_t kPieceBytes = 120;
  const HtmlPieces pieces = SplitBoundedHtml(html, 10, kPieceBytes);
  ASSERT_GT(pieces.pieces.size(), 3u);
  std::string joined = pieces.pieces[0];
  for (size_t k = 0; k < pieces.pieces.size(); ++k) {
    const std::string& piece = pieces.pieces[k];
    if (k > 0) {
      ASSERT_THAT(piece, StartsWith(open)) << k;
      joined += piece.substr(open.size());
    }
    if (k + 1 < pieces.pieces.size()) {
      EXPECT_EQ(piece.substr(piece.size() - 4), "</p>") << k;
      EXPECT_GE(piece.size(), kPieceBytes) << k;
      EXPECT_LT(piece.size(), 2 * kPieceBytes) << k;
    }
  }
  EXPECT_EQ(joined, html);
}

TEST(SplitBoundedHtmlTest, NeverCutsInsideRawTextOrComments) {
  const std::string script = "<script>" + Repeat("if (a) { b(); } </p> ", 30) + "</script>";
  const std::string comment = "<!-- " + Repeat("old markup </p> ", 30) + "-->";
  const std::string html =
      "<div><p>Intro paragraph.</p>" + script + comment + "<p>Closing paragraph.</p></div>";
  const HtmlPieces pieces = SplitBoundedHtml(html, 10, 40);
  ASSERT_GT(pieces.pieces.size(), 1u);
  int with_script = 0;
  int with_comment = 0;
  for (const std::string& piece : pieces.pieces) {
    with_script += piece.find(script) != std::string::npos;
    with_comment += piece.find(comment) != std::string::npos;
  }
  EXPECT_EQ(with_script, 1);
  EXPECT_EQ(with_comment, 1);
}

}  // namespace
}  // namespace newsgraph::ingest
