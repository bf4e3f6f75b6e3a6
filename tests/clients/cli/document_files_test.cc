#include "clients/cli/document_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::cli {
namespace {

namespace fs = std::filesystem;
using ::newsgraph::testing::StatusIs;
using newsgraph::v1::DocumentInput;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using ::newsgraph::testing::WriteFile;

void WriteGzipFile(const std::string& path, const std::string& contents) {
  fs::create_directories(fs::path(path).parent_path());
  gzFile out = gzopen(path.c_str(), "wb");
  ASSERT_NE(out, nullptr);
  gzwrite(out, contents.data(), static_cast<unsigned>(contents.size()));
  ASSERT_EQ(gzclose(out), Z_OK);
}

std::vector<std::string> ExternalIds(const std::vector<DocumentInput>& docs) {
  std::vector<std::string> ids;
  for (const DocumentInput& doc : docs) ids.push_back(doc.external_id());
  return ids;
}

constexpr char kJsonLines[] =
    "{\"id\":\"story-1\",\"title\":\"Harbour reopens\",\"body\":\"The harbour reopened.\","
    "\"source\":\"Coast Daily\"}\n"
    "{\"id\":\"story-2\",\"title\":\"Bridge closed\",\"body\":\"The bridge closed.\"}\n";

constexpr char kSgml[] =
    "<REUTERS TOPICS=\"NO\" LEWISSPLIT=\"TEST\" NEWID=\"41\">\n"
    "<DATE> 5-MAR-1987 10:00:00.00</DATE>\n"
    "<TEXT>&#2;\n<TITLE>COPPER OUTPUT RISES</TITLE>\n"
    "<BODY>Copper output rose in March.\n Reuter\n&#3;</BODY></TEXT>\n</REUTERS>\n";

TEST(LoadDocumentsTest, NoPathsNoDocuments) {
  NG_ASSERT_OK_AND_ASSIGN(std::vector<DocumentInput> docs, LoadDocuments({}, "cli"));
  EXPECT_THAT(docs, IsEmpty());
}

TEST(LoadDocumentsTest, SingleFilesByExtension) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("a.txt"), "plain words");
  WriteFile(dir.Sub("b.text"), "more words");
  WriteFile(dir.Sub("c.md"), "# Heading\n\nbody");
  WriteFile(dir.Sub("d.html"), "<p>hello</p>");
  WriteFile(dir.Sub("e.HTM"), "<p>upper</p>");
  NG_ASSERT_OK_AND_ASSIGN(std::vector<DocumentInput> docs,
                          LoadDocuments({dir.Sub("a.txt"), dir.Sub("b.text"), dir.Sub("c.md"),
                                         dir.Sub("d.html"), dir.Sub("e.HTM")},
                                        "desk"));
  ASSERT_EQ(docs.size(), 5u);
  EXPECT_EQ(docs[0].content(), "plain words");
  EXPECT_EQ(docs[0].content_type(), newsgraph::v1::TEXT_PLAIN);
  EXPECT_EQ(docs[1].content_type(), newsgraph::v1::TEXT_PLAIN);
  EXPECT_EQ(docs[2].content(), "# Heading\n\nbody");
  EXPECT_EQ(docs[2].content_type(), newsgraph::v1::TEXT_MARKDOWN);
  EXPECT_EQ(docs[3].content_type(), newsgraph::v1::TEXT_HTML);
  EXPECT_EQ(docs[4].content_type(), newsgraph::v1::TEXT_HTML);
  for (const DocumentInput& doc : docs) EXPECT_EQ(doc.source(), "desk");
  // A file's external id is its name relative to its own directory.
  EXPECT_THAT(ExternalIds(docs), ElementsAre("a.txt", "b.text", "c.md", "d.html", "e.HTM"));
}

TEST(LoadDocumentsTest, FileContentIsKeptByteForByte) {
  ::newsgraph::testing::TempDir dir;
  const std::string bytes = std::string("line one\r\nnul\0inside\n", 21) + "caf\xC3\xA9";
  WriteFile(dir.Sub("raw.txt"), bytes);
  WriteFile(dir.Sub("empty.txt"), "");
  NG_ASSERT_OK_AND_ASSIGN(std::vector<DocumentInput> docs,
                          LoadDocuments({dir.Sub("raw.txt"), dir.Sub("empty.txt")}, ""));
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].content(), bytes);
  EXPECT_EQ(docs[1].content(), "");
  EXPECT_EQ(docs[1].external_id(), "empty.txt");
}

