#include "services/search/snippets.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "services/search/analyzer.h"

namespace newsgraph::search {
namespace {

using Range = std::pair<size_t, size_t>;

newsgraph::v1::Document MakeDocument(const std::string& text) {
  newsgraph::v1::Document doc;
  doc.set_text(text);
  doc.set_language("en");
  return doc;
}

void SetSpan(newsgraph::v1::TextSpan* span, size_t begin, size_t end) {
  span->set_byte_begin(static_cast<uint32_t>(begin));
  span->set_byte_end(static_cast<uint32_t>(end));
}

// Adds the first occurrence of `part` (at or after `from`) as a paragraph.
void AddParagraph(newsgraph::v1::Document* doc, const std::string& part, size_t from = 0) {
  const size_t at = doc->text().find(part, from);
  ASSERT_NE(at, std::string::npos) << part;
  SetSpan(doc->add_paragraphs()->mutable_span(), at, at + part.size());
}

void AddQaBlock(newsgraph::v1::Document* doc, const std::string& part) {
  const size_t at = doc->text().find(part);
  ASSERT_NE(at, std::string::npos) << part;
  SetSpan(doc->add_passages()->mutable_span(), at, at + part.size());
}

// Byte range of the first occurrence of `word` at or after `from`.
Range Where(const std::string& text, const std::string& word, size_t from = 0) {
  const size_t at = text.find(word, from);
  EXPECT_NE(at, std::string::npos) << word;
  return {at, at + word.size()};
}

// Query words analyzed the way the query side does.
HighlightTerms Words(const std::vector<std::string>& words) {
  HighlightTerms terms;
  for (const std::string& w : words) terms.terms.insert(AnalyzeWord(w, "en"));
  return terms;
}

// The text a snippet highlight covers.
std::string Highlighted(const newsgraph::v1::Snippet& snippet, int k) {
  const auto& h = snippet.highlights(k);
  return snippet.text().substr(h.byte_begin(), h.byte_end() - h.byte_begin());
}

TEST(ScorePassagesTest, EmptyTextHasNoUnits) {
  EXPECT_TRUE(ScorePassages(MakeDocument(""), Words({"wheat"})).empty());
  EXPECT_TRUE(MakeSnippets(MakeDocument(""), Words({"wheat"}), 3).empty());
}

TEST(ScorePassagesTest, TextWithoutParagraphsIsOneUnit) {
  const std::string text = "Wheat prices rose. Oil fell.";
  const std::vector<ScoredPassage> units = ScorePassages(MakeDocument(text), HighlightTerms{});
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].begin, 0u);
  EXPECT_EQ(units[0].end, text.size());
  EXPECT_EQ(units[0].qa_index, -1);
  EXPECT_EQ(units[0].order, 0u);
}

TEST(ScorePassagesTest, UnitsAreQaBlocksAndOutsideParagraphsInTextOrder) {
  const std::string opening = "Opening remarks.";
  const std::string first_qa = "Q: Wheat? A: Yes.";
  const std::string second_qa = "Q: Oil? A: No.";
  const std::string closing = "Closing words.";
  newsgraph::v1::Document doc =
      MakeDocument(opening + "\n" + first_qa + "\n" + second_qa + "\n" + closing);
  AddParagraph(&doc, opening);
  AddParagraph(&doc, "Q: Wheat?");  // inside the first Q&A block
  AddParagraph(&doc, "A: Yes.");    // inside the first Q&A block
  AddParagraph(&doc, second_qa);    // the second block's whole text
  AddParagraph(&doc, closing);
  // Blocks listed against text order (as documents indexed before
  // IndexDocument checked the order may be): qa_index still names the entry.
  AddQaBlock(&doc, second_qa);
  AddQaBlock(&doc, first_qa);

  const std::vector<ScoredPassage> units = ScorePassages(doc, HighlightTerms{});
  ASSERT_EQ(units.size(), 4u);
  EXPECT_EQ(Range(units[0].begin, units[0].end), Where(doc.text(), opening));
  EXPECT_EQ(units[0].qa_index, -1);
  EXPECT_EQ(Range(units[1].begin, units[1].end), Where(doc.text(), first_qa));
  EXPECT_EQ(units[1].qa_index, 1);
  EXPECT_EQ(Range(units[2].begin, units[2].end), Where(doc.text(), second_qa));
  EXPECT_EQ(units[2].qa_index, 0);
  EXPECT_EQ(Range(units[3].begin, units[3].end), Where(doc.text(), closing));
  EXPECT_EQ(units[3].qa_index, -1);
  for (size_t i = 0; i < units.size(); ++i) EXPECT_EQ(units[i].order, i);
}

