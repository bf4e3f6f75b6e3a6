// BuildDocument: the stored form of a client's DocumentInput (text and its
// spans, title, metadata, fingerprints), its limits and input errors, and
// the stop request. Pure: no store.
#include "services/ingest/document_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "tests/testing/status_matchers.h"

namespace newsgraph::ingest {
namespace {

using ::newsgraph::testing::StatusIs;
using newsgraph::v1::Document;
using newsgraph::v1::DocumentInput;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

DocumentInput Input(const std::string& content, const std::string& title = "") {
  DocumentInput input;
  input.set_content(content);
  input.set_title(title);
  return input;
}

DocumentInput Html(const std::string& content) {
  DocumentInput input = Input(content);
  input.set_content_type(newsgraph::v1::TEXT_HTML);
  return input;
}

int64_t Seconds(int y, int mo, int d, int h, int mi) {
  return absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone()));
}

bool IsLowerHex16(const std::string& s) {
  if (s.size() != 16) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c)) return false;
  }
  return true;
}

TEST(DocumentBuilderTest, NormalizesWhitespaceIntoParagraphsWithByteSpans) {
  NG_ASSERT_OK_AND_ASSIGN(
      Document doc,
      BuildDocument(Input("  First   paragraph here.\n\n\n\nSecond\tparagraph there.  ", "Title"),
                    false));
  EXPECT_EQ(doc.text(), "First paragraph here.\n\nSecond paragraph there.");
  ASSERT_EQ(doc.paragraphs_size(), 2);
  EXPECT_EQ(doc.paragraphs(0).span().byte_begin(), 0u);
  EXPECT_EQ(doc.paragraphs(0).span().byte_end(), 21u);
  EXPECT_EQ(doc.paragraphs(1).span().byte_begin(), 23u);
  EXPECT_EQ(doc.paragraphs(1).span().byte_end(), 46u);
  EXPECT_EQ(doc.paragraphs(1).span().begin(), 23u);
  EXPECT_EQ(doc.paragraphs(1).span().end(), 46u);
  EXPECT_EQ(doc.text_length(), 46u);
}

// Spans are given in bytes and in code points; they differ after non-ASCII.
TEST(DocumentBuilderTest, SpansCountCodePointsAndBytesSeparately) {
  NG_ASSERT_OK_AND_ASSIGN(Document doc,
                          BuildDocument(Input("Café opens.\n\nNaïve plan.", "Title"), false));
  EXPECT_EQ(doc.text(), "Café opens.\n\nNaïve plan.");
  ASSERT_EQ(doc.paragraphs_size(), 2);
  EXPECT_EQ(doc.paragraphs(0).span().byte_end(), 12u);
  EXPECT_EQ(doc.paragraphs(0).span().end(), 11u);
  EXPECT_EQ(doc.paragraphs(1).span().byte_begin(), 14u);
  EXPECT_EQ(doc.paragraphs(1).span().begin(), 13u);
  EXPECT_EQ(doc.paragraphs(1).span().byte_end(), 26u);
  EXPECT_EQ(doc.paragraphs(1).span().end(), 24u);
  EXPECT_EQ(doc.text_length(), 24u);
}

TEST(DocumentBuilderTest, TextIsUnicodeNfc) {
  NG_ASSERT_OK_AND_ASSIGN(Document doc,
                          BuildDocument(Input("Cafe\xCC\x81 opens today.", "Title"), false));
  EXPECT_EQ(doc.text(), "Caf\xC3\xA9 opens today.");
  EXPECT_EQ(doc.text_length(), 17u);
}

TEST(DocumentBuilderTest, CopiesMetadataAndLeavesStoreFieldsUnset) {
  DocumentInput input = Input("The council met on Monday.", "Council Meets");
  input.set_external_id("wire-17");
  input.set_source("Harbour Gazette");
  input.set_url("https://example.org/council");
  input.set_language("nb");
  (*input.mutable_labels())["desk"] = "city";
  (*input.mutable_labels())["priority"] = "low";
  input.mutable_published_time()->set_seconds(Seconds(2024, 3, 5, 10, 20));
  NG_ASSERT_OK_AND_ASSIGN(Document doc, BuildDocument(input, false));
  EXPECT_EQ(doc.external_id(), "wire-17");
  EXPECT_EQ(doc.source(), "Harbour Gazette");
  EXPECT_EQ(doc.url(), "https://example.org/council");
  EXPECT_EQ(doc.title(), "Council Meets");
  EXPECT_EQ(doc.language(), "nb");
  ASSERT_EQ(doc.labels_size(), 2);
  EXPECT_EQ(doc.labels().at("desk"), "city");
  EXPECT_EQ(doc.labels().at("priority"), "low");
  EXPECT_EQ(doc.published_time().seconds(), Seconds(2024, 3, 5, 10, 20));
  EXPECT_TRUE(doc.warnings().empty());
  // Left for the store.
  EXPECT_EQ(doc.name(), "");
  EXPECT_EQ(doc.version(), 0);
  EXPECT_EQ(doc.state(), newsgraph::v1::PIPELINE_STATE_UNSPECIFIED);
  EXPECT_FALSE(doc.has_create_time());
  EXPECT_FALSE(doc.has_update_time());
}