TEST(LoadDocumentsTest, DirectoryIsReadRecursivelyInNameOrderSkippingOtherFiles) {
  ::newsgraph::testing::TempDir dir;
  const std::string corpus = dir.Sub("corpus");
  WriteFile(corpus + "/b.txt", "second");
  WriteFile(corpus + "/a.md", "first");
  WriteFile(corpus + "/sub/c.html", "<p>third</p>");
  WriteFile(corpus + "/notes.csv", "skipped,file");
  WriteFile(corpus + "/image.png", "\x89PNG");
  WriteFile(corpus + "/README", "no extension");
  fs::create_directories(corpus + "/folder.txt");  // a directory, not a document
  NG_ASSERT_OK_AND_ASSIGN(std::vector<DocumentInput> docs, LoadDocuments({corpus}, "desk"));
  // Ids are relative to the argument's parent, so they start with its name.
  EXPECT_THAT(ExternalIds(docs), ElementsAre("corpus/a.md", "corpus/b.txt", "corpus/sub/c.html"));
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].content(), "first");
  EXPECT_EQ(docs[0].content_type(), newsgraph::v1::TEXT_MARKDOWN);
  EXPECT_EQ(docs[2].content_type(), newsgraph::v1::TEXT_HTML);
}

TEST(LoadDocumentsTest, SameTreeGivesTheSameIdsHoweverItIsNamed) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("corpus/x/one.txt"), "one");
  NG_ASSERT_OK_AND_ASSIGN(std::vector<DocumentInput> plain, LoadDocuments({dir.Sub("corpus")}, ""));
  NG_ASSERT_OK_AND_ASSIGN(std::vector<DocumentInput> slash,
                          LoadDocuments({dir.Sub("corpus") + "/"}, ""));
  NG_ASSERT_OK_AND_ASSIGN(std::vector<DocumentInput> dotted,
                          LoadDocuments({dir.Sub("corpus/x/../.")}, ""));
  EXPECT_THAT(ExternalIds(plain), ElementsAre("corpus/x/one.txt"));
  EXPECT_EQ(ExternalIds(slash), ExternalIds(plain));
  EXPECT_EQ(ExternalIds(dotted), ExternalIds(plain));
}

TEST(LoadDocumentsTest, EmptyDirectoryHasNoDocuments) {
  ::newsgraph::testing::TempDir dir;
  fs::create_directories(dir.Sub("nothing/here"));
  NG_ASSERT_OK_AND_ASSIGN(std::vector<DocumentInput> docs, LoadDocuments({dir.Sub("nothing")}, ""));
  EXPECT_THAT(docs, IsEmpty());
}

TEST(LoadDocumentsTest, JsonLinesPlainAndGzippedHoldManyDocuments) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("feed/day1.jsonl"), kJsonLines);
  WriteGzipFile(dir.Sub("feed/day2.JSONL.gz"), kJsonLines);
  NG_ASSERT_OK_AND_ASSIGN(std::vector<DocumentInput> docs, LoadDocuments({dir.Sub("feed")}, ""));
  // The importer's ids; without --source each keeps its own source.
  EXPECT_THAT(ExternalIds(docs), ElementsAre("story-1", "story-2", "story-1", "story-2"));
  ASSERT_EQ(docs.size(), 4u);
  EXPECT_EQ(docs[0].content(), "The harbour reopened.");
  EXPECT_EQ(docs[0].source(), "Coast Daily");
  EXPECT_EQ(docs[2].source(), "Coast Daily");
}

TEST(LoadDocumentsTest, SourceOverridesTheSourceOfImportedDocuments) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("day1.jsonl"), kJsonLines);
  WriteFile(dir.Sub("reut2-000.sgm"), kSgml);
  NG_ASSERT_OK_AND_ASSIGN(std::vector<DocumentInput> docs,
                          LoadDocuments({dir.Sub("day1.jsonl"), dir.Sub("reut2-000.sgm")}, "ops"));
  EXPECT_THAT(ExternalIds(docs), ElementsAre("story-1", "story-2", "reuters-21578:41"));
  for (const DocumentInput& doc : docs) EXPECT_EQ(doc.source(), "ops");
}

