#include "services/search/passage_search.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/search/analyzer.h"
#include "services/search/query_parser.h"
#include "services/search/snippets.h"
#include "tests/testing/search_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::search {
namespace {

using ::newsgraph::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// ---------------------------------------------------------------------------
// AttributionOf and PassageMatches

Attribution AttributionOfQuery(const std::string& query) {
  absl::StatusOr<QueryNode> root = ParseQuery(query);
  EXPECT_TRUE(root.ok()) << query << ": " << root.status();
  return root.ok() ? AttributionOf(*root) : Attribution();
}

TEST(AttributionOfTest, CollectsSaidByAndAskedByNamesFolded) {
  const Attribution a = AttributionOfQuery("said_by:\"Zhang MING\" asked_by:TASS wheat");
  EXPECT_THAT(a.speakers, ElementsAre("zhang ming"));
  EXPECT_THAT(a.askers, ElementsAre("tass"));
  EXPECT_FALSE(a.empty());
}

TEST(AttributionOfTest, NamesUnderNotDoNotCount) {
  const Attribution a =
      AttributionOfQuery("grain -said_by:Putin NOT asked_by:Xinhua said_by:\"Li Wei\"");
  EXPECT_THAT(a.speakers, ElementsAre("li wei"));
  EXPECT_THAT(a.askers, IsEmpty());
}

TEST(AttributionOfTest, NamesInsideGroupsAndDisjunctionsCount) {
  const Attribution a =
      AttributionOfQuery("(said_by:Lavrov OR said_by:\"Wang Yi\") AND (asked_by:AFP OR oil)");
  EXPECT_THAT(a.speakers, UnorderedElementsAre("lavrov", "wang yi"));
  EXPECT_THAT(a.askers, ElementsAre("afp"));
}

TEST(AttributionOfTest, LookAlikeLettersOfOtherScriptsFoldToAscii) {
  // Cyrillic "Т" and "А" in TASS.
  const Attribution a = AttributionOfQuery("asked_by:\"\xD0\xA2\xD0\x90SS\"");
  EXPECT_THAT(a.askers, ElementsAre("tass"));
}

TEST(AttributionOfTest, OtherFieldsAndPlainWordsGiveNoAttribution) {
  const Attribution a = AttributionOfQuery("source:TASS entity:\"Zhang Ming\" wheat \"said by\"");
  EXPECT_TRUE(a.empty());
  EXPECT_TRUE(Attribution().empty());
}

newsgraph::v1::Passage QaPassage(const std::string& asked_by, const std::string& answered_by) {
  newsgraph::v1::Passage passage;
  passage.set_asked_by(asked_by);
  passage.set_answered_by(answered_by);
  return passage;
}

TEST(PassageMatchesTest, ASpeakerNameMatchesTheWholeAnswererOrItsLastWords) {
  const newsgraph::v1::Passage p = QaPassage("TASS", "SCO Secretary-General Zhang Ming");
  for (const char* name :
       {"sco secretary-general zhang ming", "secretary-general zhang ming", "zhang ming", "ming"}) {
    EXPECT_TRUE(PassageMatches(p, Attribution{.speakers = {name}})) << name;
  }
  for (const char* name : {"zhang", "sco", "g ming", "hang ming", "zhang ming jr", "li wei"}) {
    EXPECT_FALSE(PassageMatches(p, Attribution{.speakers = {name}})) << name;
  }
}

TEST(PassageMatchesTest, TheAnswererIsFoldedBeforeComparing) {
  EXPECT_TRUE(
      PassageMatches(QaPassage("", "Recep Tayyip ERDOĞAN"), Attribution{.speakers = {"erdogan"}}));
  EXPECT_TRUE(
      PassageMatches(QaPassage("\xD0\xA2\xD0\x90SS", "Li Wei"), Attribution{.askers = {"tass"}}));
}

TEST(PassageMatchesTest, AnyOfSeveralNamesWillDo) {
  const newsgraph::v1::Passage p = QaPassage("Reuters", "Li Wei");
  EXPECT_TRUE(PassageMatches(p, Attribution{.speakers = {"zhang ming", "li wei"}}));
  EXPECT_TRUE(PassageMatches(p, Attribution{.askers = {"tass", "reuters"}}));
}

TEST(PassageMatchesTest, SpeakersAndAskersMustBothHold) {
  const newsgraph::v1::Passage p = QaPassage("Reuters", "Li Wei");
  EXPECT_TRUE(PassageMatches(p, Attribution{.speakers = {"li wei"}, .askers = {"reuters"}}));
  EXPECT_FALSE(PassageMatches(p, Attribution{.speakers = {"li wei"}, .askers = {"tass"}}));
  EXPECT_FALSE(PassageMatches(p, Attribution{.speakers = {"wang yi"}, .askers = {"reuters"}}));
}

TEST(PassageMatchesTest, AnEmptyAttributionMatchesAnyPassageAndEmptyNamesMatchNoName) {
  EXPECT_TRUE(PassageMatches(QaPassage("", ""), Attribution{}));
  EXPECT_FALSE(PassageMatches(QaPassage("TASS", ""), Attribution{.speakers = {"li wei"}}));
  EXPECT_FALSE(PassageMatches(QaPassage("", "Li Wei"), Attribution{.askers = {"tass"}}));
}

// ---------------------------------------------------------------------------
// CollectPassageHits, WritePassagePage, RankDocumentsByPassages over an index

// Documents with fixed scores, in ascending order.
class FixedScores final : public DocIterator {
 public:
  explicit FixedScores(std::vector<std::pair<uint64_t, double>> docs) : docs_(std::move(docs)) {
    Settle();
  }
  void Next() override {
    ++i_;
    Settle();
  }
  void Advance(uint64_t target) override {
    while (doc_ < target) Next();
  }
  double Score() override { return docs_[i_].second; }
  double MaxScore() const override { return 100; }
  uint64_t Cost() const override { return docs_.size(); }