TEST(ScorePassagesTest, NoTermsMeansNoHitsAndNoScore) {
  const std::vector<ScoredPassage> units =
      ScorePassages(MakeDocument("Wheat prices rose."), HighlightTerms{});
  ASSERT_EQ(units.size(), 1u);
  EXPECT_TRUE(units[0].hits.empty());
  EXPECT_EQ(units[0].distinct, 0u);
  EXPECT_EQ(units[0].score, 0);
}

TEST(ScorePassagesTest, HitsAreByteRangesOfMatchedWordsInAnyCaseAndForm) {
  const std::string text = "Über PRICES: the price of wheat, prices.";
  const std::vector<ScoredPassage> units = ScorePassages(MakeDocument(text), Words({"prices"}));
  ASSERT_EQ(units.size(), 1u);
  const std::vector<Range> expected = {Where(text, "PRICES"), Where(text, "price "),
                                       Where(text, "prices.")};
  ASSERT_EQ(units[0].hits.size(), 3u);
  EXPECT_EQ(units[0].hits[0], expected[0]);
  EXPECT_EQ(units[0].hits[1], Range(expected[1].first, expected[1].second - 1));
  EXPECT_EQ(units[0].hits[2], Range(expected[2].first, expected[2].second - 1));
  EXPECT_EQ(units[0].distinct, 1u);
  EXPECT_GT(units[0].score, 0);
}

TEST(ScorePassagesTest, DistinctCountsTermsNotOccurrences) {
  const std::vector<ScoredPassage> units = ScorePassages(
      MakeDocument("Wheat and grain, then wheat again."), Words({"wheat", "grain", "oil"}));
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].hits.size(), 3u);
  EXPECT_EQ(units[0].distinct, 2u);
}

TEST(ScorePassagesTest, NonAsciiTermsMatchAtTheirByteRanges) {
  const std::string text = "Встреча: Москва, май.";
  HighlightTerms terms;
  terms.terms.insert(AnalyzeWord("МОСКВА", "ru"));
  newsgraph::v1::Document doc = MakeDocument(text);
  doc.set_language("ru");
  const std::vector<ScoredPassage> units = ScorePassages(doc, terms);
  ASSERT_EQ(units.size(), 1u);
  ASSERT_EQ(units[0].hits.size(), 1u);
  EXPECT_EQ(units[0].hits[0], Where(text, "Москва"));
}

// Folding turns "Türkiye" into the ASCII term "turkiye": text holding the
// word only with its diacritics must still match.
TEST(ScorePassagesTest, AsciiTermMatchesWordWrittenWithDiacritics) {
  const std::string text = "Delegates from Türkiye attended.";
  const std::vector<ScoredPassage> units = ScorePassages(MakeDocument(text), Words({"Türkiye"}));
  ASSERT_EQ(units.size(), 1u);
  ASSERT_EQ(units[0].hits.size(), 1u);
  EXPECT_EQ(units[0].hits[0], Where(text, "Türkiye"));
  EXPECT_EQ(units[0].distinct, 1u);
}

// The stemmer's irregular forms ("dying" -> "die") must match too.
TEST(ScorePassagesTest, IrregularlyStemmedWordsMatch) {
  for (const std::string word : {"dying", "lying", "tying"}) {
    const std::string text = "He was " + word + " then.";
    const std::vector<ScoredPassage> units = ScorePassages(MakeDocument(text), Words({word}));
    ASSERT_EQ(units.size(), 1u);
    ASSERT_EQ(units[0].hits.size(), 1u) << word << " -> " << AnalyzeWord(word, "en");
    EXPECT_EQ(units[0].hits[0], Where(text, word));
  }
}

