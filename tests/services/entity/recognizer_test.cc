#include "services/entity/recognizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "services/entity/ner/features.h"
#include "services/entity/ner/perceptron.h"
#include "services/entity/ner/tagger.h"
#include "services/entity/word_lists.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity {
namespace {

using ::newsgraph::testing::StatusIs;
using newsgraph::v1::EntityType;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A mention as text, for readable expectations.
struct Seen {
  std::string text;
  EntityType type;
  std::string value;
  bool operator==(const Seen& other) const {
    return text == other.text && type == other.type && value == other.value;
  }
  friend void PrintTo(const Seen& seen, std::ostream* os) {
    *os << "{\"" << seen.text << "\", " << newsgraph::v1::EntityType_Name(seen.type) << ", \""
        << seen.value << "\"}";
  }
};

std::vector<Seen> SeenIn(const std::string& text, const Recognition& recognition) {
  std::vector<Seen> out;
  for (const RecognizedMention& m : recognition.mentions) {
    out.push_back(
        {text.substr(m.byte_begin, m.byte_end - m.byte_begin), m.type, m.normalized_value});
  }
  return out;
}

using ::newsgraph::testing::WriteFile;

class RecognizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<Gazetteer> countries = LoadCountryGazetteer();
    if (countries.ok()) countries_ = new Gazetteer(*std::move(countries));
  }
  static void TearDownTestSuite() {
    delete countries_;
    countries_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(countries_, nullptr) << "iso-codes country list not loadable";
    recognizer_ = std::make_unique<Recognizer>(*countries_);
  }

  std::vector<Seen> Recognize(const std::string& text) const {
    return SeenIn(text, recognizer_->Recognize(text));
  }

  static Gazetteer* countries_;
  std::unique_ptr<Recognizer> recognizer_;
};

Gazetteer* RecognizerTest::countries_ = nullptr;

// ---------------------------------------------------------------------------
// Countries and demonyms

TEST_F(RecognizerTest, ModelIdWithoutTaggerIsTheRuleSet) {
  EXPECT_EQ(recognizer_->model_id(), "rules-0.1");
  Recognizer named(*countries_, nullptr, "my-rules");
  EXPECT_EQ(named.model_id(), "my-rules");
}

TEST_F(RecognizerTest, CountryCodeOfIsoNamesInAnyCase) {
  EXPECT_EQ(recognizer_->CountryCode("France"), "FR");
  EXPECT_EQ(recognizer_->CountryCode("FRANCE"), "FR");
  EXPECT_EQ(recognizer_->CountryCode("germany"), "DE");
  EXPECT_EQ(recognizer_->CountryCode("Japan"), "JP");
  // The alpha-2 code itself is a name of the country.
  EXPECT_EQ(recognizer_->CountryCode("DE"), "DE");
}

TEST_F(RecognizerTest, CountryCodeOfDottedAbbreviations) {
  EXPECT_EQ(recognizer_->CountryCode("U.S."), "US");
  EXPECT_EQ(recognizer_->CountryCode("U.S"), "US");
  EXPECT_EQ(recognizer_->CountryCode("US"), "US");
  EXPECT_EQ(recognizer_->CountryCode("U.K"), "GB");
  EXPECT_EQ(recognizer_->CountryCode("U.K."), "GB");
  EXPECT_EQ(recognizer_->CountryCode("U.S.A."), "US");
  // Dots do not turn other abbreviations into countries.
  EXPECT_EQ(recognizer_->CountryCode("U.N."), "");
  EXPECT_EQ(recognizer_->CountryCode("E.U."), "");
}

TEST_F(RecognizerTest, CountryCodeOfNamesBesideIsoCodes) {
  EXPECT_EQ(recognizer_->CountryCode("Holland"), "NL");
  EXPECT_EQ(recognizer_->CountryCode("Ivory Coast"), "CI");
  EXPECT_EQ(recognizer_->CountryCode("Burma"), "MM");
  EXPECT_EQ(recognizer_->CountryCode("Britain"), "GB");
  EXPECT_EQ(recognizer_->CountryCode("Russia"), "RU");
  EXPECT_EQ(recognizer_->CountryCode("UAE"), "AE");
  EXPECT_EQ(recognizer_->CountryCode("West Germany"), "DE");
}

TEST_F(RecognizerTest, CountryCodeOfNonCountriesIsEmpty) {
  EXPECT_EQ(recognizer_->CountryCode(""), "");
  EXPECT_EQ(recognizer_->CountryCode("Atlantis"), "");
  EXPECT_EQ(recognizer_->CountryCode("."), "");
  EXPECT_EQ(recognizer_->CountryCode("Fran"), "");
  EXPECT_EQ(recognizer_->CountryCode("France Telecom"), "");
}

