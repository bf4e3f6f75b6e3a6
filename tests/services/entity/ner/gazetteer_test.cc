#include "services/entity/ner/gazetteer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity::ner {
namespace {

using ::newsgraph::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using Match = std::pair<int, char>;  // category, position

// Each token's matches as (category, position) pairs.
std::vector<std::vector<Match>> MatchAll(const Gazetteer& gazetteer,
                                         const std::vector<std::string>& lower,
                                         std::vector<bool> may_start = {}) {
  if (may_start.empty()) may_start.assign(lower.size(), true);
  std::vector<std::vector<Match>> out;
  for (const auto& token : gazetteer.Match(lower, may_start)) {
    std::vector<Match>& matches = out.emplace_back();
    for (const Gazetteer::TokenMatch& m : token) matches.emplace_back(m.category, m.position);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Gazetteer

TEST(GazetteerTest, CategoriesGetConsecutiveIdsOnce) {
  Gazetteer g;
  EXPECT_EQ(g.Category("country"), 0);
  EXPECT_EQ(g.Category("first_name"), 1);
  EXPECT_EQ(g.Category("country"), 0);
  EXPECT_THAT(g.categories(), ElementsAre("country", "first_name"));
}

TEST(GazetteerTest, AtMost32Categories) {
  Gazetteer g;
  for (size_t i = 0; i < Gazetteer::kMaxCategories; ++i) {
    EXPECT_EQ(g.Category(absl::StrCat("list", i)), static_cast<int>(i));
  }
  EXPECT_EQ(g.Category("one too many"), -1);
  EXPECT_EQ(g.Category("list31"), 31);  // existing ones are still found
  EXPECT_EQ(g.categories().size(), 32u);
  // A phrase for the refused category is not added.
  g.Add("Atlantis", g.Category("one too many"));
  EXPECT_TRUE(g.empty());
  // The last category works like any other.
  g.Add("Atlantis", 31);
  EXPECT_THAT(MatchAll(g, {"atlantis"}), ElementsAre(ElementsAre(Match(31, 'U'))));
}

TEST(GazetteerTest, PhrasesAreLowerCasedAndSplitAtSpacesAndUnderscores) {
  Gazetteer g;
  const int place = g.Category("place");
  g.Add("NEW_York", place);
  g.Add("  Buenos   Aires ", place);
  g.Add("Bosnia_and Herzegovina", place);
  EXPECT_EQ(g.size(), 3u);
  EXPECT_THAT(MatchAll(g, {"new", "york"}),
              ElementsAre(ElementsAre(Match(place, 'B')), ElementsAre(Match(place, 'L'))));
  EXPECT_THAT(MatchAll(g, {"buenos", "aires"}),
              ElementsAre(ElementsAre(Match(place, 'B')), ElementsAre(Match(place, 'L'))));
  EXPECT_THAT(MatchAll(g, {"bosnia", "and", "herzegovina"}),
              ElementsAre(ElementsAre(Match(place, 'B')), ElementsAre(Match(place, 'I')),
                          ElementsAre(Match(place, 'L'))));
  // Tokens must be lower-cased by the caller.
  EXPECT_THAT(MatchAll(g, {"New", "York"}), ElementsAre(IsEmpty(), IsEmpty()));
}

TEST(GazetteerTest, EmptyPhrasesAndPhrasesOverSixWordsAreIgnored) {
  Gazetteer g;
  const int c = g.Category("long");
  g.Add("", c);
  g.Add("  _ ", c);
  g.Add("one two three four five six seven", c);
  EXPECT_TRUE(g.empty());
  g.Add("one two three four five six", c);
  EXPECT_EQ(g.size(), 1u);
  const auto matches = MatchAll(g, {"one", "two", "three", "four", "five", "six", "seven"});
  EXPECT_THAT(matches[0], ElementsAre(Match(c, 'B')));
  EXPECT_THAT(matches[5], ElementsAre(Match(c, 'L')));
  EXPECT_THAT(matches[6], IsEmpty());
}

TEST(GazetteerTest, APhraseInSeveralCategoriesIsOnePhraseMatchedForEach) {
  Gazetteer g;
  const int person = g.Category("person");
  const int place = g.Category("place");
  g.Add("Georgia", person);
  g.Add("georgia", place);
  g.Add("Georgia", place);
  EXPECT_EQ(g.size(), 1u);
  EXPECT_THAT(MatchAll(g, {"georgia"}),
              ElementsAre(ElementsAre(Match(person, 'U'), Match(place, 'U'))));
}

TEST(GazetteerTest, TheLongestPhraseStartingAtATokenWins) {
  Gazetteer g;
  const int city = g.Category("city");
  const int building = g.Category("building");
  g.Add("New York", city);
  g.Add("New York City", city);
  g.Add("New York City Hall", building);
  g.Add("New", city);
  EXPECT_THAT(
      MatchAll(g, {"new", "york", "city", "hall", "opened"}),
      ElementsAre(ElementsAre(Match(building, 'B')), ElementsAre(Match(building, 'I')),
                  ElementsAre(Match(building, 'I')), ElementsAre(Match(building, 'L')), IsEmpty()));
  // Cut short by the end of the sentence, a shorter phrase is found.
  EXPECT_THAT(MatchAll(g, {"in", "new", "york", "city"}),
              ElementsAre(IsEmpty(), ElementsAre(Match(city, 'B')), ElementsAre(Match(city, 'I')),
                          ElementsAre(Match(city, 'L'))));
  EXPECT_THAT(MatchAll(g, {"new", "jersey"}),
              ElementsAre(ElementsAre(Match(city, 'U')), IsEmpty()));
}

TEST(GazetteerTest, PhrasesMayOverlapAndATokenThenHasSeveralMatches) {
  Gazetteer g;
  const int person = g.Category("person");
  const int place = g.Category("place");
  g.Add("Jordan Henderson", person);
  g.Add("Henderson Nevada", place);
  EXPECT_THAT(MatchAll(g, {"jordan", "henderson", "nevada"}),
              ElementsAre(ElementsAre(Match(person, 'B')),
                          ElementsAre(Match(person, 'L'), Match(place, 'B')),
                          ElementsAre(Match(place, 'L'))));
}

TEST(GazetteerTest, APhraseStartsOnlyWhereAllowedButMayCoverAnyToken) {
  Gazetteer g;
  const int org = g.Category("org");
  g.Add("Bank of England", org);
  g.Add("England", org);
  // "of" may not start a phrase but is covered; "england" may not start one.
  EXPECT_THAT(MatchAll(g, {"bank", "of", "england"}, {true, false, false}),
              ElementsAre(ElementsAre(Match(org, 'B')), ElementsAre(Match(org, 'I')),
                          ElementsAre(Match(org, 'L'))));
  EXPECT_THAT(MatchAll(g, {"bank", "of", "england"}, {false, false, false}),
              ElementsAre(IsEmpty(), IsEmpty(), IsEmpty()));
  EXPECT_THAT(MatchAll(g, {"bank", "of", "england"}, {false, false, true}),
              ElementsAre(IsEmpty(), IsEmpty(), ElementsAre(Match(org, 'U'))));
}

TEST(GazetteerTest, NothingMatchesInAnEmptyGazetteerOrSentence) {
  Gazetteer g;
  EXPECT_THAT(MatchAll(g, {"paris"}), ElementsAre(IsEmpty()));
  g.Add("Paris", g.Category("city"));
  EXPECT_THAT(MatchAll(g, {}), IsEmpty());
}

// ---------------------------------------------------------------------------
// Loading from files

using ::newsgraph::testing::WriteFile;

void Put32(std::string* out, uint32_t value) {
  out->append(reinterpret_cast<const char*>(&value), 4);
}

// A little-endian gettext catalogue of (id, translation) pairs.
std::string MoFile(const std::vector<std::pair<std::string, std::string>>& entries) {
  const uint32_t n = static_cast<uint32_t>(entries.size());
  const uint32_t originals = 28;
  const uint32_t translations = originals + 8 * n;
  uint32_t offset = translations + 8 * n;
  std::string tables;
  std::string strings;
  std::string original_table;
  std::string translation_table;
  for (const auto& [id, text] : entries) {
    Put32(&original_table, static_cast<uint32_t>(id.size()));
    Put32(&original_table, offset + static_cast<uint32_t>(strings.size()));
    strings += id;
    strings.push_back('\0');
  }
  for (const auto& [id, text] : entries) {
    Put32(&translation_table, static_cast<uint32_t>(text.size()));
    Put32(&translation_table, offset + static_cast<uint32_t>(strings.size()));
    strings += text;
    strings.push_back('\0');
  }
  std::string out;
  Put32(&out, 0x950412de);
  Put32(&out, 0);
  Put32(&out, n);
  Put32(&out, originals);
  Put32(&out, translations);
  Put32(&out, 0);
  Put32(&out, 0);
  return out + original_table + translation_table + strings;
}

constexpr char kCountries[] = R"({"3166-1": [
  {"alpha_2": "NZ", "name": "New Zealand", "numeric": "554"},
  {"alpha_2": "BO", "name": "Bolivia, Plurinational State of",
   "official_name": "Plurinational State of Bolivia", "common_name": "Bolivia"}
]})";
constexpr char kRegions[] = R"({"3166-2": [
  {"code": "GB-ENG", "name": "England", "type": "Country"},
  {"code": "FR-IDF", "name": "Île-de-France", "type": "Metropolitan region"}
]})";
constexpr char kWordNet[] =
    "  1 This is a licence header line.\n"
    "  2 It starts with spaces.\n"
    "09044862 15 n 02 United_States 0 USA 0 001 @ 08544813 n 0000 | a country\n"
    "09000001 15 n 01 lowercase_place 0 000 | not a proper noun\n"
    "09000002 05 n 01 Fluffy 0 000 | lexicographer file 05 is not a list\n"
    "09000003 18 n 02 Zhang_Ming 0 Ming 0 000 | a person\n"
    "09000004 14 n 0a Acme_Corporation 0 000 | count beyond the words given\n"
    "09000005 11 n zz Battle_of_Hastings 0 000 | count not hex\n"
    "09000006 15 n 01 Lima\n"
    "09000007 10 n 01 Esperanto 0 000 | a language\n"
    "09000008 17 n 01 Mount_Kenya 0 000 | a mountain\n"
    "09000009 99 n 01 Bogus 0 000 | lexicographer file out of range\n"
    "09000010 -1 n 01 Negative 0 000 | negative file\n";