TEST(ScorePassagesTest, PrefixesMatchWordsWhoseFoldedFormStartsWithThem) {
  const std::string text = "Energy talks: ENERGETIC plans, an energ.";
  HighlightTerms terms;
  terms.prefixes = {"energ"};
  const std::vector<ScoredPassage> units = ScorePassages(MakeDocument(text), terms);
  ASSERT_EQ(units.size(), 1u);
  const Range last = Where(text, "energ.");
  ASSERT_EQ(units[0].hits.size(), 3u);
  EXPECT_EQ(units[0].hits[0], Where(text, "Energy"));
  EXPECT_EQ(units[0].hits[1], Where(text, "ENERGETIC"));
  EXPECT_EQ(units[0].hits[2], Range(last.first, last.second - 1));
}

TEST(ScorePassagesTest, PrefixMatchesWordWrittenWithDiacritics) {
  const std::string text = "Delegates from Türkiye attended.";
  HighlightTerms terms;
  terms.prefixes = {"turk"};
  const std::vector<ScoredPassage> units = ScorePassages(MakeDocument(text), terms);
  ASSERT_EQ(units.size(), 1u);
  ASSERT_EQ(units[0].hits.size(), 1u);
  EXPECT_EQ(units[0].hits[0], Where(text, "Türkiye"));
}

TEST(ScorePassagesTest, ScoreScalesWithTermWeight) {
  // Two units of the same length, each holding one term once.
  newsgraph::v1::Document doc = MakeDocument("Wheat rose sharply.\nGrain rose sharply.");
  AddParagraph(&doc, "Wheat rose sharply.");
  AddParagraph(&doc, "Grain rose sharply.");
  HighlightTerms terms = Words({"wheat", "grain"});
  terms.weights[AnalyzeWord("wheat", "en")] = 3.0;  // grain is unlisted: weight 1
  const std::vector<ScoredPassage> units = ScorePassages(doc, terms);
  ASSERT_EQ(units.size(), 2u);
  ASSERT_GT(units[1].score, 0);
  EXPECT_DOUBLE_EQ(units[0].score, 3.0 * units[1].score);
}

TEST(ScorePassagesTest, RepeatedTermScoresHigherInUnitOfSameLength) {
  newsgraph::v1::Document doc = MakeDocument("Wheat rose, wheat fell.\nWheat rose, oil fell.");
  AddParagraph(&doc, "Wheat rose, wheat fell.");
  AddParagraph(&doc, "Wheat rose, oil fell.");
  const std::vector<ScoredPassage> units = ScorePassages(doc, Words({"wheat"}));
  ASSERT_EQ(units.size(), 2u);
  EXPECT_GT(units[0].score, units[1].score);
  EXPECT_GT(units[1].score, 0);
}

TEST(MakeSnippetTest, ShortUnitIsWholeWithHighlightsInCodePoints) {
  // "Ölpreise: " is 10 code points and 11 bytes.
  const std::string text = "Ölpreise: wheat rose.";
  const newsgraph::v1::Document doc = MakeDocument(text);
  const std::vector<ScoredPassage> units = ScorePassages(doc, Words({"wheat"}));
  ASSERT_EQ(units.size(), 1u);
  const newsgraph::v1::Snippet snippet = MakeSnippet(doc, units[0]);
  EXPECT_EQ(snippet.text(), text);
  EXPECT_EQ(snippet.span().begin(), 0u);
  EXPECT_EQ(snippet.span().end(), 21u);
  EXPECT_EQ(snippet.span().byte_begin(), 0u);
  EXPECT_EQ(snippet.span().byte_end(), 22u);
  ASSERT_EQ(snippet.highlights_size(), 1);
  EXPECT_EQ(snippet.highlights(0).begin(), 10u);
  EXPECT_EQ(snippet.highlights(0).end(), 15u);
  EXPECT_EQ(snippet.highlights(0).byte_begin(), 11u);
  EXPECT_EQ(snippet.highlights(0).byte_end(), 16u);
}

