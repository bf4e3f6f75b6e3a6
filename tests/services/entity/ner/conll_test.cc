#include "services/entity/ner/conll.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity::ner {
namespace {

using ::newsgraph::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using Spans = std::vector<Span>;
using Tags = std::vector<std::string>;

using ::newsgraph::testing::WriteFile;

void WriteGzipFile(const std::string& path, const std::string& contents) {
  gzFile out = gzopen(path.c_str(), "wb");
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(gzwrite(out, contents.data(), static_cast<unsigned>(contents.size())),
            static_cast<int>(contents.size()));
  ASSERT_EQ(gzclose(out), Z_OK);
}

// Two documents in the shared-task layout, IOB1 tags.
constexpr char kTwoDocuments[] =
    "-DOCSTART- -X- -X- O\n"
    "\n"
    "Lena NNP B-NP I-PER\n"
    "Varga NNP I-NP I-PER\n"
    "visited VBD B-VP O\n"
    "Tallinn NNP B-NP I-LOC\n"
    ". . O O\n"
    "\n"
    "She PRP B-NP O\n"
    "left VBD B-VP O\n"
    "\n"
    "-DOCSTART- -X- -X- O\n"
    "\n"
    "Acme NNP B-NP I-ORG\n"
    "Widgets NNPS I-NP I-ORG\n"
    "Acme NNP B-NP B-ORG\n"
    "\n";

// ---------------------------------------------------------------------------
// ReadConll

TEST(ReadConllTest, ReadsTokensSpansAndDocuments) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("train.txt"), kTwoDocuments);
  NG_ASSERT_OK_AND_ASSIGN(std::vector<Sentence> sentences, ReadConll(dir.Sub("train.txt")));
  ASSERT_EQ(sentences.size(), 3u);
  EXPECT_THAT(sentences[0].tokens, ElementsAre("Lena", "Varga", "visited", "Tallinn", "."));
  EXPECT_EQ(sentences[0].entities, (Spans{{0, 2, "PER"}, {3, 4, "LOC"}}));
  EXPECT_THAT(sentences[1].tokens, ElementsAre("She", "left"));
  EXPECT_THAT(sentences[1].entities, IsEmpty());
  EXPECT_THAT(sentences[2].tokens, ElementsAre("Acme", "Widgets", "Acme"));
  // IOB1: B- separates two touching spans of one type.
  EXPECT_EQ(sentences[2].entities, (Spans{{0, 2, "ORG"}, {2, 3, "ORG"}}));
  // Sentences of one -DOCSTART- block share their document; the next block
  // has the next index.
  EXPECT_EQ(sentences[0].document, sentences[1].document);
  EXPECT_EQ(sentences[2].document, sentences[0].document + 1);
}

TEST(ReadConllTest, SentencesBeforeAnyDocstartAreDocumentZero) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("plain.txt"), "Oslo NNP I-LOC\n\nRome NNP I-LOC\n");
  NG_ASSERT_OK_AND_ASSIGN(std::vector<Sentence> sentences, ReadConll(dir.Sub("plain.txt")));
  ASSERT_EQ(sentences.size(), 2u);
  EXPECT_EQ(sentences[0].document, 0u);
  EXPECT_EQ(sentences[1].document, 0u);
  // The last sentence needs no blank line after it.
  EXPECT_THAT(sentences[1].tokens, ElementsAre("Rome"));
  EXPECT_EQ(sentences[1].entities, (Spans{{0, 1, "LOC"}}));
}

TEST(ReadConllTest, TwoColumnsTabsAndIob2Tags) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("iob2.tsv"),
            "Banco\tB-ORG\nNorte\tI-ORG\nhired\tO\nJuan\tB-PER\nPerez\tI-PER\n"
            "\n\n\n"  // several blank lines make no empty sentences
            "Only\t  O\n");
  NG_ASSERT_OK_AND_ASSIGN(std::vector<Sentence> sentences, ReadConll(dir.Sub("iob2.tsv")));
  ASSERT_EQ(sentences.size(), 2u);
  EXPECT_EQ(sentences[0].entities, (Spans{{0, 2, "ORG"}, {3, 5, "PER"}}));
  EXPECT_THAT(sentences[1].tokens, ElementsAre("Only"));
  EXPECT_THAT(sentences[1].entities, IsEmpty());
}

TEST(ReadConllTest, BlankLinesOfSpacesSeparateSentences) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("spaces.txt"), "Kyiv NNP I-LOC\n   \t\nLviv NNP I-LOC\n");
  NG_ASSERT_OK_AND_ASSIGN(std::vector<Sentence> sentences, ReadConll(dir.Sub("spaces.txt")));
  ASSERT_EQ(sentences.size(), 2u);
}

TEST(ReadConllTest, WindowsLineEndingsDoNotReachTheTags) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("crlf.txt"), "Lena NNP I-PER\r\nVarga NNP I-PER\r\n\r\nOslo NNP I-LOC\r\n");
  NG_ASSERT_OK_AND_ASSIGN(std::vector<Sentence> sentences, ReadConll(dir.Sub("crlf.txt")));
  ASSERT_EQ(sentences.size(), 2u);
  EXPECT_EQ(sentences[0].entities, (Spans{{0, 2, "PER"}}));
  EXPECT_EQ(sentences[1].entities, (Spans{{0, 1, "LOC"}}));
}