 private:
  void Settle() { doc_ = i_ < docs_.size() ? docs_[i_].first : kNoMoreDocs; }
  std::vector<std::pair<uint64_t, double>> docs_;
  size_t i_ = 0;
};

void SetSpan(newsgraph::v1::TextSpan* span, const std::string& text, const std::string& part) {
  const size_t at = text.find(part);
  ASSERT_NE(at, std::string::npos) << part;
  span->set_byte_begin(static_cast<uint32_t>(at));
  span->set_byte_end(static_cast<uint32_t>(at + part.size()));
}

constexpr char kOpening[] = "Opening remarks on wheat exports from Türkiye.";
constexpr char kWheatQa[] =
    "Q: What about wheat prices? (TASS) Zhang Ming: Wheat prices are stable and wheat "
    "stocks are high.";
constexpr char kRiceQa[] = "Q: And rice? (Reuters) Li Wei: Rice supply is fine.";
constexpr char kReport[] = "Wheat harvest begins. Farmers expect wheat yields to rise.";
constexpr char kCheaperQa[] = "Q: Is rice cheaper? (Xinhua) Zhang Ming: Rice is cheaper.";
constexpr char kClosing[] = "Closing notes.";

class PassageSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ::newsgraph::testing::OpenSearchStore(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto index = SearchIndex::Open(store_.get(), {});
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = *std::move(index);

    // Document 1: an opening paragraph and two Q&A blocks.
    newsgraph::v1::IndexDocumentRequest briefing = Request("documents/briefing", "Briefing");
    auto* doc = briefing.mutable_document();
    doc->set_text(absl::StrCat(kOpening, "\n\n", kWheatQa, "\n\n", kRiceQa));
    doc->set_external_id("ext-7");
    doc->set_url("https://example.org/briefing");
    doc->set_source("Ministry");
    doc->mutable_published_time()->set_seconds(1700000000);
    for (const char* part : {kOpening, kWheatQa, kRiceQa}) {
      SetSpan(doc->add_paragraphs()->mutable_span(), doc->text(), part);
    }
    AddQa(doc, kWheatQa, "TASS", "SCO Secretary-General Zhang Ming");
    AddQa(doc, kRiceQa, "Reuters", "Li Wei");
    Index(briefing);
    // Document 2: plain text, one unit.
    newsgraph::v1::IndexDocumentRequest report = Request("documents/report", "Harvest");
    report.mutable_document()->set_text(kReport);
    Index(report);
    // Document 3: a Q&A block and a closing paragraph.
    newsgraph::v1::IndexDocumentRequest interview = Request("documents/interview", "Interview");
    doc = interview.mutable_document();
    doc->set_text(absl::StrCat(kCheaperQa, "\n\n", kClosing));
    for (const char* part : {kCheaperQa, kClosing}) {
      SetSpan(doc->add_paragraphs()->mutable_span(), doc->text(), part);
    }
    AddQa(doc, kCheaperQa, "Xinhua", "Zhang Ming");
    Index(interview);
  }