TEST(MakeSnippetTest, SpanCountsFromTheDocumentStartAndHighlightsFromTheSnippetStart) {
  // "Über alles.\n" is 12 code points and 13 bytes.
  newsgraph::v1::Document doc = MakeDocument("Über alles.\nWheat rose.");
  AddParagraph(&doc, "Über alles.");
  AddParagraph(&doc, "Wheat rose.");
  const std::vector<ScoredPassage> units = ScorePassages(doc, Words({"wheat"}));
  ASSERT_EQ(units.size(), 2u);
  const newsgraph::v1::Snippet snippet = MakeSnippet(doc, units[1]);
  EXPECT_EQ(snippet.text(), "Wheat rose.");
  EXPECT_EQ(snippet.span().begin(), 12u);
  EXPECT_EQ(snippet.span().end(), 23u);
  EXPECT_EQ(snippet.span().byte_begin(), 13u);
  EXPECT_EQ(snippet.span().byte_end(), 24u);
  ASSERT_EQ(snippet.highlights_size(), 1);
  EXPECT_EQ(snippet.highlights(0).begin(), 0u);
  EXPECT_EQ(snippet.highlights(0).end(), 5u);
}

TEST(MakeSnippetTest, LongUnitIsCutAroundItsMatchOnCharacterBoundaries) {
  // 300 three-byte characters, no spaces; the match is the 151st.
  std::string text;
  for (int i = 0; i < 150; ++i) text += "中";
  text += "日";
  for (int i = 0; i < 149; ++i) text += "中";
  const newsgraph::v1::Document doc = MakeDocument(text);
  ScoredPassage unit{.begin = 0, .end = text.size(), .hits = {{450, 453}}, .distinct = 1};
  const size_t max_chars = 50;

  const newsgraph::v1::Snippet snippet = MakeSnippet(doc, unit, max_chars);
  const auto& span = snippet.span();
  EXPECT_LE(span.end() - span.begin(), max_chars);
  EXPECT_GT(span.end() - span.begin(), 0u);
  EXPECT_EQ(span.byte_begin() % 3, 0u);
  EXPECT_EQ(span.byte_end() % 3, 0u);
  EXPECT_EQ(span.begin() * 3, span.byte_begin());
  EXPECT_EQ(span.end() * 3, span.byte_end());
  EXPECT_EQ(snippet.text(), text.substr(span.byte_begin(), span.byte_end() - span.byte_begin()));
  ASSERT_EQ(snippet.highlights_size(), 1);
  EXPECT_EQ(Highlighted(snippet, 0), "日");
  const auto& h = snippet.highlights(0);
  EXPECT_EQ(h.end() - h.begin(), 1u);
  EXPECT_EQ(h.begin() * 3, h.byte_begin());
  EXPECT_EQ(span.begin() + h.begin(), 150u);
}

// The limit counts code points, in ASCII text too, and the cut falls
// between words.
TEST(MakeSnippetTest, LongAsciiUnitIsCutToMaxCharsBetweenWords) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "grain ";
  text += "wheat";
  for (int i = 0; i < 100; ++i) text += " grain";
  const newsgraph::v1::Document doc = MakeDocument(text);
  const size_t at = text.find("wheat");
  ScoredPassage unit{.begin = 0, .end = text.size(), .hits = {{at, at + 5}}, .distinct = 1};
  const newsgraph::v1::Snippet snippet = MakeSnippet(doc, unit, 60);
  EXPECT_LE(snippet.text().size(), 60u);
  EXPECT_GE(snippet.text().size(), 50u);
  EXPECT_NE(snippet.text().front(), ' ');
  EXPECT_NE(snippet.text().back(), ' ');
  ASSERT_EQ(snippet.highlights_size(), 1);
  EXPECT_EQ(Highlighted(snippet, 0), "wheat");
}

TEST(MakeSnippetTest, LongUnitKeepsOnlyTheMatchesInsideTheExcerpt) {
  std::string text = "Early: wheat.";
  for (int i = 0; i < 300; ++i) text += " filler";
  text += " Late: wheat.";
  const newsgraph::v1::Document doc = MakeDocument(text);
  const std::vector<ScoredPassage> units = ScorePassages(doc, Words({"wheat"}));
  ASSERT_EQ(units.size(), 1u);
  ASSERT_EQ(units[0].hits.size(), 2u);

  const newsgraph::v1::Snippet snippet = MakeSnippet(doc, units[0], 40);
  EXPECT_LT(snippet.text().size(), text.size());
  ASSERT_EQ(snippet.highlights_size(), 1);
  EXPECT_EQ(Highlighted(snippet, 0), "wheat");
  EXPECT_EQ(snippet.span().byte_begin() + snippet.highlights(0).byte_begin(),
            Where(text, "wheat").first);
}