TEST(ReadConllTest, ReadsGzipFiles) {
  ::newsgraph::testing::TempDir dir;
  WriteGzipFile(dir.Sub("train.txt.gz"), kTwoDocuments);
  NG_ASSERT_OK_AND_ASSIGN(std::vector<Sentence> sentences, ReadConll(dir.Sub("train.txt.gz")));
  ASSERT_EQ(sentences.size(), 3u);
  EXPECT_EQ(sentences[0].entities, (Spans{{0, 2, "PER"}, {3, 4, "LOC"}}));
}

TEST(ReadConllTest, EmptyFileHasNoSentences) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("empty.txt"), "");
  NG_ASSERT_OK_AND_ASSIGN(std::vector<Sentence> sentences, ReadConll(dir.Sub("empty.txt")));
  EXPECT_THAT(sentences, IsEmpty());
  WriteFile(dir.Sub("docstart.txt"), "-DOCSTART- -X- O O\n\n");
  NG_ASSERT_OK_AND_ASSIGN(sentences, ReadConll(dir.Sub("docstart.txt")));
  EXPECT_THAT(sentences, IsEmpty());
}

TEST(ReadConllTest, MissingFileIsNotFound) {
  ::newsgraph::testing::TempDir dir;
  EXPECT_THAT(ReadConll(dir.Sub("absent.txt")), StatusIs(absl::StatusCode::kNotFound));
}

TEST(ReadConllTest, LineWithOneColumnIsInvalidWithItsNumber) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("short.txt"), "Oslo NNP I-LOC\n\nlonely\nRome NNP I-LOC\n");
  EXPECT_THAT(ReadConll(dir.Sub("short.txt")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("short.txt:3:")));
}

TEST(ReadConllTest, DamagedGzipIsInvalidArgument) {
  ::newsgraph::testing::TempDir dir;
  // The gzip magic followed by garbage.
  WriteFile(dir.Sub("bad.gz"), std::string("\x1f\x8b\x08\x00garbage-not-deflate", 24));
  EXPECT_THAT(ReadConll(dir.Sub("bad.gz")), StatusIs(absl::StatusCode::kInvalidArgument));
}

// ---------------------------------------------------------------------------
// Tag conversions

TEST(SpansFromIobTest, EmptyAndOutsideOnly) {
  EXPECT_THAT(SpansFromIob({}), IsEmpty());
  EXPECT_THAT(SpansFromIob({"O", "O"}), IsEmpty());
}

TEST(SpansFromIobTest, IContinuesOnlyTheSameTypeRightBeforeIt) {
  EXPECT_EQ(SpansFromIob({"I-PER", "I-ORG"}), (Spans{{0, 1, "PER"}, {1, 2, "ORG"}}));
  EXPECT_EQ(SpansFromIob({"I-PER", "O", "I-PER"}), (Spans{{0, 1, "PER"}, {2, 3, "PER"}}));
  EXPECT_EQ(SpansFromIob({"B-LOC", "I-LOC", "I-LOC"}), (Spans{{0, 3, "LOC"}}));
  EXPECT_EQ(SpansFromIob({"B-LOC", "B-LOC"}), (Spans{{0, 1, "LOC"}, {1, 2, "LOC"}}));
}

TEST(SpansFromIobTest, TagsWithoutATypeAreOutside) {
  EXPECT_THAT(SpansFromIob({"I-", "B", ""}), IsEmpty());
  EXPECT_EQ(SpansFromIob({"I-", "I-MISC"}), (Spans{{1, 2, "MISC"}}));
}

TEST(BilouFromSpansTest, EveryKindOfTag) {
  EXPECT_EQ(BilouFromSpans({}, 0), Tags{});
  EXPECT_EQ(BilouFromSpans({}, 2), (Tags{"O", "O"}));
  EXPECT_EQ(BilouFromSpans({{0, 1, "PER"}, {2, 5, "ORG"}, {5, 7, "LOC"}}, 8),
            (Tags{"U-PER", "O", "B-ORG", "I-ORG", "L-ORG", "B-LOC", "L-LOC", "O"}));
}

TEST(SpansFromBilouTest, RoundTripsWithBilouFromSpans) {
  const Spans spans = {{0, 3, "MISC"}, {3, 4, "PER"}, {5, 7, "PER"}};
  EXPECT_EQ(SpansFromBilou(BilouFromSpans(spans, 8)), spans);
}

TEST(SpansFromBilouTest, RepairsOfInvalidSequences) {
  EXPECT_THAT(SpansFromBilou({}), IsEmpty());
  // A U closes its span: an I after it starts a new one.
  EXPECT_EQ(SpansFromBilou({"U-PER", "I-PER", "L-PER"}), (Spans{{0, 1, "PER"}, {1, 3, "PER"}}));
  // An L closes its span too.
  EXPECT_EQ(SpansFromBilou({"L-ORG", "L-ORG"}), (Spans{{0, 1, "ORG"}, {1, 2, "ORG"}}));
  // A B left open by O still counts; a typeless tag is outside.
  EXPECT_EQ(SpansFromBilou({"B-LOC", "I-LOC", "O", "B-", "L-LOC"}),
            (Spans{{0, 2, "LOC"}, {4, 5, "LOC"}}));
  // A B right after an open B starts a new span.
  EXPECT_EQ(SpansFromBilou({"B-LOC", "B-LOC", "L-LOC"}), (Spans{{0, 1, "LOC"}, {1, 3, "LOC"}}));
  EXPECT_EQ(SpansFromBilou({"", "U-MISC"}), (Spans{{1, 2, "MISC"}}));
}

}  // namespace
}  // namespace newsgraph::entity::ner