TEST(DocumentBuilderTest, LanguageDefaultsToEnglish) {
  NG_ASSERT_OK_AND_ASSIGN(Document doc, BuildDocument(Input("A short note.", "Note"), false));
  EXPECT_EQ(doc.language(), "en");
  EXPECT_FALSE(doc.has_published_time());
}

TEST(DocumentBuilderTest, GivenTitleIsNormalizedToOneLine) {
  NG_ASSERT_OK_AND_ASSIGN(
      Document doc,
      BuildDocument(Input("Wheat rose on Monday.", "  Grain   prices\n\nrise "), false));
  EXPECT_EQ(doc.title(), "Grain prices rise");
}

// A first paragraph repeating the given title (in any case) is not text.
TEST(DocumentBuilderTest, FirstParagraphRepeatingTheTitleIsDropped) {
  NG_ASSERT_OK_AND_ASSIGN(
      Document doc, BuildDocument(Input("Grain Prices Rise\n\nWheat rose two percent on Monday.",
                                        "grain prices rise"),
                                  false));
  EXPECT_EQ(doc.title(), "grain prices rise");
  EXPECT_EQ(doc.text(), "Wheat rose two percent on Monday.");
}

TEST(DocumentBuilderTest, TitleIsTakenFromTheContentWhenAbsent) {
  NG_ASSERT_OK_AND_ASSIGN(
      Document doc,
      BuildDocument(Input("Wheat Prices Climb Again\n\nWheat rose two percent on Monday."), false));
  EXPECT_EQ(doc.title(), "Wheat Prices Climb Again");
  EXPECT_EQ(doc.text(), "Wheat rose two percent on Monday.");
}

TEST(DocumentBuilderTest, LimitsAcceptTheMaximumAndRejectOneMore) {
  DocumentLimits limits;
  limits.max_content_bytes = 20;
  limits.max_external_id_bytes = 8;
  limits.max_labels = 2;
  DocumentInput input = Input("Exactly twenty bytes");  // 20 bytes
  input.set_external_id("12345678");
  (*input.mutable_labels())["a"] = "1";
  (*input.mutable_labels())["b"] = "2";
  NG_EXPECT_OK(BuildDocument(input, false, limits));

  DocumentInput long_content = input;
  long_content.set_content("Exactly twenty bytes!");
  EXPECT_THAT(BuildDocument(long_content, false, limits),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("document.content"), HasSubstr("21 bytes"),
                             HasSubstr("at most 20"))));
  DocumentInput long_id = input;
  long_id.set_external_id("123456789");
  EXPECT_THAT(BuildDocument(long_id, false, limits),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("document.external_id"), HasSubstr("at most 8"))));
  DocumentInput many_labels = input;
  (*many_labels.mutable_labels())["c"] = "3";
  EXPECT_THAT(BuildDocument(many_labels, false, limits),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("document.labels"), HasSubstr("at most 2"))));
}

TEST(DocumentBuilderTest, DefaultLimitsAreThoseDocumented) {
  const DocumentLimits limits;
  EXPECT_EQ(limits.max_content_bytes, 8u << 20);
  EXPECT_EQ(limits.max_external_id_bytes, 512u);
  EXPECT_EQ(limits.max_labels, 64u);
}

TEST(DocumentBuilderTest, ContentWithoutTextIsRejected) {
  for (const DocumentInput& input : {Input(""), Input(" \n\t \xC2\xA0 \n"),
                                     Html("<html><body><div> </div><br></body></html>")}) {
    EXPECT_THAT(BuildDocument(input, false),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("document.content"), HasSubstr("empty"))));
  }
}

TEST(DocumentBuilderTest, InvalidUtf8ContentIsRejectedWithItsOffset) {
  EXPECT_THAT(BuildDocument(Input("ab\xFF"
                                  "cd."),
                            false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("document.content"), HasSubstr("offset 2"))));
}

TEST(DocumentBuilderTest, InvalidUtf8ContentIsRepairedWhenAllowed) {
  NG_ASSERT_OK_AND_ASSIGN(Document doc, BuildDocument(Input("ab\xFF"
                                                            "cd.",
                                                            "Title"),
                                                      true));
  EXPECT_EQ(doc.text(),
            "ab\xEF\xBF\xBD"
            "cd.");
  ASSERT_EQ(doc.warnings_size(), 1);
  EXPECT_THAT(doc.warnings(0), AllOf(HasSubstr("replaced 1"), HasSubstr("offset 2")));
}