TEST(MakeSnippetTest, LongUnitExcerptContainsAMatchFarFromItsStart) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "filler ";
  text += "wheat";
  for (int i = 0; i < 200; ++i) text += " filler";
  const newsgraph::v1::Document doc = MakeDocument(text);
  const std::vector<ScoredPassage> units = ScorePassages(doc, Words({"wheat"}));
  ASSERT_EQ(units.size(), 1u);

  const newsgraph::v1::Snippet snippet = MakeSnippet(doc, units[0], 60);
  const auto& span = snippet.span();
  EXPECT_GT(span.byte_begin(), 0u);
  EXPECT_LT(span.byte_end(), text.size());
  EXPECT_EQ(snippet.text(), text.substr(span.byte_begin(), span.byte_end() - span.byte_begin()));
  ASSERT_EQ(snippet.highlights_size(), 1);
  EXPECT_EQ(Highlighted(snippet, 0), "wheat");
}

TEST(MakeSnippetsTest, BestUnitsFirstAndOnlyMatchingOnes) {
  newsgraph::v1::Document doc =
      MakeDocument("Nothing to see.\nWheat rose.\nWheat and grain rose.\nOil fell.");
  for (const char* p : {"Nothing to see.", "Wheat rose.", "Wheat and grain rose.", "Oil fell."}) {
    AddParagraph(&doc, p);
  }
  const std::vector<newsgraph::v1::Snippet> snippets =
      MakeSnippets(doc, Words({"wheat", "grain"}), 4);
  ASSERT_EQ(snippets.size(), 2u);
  EXPECT_EQ(snippets[0].text(), "Wheat and grain rose.");
  EXPECT_EQ(snippets[0].highlights_size(), 2);
  EXPECT_EQ(snippets[1].text(), "Wheat rose.");
  EXPECT_EQ(snippets[1].highlights_size(), 1);
}

TEST(MakeSnippetsTest, AtMostMaxPassages) {
  newsgraph::v1::Document doc = MakeDocument("Wheat rose.\nWheat and grain rose.");
  AddParagraph(&doc, "Wheat rose.");
  AddParagraph(&doc, "Wheat and grain rose.");
  const std::vector<newsgraph::v1::Snippet> one = MakeSnippets(doc, Words({"wheat", "grain"}), 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].text(), "Wheat and grain rose.");
  EXPECT_TRUE(MakeSnippets(doc, Words({"wheat", "grain"}), 0).empty());
}

TEST(MakeSnippetsTest, TiesKeepTheEarlierUnitFirst) {
  newsgraph::v1::Document doc = MakeDocument("Wheat fell.\nWheat rose.");
  AddParagraph(&doc, "Wheat fell.");
  AddParagraph(&doc, "Wheat rose.");
  const std::vector<newsgraph::v1::Snippet> both = MakeSnippets(doc, Words({"wheat"}), 2);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].text(), "Wheat fell.");
  EXPECT_EQ(both[1].text(), "Wheat rose.");
  const std::vector<newsgraph::v1::Snippet> one = MakeSnippets(doc, Words({"wheat"}), 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].text(), "Wheat fell.");
}

TEST(MakeSnippetsTest, WithoutMatchesTheFirstUnitWithoutHighlights) {
  newsgraph::v1::Document doc = MakeDocument("Grain fell.\nWheat rose.");
  AddParagraph(&doc, "Grain fell.");
  AddParagraph(&doc, "Wheat rose.");
  const std::vector<newsgraph::v1::Snippet> snippets = MakeSnippets(doc, Words({"oil"}), 3);
  ASSERT_EQ(snippets.size(), 1u);
  EXPECT_EQ(snippets[0].text(), "Grain fell.");
  EXPECT_EQ(snippets[0].highlights_size(), 0);
  EXPECT_EQ(snippets[0].span().byte_begin(), 0u);
}

}  // namespace
}  // namespace newsgraph::search