constexpr char kFirstNames[] = "Grace\nAlan\n\n   Anne  \n";

class LoadGazetteerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.Sub("iso"));
    sources_.iso_codes_dir = dir_.Sub("iso");
    sources_.wordnet_nouns = dir_.Sub("data.noun");
    sources_.first_names = dir_.Sub("propernames");
    sources_.geonames = dir_.Sub("geonames.mo");
    WriteFile(dir_.Sub("iso/iso_3166-1.json"), kCountries);
    WriteFile(dir_.Sub("iso/iso_3166-2.json"), kRegions);
    WriteFile(sources_.wordnet_nouns, kWordNet);
    WriteFile(sources_.first_names, kFirstNames);
    WriteFile(sources_.geonames, MoFile({{"", "Content-Type: text/plain; charset=UTF-8\n"},
                                         {"2643743", "London"},
                                         {"5128581", "New York City"},
                                         {"GB.ENG", "England"},
                                         {"GB", "United Kingdom"},
                                         {"3333", ""}}));
  }

  // The category names of the phrase `words` (matched as one phrase).
  static std::vector<std::string> CategoriesOf(const Gazetteer& g,
                                               const std::vector<std::string>& words) {
    std::vector<std::string> names;
    const auto matches = g.Match(words, std::vector<bool>(words.size(), true));
    for (const Gazetteer::TokenMatch& m : matches[0]) {
      const bool whole = words.size() == 1 ? m.position == 'U' : m.position == 'B';
      if (whole) names.push_back(g.categories()[m.category]);
    }
    return names;
  }

  ::newsgraph::testing::TempDir dir_;
  GazetteerSources sources_;
};