// Repair applies to the content only: metadata must be valid UTF-8, and the
// error names the field and the offset.
TEST(DocumentBuilderTest, InvalidUtf8MetadataIsRejectedEvenWithRepair) {
  DocumentInput bad_title = Input("Fine text.", "Bad\xC3(title");
  EXPECT_THAT(BuildDocument(bad_title, true),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("document.title"), HasSubstr("offset 3"))));
  DocumentInput bad_url = Input("Fine text.", "Title");
  bad_url.set_url("https://x.org/\xFF");
  EXPECT_THAT(BuildDocument(bad_url, true),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("document.url"), HasSubstr("offset 14"))));
  DocumentInput bad_source = Input("Fine text.", "Title");
  bad_source.set_source("\xFE");
  EXPECT_THAT(BuildDocument(bad_source, true),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("document.source")));
  DocumentInput bad_id = Input("Fine text.", "Title");
  bad_id.set_external_id("id-\x80");
  EXPECT_THAT(BuildDocument(bad_id, true),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("document.external_id")));
}

TEST(DocumentBuilderTest, OutOfRangePublishedTimeIsRejected) {
  DocumentInput input = Input("Fine text.", "Title");
  input.mutable_published_time()->set_seconds(253402300800);  // 10000-01-01
  EXPECT_THAT(BuildDocument(input, false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("document.published_time")));
  input.mutable_published_time()->set_seconds(0);
  input.mutable_published_time()->set_nanos(-1);
  EXPECT_THAT(BuildDocument(input, false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("document.published_time")));
}

TEST(DocumentBuilderTest, UnknownContentTypeIsRejected) {
  DocumentInput input = Input("Fine text.", "Title");
  input.set_content_type(static_cast<newsgraph::v1::ContentType>(7));
  EXPECT_THAT(BuildDocument(input, false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("document.content_type")));
}

TEST(DocumentBuilderTest, UnspecifiedContentTypeIsPlainText) {
  DocumentInput plain = Input("Use <b>bold</b> sparingly.", "Title");
  plain.set_content_type(newsgraph::v1::CONTENT_TYPE_UNSPECIFIED);
  NG_ASSERT_OK_AND_ASSIGN(Document doc, BuildDocument(plain, false));
  EXPECT_EQ(doc.text(), "Use <b>bold</b> sparingly.");
}

TEST(DocumentBuilderTest, HtmlGivesTextTitleSiteAuthorAndTime) {
  NG_ASSERT_OK_AND_ASSIGN(
      Document doc,
      BuildDocument(Html("<html><head><title>Harbour News</title>"
                         "<meta property=\"og:site_name\" content=\"Harbour Gazette\">"
                         "<meta name=\"author\" content=\"Kari Nordmann\">"
                         "<meta property=\"article:published_time\" "
                         "content=\"2024-03-05T12:20:00+02:00\"></head>"
                         "<body><article><p>The ferry left on time.</p>"
                         "<p>It returned at <b>noon</b>.</p></article></body></html>"),
                    false));
  EXPECT_EQ(doc.text(), "The ferry left on time.\n\nIt returned at noon.");
  EXPECT_EQ(doc.title(), "Harbour News");
  EXPECT_EQ(doc.source(), "Harbour Gazette");
  EXPECT_EQ(doc.byline(), "Kari Nordmann");
  EXPECT_EQ(doc.published_time().seconds(), Seconds(2024, 3, 5, 10, 20));
}

TEST(DocumentBuilderTest, HtmlDateWithoutTimeIsUtcMidnight) {
  NG_ASSERT_OK_AND_ASSIGN(
      Document doc,
      BuildDocument(Html("<html><head><meta name=\"date\" content=\"2023-01-17\"></head>"
                         "<body><p>The ferry left on time.</p></body></html>"),
                    false));
  EXPECT_EQ(doc.published_time().seconds(), Seconds(2023, 1, 17, 0, 0));
}

TEST(DocumentBuilderTest, InputMetadataWinsOverTheHtmls) {
  DocumentInput input = Html(
      "<html><head><title>Page Title</title>"
      "<meta property=\"og:site_name\" content=\"Page Site\">"
      "<meta property=\"article:published_time\" content=\"2020-01-01\"></head>"
      "<body><p>The ferry left on time.</p></body></html>");
  input.set_title("Given Title");
  input.set_source("Given Source");
  input.mutable_published_time()->set_seconds(Seconds(2024, 3, 5, 10, 20));
  NG_ASSERT_OK_AND_ASSIGN(Document doc, BuildDocument(input, false));
  EXPECT_EQ(doc.title(), "Given Title");
  EXPECT_EQ(doc.source(), "Given Source");
  EXPECT_EQ(doc.published_time().seconds(), Seconds(2024, 3, 5, 10, 20));
}