  static newsgraph::v1::IndexDocumentRequest Request(const std::string& name,
                                                     const std::string& title) {
    newsgraph::v1::IndexDocumentRequest request;
    request.mutable_document()->set_name(name);
    request.mutable_document()->set_version(3);
    request.mutable_document()->set_title(title);
    request.mutable_document()->set_language("en");
    return request;
  }
  static void AddQa(newsgraph::v1::Document* doc, const std::string& part,
                    const std::string& asked_by, const std::string& answered_by) {
    newsgraph::v1::Passage* passage = doc->add_passages();
    SetSpan(passage->mutable_span(), doc->text(), part);
    passage->set_asked_by(asked_by);
    passage->set_answered_by(answered_by);
  }
  void Index(const newsgraph::v1::IndexDocumentRequest& request) {
    auto applied = index_->IndexDocument(request);
    ASSERT_TRUE(applied.ok()) << applied.status();
  }

  static HighlightTerms Words(const std::vector<std::string>& words) {
    HighlightTerms terms;
    for (const std::string& w : words) terms.terms.insert(AnalyzeWord(w, "en"));
    return terms;
  }

  // Runs CollectPassageHits over documents 1..3 scored 10, 5 and 2.
  PassageHits Collect(const HighlightTerms& highlight, const Attribution& attribution,
                      size_t documents = 10,
                      std::vector<std::pair<uint64_t, double>> scores = {{1, 10}, {2, 5}, {3, 2}},
                      const std::function<uint64_t(uint64_t)>& cluster_of = nullptr) {
    SearchIndexReader reader(index_.get());
    FixedScores root(std::move(scores));
    absl::StatusOr<PassageHits> found =
        CollectPassageHits(reader, &root, highlight, attribution, cluster_of, documents, {});
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() ? *std::move(found) : PassageHits();
  }

  // (document name, passage text) of each hit.
  static std::vector<std::pair<std::string, std::string>> Described(const PassageHits& found) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const PassageHit& hit : found.hits) {
      const newsgraph::v1::Document& doc = found.documents[hit.document].document();
      out.emplace_back(doc.name(),
                       doc.text().substr(hit.passage.begin, hit.passage.end - hit.passage.begin));
    }
    return out;
  }
  // (document name, passage text).
  using Unit = std::pair<std::string, std::string>;

  // The unit of `doc` starting with `text`, scored for `highlight`.
  static ScoredPassage UnitOf(const newsgraph::v1::Document& doc, const HighlightTerms& highlight,
                              const std::string& text) {
    for (const ScoredPassage& p : ScorePassages(doc, highlight)) {
      if (doc.text().compare(p.begin, text.size(), text) == 0) return p;
    }
    ADD_FAILURE() << "no unit " << text;
    return {};
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<SearchIndex> index_;
};