TEST_F(RecognizerTest, CountryCodeOfDemonyms) {
  EXPECT_EQ(recognizer_->CountryCodeOfDemonym("Chinese"), "CN");
  EXPECT_EQ(recognizer_->CountryCodeOfDemonym("chinese"), "CN");
  EXPECT_EQ(recognizer_->CountryCodeOfDemonym("French"), "FR");
  EXPECT_EQ(recognizer_->CountryCodeOfDemonym("Dutch"), "NL");
  EXPECT_EQ(recognizer_->CountryCodeOfDemonym("Russian"), "RU");
  EXPECT_EQ(recognizer_->CountryCodeOfDemonym(""), "");
  EXPECT_EQ(recognizer_->CountryCodeOfDemonym("Martian"), "");
  // A country's name is not its demonym.
  EXPECT_EQ(recognizer_->CountryCodeOfDemonym("China"), "");
}

TEST(RecognizerDemonymTest, DemonymsComeFromTheGivenCountries) {
  Recognizer recognizer(Gazetteer{{"freedonia", "FD"}});
  EXPECT_EQ(recognizer.CountryCodeOfDemonym("Freedonian"), "FD");
  EXPECT_EQ(recognizer.CountryCode("Freedonia"), "FD");
  EXPECT_EQ(recognizer.CountryCode("France"), "");
}

// ---------------------------------------------------------------------------
// LoadCountryGazetteer

TEST(LoadCountryGazetteerTest, MissingFileIsNotFound) {
  ::newsgraph::testing::TempDir dir;
  EXPECT_THAT(LoadCountryGazetteer(dir.Sub("absent.json")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.json")));
}

TEST(LoadCountryGazetteerTest, UnparsableFileIsInvalidArgument) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("bad.json"), "{\"3166-1\": [ this is not json");
  EXPECT_THAT(LoadCountryGazetteer(dir.Sub("bad.json")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad.json")));
}

TEST(LoadCountryGazetteerTest, FileWithoutTheListIsInvalidArgument) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("other.json"), "{\"639-2\": []}");
  EXPECT_THAT(LoadCountryGazetteer(dir.Sub("other.json")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("3166-1")));
}

TEST(LoadCountryGazetteerTest, ReadsNamesOfEveryKindAndAddsTheExtraNames) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("countries.json"), R"({"3166-1": [
      {"alpha_2": "QX", "name": "Quexland", "official_name": "Republic of Quexland",
       "common_name": "Quexia"},
      {"alpha_2": "ZY", "name": "Zyborea"},
      {"name": "Nocodia"}
  ]})");
  NG_ASSERT_OK_AND_ASSIGN(Gazetteer gazetteer, LoadCountryGazetteer(dir.Sub("countries.json")));
  Recognizer recognizer(gazetteer);
  EXPECT_EQ(recognizer.CountryCode("Quexland"), "QX");
  EXPECT_EQ(recognizer.CountryCode("Republic of Quexland"), "QX");
  EXPECT_EQ(recognizer.CountryCode("Quexia"), "QX");
  EXPECT_EQ(recognizer.CountryCode("QX"), "QX");
  EXPECT_EQ(recognizer.CountryCode("Zyborea"), "ZY");
  // An entry without a code is skipped.
  EXPECT_EQ(recognizer.CountryCode("Nocodia"), "");
  // Names iso-codes lacks are always there.
  EXPECT_EQ(recognizer.CountryCode("Holland"), "NL");
  EXPECT_EQ(recognizer.CountryCode("Ivory Coast"), "CI");
  // Nothing else from the system's list.
  EXPECT_EQ(recognizer.CountryCode("France"), "");
}

TEST(LoadCountryGazetteerTest, EmptyListGivesOnlyTheExtraNames) {
  ::newsgraph::testing::TempDir dir;
  WriteFile(dir.Sub("empty.json"), R"({"3166-1": []})");
  NG_ASSERT_OK_AND_ASSIGN(Gazetteer gazetteer, LoadCountryGazetteer(dir.Sub("empty.json")));
  EXPECT_EQ(gazetteer.size(), CountryNamesBesideIsoCodes().size());
}

// ---------------------------------------------------------------------------
// Recognize: values

TEST_F(RecognizerTest, EmptyTextHasNothing) {
  const Recognition r = recognizer_->Recognize("");
  EXPECT_THAT(r.mentions, IsEmpty());
  EXPECT_THAT(r.sentences, IsEmpty());
  EXPECT_FALSE(r.stopped);
}

