#include "newsgraph/importers.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "services/text/utf8.h"
#include "tests/testing/corpora.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::StatusIs;
using ::testing::HasSubstr;

void WriteFile(const std::string& path, const std::string& content, bool gzip) {
  if (gzip) {
    gzFile file = gzopen(path.c_str(), "wb");
    gzwrite(file, content.data(), static_cast<unsigned>(content.size()));
    gzclose(file);
  } else {
    std::ofstream(path, std::ios::binary) << content;
  }
}

TEST(ImportersTest, JsonLinesPlainAndGzipped) {
  ::newsgraph::testing::TempDir dir;
  const std::string lines =
      "{\"id\":\"a-1\",\"title\":\"Budget\",\"body\":\"The budget passed.\",\"published\":"
      "\"2023-01-17\",\"source\":\"Gazette\",\"url\":null,\"labels\":{\"topics\":[\"x\",\"y\"],"
      "\"split\":\"TRAIN\"}}\n\n"
      "{\"id\":\"a-2\",\"title\":\"Only a headline\",\"body\":\"\",\"published\":null}\n";
  for (bool gzip : {false, true}) {
    const std::string path = dir.Sub(gzip ? "d.jsonl.gz" : "d.jsonl");
    WriteFile(path, lines, gzip);
    NG_ASSERT_OK_AND_ASSIGN(auto docs, ReadJsonLines(path));
    ASSERT_EQ(docs.size(), 2u);
    EXPECT_EQ(docs[0].external_id(), "a-1");
    EXPECT_EQ(docs[0].content(), "The budget passed.");
    EXPECT_EQ(docs[0].source(), "Gazette");
    EXPECT_EQ(docs[0].published_time().seconds(), 1673913600);
    EXPECT_EQ(docs[0].labels().at("topics"), "x,y");
    EXPECT_EQ(docs[1].content(), "Only a headline");
    EXPECT_FALSE(docs[1].has_published_time());
  }
  WriteFile(dir.Sub("bad.jsonl"), "{\"id\":\"ok\"}\nnot json\n", false);
  EXPECT_THAT(ReadJsonLines(dir.Sub("bad.jsonl")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad.jsonl:2")));
  EXPECT_THAT(ReadJsonLines(dir.Sub("missing.jsonl")), StatusIs(absl::StatusCode::kNotFound));
}

TEST(ImportersTest, ReutersSgmlDecodesReferencesAndLatin1) {
  ::newsgraph::testing::TempDir dir;
  const std::string sgml =
      "<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n"
      "<REUTERS TOPICS=\"YES\" LEWISSPLIT=\"TRAIN\" NEWID=\"7\">\n<DATE> 2-MAR-1987 "
      "09:15:00.00</DATE>\n"
      "<TOPICS><D>grain</D><D>wheat</D></TOPICS>\n<PLACES><D>usa</D></PLACES>\n"
      "<TEXT>&#2;\n<TITLE>U.S. &amp; CANADA &lt;WHT&gt; TALKS</TITLE>\n"
      "<BODY>Wheat talks in Z\xFCrich ended.\n Reuter\n&#3;</BODY></TEXT>\n</REUTERS>\n"
      "<REUTERS NEWID=\"8\"><TEXT TYPE=\"UNPROC\">&#2;\nTable 1 2 3\n&#3;</TEXT></REUTERS>\n";
  WriteFile(dir.Sub("r.sgm"), sgml, false);
  NG_ASSERT_OK_AND_ASSIGN(auto docs, ReadReutersSgml(dir.Sub("r.sgm")));
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].external_id(), "reuters-21578:7");
  EXPECT_EQ(docs[0].title(), "U.S. & CANADA <WHT> TALKS");
  EXPECT_THAT(docs[0].content(), HasSubstr("Z\xC3\xBCrich"));  // Latin-1 byte read as ü.
  EXPECT_FALSE(text::FindInvalidUtf8(docs[0].content()).has_value());
  EXPECT_EQ(docs[0].labels().at("topics"), "grain,wheat");
  EXPECT_EQ(docs[0].labels().at("lewissplit"), "TRAIN");
  EXPECT_EQ(docs[0].published_time().seconds(), 541674900);  // 1987-03-02T09:15:00Z
  EXPECT_THAT(docs[1].content(), HasSubstr("Table 1 2 3"));
}

TEST(ImportersTest, WholeReutersAndBbcCorpora) {
  NG_REQUIRE_CORPORA(corpora);
  size_t stories = 0;
  for (int i = 0; i <= 21; ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "/reuters21578/raw/reut2-%03d.sgm.gz", i);
    NG_ASSERT_OK_AND_ASSIGN(auto docs, ReadReutersSgml(corpora + name));
    stories += docs.size();
    for (const auto& doc : docs) {
      ASSERT_FALSE(text::FindInvalidUtf8(doc.content()).has_value()) << doc.external_id();
    }
    if (i == 0) {
      EXPECT_EQ(docs[0].external_id(), "reuters-21578:1");
      EXPECT_EQ(docs[0].title(), "BAHIA COCOA REVIEW");
      EXPECT_THAT(docs[0].content(), ::testing::StartsWith("Showers continued"));
      EXPECT_EQ(docs[0].labels().at("places"), "el-salvador,usa,uruguay");
      EXPECT_EQ(docs[0].published_time().seconds(), 541350061);  // 1987-02-26T15:01:01Z
    }
  }
  EXPECT_EQ(stories, 21578u);
  NG_ASSERT_OK_AND_ASSIGN(auto bbc, ReadJsonLines(corpora + "/bbc/bbc.jsonl.gz"));
  EXPECT_EQ(bbc.size(), 2225u);
  EXPECT_EQ(bbc[0].source(), "BBC");
  EXPECT_FALSE(bbc[0].labels().at("category").empty());
}

}  // namespace
}  // namespace newsgraph