TEST_F(PassageSearchTest, WithoutWordsOrAttributionEveryUnitOfEveryDocumentIsAHit) {
  const PassageHits found = Collect(HighlightTerms{}, Attribution{});
  EXPECT_FALSE(found.has_terms);
  ASSERT_EQ(found.documents.size(), 3u);
  // Any Q&A passage satisfies no attribution; the report has none.
  EXPECT_THAT(found.attributed, ElementsAre(true, false, true));
  // Units score 0: hits rank by a share of their document's score, units of
  // one document in text order.
  EXPECT_THAT(
      Described(found),
      ElementsAre(Unit("documents/briefing", kOpening), Unit("documents/briefing", kWheatQa),
                  Unit("documents/briefing", kRiceQa), Unit("documents/report", kReport),
                  Unit("documents/interview", kCheaperQa), Unit("documents/interview", kClosing)));
  EXPECT_DOUBLE_EQ(found.hits[0].score, 0.2 * 10);
  EXPECT_DOUBLE_EQ(found.hits[3].score, 0.2 * 5);
  EXPECT_DOUBLE_EQ(found.hits[5].score, 0.2 * 2);
  EXPECT_EQ(found.hits[1].passage.qa_index, 0);
  EXPECT_EQ(found.hits[2].passage.qa_index, 1);
  EXPECT_EQ(found.hits[0].passage.qa_index, -1);
}

TEST_F(PassageSearchTest, WithWordsOnlyMatchingPassagesCountScoredByMatchPlusAShareOfTheDocument) {
  const HighlightTerms wheat = Words({"wheat"});
  const PassageHits found = Collect(wheat, Attribution{});
  EXPECT_TRUE(found.has_terms);
  ASSERT_EQ(found.documents.size(), 3u);
  ASSERT_EQ(found.hits.size(), 3u);
  const newsgraph::v1::Document& briefing = found.documents[0].document();
  const newsgraph::v1::Document& report = found.documents[1].document();
  const double qa = UnitOf(briefing, wheat, kWheatQa).score + 0.2 * 10;
  const double opening = UnitOf(briefing, wheat, kOpening).score + 0.2 * 10;
  const double plain = UnitOf(report, wheat, kReport).score + 0.2 * 5;
  EXPECT_GT(UnitOf(briefing, wheat, kWheatQa).score, 0);
  std::vector<std::pair<double, std::string>> expected = {
      {qa, kWheatQa}, {opening, kOpening}, {plain, kReport}};
  std::sort(expected.begin(), expected.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  const auto described = Described(found);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(found.hits[i].score, expected[i].first, 1e-12) << i;
    EXPECT_EQ(described[i].second, expected[i].second) << i;
  }
  // Best first.
  EXPECT_GE(found.hits[0].score, found.hits[1].score);
  EXPECT_GE(found.hits[1].score, found.hits[2].score);
  // The interview was read but has no passage with the word.
  EXPECT_EQ(found.documents[2].document().name(), "documents/interview");
  for (const PassageHit& hit : found.hits) EXPECT_NE(hit.document, 2u);
}

TEST_F(PassageSearchTest, PrefixesAloneMakeTheQueryHaveTerms) {
  HighlightTerms prefix;
  prefix.prefixes.push_back("chea");
  const PassageHits found = Collect(prefix, Attribution{});
  EXPECT_TRUE(found.has_terms);
  EXPECT_THAT(Described(found), ElementsAre(Unit("documents/interview", kCheaperQa)));
}

TEST_F(PassageSearchTest, AttributionKeepsOnlyQaPassagesOfTheNamedPeople) {
  const PassageHits found = Collect(HighlightTerms{}, Attribution{.speakers = {"zhang ming"}});
  EXPECT_THAT(found.attributed, ElementsAre(true, false, true));
  EXPECT_THAT(Described(found), ElementsAre(Unit("documents/briefing", kWheatQa),
                                            Unit("documents/interview", kCheaperQa)));
  const PassageHits asked = Collect(HighlightTerms{}, Attribution{.askers = {"reuters"}});
  EXPECT_THAT(asked.attributed, ElementsAre(true, false, false));
  EXPECT_THAT(Described(asked), ElementsAre(Unit("documents/briefing", kRiceQa)));
}

TEST_F(PassageSearchTest, AttributionAndWordsMustHoldForTheSamePassage) {
  // The briefing's rice answer is Li Wei's, its Zhang Ming answer is about wheat.
  const PassageHits found = Collect(Words({"rice"}), Attribution{.speakers = {"zhang ming"}});
  EXPECT_THAT(found.attributed, ElementsAre(true, false, true));
  EXPECT_THAT(Described(found), ElementsAre(Unit("documents/interview", kCheaperQa)));
  const std::vector<ScoredDoc> ranked = RankDocumentsByPassages(found);
  ASSERT_EQ(ranked.size(), 1u);
  EXPECT_EQ(ranked[0].doc, 3u);
  EXPECT_DOUBLE_EQ(ranked[0].score, found.hits[0].score);
}