TEST_F(LoadGazetteerTest, ReadsEveryListIntoItsCategory) {
  NG_ASSERT_OK_AND_ASSIGN(Gazetteer g, LoadGazetteer(sources_));
  EXPECT_THAT(g.categories(),
              ElementsAre("iso:country", "iso:region", "wordnet:communication", "wordnet:event",
                          "wordnet:group", "wordnet:location", "wordnet:object", "wordnet:person",
                          "first_name", "geonames:city", "geonames:region"));
  EXPECT_THAT(CategoriesOf(g, {"new", "zealand"}), ElementsAre("iso:country"));
  EXPECT_THAT(CategoriesOf(g, {"bolivia"}), ElementsAre("iso:country"));
  EXPECT_THAT(CategoriesOf(g, {"plurinational", "state", "of", "bolivia"}),
              ElementsAre("iso:country"));
  EXPECT_THAT(CategoriesOf(g, {"england"}), ElementsAre("iso:region", "geonames:region"));
  EXPECT_THAT(CategoriesOf(g, {"\xC3\x8Ele-de-france"}), ElementsAre("iso:region"));
  EXPECT_THAT(CategoriesOf(g, {"united", "states"}), ElementsAre("wordnet:location"));
  EXPECT_THAT(CategoriesOf(g, {"usa"}), ElementsAre("wordnet:location"));
  EXPECT_THAT(CategoriesOf(g, {"zhang", "ming"}), ElementsAre("wordnet:person"));
  EXPECT_THAT(CategoriesOf(g, {"ming"}), ElementsAre("wordnet:person"));
  EXPECT_THAT(CategoriesOf(g, {"acme", "corporation"}), ElementsAre("wordnet:group"));
  EXPECT_THAT(CategoriesOf(g, {"esperanto"}), ElementsAre("wordnet:communication"));
  EXPECT_THAT(CategoriesOf(g, {"mount", "kenya"}), ElementsAre("wordnet:object"));
  EXPECT_THAT(CategoriesOf(g, {"grace"}), ElementsAre("first_name"));
  EXPECT_THAT(CategoriesOf(g, {"anne"}), ElementsAre("first_name"));
  EXPECT_THAT(CategoriesOf(g, {"london"}), ElementsAre("geonames:city"));
  EXPECT_THAT(CategoriesOf(g, {"new", "york", "city"}), ElementsAre("geonames:city"));
}

