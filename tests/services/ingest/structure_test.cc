// Structure extraction on the real seed documents (press conference,
// interview, news articles with scraped page residue).
#include "services/ingest/structure.h"

#include <gtest/gtest.h>

#include "services/ingest/document_builder.h"
#include "tests/testing/corpora.h"
#include "tests/testing/status_matchers.h"

namespace newsgraph::ingest {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

newsgraph::v1::Document BuildSeed(const std::string& corpora, const std::string& file) {
  newsgraph::v1::DocumentInput input;
  input.set_content(::newsgraph::testing::ReadWholeFile(corpora + "/seeds/" + file));
  absl::StatusOr<newsgraph::v1::Document> doc = BuildDocument(input, false);
  EXPECT_TRUE(doc.ok()) << doc.status();
  return doc.ok() ? *doc : newsgraph::v1::Document();
}

absl::Time Day(int y, int m, int d) {
  return absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone());
}

TEST(SeedStructureTest, PressConferenceHasEighteenNumberedPassagesWithOutlets) {
  NG_REQUIRE_CORPORA(corpora);
  const newsgraph::v1::Document doc = BuildSeed(corpora, "000_eea4651c0b5db3fc.txt");
  ASSERT_EQ(doc.passages_size(), 18);
  for (int i = 0; i < 18; ++i) {
    const newsgraph::v1::Passage& p = doc.passages(i);
    EXPECT_EQ(p.number(), static_cast<uint32_t>(i + 1));
    EXPECT_FALSE(p.asked_by().empty()) << "question " << i + 1;
    EXPECT_THAT(p.answered_by(), HasSubstr("Zhang Ming")) << "question " << i + 1;
    EXPECT_FALSE(p.answer().empty());
    EXPECT_THAT(p.answer(), Not(StartsWith("SCO Secretary-General"))) << "speaker prefix kept";
    // The span covers the question and its answer in the stored text.
    const std::string block =
        doc.text().substr(p.span().byte_begin(), p.span().byte_end() - p.span().byte_begin());
    EXPECT_THAT(block, HasSubstr(p.question().substr(0, 30)));
  }
  EXPECT_EQ(doc.passages(0).asked_by(), "The Paper");
  EXPECT_EQ(doc.passages(2).asked_by(), "Sputnik");
  EXPECT_EQ(doc.passages(11).asked_by(), "TASS");
  EXPECT_EQ(doc.passages(13).asked_by(), "Press Trust of India");
  EXPECT_EQ(doc.passages(17).asked_by(), "Associated Press of Pakistan");
  EXPECT_EQ(doc.passages(0).answered_by(), "SCO Secretary-General Zhang Ming");
  EXPECT_EQ(doc.passages(17).answered_by(), "Zhang Ming");
}

TEST(SeedStructureTest, InterviewWithDashQuestionsTitleDateAndChrome) {
  NG_REQUIRE_CORPORA(corpora);
  const newsgraph::v1::Document doc = BuildSeed(corpora, "001_718767ae12e098d8.txt");
  EXPECT_EQ(doc.title(), "Interview with the SCO Secretary General");
  EXPECT_EQ(absl::FromUnixSeconds(doc.published_time().seconds()), Day(2023, 1, 17));
  ASSERT_EQ(doc.passages_size(), 12);
  for (const auto& p : doc.passages()) {
    EXPECT_EQ(p.number(), 0u);
    EXPECT_EQ(p.asked_by(), "RIA Novosti");
    EXPECT_EQ(p.answered_by(), "SCO Secretary-General Zhang Ming");
    EXPECT_THAT(p.question(), HasSubstr("?"));
  }
  EXPECT_THAT(doc.removed_boilerplate(), Contains("X"));
  EXPECT_THAT(doc.removed_boilerplate(), Contains("Read on the topic"));
  EXPECT_THAT(doc.text(), Not(HasSubstr("Read on the topic")));
  EXPECT_THAT(doc.text(), Not(StartsWith("X")));
}

TEST(SeedStructureTest, ArticleDateAndHeadline) {
  NG_REQUIRE_CORPORA(corpora);
  const newsgraph::v1::Document doc = BuildSeed(corpora, "002_c7246605f658ed7b.txt");
  EXPECT_EQ(doc.title(), "China supports the activation of SCO activities");
  EXPECT_EQ(absl::FromUnixSeconds(doc.published_time().seconds()), Day(2022, 4, 25));
  EXPECT_EQ(doc.passages_size(), 0);
  EXPECT_THAT(doc.text(), Not(HasSubstr("Comments\n")));
}

TEST(SeedStructureTest, GluedNavigationAndReplyFormAreRemoved) {
  NG_REQUIRE_CORPORA(corpora);
  const newsgraph::v1::Document doc = BuildSeed(corpora, "003_3f39ec3abb2d5760.txt");
  EXPECT_EQ(doc.title(), "SCO and ASEAN Geopolitical Agendas Largely Coincide");
  EXPECT_THAT(doc.text(), StartsWith("The Shanghai Cooperation Organization is"));
  EXPECT_THAT(doc.text(), Not(HasSubstr("mediabank")));
  EXPECT_THAT(doc.text(), Not(HasSubstr("Leave a Reply")));
  EXPECT_THAT(doc.removed_boilerplate(), Contains("Leave a Reply"));
}

TEST(SeedStructureTest, ParagraphMarkersBylineAndEditor) {
  NG_REQUIRE_CORPORA(corpora);
  const newsgraph::v1::Document doc = BuildSeed(corpora, "004_f03eb4a15585b205.txt");
  EXPECT_THAT(doc.text(), Not(HasSubstr("\xCE\x94")));  // Δ
  EXPECT_THAT(doc.removed_boilerplate(), Contains("\xCE\x94"));
  EXPECT_EQ(doc.byline(), "Ning Jing, Xie Wen");
  EXPECT_EQ(doc.editor(), "Nan Zheng");
  EXPECT_THAT(doc.text(), HasSubstr("On June 2nd, on the eve of the SCO summit"));
}

TEST(StructureTest, DatesAsNewsWritesThem) {
  EXPECT_EQ(ParseNewsDate("17 January 2023"), Day(2023, 1, 17));
  EXPECT_EQ(ParseNewsDate("January 17, 2023"), Day(2023, 1, 17));
  EXPECT_EQ(ParseNewsDate("Jan. 17, 2023"), Day(2023, 1, 17));
  EXPECT_EQ(ParseNewsDate("2023-01-17"), Day(2023, 1, 17));
  EXPECT_EQ(ParseNewsDate("17.01.2023"), Day(2023, 1, 17));
  EXPECT_EQ(ParseNewsDate("June 2nd, 2018"), Day(2018, 6, 2));
  EXPECT_FALSE(ParseNewsDate("soon").has_value());
}

TEST(StructureTest, NumberedListWithoutQuestionsIsNotAnInterview) {
  StructuredText s =
      ExtractStructure({"Plan for the year", "1. Build the bridge.", "Work starts in May.",
                        "2. Open the school.", "Teachers are hired."},
                       {});
  EXPECT_TRUE(s.qa_blocks.empty());
  EXPECT_EQ(s.title, "Plan for the year");
}

// A stopped extraction ends early (asked every 256 paragraphs).
TEST(StructureTest, StopsWhenAsked) {
  std::vector<std::string> paragraphs(5000, "A paragraph of the story.");
  StructureOptions options;
  int asked = 0;
  options.stop = [&] { return ++asked >= 2; };
  ExtractStructure(paragraphs, options);
  EXPECT_EQ(asked, 2);
}

}  // namespace
}  // namespace newsgraph::ingest