TEST_F(PassageSearchTest, OnlyTheBestDocumentsAreReadAndTheCountIsThenEstimated) {
  const PassageHits two = Collect(HighlightTerms{}, Attribution{}, /*documents=*/2);
  ASSERT_EQ(two.documents.size(), 2u);
  EXPECT_EQ(two.documents[0].document().name(), "documents/briefing");
  EXPECT_EQ(two.documents[1].document().name(), "documents/report");
  EXPECT_TRUE(two.estimated);
  // The best by score, not the first by number.
  const PassageHits best = Collect(HighlightTerms{}, Attribution{}, 1, {{1, 1}, {2, 1}, {3, 9}});
  ASSERT_EQ(best.documents.size(), 1u);
  EXPECT_EQ(best.documents[0].document().name(), "documents/interview");
  EXPECT_TRUE(best.estimated);
  const PassageHits all = Collect(HighlightTerms{}, Attribution{}, /*documents=*/10);
  EXPECT_FALSE(all.estimated);
}

TEST_F(PassageSearchTest, OneDocumentPerClusterIsRead) {
  const PassageHits found = Collect(HighlightTerms{}, Attribution{}, 10, {{1, 10}, {2, 5}, {3, 2}},
                                    [](uint64_t doc) { return doc == 3 ? 1 : doc; });
  ASSERT_EQ(found.documents.size(), 2u);
  EXPECT_EQ(found.documents[0].document().name(), "documents/briefing");
  EXPECT_EQ(found.documents[1].document().name(), "documents/report");
}

TEST_F(PassageSearchTest, DocumentsRemovedSinceTheyMatchedAreSkipped) {
  ASSERT_TRUE(index_->RemoveDocument("documents/report").ok());
  // The root still offers document 2, as a query started earlier might.
  const PassageHits found = Collect(Words({"wheat"}), Attribution{});
  ASSERT_EQ(found.documents.size(), 2u);
  EXPECT_EQ(found.document_hits.size(), 2u);
  EXPECT_EQ(found.attributed.size(), 2u);
  EXPECT_EQ(found.documents[1].document().name(), "documents/interview");
  for (const auto& [name, text] : Described(found)) EXPECT_EQ(name, "documents/briefing");
}