TEST_F(RecognizerTest, DatesAreNormalized) {
  const std::string text = "The talks ended on 17 January 2023 without a deal.";
  const Recognition r = recognizer_->Recognize(text);
  ASSERT_EQ(r.mentions.size(), 1u) << ::testing::PrintToString(SeenIn(text, r));
  const RecognizedMention& date = r.mentions[0];
  EXPECT_EQ(date.byte_begin, text.find("17"));
  EXPECT_EQ(date.byte_end, text.find(" without"));
  EXPECT_EQ(date.type, newsgraph::v1::DATE);
  EXPECT_EQ(date.normalized_value, "2023-01-17");
  EXPECT_EQ(date.sentence_index, 0u);
  EXPECT_GT(date.confidence, 0.f);
}

TEST_F(RecognizerTest, MoneyAndPercentWithValues) {
  const std::string text = "Profits rose 12.5 percent to $5 million last year.";
  EXPECT_THAT(Recognize(text),
              ElementsAre(Seen{"12.5 percent", newsgraph::v1::PERCENT, "0.125"},
                          Seen{"$5 million", newsgraph::v1::MONEY, "USD 5000000"}));
}

TEST_F(RecognizerTest, MentionsCarryTheirSentenceIndex) {
  const std::string text = "Sales fell. On 3 March 2021 they rose 4 percent.";
  const Recognition r = recognizer_->Recognize(text);
  ASSERT_EQ(r.sentences.size(), 2u);
  EXPECT_EQ(r.sentences[0].first, 0u);
  EXPECT_EQ(r.sentences[1].first, text.find("On"));
  ASSERT_EQ(r.mentions.size(), 2u) << ::testing::PrintToString(SeenIn(text, r));
  EXPECT_EQ(r.mentions[0].normalized_value, "2021-03-03");
  EXPECT_EQ(r.mentions[0].sentence_index, 1u);
  EXPECT_EQ(r.mentions[1].type, newsgraph::v1::PERCENT);
  EXPECT_EQ(r.mentions[1].sentence_index, 1u);
}

// ---------------------------------------------------------------------------
// Recognize: names from rules

TEST_F(RecognizerTest, CountriesOrganisationsAndPeople) {
  const std::string text =
      "Officials in Holland said the Bank of Japan and Maria Lindqvist agreed.";
  const std::vector<Seen> seen = Recognize(text);
  EXPECT_THAT(seen, ElementsAre(Seen{"Holland", newsgraph::v1::GPE, ""},
                                Seen{"Bank of Japan", newsgraph::v1::ORG, ""},
                                Seen{"Maria Lindqvist", newsgraph::v1::PERSON, ""}));
}

TEST_F(RecognizerTest, TitledNameSplitsIntoOrganisationAndPerson) {
  const std::string text = "Yesterday SCO Secretary General Zhang Ming met the press.";
  EXPECT_THAT(Recognize(text), ElementsAre(Seen{"SCO", newsgraph::v1::ORG, ""},
                                           Seen{"Zhang Ming", newsgraph::v1::PERSON, ""}));
}

TEST_F(RecognizerTest, TitleAloneBeforeANameLeavesThePerson) {
  const std::string text = "Talks with President Anna Kovac resumed.";
  EXPECT_THAT(Recognize(text), ElementsAre(Seen{"Anna Kovac", newsgraph::v1::PERSON, ""}));
}

TEST_F(RecognizerTest, SentenceInitialStopwordIsNotPartOfTheName) {
  const std::string text = "The European Commission rejected it.";
  EXPECT_THAT(Recognize(text), ElementsAre(Seen{"European Commission", newsgraph::v1::ORG, ""}));
}

TEST_F(RecognizerTest, PossessiveIsNotPartOfTheName) {
  const std::string text = "He quoted Aldo Marchetti's letter.";
  EXPECT_THAT(Recognize(text), ElementsAre(Seen{"Aldo Marchetti", newsgraph::v1::PERSON, ""}));
}

TEST_F(RecognizerTest, DottedCountryInText) {
  const std::string text = "Exports to the U.K. fell sharply.";
  const std::vector<Seen> seen = Recognize(text);
  ASSERT_EQ(seen.size(), 1u) << ::testing::PrintToString(seen);
  EXPECT_EQ(seen[0].type, newsgraph::v1::GPE);
  EXPECT_EQ(recognizer_->CountryCode(seen[0].text), "GB");
}

TEST_F(RecognizerTest, ValuesWinOverCapitalizedWords) {
  // "January" is capitalized but ends up in the date, not in a name.
  const std::string text = "Rain is expected in January 2024 across the region.";
  EXPECT_THAT(Recognize(text), ElementsAre(Seen{"January 2024", newsgraph::v1::DATE, "2024-01"}));
}