TEST_F(LoadGazetteerTest, SkipsWhatIsNotAListedProperName) {
  NG_ASSERT_OK_AND_ASSIGN(Gazetteer g, LoadGazetteer(sources_));
  for (const std::vector<std::string>& words :
       std::vector<std::vector<std::string>>{{"lowercase", "place"},
                                             {"fluffy"},
                                             {"battle", "of", "hastings"},
                                             {"lima"},
                                             {"bogus"},
                                             {"negative"},
                                             {"united", "kingdom"},
                                             {"this"}}) {
    EXPECT_THAT(CategoriesOf(g, words), IsEmpty()) << words[0];
  }
  // 6 iso names, 7 WordNet names, 3 first names and 2 GeoNames names
  // ("England" is there already).
  EXPECT_EQ(g.size(), 6u + 7u + 3u + 2u);
}

TEST_F(LoadGazetteerTest, WithoutGeoNamesTheirCategoriesAreNotMade) {
  sources_.geonames = "";
  NG_ASSERT_OK_AND_ASSIGN(Gazetteer g, LoadGazetteer(sources_));
  EXPECT_EQ(g.categories().size(), 9u);
  EXPECT_THAT(CategoriesOf(g, {"london"}), IsEmpty());
}

TEST_F(LoadGazetteerTest, MissingFilesAreNotFoundNamingTheirPackage) {
  struct Case {
    std::string GazetteerSources::*field;
    const char* package;
  };
  for (const Case& c : {Case{&GazetteerSources::iso_codes_dir, "iso-codes"},
                        Case{&GazetteerSources::wordnet_nouns, "wordnet-base"},
                        Case{&GazetteerSources::first_names, "miscfiles"},
                        Case{&GazetteerSources::geonames, "libgeonames-common"}}) {
    GazetteerSources sources = sources_;
    sources.*c.field = dir_.Sub("missing");
    EXPECT_THAT(LoadGazetteer(sources), StatusIs(absl::StatusCode::kNotFound, HasSubstr(c.package)))
        << c.package;
  }
}