TEST_F(PassageSearchTest, AStopErrorEndsTheCollection) {
  SearchIndexReader reader(index_.get());
  FixedScores root({{1, 10}, {2, 5}, {3, 2}});
  int calls = 0;
  const StopCheck stop = [&calls]() -> absl::Status {
    return ++calls >= 2 ? absl::DeadlineExceededError("out of time") : absl::OkStatus();
  };
  EXPECT_THAT(CollectPassageHits(reader, &root, Words({"wheat"}), Attribution{}, nullptr, 10, stop),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_GE(calls, 2);
}

TEST_F(PassageSearchTest, NoMatchingDocumentGivesNoHits) {
  const PassageHits found = Collect(Words({"wheat"}), Attribution{}, 10, {});
  EXPECT_THAT(found.documents, IsEmpty());
  EXPECT_THAT(found.hits, IsEmpty());
  EXPECT_FALSE(found.estimated);
  EXPECT_THAT(RankDocumentsByPassages(found), IsEmpty());
}

TEST_F(PassageSearchTest, APageHoldsTheHitsFromOffsetWithTheirDocumentFields) {
  const HighlightTerms wheat = Words({"wheat"});
  const PassageHits found = Collect(wheat, Attribution{});
  ASSERT_EQ(found.hits.size(), 3u);
  newsgraph::v1::SearchResponse response;
  WritePassagePage(found, 0, 10, &response);
  EXPECT_EQ(response.total_hits(), 3);
  EXPECT_FALSE(response.total_hits_estimated());
  ASSERT_EQ(response.hits_size(), 3);
  for (int i = 0; i < 3; ++i) {
    const newsgraph::v1::SearchHit& hit = response.hits(i);
    const PassageHit& expected = found.hits[static_cast<size_t>(i)];
    const newsgraph::v1::Document& doc = found.documents[expected.document].document();
    EXPECT_EQ(hit.document(), doc.name());
    EXPECT_EQ(hit.title(), doc.title());
    EXPECT_EQ(hit.version(), 3);
    EXPECT_EQ(hit.cluster_size(), 1);
    EXPECT_DOUBLE_EQ(hit.score(), expected.score);
    ASSERT_EQ(hit.snippets_size(), 1);
    EXPECT_EQ(hit.snippets(0).SerializeAsString(),
              MakeSnippet(doc, expected.passage).SerializeAsString());
    EXPECT_EQ(hit.passage().span().byte_begin(), expected.passage.begin);
    EXPECT_EQ(hit.passage().span().byte_end(), expected.passage.end);
    EXPECT_EQ(hit.passage().qa_index(), expected.passage.qa_index);
    if (doc.name() == "documents/briefing") {
      EXPECT_EQ(hit.external_id(), "ext-7");
      EXPECT_EQ(hit.url(), "https://example.org/briefing");
      EXPECT_EQ(hit.source(), "Ministry");
      EXPECT_TRUE(hit.has_published_time());
      EXPECT_EQ(hit.published_time().seconds(), 1700000000);
    } else {
      EXPECT_FALSE(hit.has_published_time());
      EXPECT_EQ(hit.external_id(), "");
    }
  }
}

TEST_F(PassageSearchTest, APassageRefCountsCodePointsAndNamesTheQaPeople) {
  const PassageHits found = Collect(HighlightTerms{}, Attribution{});
  newsgraph::v1::SearchResponse response;
  WritePassagePage(found, 0, 3, &response);
  ASSERT_EQ(response.hits_size(), 3);
  const std::string opening = kOpening;
  // The opening paragraph: "Türkiye" has a two-byte letter.
  const newsgraph::v1::PassageRef& paragraph = response.hits(0).passage();
  EXPECT_EQ(paragraph.qa_index(), -1);
  EXPECT_EQ(paragraph.span().begin(), 0u);
  EXPECT_EQ(paragraph.span().byte_end(), opening.size());
  EXPECT_EQ(paragraph.span().end(), opening.size() - 1);
  EXPECT_EQ(paragraph.asked_by(), "");
  EXPECT_EQ(paragraph.answered_by(), "");
  // The Q&A blocks after it: code points one fewer than bytes.
  const newsgraph::v1::PassageRef& qa = response.hits(1).passage();
  EXPECT_EQ(qa.qa_index(), 0);
  EXPECT_EQ(qa.span().byte_begin(), opening.size() + 2);
  EXPECT_EQ(qa.span().begin(), opening.size() + 1);
  EXPECT_EQ(qa.span().end() - qa.span().begin(), std::string(kWheatQa).size());
  EXPECT_EQ(qa.asked_by(), "TASS");
  EXPECT_EQ(qa.answered_by(), "SCO Secretary-General Zhang Ming");
  EXPECT_EQ(response.hits(2).passage().answered_by(), "Li Wei");
  EXPECT_EQ(response.hits(2).passage().asked_by(), "Reuters");
}

TEST_F(PassageSearchTest, PagesSliceTheHitsAndKeepTheTotal) {
  const PassageHits found = Collect(HighlightTerms{}, Attribution{}, 2);  // 4 hits, estimated
  ASSERT_EQ(found.hits.size(), 4u);
  newsgraph::v1::SearchResponse middle;
  WritePassagePage(found, 1, 2, &middle);
  EXPECT_EQ(middle.total_hits(), 4);
  EXPECT_TRUE(middle.total_hits_estimated());
  ASSERT_EQ(middle.hits_size(), 2);
  EXPECT_EQ(middle.hits(0).passage().span().byte_begin(), found.hits[1].passage.begin);
  EXPECT_EQ(middle.hits(1).passage().span().byte_begin(), found.hits[2].passage.begin);
  newsgraph::v1::SearchResponse tail;
  WritePassagePage(found, 3, 10, &tail);
  ASSERT_EQ(tail.hits_size(), 1);
  EXPECT_EQ(tail.hits(0).document(), "documents/report");
  newsgraph::v1::SearchResponse beyond;
  WritePassagePage(found, 4, 10, &beyond);
  EXPECT_EQ(beyond.hits_size(), 0);
  EXPECT_EQ(beyond.total_hits(), 4);
  newsgraph::v1::SearchResponse far_beyond;
  WritePassagePage(found, 100, 10, &far_beyond);
  EXPECT_EQ(far_beyond.hits_size(), 0);
  newsgraph::v1::SearchResponse none;
  WritePassagePage(found, 0, 0, &none);
  EXPECT_EQ(none.hits_size(), 0);
  EXPECT_EQ(none.total_hits(), 4);
}

TEST_F(PassageSearchTest, RankingByPassagesGivesEachDocumentItsBestPassageScore) {
  const PassageHits found = Collect(Words({"wheat"}), Attribution{});
  const std::vector<ScoredDoc> ranked = RankDocumentsByPassages(found);
  ASSERT_EQ(ranked.size(), 2u);  // the interview has no passage with the word
  double best_briefing = 0;
  double best_report = 0;
  for (const PassageHit& hit : found.hits) {
    double& best = hit.document == 0 ? best_briefing : best_report;
    best = std::max(best, hit.score);
  }
  const bool briefing_first = best_briefing >= best_report;
  EXPECT_EQ(ranked[0].doc, briefing_first ? 1u : 2u);
  EXPECT_DOUBLE_EQ(ranked[0].score, briefing_first ? best_briefing : best_report);
  EXPECT_EQ(ranked[1].doc, briefing_first ? 2u : 1u);
  EXPECT_DOUBLE_EQ(ranked[1].score, briefing_first ? best_report : best_briefing);
}

TEST_F(PassageSearchTest, RankingWithoutWordsKeepsAttributedDocumentsWithTheirScores) {
  const PassageHits found = Collect(HighlightTerms{}, Attribution{.speakers = {"zhang ming"}});
  const std::vector<ScoredDoc> ranked = RankDocumentsByPassages(found);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].doc, 1u);
  EXPECT_DOUBLE_EQ(ranked[0].score, 10);
  EXPECT_EQ(ranked[1].doc, 3u);
  EXPECT_DOUBLE_EQ(ranked[1].score, 2);
}