TEST_F(RecognizerTest, MentionsAreOrderedAndNeverOverlap) {
  const std::string text =
      "On 2 May 2022 the Bank of Japan said Kenji Sato, a director, paid $3 million to "
      "Holland. Later, UN Ambassador Rosa Diaz spoke.";
  const Recognition r = recognizer_->Recognize(text);
  ASSERT_GE(r.mentions.size(), 5u);
  for (size_t i = 0; i < r.mentions.size(); ++i) {
    EXPECT_LT(r.mentions[i].byte_begin, r.mentions[i].byte_end);
    EXPECT_LE(r.mentions[i].byte_end, text.size());
    if (i > 0) {
      EXPECT_LE(r.mentions[i - 1].byte_end, r.mentions[i].byte_begin);
    }
  }
}

// ---------------------------------------------------------------------------
// Stopping

TEST_F(RecognizerTest, WithoutTaggerStopIsNeverNeeded) {
  const std::string text = "Maria Lindqvist arrived on 17 January 2023.";
  int polls = 0;
  const Recognition r = recognizer_->Recognize(text, [&] {
    ++polls;
    return true;
  });
  // Rules are fast: the stop predicate is only polled while a tagger works.
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(polls, 0);
  EXPECT_EQ(r.mentions.size(), 2u);
}

// A tagger with an untrained model: it finds no names but is polled.
std::shared_ptr<const ner::NerTagger> UntrainedTagger() {
  return std::make_shared<const ner::NerTagger>(ner::Perceptron(ner::BilouTagSet()),
                                                ner::Lexicons{});
}

TEST_F(RecognizerTest, TaggerModelIdDefaultsAndStopEndsRecognition) {
  Recognizer tagged(*countries_, UntrainedTagger());
  EXPECT_EQ(tagged.model_id(), "ner-perceptron");
  const std::string text = "Maria Lindqvist arrived on 17 January 2023. She left.";
  int polls = 0;
  const Recognition stopped = tagged.Recognize(text, [&] {
    ++polls;
    return true;
  });
  EXPECT_TRUE(stopped.stopped);
  EXPECT_GE(polls, 1);
}

TEST_F(RecognizerTest, TaggerRunsToTheEndWhenNotStoppedAndValuesStay) {
  Recognizer tagged(*countries_, UntrainedTagger(), "tiny");
  EXPECT_EQ(tagged.model_id(), "tiny");
  const std::string text = "Maria Lindqvist arrived on 17 January 2023. She left.";
  const Recognition r = tagged.Recognize(text, [] { return false; });
  EXPECT_FALSE(r.stopped);
  // The value grammar runs with a tagger too, and values win over names.
  EXPECT_THAT(SeenIn(text, r),
              Contains(Seen{"17 January 2023", newsgraph::v1::DATE, "2023-01-17"}));
  for (const RecognizedMention& m : r.mentions) {
    if (m.type != newsgraph::v1::DATE) {
      EXPECT_TRUE(m.byte_end <= text.find("17") || m.byte_begin >= text.find(". She"));
    }
  }
}

// ---------------------------------------------------------------------------
// SplitTitledName

TEST(SplitTitledNameTest, OrganisationTitleAndName) {
  const std::vector<absl::string_view> words = {"SCO", "Executive", "Secretary", "Zhang",
                                                "Deguang"};
  const std::optional<TitledName> split = SplitTitledName(words, false);
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(split->title_begin, 1u);
  EXPECT_EQ(split->name_begin, 3u);
}

TEST(SplitTitledNameTest, OneWordNameOnlyWhenTaggedPerson) {
  const std::vector<absl::string_view> words = {"Secretary", "Rushailo"};
  EXPECT_FALSE(SplitTitledName(words, false).has_value());
  const std::optional<TitledName> split = SplitTitledName(words, true);
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(split->title_begin, 0u);
  EXPECT_EQ(split->name_begin, 1u);
}

TEST(SplitTitledNameTest, NotTitled) {
  EXPECT_FALSE(SplitTitledName({}, true).has_value());
  EXPECT_FALSE(SplitTitledName({"Zhang"}, true).has_value());
  EXPECT_FALSE(SplitTitledName({"Maria", "Lindqvist"}, true).has_value());
  // "General" alone is no position ("General Motors").
  EXPECT_FALSE(SplitTitledName({"General", "Motors"}, true).has_value());
  // A name of more than four words is not a person's.
  EXPECT_FALSE(
      SplitTitledName({"Minister", "Anna", "Beata", "Carla", "Dora", "Eva"}, true).has_value());
}

}  // namespace
}  // namespace newsgraph::entity