TEST_F(LoadGazetteerTest, AFileThatIsNoGettextCatalogueIsInvalidArgument) {
  WriteFile(sources_.geonames, "2643743 London\n");
  EXPECT_THAT(LoadGazetteer(sources_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("gettext catalogue")));
  WriteFile(sources_.geonames, "");
  EXPECT_THAT(LoadGazetteer(sources_), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(LoadGazetteerTest, ACatalogueEntryPointingOutsideTheFileIsInvalidArgument) {
  std::string mo = MoFile({{"2643743", "London"}, {"2988507", "Paris"}});
  // Second original string: its offset (bytes 28 + 8 + 4) far past the end.
  const uint32_t far = 1u << 30;
  mo.replace(28 + 8 + 4, 4, reinterpret_cast<const char*>(&far), 4);
  WriteFile(sources_.geonames, mo);
  EXPECT_THAT(LoadGazetteer(sources_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("entry 1 points outside")));
  // A catalogue cut inside its tables.
  WriteFile(sources_.geonames, MoFile({{"2643743", "London"}}).substr(0, 34));
  EXPECT_THAT(LoadGazetteer(sources_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("entry 0 points outside")));
}

TEST_F(LoadGazetteerTest, UnparsableIsoCodesAreInvalidArgument) {
  WriteFile(dir_.Sub("iso/iso_3166-1.json"), "{ not json");
  EXPECT_THAT(LoadGazetteer(sources_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cannot parse")));
  WriteFile(dir_.Sub("iso/iso_3166-1.json"), R"({"3166-3": []})");
  EXPECT_THAT(LoadGazetteer(sources_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no \"3166-1\" list")));
}

// ---------------------------------------------------------------------------
// ForEachIsoName

TEST(ForEachIsoNameTest, GivesNameOfficialNameAndCommonNameOfEachEntryInOrder) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("iso.json"), kCountries);
  std::vector<std::string> names;
  NG_ASSERT_OK(ForEachIsoName(dir.Sub("iso.json"), "3166-1",
                              [&names](const std::string& name) { names.push_back(name); }));
  EXPECT_THAT(names, ElementsAre("New Zealand", "Bolivia, Plurinational State of",
                                 "Plurinational State of Bolivia", "Bolivia"));
}

TEST(ForEachIsoNameTest, AnEmptyListGivesNoNames) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("iso.json"), R"({"639-3": []})");
  int calls = 0;
  NG_ASSERT_OK(
      ForEachIsoName(dir.Sub("iso.json"), "639-3", [&calls](const std::string&) { ++calls; }));
  EXPECT_EQ(calls, 0);
}

TEST(ForEachIsoNameTest, ErrorsNameTheFileOrTheList) {
  ::newsgraph::testing::TempDir dir;
  auto ignore = [](const std::string&) {};
  EXPECT_THAT(ForEachIsoName(dir.Sub("absent.json"), "3166-1", ignore),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.json")));
  WriteFile(dir.Sub("broken.json"), "[1, 2");
  EXPECT_THAT(ForEachIsoName(dir.Sub("broken.json"), "3166-1", ignore),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("broken.json")));
  WriteFile(dir.Sub("other.json"), kRegions);
  EXPECT_THAT(ForEachIsoName(dir.Sub("other.json"), "3166-1", ignore),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"3166-1\"")));
}

}  // namespace
}  // namespace newsgraph::entity::ner