// Hand-built results: the ranking follows the hits, not the documents.
TEST(RankDocumentsByPassagesTest, ADocumentRanksWhereItsBestPassageStands) {
  PassageHits found;
  found.has_terms = true;
  found.documents.resize(3);
  found.document_hits = {{.doc = 7, .score = 9}, {.doc = 8, .score = 6}, {.doc = 9, .score = 3}};
  found.attributed = {true, true, true};
  found.hits = {{.document = 2, .score = 4.5},
                {.document = 0, .score = 4.0},
                {.document = 2, .score = 3.5},
                {.document = 0, .score = 1.0}};
  const std::vector<ScoredDoc> ranked = RankDocumentsByPassages(found);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].doc, 9u);
  EXPECT_DOUBLE_EQ(ranked[0].score, 4.5);
  EXPECT_EQ(ranked[1].doc, 7u);
  EXPECT_DOUBLE_EQ(ranked[1].score, 4.0);
}

TEST(RankDocumentsByPassagesTest, WithoutWordsUnattributedDocumentsAreLeftOut) {
  PassageHits found;
  found.has_terms = false;
  found.documents.resize(3);
  found.document_hits = {{.doc = 7, .score = 9}, {.doc = 8, .score = 6}, {.doc = 9, .score = 3}};
  found.attributed = {false, true, true};
  const std::vector<ScoredDoc> ranked = RankDocumentsByPassages(found);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].doc, 8u);
  EXPECT_DOUBLE_EQ(ranked[0].score, 6);
  EXPECT_EQ(ranked[1].doc, 9u);
}

}  // namespace
}  // namespace newsgraph::search