TEST(LoadDocumentsTest, ReutersSgmlPlainAndGzipped) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("r/reut2-000.sgm"), kSgml);
  WriteGzipFile(dir.Sub("r/reut2-001.sgm.gz"), kSgml);
  NG_ASSERT_OK_AND_ASSIGN(std::vector<DocumentInput> docs, LoadDocuments({dir.Sub("r")}, ""));
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].external_id(), "reuters-21578:41");
  EXPECT_EQ(docs[0].title(), "COPPER OUTPUT RISES");
  EXPECT_THAT(docs[0].content(), HasSubstr("Copper output rose in March."));
  EXPECT_EQ(docs[0].source(), "Reuters");
  EXPECT_EQ(docs[1].title(), "COPPER OUTPUT RISES");
}

TEST(LoadDocumentsTest, SeveralArgumentsAreReadInTheirOrder) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("z.txt"), "z");
  WriteFile(dir.Sub("docs/a.txt"), "a");
  NG_ASSERT_OK_AND_ASSIGN(std::vector<DocumentInput> docs,
                          LoadDocuments({dir.Sub("z.txt"), dir.Sub("docs")}, ""));
  EXPECT_THAT(ExternalIds(docs), ElementsAre("z.txt", "docs/a.txt"));
}

TEST(LoadDocumentsTest, MissingPathIsNotFoundAndNamesIt) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("a.txt"), "a");
  EXPECT_THAT(LoadDocuments({dir.Sub("a.txt"), dir.Sub("missing.txt")}, ""),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing.txt")));
  EXPECT_THAT(LoadDocuments({dir.Sub("no/such/dir")}, ""),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no/such/dir")));
}

TEST(LoadDocumentsTest, DamagedImportsFailWithTheImportersError) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("bad/feed.jsonl"), "{\"id\":\"ok\",\"body\":\"fine\"}\n{broken\n");
  EXPECT_THAT(LoadDocuments({dir.Sub("bad")}, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("feed.jsonl:2")));
  // A broken file anywhere fails the whole load, not just its documents.
  WriteFile(dir.Sub("mixed/a.txt"), "fine");
  WriteFile(dir.Sub("mixed/b.jsonl.gz"), "\x1f\x8b not really gzip");
  EXPECT_THAT(LoadDocuments({dir.Sub("mixed")}, ""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(LoadDocumentsTest, DanglingSymlinksAreSkippedInDirectoriesAndMissingWhenNamed) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("tree/good.txt"), "fine");
  fs::create_symlink(dir.Sub("nowhere.txt"), dir.Sub("tree/dangling.txt"));
  NG_ASSERT_OK_AND_ASSIGN(std::vector<DocumentInput> docs, LoadDocuments({dir.Sub("tree")}, ""));
  EXPECT_THAT(ExternalIds(docs), ElementsAre("tree/good.txt"));
  EXPECT_THAT(LoadDocuments({dir.Sub("tree/dangling.txt")}, ""),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("dangling.txt")));
}

TEST(LoadDocumentsTest, UnreadableFileIsPermissionDenied) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads every file";
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("secret.txt"), "hidden");
  fs::permissions(dir.Sub("secret.txt"), fs::perms::none);
  EXPECT_THAT(LoadDocuments({dir.Sub("secret.txt")}, ""),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("secret.txt")));
}

TEST(LoadDocumentsTest, NamedFileOfAnUnknownKindIsRejected) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("report.pdf"), "%PDF-1.4 binary");
  EXPECT_THAT(LoadDocuments({dir.Sub("report.pdf")}, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("report.pdf")));
  WriteGzipFile(dir.Sub("notes.txt.gz"), "compressed words");
  EXPECT_THAT(LoadDocuments({dir.Sub("notes.txt.gz")}, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("notes.txt.gz")));
}

TEST(LoadDocumentsTest, SymlinkLoopInADirectoryIsAnErrorNotAnException) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("tree/good.txt"), "fine");
  fs::create_symlink("loop.txt", dir.Sub("tree/loop.txt"));
  absl::StatusOr<std::vector<DocumentInput>> docs;
  ASSERT_NO_THROW(docs = LoadDocuments({dir.Sub("tree")}, ""));
  // Either the loop is skipped or the load fails with a status; it must not throw.
  if (docs.ok()) {
    EXPECT_THAT(ExternalIds(*docs), ElementsAre("tree/good.txt"));
  } else {
    EXPECT_THAT(docs.status().message(), HasSubstr("loop.txt"));
  }
}

}  // namespace
}  // namespace newsgraph::cli