TEST(DocumentBuilderTest, MarkdownHeadingBecomesTheTitle) {
  DocumentInput input = Input("# Budget Passes\n\nThe **lower house** passed the budget.");
  input.set_content_type(newsgraph::v1::TEXT_MARKDOWN);
  NG_ASSERT_OK_AND_ASSIGN(Document doc, BuildDocument(input, false));
  EXPECT_EQ(doc.title(), "Budget Passes");
  EXPECT_EQ(doc.text(), "The lower house passed the budget.");
}

TEST(DocumentBuilderTest, RecurringLinesAreRemovedAsBoilerplate) {
  const std::string footer = "Subscribe to our newsletter for more";
  const auto recurring = [&](absl::string_view line) { return line == footer; };
  NG_ASSERT_OK_AND_ASSIGN(
      Document doc,
      BuildDocument(
          Input("The ferry left on time.\n\n" + footer + "\n\nIt returned at noon.", "Ferry"),
          false, {}, recurring));
  EXPECT_EQ(doc.text(), "The ferry left on time.\n\nIt returned at noon.");
  EXPECT_THAT(doc.removed_boilerplate(), Contains(footer));
}

// The content fingerprint identifies the normalized text; the input
// fingerprint the input as sent (labels in any order).
TEST(DocumentBuilderTest, FingerprintsFollowTextAndInput) {
  NG_ASSERT_OK_AND_ASSIGN(Document a, BuildDocument(Input("Same text here.", "T"), false));
  NG_ASSERT_OK_AND_ASSIGN(Document spaced, BuildDocument(Input("Same   text here.  ", "T"), false));
  NG_ASSERT_OK_AND_ASSIGN(Document other, BuildDocument(Input("Other text here.", "T"), false));
  EXPECT_TRUE(IsLowerHex16(a.content_fingerprint())) << a.content_fingerprint();
  EXPECT_TRUE(IsLowerHex16(a.input_fingerprint())) << a.input_fingerprint();
  EXPECT_EQ(a.content_fingerprint(), spaced.content_fingerprint());
  EXPECT_NE(a.input_fingerprint(), spaced.input_fingerprint());
  EXPECT_NE(a.content_fingerprint(), other.content_fingerprint());

  DocumentInput labelled = Input("Same text here.", "T");
  (*labelled.mutable_labels())["x"] = "1";
  (*labelled.mutable_labels())["y"] = "2";
  DocumentInput reordered = Input("Same text here.", "T");
  (*reordered.mutable_labels())["y"] = "2";
  (*reordered.mutable_labels())["x"] = "1";
  NG_ASSERT_OK_AND_ASSIGN(Document l1, BuildDocument(labelled, false));
  NG_ASSERT_OK_AND_ASSIGN(Document l2, BuildDocument(reordered, false));
  EXPECT_EQ(l1.input_fingerprint(), l2.input_fingerprint());
  EXPECT_NE(l1.input_fingerprint(), a.input_fingerprint());
  EXPECT_EQ(l1.content_fingerprint(), a.content_fingerprint());
}

TEST(DocumentBuilderTest, BuildingIsDeterministic) {
  DocumentInput input = Input("The ferry left on time.\n\nIt returned at noon.", "Ferry");
  NG_ASSERT_OK_AND_ASSIGN(Document first, BuildDocument(input, false));
  NG_ASSERT_OK_AND_ASSIGN(Document second, BuildDocument(input, false));
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
}

TEST(DocumentBuilderTest, StopRequestCancelsTheBuild) {
  for (const DocumentInput& input :
       {Input("The ferry left on time.", "Ferry"),
        Html("<html><body><p>The ferry left on time.</p></body></html>")}) {
    int asked = 0;
    EXPECT_THAT(BuildDocument(input, false, {}, {}, [&] { return ++asked > 0; }),
                StatusIs(absl::StatusCode::kCancelled));
    EXPECT_GE(asked, 1);
    asked = 0;
    EXPECT_THAT(BuildDocument(input, false, {}, {}, [&] { return ++asked > 1; }),
                StatusIs(absl::StatusCode::kCancelled));
    int never = 0;
    NG_EXPECT_OK(BuildDocument(input, false, {}, {}, [&] { return ++never < 0; }));
    EXPECT_GE(never, 2);
  }
}

}  // namespace
}  // namespace newsgraph::ingest
