#include "services/entity/ner/lexicons.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity::ner {
namespace {

using ::newsgraph::testing::StatusIs;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

using ::newsgraph::testing::WriteFile;

// A small iso-codes directory and word list of our own.
class LexiconsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directory(Iso());
    WriteFile(Iso() + "/iso_3166-1.json", R"({"3166-1": [
        {"alpha_2": "QX", "name": "Quexland", "official_name": "Republic of QUEXLAND"},
        {"alpha_2": "ZY", "name": "Zyborea", "common_name": "Zybo"}
    ]})");
    WriteFile(Iso() + "/iso_3166-2.json", R"({"3166-2": [
        {"code": "QX-N", "name": "North Quex"},
        {"code": "QX-S", "name": "Sudmark"}
    ]})");
    WriteFile(Dictionary(), "apple\nOslo\nOslo's\napple's\n\nkettle\nVarga\n");
  }

  std::string Iso() const { return dir_.Sub("iso"); }
  std::string Dictionary() const { return dir_.Sub("words"); }

  absl::StatusOr<Lexicons> Load(const std::string& clusters = "", const std::string& paths = "") {
    return LoadLexicons(clusters, paths, Iso(), Dictionary());
  }

  // The gazetteer categories matching `lower` as one phrase from its first token.
  static std::vector<std::string> CategoriesOf(const Lexicons& lexicons,
                                               const std::vector<std::string>& lower) {
    std::vector<std::string> names;
    const auto matches = lexicons.gazetteer.Match(lower, std::vector<bool>(lower.size(), true));
    for (const Gazetteer::TokenMatch& m : matches[0]) {
      names.push_back(lexicons.gazetteer.categories()[m.category]);
    }
    return names;
  }

  ::newsgraph::testing::TempDir dir_;
};

TEST_F(LexiconsTest, PlacesAreCountryAndRegionNamesLowerCased) {
  NG_ASSERT_OK_AND_ASSIGN(Lexicons lexicons, Load());
  EXPECT_THAT(lexicons.places, UnorderedElementsAre("quexland", "republic of quexland", "zyborea",
                                                    "zybo", "north quex", "sudmark"));
}

TEST_F(LexiconsTest, DictionaryWordsSplitIntoCommonAndProper) {
  NG_ASSERT_OK_AND_ASSIGN(Lexicons lexicons, Load());
  // Capitalized entries are proper words, stored lower-cased; entries with
  // an apostrophe and blank lines are skipped.
  EXPECT_THAT(lexicons.common_words, UnorderedElementsAre("apple", "kettle"));
  EXPECT_THAT(lexicons.proper_words, UnorderedElementsAre("oslo", "varga"));
}

TEST_F(LexiconsTest, WithoutClusterFilesClustersAndPathsAreEmpty) {
  NG_ASSERT_OK_AND_ASSIGN(Lexicons lexicons, Load());
  EXPECT_THAT(lexicons.clusters, IsEmpty());
  EXPECT_THAT(lexicons.paths, IsEmpty());
}

TEST_F(LexiconsTest, LoadsClustersAndPathsWhenNamed) {
  WriteFile(dir_.Sub("clusters.tsv"), "monday\t3\t17\nbank\t1\t511\n");
  WriteFile(dir_.Sub("paths.tsv"), "monday\t0110\n");
  NG_ASSERT_OK_AND_ASSIGN(Lexicons lexicons, Load(dir_.Sub("clusters.tsv"), dir_.Sub("paths.tsv")));
  ASSERT_EQ(lexicons.clusters.size(), 2u);
  EXPECT_EQ(lexicons.clusters.at("bank").fine, 511);
  EXPECT_EQ(lexicons.paths, (WordPaths{{"monday", "0110"}}));
}

TEST_F(LexiconsTest, GazetteerHasTheCountriesAndRegionsOfTheDirectory) {
  NG_ASSERT_OK_AND_ASSIGN(Lexicons lexicons, Load());
  EXPECT_THAT(CategoriesOf(lexicons, {"republic", "of", "quexland"}), Contains("iso:country"));
  EXPECT_THAT(CategoriesOf(lexicons, {"north", "quex"}), Contains("iso:region"));
  EXPECT_THAT(CategoriesOf(lexicons, {"kettle"}), IsEmpty());
}

TEST_F(LexiconsTest, MissingCountryListIsNotFound) {
  std::filesystem::remove(Iso() + "/iso_3166-1.json");
  EXPECT_THAT(Load(), StatusIs(absl::StatusCode::kNotFound, HasSubstr("iso_3166-1.json")));
}

TEST_F(LexiconsTest, MissingRegionListIsNotFound) {
  std::filesystem::remove(Iso() + "/iso_3166-2.json");
  EXPECT_THAT(Load(), StatusIs(absl::StatusCode::kNotFound, HasSubstr("iso_3166-2.json")));
}

TEST_F(LexiconsTest, UnparsableOrWrongListIsInvalidArgument) {
  WriteFile(Iso() + "/iso_3166-1.json", "[ not json");
  EXPECT_THAT(Load(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("iso_3166-1.json")));
  WriteFile(Iso() + "/iso_3166-1.json", R"({"3166-1": []})");
  WriteFile(Iso() + "/iso_3166-2.json", R"({"3166-3": []})");
  EXPECT_THAT(Load(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("3166-2")));
}

TEST_F(LexiconsTest, MissingWordListIsNotFound) {
  EXPECT_THAT(LoadLexicons("", "", Iso(), dir_.Sub("no-words")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no-words")));
}

TEST_F(LexiconsTest, MissingOrDamagedClusterFilesFail) {
  EXPECT_THAT(Load(dir_.Sub("absent.tsv")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.tsv")));
  EXPECT_THAT(Load("", dir_.Sub("absent-paths.tsv")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent-paths.tsv")));
  WriteFile(dir_.Sub("bad-paths.tsv"), "monday\t0120\n");
  EXPECT_THAT(Load("", dir_.Sub("bad-paths.tsv")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad-paths.tsv:1:")));
  WriteFile(dir_.Sub("bad-clusters.tsv"), "monday\tthree\t17\n");
  EXPECT_THAT(Load(dir_.Sub("bad-clusters.tsv")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad-clusters.tsv:1:")));
}

}  // namespace
}  // namespace newsgraph::entity::ner
