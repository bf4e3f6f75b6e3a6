#include "services/search/searcher.h"

#include <gtest/gtest.h>

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/search/search_index.h"
#include "services/search/search_keyspace.h"
#include "storage/rocksdb_kv_store.h"
#include "tests/testing/search_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::search {
namespace {

using ::newsgraph::testing::StatusIs;
using ::testing::HasSubstr;

// Resolves "sco" and "shanghai cooperation organisation" to entities/1.
class FakeResolver : public EntityResolver {
 public:
  absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> Resolve(absl::string_view text) override {
    ++calls;
    if (down) return absl::UnavailableError("entity service down");
    newsgraph::v1::ResolveEntitiesResponse response;
    const std::string lower = absl::AsciiStrToLower(std::string(text));
    for (const std::string surface : {"shanghai cooperation organisation", "sco"}) {
      const size_t at = lower.find(surface);
      if (at == std::string::npos) continue;
      auto* span = response.add_spans();
      span->set_text(std::string(text.substr(at, surface.size())));
      span->mutable_span()->set_byte_begin(static_cast<uint32_t>(at));
      span->mutable_span()->set_byte_end(static_cast<uint32_t>(at + surface.size()));
      auto* candidate = span->add_candidates();
      candidate->set_score(1);
      candidate->mutable_entity()->set_name("entities/1");
      candidate->mutable_entity()->set_canonical_name("Shanghai Cooperation Organisation");
      candidate->mutable_entity()->set_document_count(2);
      break;
    }
    return response;
  }
  bool down = false;
  int calls = 0;
};

class SearcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ::newsgraph::testing::OpenSearchStore(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto index = SearchIndex::Open(store_.get());
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = *std::move(index);
    searcher_ = std::make_unique<Searcher>(index_.get(), &resolver_);
    Add("documents/1", 1, "SCO summit opens", "Leaders of the SCO met in Astana on Tuesday.",
        "TASS", 2024, true);
    Add("documents/2", 1, "Grain prices rise", "Wheat prices rose after the harvest in Kazakhstan.",
        "Reuters", 2023, false);
    Add("documents/3", 1, "Foreign ministers meet",
        "The foreign ministers of the organisation discussed security. Türkiye attended.",
        "Reuters", 2022, true);
  }

  void Add(const std::string& name, int64_t version, const std::string& title,
           const std::string& text, const std::string& source, int year, bool sco) {
    newsgraph::v1::IndexDocumentRequest request;
    auto* doc = request.mutable_document();
    doc->set_name(name);
    doc->set_version(version);
    doc->set_title(title);
    doc->set_text(text);
    doc->set_source(source);
    doc->set_language("en");
    doc->mutable_published_time()->set_seconds(
        absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(year, 6, 1), absl::UTCTimeZone())));
    auto* p = doc->add_paragraphs()->mutable_span();
    p->set_byte_begin(0);
    p->set_byte_end(static_cast<uint32_t>(text.size()));
    if (sco) {
      auto* e = request.add_entities();
      e->set_entity("entities/1");
      e->set_canonical_name("Shanghai Cooperation Organisation");
      e->set_type(newsgraph::v1::ORG);
      e->set_mention_count(2);
      e->set_salience(0.8f);
    }
    auto applied = index_->IndexDocument(request);
    ASSERT_TRUE(applied.ok()) << applied.status();
  }

  std::vector<std::string> Hits(const std::string& query) {
    newsgraph::v1::SearchRequest request;
    request.set_query(query);
    auto response = searcher_->Search(request);
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::string> names;
    if (response.ok()) {
      for (const auto& hit : response->hits()) names.push_back(hit.document());
    }
    return names;
  }

  ::newsgraph::testing::TempDir dir_;
  FakeResolver resolver_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<SearchIndex> index_;
  std::unique_ptr<Searcher> searcher_;
};

// The gRPC adapter runs a search on gRPC's own thread only when the searcher
// says it will not wait on the entity service; that promise must hold.
TEST_F(SearcherTest, SaysWhenASearchMayCallTheEntityService) {
  struct Case {
    std::string query;
    bool disable_resolution;
    std::string filter_entity;
    bool may_call;
  };
  const std::vector<Case> cases = {
      {"sco summit", false, "", true},
      {"sco summit", true, "", false},
      {"", false, "", false},
      {"prices entity:\"SCO\"", true, "", true},
      {"prices (grain OR about:SCO)", true, "", true},
      {"prices -entity:entities/1", true, "", false},
      {"prices", true, "SCO", true},
      {"prices", true, "entities/1", false},
      {"said_by:\"Zhang Ming\" type:ORG source:TASS", true, "", false},
      {"broken (query", true, "", false},
  };
  for (const Case& c : cases) {
    newsgraph::v1::SearchRequest request;
    request.set_query(c.query);
    request.set_disable_entity_resolution(c.disable_resolution);
    if (!c.filter_entity.empty()) request.mutable_filter()->add_entities(c.filter_entity);
    EXPECT_EQ(searcher_->MayCallEntityService(request), c.may_call) << c.query;
    resolver_.calls = 0;
    (void)searcher_->Search(request);
    if (!c.may_call) {
      EXPECT_EQ(resolver_.calls, 0) << c.query;
    } else {
      EXPECT_GT(resolver_.calls, 0) << c.query;
    }
  }
  Searcher without_resolver(index_.get(), nullptr);
  newsgraph::v1::SearchRequest request;
  request.set_query("entity:\"SCO\" summit");
  EXPECT_FALSE(without_resolver.MayCallEntityService(request));
}

TEST_F(SearcherTest, MatchesStemmedFoldedTermsAndRanksTitleHigher) {
  EXPECT_EQ(Hits("price"), std::vector<std::string>{"documents/2"});
  EXPECT_EQ(Hits("turkiye"), std::vector<std::string>{"documents/3"});
  EXPECT_EQ(Hits("ministers"), std::vector<std::string>{"documents/3"});
}

TEST_F(SearcherTest, RankingTitleOverPassingMentionAndAdjacentOverScattered) {
  // Same words, same lengths: only where they stand differs. The scattered
  // document is indexed first so that a tie would rank it first.
  Add("documents/20", 1, "Rates", 
      "Officials said the bank would raise central rates as traders watched the bond market.",
      "Reuters", 2023, false);
  Add("documents/21", 1, "Rates",
      "Officials said the central bank would raise rates as traders watched the bond market.",
      "Reuters", 2023, false);
  EXPECT_EQ(Hits("central bank"), (std::vector<std::string>{"documents/21", "documents/20"}));
  EXPECT_EQ(Hits("\"central bank\""), std::vector<std::string>{"documents/21"});
  // A title match outranks a passing mention in the body.
  Add("documents/22", 1, "Weekly market report",
      "Farmers reported strong yields across the northern plains, barley and oats.", "Reuters",
      2023, false);
  Add("documents/23", 1, "Barley harvest",
      "Farmers reported strong yields across the northern plains this season again.", "Reuters",
      2023, false);
  EXPECT_EQ(Hits("barley"), (std::vector<std::string>{"documents/23", "documents/22"}));
}

TEST_F(SearcherTest, PhrasesExclusionsOrAndFields) {
  EXPECT_EQ(Hits("\"foreign ministers\""), std::vector<std::string>{"documents/3"});
  EXPECT_TRUE(Hits("\"ministers foreign\"").empty());
  EXPECT_EQ(Hits("prices -wheat"), std::vector<std::string>{});
  EXPECT_THAT(Hits("wheat OR astana"),
              ::testing::UnorderedElementsAre("documents/1", "documents/2"));
  EXPECT_EQ(Hits("source:tass"), std::vector<std::string>{"documents/1"});
  EXPECT_EQ(Hits("title:grain"), std::vector<std::string>{"documents/2"});
  EXPECT_TRUE(Hits("title:wheat").empty());
  EXPECT_EQ(Hits("harv*"), std::vector<std::string>{"documents/2"});
  EXPECT_EQ(Hits("published>=2023 published<2024"), std::vector<std::string>{"documents/2"});
  EXPECT_THAT(Hits("type:ORG"), ::testing::UnorderedElementsAre("documents/1", "documents/3"));
}

TEST_F(SearcherTest, EntityResolutionMatchesDocumentsWithoutTheWords) {
  newsgraph::v1::SearchRequest request;
  request.set_query("Shanghai Cooperation Organisation");
  NG_ASSERT_OK_AND_ASSIGN(auto response, searcher_->Search(request));
  std::vector<std::string> names;
  for (const auto& hit : response.hits()) names.push_back(hit.document());
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("documents/1", "documents/3"));
  ASSERT_EQ(response.recognized_entities_size(), 1);

  resolver_.down = true;
  NG_ASSERT_OK_AND_ASSIGN(auto degraded, searcher_->Search(request));
  // Without the entity service the words count (documents/3 says
  // "organisation"), and so does the acronym the capitalized name spells
  // (documents/1 says "SCO").
  std::vector<std::string> degraded_names;
  for (const auto& hit : degraded.hits()) degraded_names.push_back(hit.document());
  EXPECT_THAT(degraded_names, ::testing::UnorderedElementsAre("documents/1", "documents/3"));
  ASSERT_EQ(degraded.warnings_size(), 1);
  EXPECT_THAT(degraded.warnings(0), HasSubstr("entity service unavailable"));
}

TEST_F(SearcherTest, SnippetsHighlightAndFacetsCount) {
  newsgraph::v1::SearchRequest request;
  request.set_query("harvest");
  request.add_facets("source");
  NG_ASSERT_OK_AND_ASSIGN(auto response, searcher_->Search(request));
  ASSERT_EQ(response.hits_size(), 1);
  ASSERT_EQ(response.hits(0).snippets_size(), 1);
  const auto& snippet = response.hits(0).snippets(0);
  ASSERT_EQ(snippet.highlights_size(), 1);
  EXPECT_EQ(
      snippet.text().substr(snippet.highlights(0).byte_begin(),
                            snippet.highlights(0).byte_end() - snippet.highlights(0).byte_begin()),
      "harvest");
  ASSERT_EQ(response.facets_size(), 1);
  EXPECT_EQ(response.facets(0).values(0).value(), "Reuters");
}

TEST_F(SearcherTest, PagesWithTokensAndRejectsForgedOnes) {
  newsgraph::v1::SearchRequest request;
  request.set_query("the");
  request.set_page_size(2);
  NG_ASSERT_OK_AND_ASSIGN(auto first, searcher_->Search(request));
  EXPECT_EQ(first.total_hits(), 3);
  EXPECT_EQ(first.hits_size(), 2);
  request.set_page_token(first.next_page_token());
  NG_ASSERT_OK_AND_ASSIGN(auto second, searcher_->Search(request));
  EXPECT_EQ(second.hits_size(), 1);
  EXPECT_TRUE(second.next_page_token().empty());
  request.set_query("other query");
  EXPECT_THAT(searcher_->Search(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_page_token("AAAA");
  EXPECT_THAT(searcher_->Search(request), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SearcherTest, NewerVersionReplacesOlderAndRemoveDeletes) {
  Add("documents/2", 2, "Oil output falls", "Crude production fell.", "Reuters", 2023, false);
  EXPECT_TRUE(Hits("wheat").empty());
  EXPECT_EQ(Hits("crude"), std::vector<std::string>{"documents/2"});
  Add("documents/2", 1, "Grain prices rise", "Wheat again.", "Reuters", 2023, false);
  EXPECT_TRUE(Hits("wheat").empty()) << "an older version must be ignored";
  NG_ASSERT_OK_AND_ASSIGN(bool removed, index_->RemoveDocument("documents/2"));
  EXPECT_TRUE(removed);
  EXPECT_TRUE(Hits("crude").empty());
  NG_ASSERT_OK_AND_ASSIGN(auto stats, index_->GetIndexStats());
  EXPECT_EQ(stats.document_count(), 2);
}

TEST_F(SearcherTest, TypoToleranceCorrectsLongWordsOnly) {
  newsgraph::v1::SearchRequest request;
  request.set_query("kazakstan");
  NG_ASSERT_OK_AND_ASSIGN(auto response, searcher_->Search(request));
  ASSERT_EQ(response.hits_size(), 1);
  EXPECT_EQ(response.hits(0).document(), "documents/2");
  ASSERT_EQ(response.corrections_size(), 1);
  EXPECT_EQ(response.corrections(0), "kazakstan -> kazakhstan");
  request.set_disable_typo_tolerance(true);
  NG_ASSERT_OK_AND_ASSIGN(auto strict, searcher_->Search(request));
  EXPECT_EQ(strict.hits_size(), 0);
  EXPECT_TRUE(Hits("whet").empty()) << "short words are not corrected";
}

TEST_F(SearcherTest, AboutSaidByAskedByAndStoryCollapse) {
  newsgraph::v1::IndexDocumentRequest interview;
  auto* doc = interview.mutable_document();
  doc->set_name("documents/4");
  doc->set_version(1);
  doc->set_title("Interview on regional security");
  doc->set_text("What are the priorities? Security and trade, the secretary-general said.");
  auto* passage = doc->add_passages();
  passage->set_question("What are the priorities?");
  passage->set_answer("Security and trade.");
  passage->set_asked_by("TASS");
  passage->set_answered_by("SCO Secretary-General Zhang Ming");
  NG_ASSERT_OK(index_->IndexDocument(interview));
  EXPECT_EQ(Hits("said_by:\"Zhang Ming\""), std::vector<std::string>{"documents/4"});
  EXPECT_EQ(Hits("asked_by:tass"), std::vector<std::string>{"documents/4"});
  EXPECT_TRUE(Hits("said_by:\"Wang Yi\"").empty());

  EXPECT_THAT(Hits("about:entities/1"),
              ::testing::UnorderedElementsAre("documents/1", "documents/3"));
  newsgraph::v1::SearchRequest strict;
  strict.set_query("about:entities/1");
  strict.set_min_salience(0.9f);
  NG_ASSERT_OK_AND_ASSIGN(auto none, searcher_->Search(strict));
  EXPECT_EQ(none.hits_size(), 0);

  // A resent wire marked as a near duplicate folds into the original's hit.
  newsgraph::v1::IndexDocumentRequest resent;
  resent.mutable_document()->set_name("documents/5");
  resent.mutable_document()->set_version(1);
  resent.mutable_document()->set_title("Grain prices rise again");
  resent.mutable_document()->set_text("Wheat prices rose after the harvest in Kazakhstan.");
  resent.mutable_document()->set_near_duplicate_of("documents/2");
  NG_ASSERT_OK(index_->IndexDocument(resent));
  newsgraph::v1::SearchRequest wheat;
  wheat.set_query("wheat");
  NG_ASSERT_OK_AND_ASSIGN(auto collapsed, searcher_->Search(wheat));
  EXPECT_EQ(collapsed.total_hits(), 2);
  ASSERT_EQ(collapsed.hits_size(), 1);
  EXPECT_EQ(collapsed.hits(0).cluster_size(), 2);
  wheat.set_disable_collapse(true);
  NG_ASSERT_OK_AND_ASSIGN(auto separate, searcher_->Search(wheat));
  EXPECT_EQ(separate.hits_size(), 2);
}

// A press conference with two Q&A blocks between two plain paragraphs.
newsgraph::v1::IndexDocumentRequest PressConference() {
  const std::vector<std::string> paragraphs = {
      "The briefing opened with remarks about the summit agenda.",
      "Q: What about trade with the region? (TASS)\nZhang Ming: Trade with the region grew "
      "strongly, and trade talks continue.",
      "Q: And security? (Sputnik)\nWang Kaiwen: Security cooperation deepened this year.",
      "Rain is expected for the closing weather of the week."};
  newsgraph::v1::IndexDocumentRequest request;
  auto* doc = request.mutable_document();
  doc->set_name("documents/9");
  doc->set_version(1);
  doc->set_title("Press conference");
  doc->set_language("en");
  std::string text;
  for (size_t i = 0; i < paragraphs.size(); ++i) {
    if (i > 0) text += "\n\n";
    auto* span = doc->add_paragraphs()->mutable_span();
    span->set_byte_begin(static_cast<uint32_t>(text.size()));
    text += paragraphs[i];
    span->set_byte_end(static_cast<uint32_t>(text.size()));
    if (i == 1 || i == 2) {
      auto* passage = doc->add_passages();
      *passage->mutable_span() = *span;
      passage->set_asked_by(i == 1 ? "TASS" : "Sputnik");
      passage->set_answered_by(i == 1 ? "SCO Secretary-General Zhang Ming" : "Wang Kaiwen");
    }
  }
  doc->set_text(text);
  return request;
}

TEST_F(SearcherTest, PassageModeRanksQaBlocksAndParagraphsAndFiltersBySpeaker) {
  ASSERT_TRUE(index_->IndexDocument(PressConference()).ok());
  auto passages = [&](const std::string& query) {
    newsgraph::v1::SearchRequest request;
    request.set_query(query);
    request.set_unit(newsgraph::v1::SEARCH_UNIT_PASSAGE);
    auto response = searcher_->Search(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : newsgraph::v1::SearchResponse();
  };
  const auto trade = passages("trade");
  ASSERT_EQ(trade.hits_size(), 1);
  EXPECT_EQ(trade.hits(0).document(), "documents/9");
  EXPECT_EQ(trade.hits(0).passage().qa_index(), 0);
  EXPECT_EQ(trade.hits(0).passage().asked_by(), "TASS");
  EXPECT_EQ(trade.hits(0).passage().answered_by(), "SCO Secretary-General Zhang Ming");
  ASSERT_EQ(trade.hits(0).snippets_size(), 1);
  EXPECT_EQ(trade.hits(0).snippets(0).highlights_size(), 3);
  // The passage span points into the document text.
  const auto& span = trade.hits(0).passage().span();
  EXPECT_EQ(PressConference().document().text().substr(span.byte_begin(),
                                                       span.byte_end() - span.byte_begin()),
            trade.hits(0).snippets(0).text());

  // Two passages of the conference match "security OR weather" (and one of
  // documents/3); the plain paragraph is a hit of its own.
  const auto either = passages("security OR weather");
  std::vector<int> kinds;
  for (const auto& hit : either.hits()) {
    if (hit.document() == "documents/9") kinds.push_back(hit.passage().qa_index());
  }
  EXPECT_EQ(either.hits_size(), 3);
  EXPECT_THAT(kinds, ::testing::UnorderedElementsAre(1, -1));

  // said_by keeps only that speaker's answers, by full name or its end.
  for (const std::string query : {"said_by:\"Zhang Ming\"", "said_by:Ming", "trade said_by:Ming"}) {
    const auto said = passages(query);
    ASSERT_EQ(said.hits_size(), 1) << query;
    EXPECT_EQ(said.hits(0).passage().qa_index(), 0) << query;
  }
  EXPECT_EQ(passages("security said_by:\"Zhang Ming\"").hits_size(), 0);

  // Document mode shows the best unit as the snippet: the Q&A block.
  newsgraph::v1::SearchRequest request;
  request.set_query("security title:press");
  auto document = searcher_->Search(request);
  ASSERT_TRUE(document.ok());
  ASSERT_EQ(document->hits_size(), 1);
  EXPECT_THAT(document->hits(0).snippets(0).text(), ::testing::StartsWith("Q: And security?"));
}

TEST_F(SearcherTest, BadRequestsAreInvalidArgument) {
  newsgraph::v1::SearchRequest request;
  EXPECT_THAT(searcher_->Search(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_query("a (b");
  EXPECT_THAT(searcher_->Search(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("position 2")));
  request.set_query("type:SPACESHIP");
  EXPECT_THAT(searcher_->Search(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_query("x");
  request.add_facets("colour");
  EXPECT_THAT(searcher_->Search(request), StatusIs(absl::StatusCode::kInvalidArgument));
  request.clear_facets();
  request.set_max_passages(-1);
  EXPECT_THAT(searcher_->Search(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_passages")));
  request.set_max_passages(1000);  // the maximum, 5
  NG_EXPECT_OK(searcher_->Search(request).status());
  for (float salience : {-0.5f, 1.5f, std::numeric_limits<float>::quiet_NaN()}) {
    request.set_min_salience(salience);
    EXPECT_THAT(searcher_->Search(request),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("min_salience")));
  }
}

TEST_F(SearcherTest, IndexDocumentRejectsSpansOutOfOrderAndTimesOutOfRange) {
  newsgraph::v1::IndexDocumentRequest request;
  auto* doc = request.mutable_document();
  doc->set_name("documents/77");
  doc->set_version(1);
  doc->set_text("First paragraph. Second paragraph.");
  for (const auto& [begin, end] : {std::pair{0u, 16u}, std::pair{10u, 34u}}) {
    auto* span = doc->add_paragraphs()->mutable_span();
    span->set_byte_begin(begin);
    span->set_byte_end(end);
  }
  EXPECT_THAT(index_->IndexDocument(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("document.paragraphs[1]")));
  doc->mutable_paragraphs(1)->mutable_span()->set_byte_begin(17);
  doc->add_passages()->mutable_span()->set_byte_end(99);
  EXPECT_THAT(index_->IndexDocument(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("document.passages[0]")));
  doc->clear_passages();
  doc->mutable_published_time()->set_seconds(std::numeric_limits<int64_t>::min());
  EXPECT_THAT(index_->IndexDocument(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("document.published_time")));
  doc->clear_published_time();
  doc->mutable_update_time()->set_nanos(-1);
  EXPECT_THAT(index_->IndexDocument(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("document.update_time")));
  doc->clear_update_time();
  NG_EXPECT_OK(index_->IndexDocument(request).status());
}


// --- Natural queries: relaxation, coordination, interpretation, explain ---

class NaturalQueryTest : public SearcherTest {
 protected:
  newsgraph::v1::SearchResponse Run(const std::string& query, bool explain = false) {
    newsgraph::v1::SearchRequest request;
    request.set_query(query);
    request.set_explain(explain);
    auto response = searcher_->Search(request);
    EXPECT_TRUE(response.ok()) << query << ": " << response.status();
    return response.ok() ? *response : newsgraph::v1::SearchResponse();
  }
};

// A British or American spelling finds the other one; a document with both
// is not counted twice, so it does not outrank one with a single spelling.
TEST_F(NaturalQueryTest, EitherSpellingFindsTheOther) {
  Add("documents/40", 1, "Theatre awards", "The London theatre awards were given.", "BBC", 2004,
      false);
  Add("documents/41", 1, "Theater awards", "The theater awards were given in London.", "BBC", 2004,
      false);
  EXPECT_THAT(Hits("theater awards"),
              ::testing::UnorderedElementsAre("documents/40", "documents/41"));
  EXPECT_THAT(Hits("theatre awards"),
              ::testing::UnorderedElementsAre("documents/40", "documents/41"));
  // documents/3 writes "organisation".
  EXPECT_THAT(Hits("organization"), ::testing::ElementsAre("documents/3"));
  // Explicit syntax keeps its meaning: excluding one spelling excludes both.
  EXPECT_THAT(Hits("awards -theater"), ::testing::IsEmpty());
}

TEST_F(NaturalQueryTest, DocumentsMissingAWordStillMatchAndMoreWordsRankHigher) {
  // No document holds all three words; strict AND found nothing.
  EXPECT_THAT(Hits("wheat harvest astana"),
              ::testing::ElementsAre("documents/2", "documents/1"));
  // A document with every word outranks documents with some of them, even
  // when a partial match holds the rarest word.
  Add("documents/30", 1, "Wheat exports", "Kazakhstan wheat exports grew.", "Reuters", 2023,
      false);
  Add("documents/31", 1, "Harvest report", "The barley harvest ended early in Astana.", "Reuters",
      2023, false);
  const std::vector<std::string> hits = Hits("kazakhstan wheat exports");
  ASSERT_GE(hits.size(), 2u);
  EXPECT_EQ(hits[0], "documents/30");
  EXPECT_THAT(hits, ::testing::Contains("documents/2"));
  auto response = Run("wheat harvest astana");
  EXPECT_TRUE(response.interpretation().relaxed());
  EXPECT_FALSE(Run("grain prices").interpretation().relaxed());
}

TEST_F(NaturalQueryTest, ExplicitOperatorsKeepTheirStrictMeaning) {
  EXPECT_EQ(Hits("+wheat astana"), std::vector<std::string>{"documents/2"});
  EXPECT_TRUE(Hits("wheat AND astana").empty());
  EXPECT_EQ(Hits("wheat AND harvest"), std::vector<std::string>{"documents/2"});
  EXPECT_EQ(Hits("\"grain prices\" astana"), std::vector<std::string>{"documents/2"});
  EXPECT_EQ(Hits("title:grain astana"), std::vector<std::string>{"documents/2"});
  EXPECT_EQ(Hits("wheat astana -kazakhstan"), std::vector<std::string>{"documents/1"});
  EXPECT_EQ(Hits("(wheat OR astana) source:tass"), std::vector<std::string>{"documents/1"});
}

TEST_F(NaturalQueryTest, QuestionAndFunctionWordsNeverDecideAMatch) {
  const auto response = Run("who met in Astana on the summit");
  ASSERT_GE(response.hits_size(), 1);
  EXPECT_EQ(response.hits(0).document(), "documents/1");
  // "the", "in", "on" and "who" are everywhere or nowhere: they must not
  // bring in documents matching nothing else.
  for (const auto& hit : response.hits()) EXPECT_EQ(hit.document(), "documents/1");
  EXPECT_THAT(response.interpretation().ignored_words(),
              ::testing::ElementsAre("who", "in", "on", "the"));
  EXPECT_THAT(response.interpretation().optional_words(),
              ::testing::ElementsAre("met", "Astana", "summit"));
  // A query of function words only keeps them.
  EXPECT_TRUE(Run("the of").interpretation().ignored_words().empty());
}

TEST_F(NaturalQueryTest, EntityBoostNeverRemovesAWordMatch) {
  // "sco" is recognized as entities/1 (documents 1 and 3); "grain" matches
  // documents/2 only, which must still be found.
  const auto response = Run("sco grain");
  std::vector<std::string> names;
  for (const auto& hit : response.hits()) names.push_back(hit.document());
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("documents/1", "documents/2", "documents/3"));
  // A recognized word still matches only the documents that hold it or its
  // entity, and the entity's documents rank first.
  EXPECT_THAT(Hits("sco"), ::testing::UnorderedElementsAre("documents/1", "documents/3"));
  const std::vector<std::string> sco_summit = Hits("sco summit");
  ASSERT_EQ(sco_summit.size(), 2u);
  EXPECT_EQ(sco_summit[0], "documents/1");
  // The alias finds documents that use the other name, ranked above
  // documents with neither.
  const auto alias = Run("shanghai cooperation organisation ministers");
  ASSERT_GE(alias.hits_size(), 2);
  EXPECT_EQ(alias.hits(0).document(), "documents/3");
}

TEST_F(NaturalQueryTest, LowercaseCommonWordsDoNotBecomeEntities) {
  // The fake recognizes "sco" in any text; an entity that accounts for too
  // small a share of the word's documents is not searched as the entity.
  for (int i = 0; i < 10; ++i) {
    Add(absl::StrCat("documents/6", i), 1, "Sco", "The sco of the day.", "Reuters", 2023, false);
  }
  newsgraph::v1::SearchRequest request;
  request.set_query("sco");
  request.set_explain(true);
  NG_ASSERT_OK_AND_ASSIGN(auto response, searcher_->Search(request));
  for (const auto& hit : response.hits()) {
    for (const auto& part : hit.explanation().components()) {
      EXPECT_FALSE(absl::StartsWith(part.description(), "entity")) << hit.document();
    }
  }
  EXPECT_EQ(response.recognized_entities_size(), 0) << "an entity not searched is not reported";
  // Nor with a capital letter: people capitalize ordinary words in queries.
  request.set_query("Sco");
  NG_ASSERT_OK_AND_ASSIGN(auto title_case, searcher_->Search(request));
  EXPECT_EQ(title_case.recognized_entities_size(), 0);
  // In capitals, it names the entity.
  request.set_query("SCO");
  NG_ASSERT_OK_AND_ASSIGN(auto named, searcher_->Search(request));
  EXPECT_EQ(named.recognized_entities_size(), 1);
  bool entity = false;
  for (const auto& hit : named.hits()) {
    for (const auto& part : hit.explanation().components()) {
      entity |= absl::StartsWith(part.description(), "entity");
    }
  }
  EXPECT_TRUE(entity);
}

TEST_F(NaturalQueryTest, NamesTypedInFullMatchTheirAcronymAndJoinedWordsTheirParts) {
  Add("documents/70", 1, "Wal-Mart sales", "Wal-Mart said sales rose.", "Reuters", 2023, false);
  resolver_.down = true;
  EXPECT_THAT(Hits("Shanghai Cooperation Organisation"),
              ::testing::UnorderedElementsAre("documents/1", "documents/3"));
  const auto walmart = Run("walmart sales");
  ASSERT_GE(walmart.hits_size(), 1);
  EXPECT_EQ(walmart.hits(0).document(), "documents/70");
  EXPECT_THAT(walmart.corrections(), ::testing::Contains("walmart -> wal mart"));
}

TEST_F(NaturalQueryTest, HitsCarryTheClientsKeys) {
  newsgraph::v1::IndexDocumentRequest request;
  auto* doc = request.mutable_document();
  doc->set_name("documents/40");
  doc->set_version(1);
  doc->set_external_id("wire-2024-0042");
  doc->set_url("https://example.org/news/42");
  doc->set_title("Cotton harvest");
  doc->set_text("Cotton growers expect a record crop.");
  NG_ASSERT_OK(index_->IndexDocument(request));
  for (const auto view : {newsgraph::v1::SEARCH_VIEW_FULL, newsgraph::v1::SEARCH_VIEW_BASIC}) {
    newsgraph::v1::SearchRequest search;
    search.set_query("cotton");
    search.set_view(view);
    NG_ASSERT_OK_AND_ASSIGN(auto response, searcher_->Search(search));
    ASSERT_EQ(response.hits_size(), 1);
    EXPECT_EQ(response.hits(0).external_id(), "wire-2024-0042");
    EXPECT_EQ(response.hits(0).url(), "https://example.org/news/42");
  }
}

TEST_F(NaturalQueryTest, ExplanationAddsUpToTheScore) {
  Add("documents/50", 1, "Central bank rates", "The central bank raised rates in Astana.", "TASS",
      2024, true);
  for (const std::string query :
       {"wheat harvest astana", "central bank rates", "sco summit astana", "\"central bank\" rates",
        "+astana leaders -wheat", "type:ORG summit"}) {
    const auto response = Run(query, /*explain=*/true);
    ASSERT_GT(response.hits_size(), 0) << query;
    for (const auto& hit : response.hits()) {
      ASSERT_GT(hit.explanation().components_size(), 0) << query << " " << hit.document();
      double sum = 0;
      for (const auto& part : hit.explanation().components()) {
        EXPECT_FALSE(part.description().empty()) << query;
        sum += part.value();
      }
      EXPECT_NEAR(sum, hit.score(), 1e-6 * std::max(1.0, hit.score())) << query << " "
                                                                        << hit.document();
    }
  }
  // A partial match explains its coordination factor.
  const auto partial = Run("wheat harvest astana", /*explain=*/true);
  bool coordination = false;
  for (const auto& part : partial.hits(0).explanation().components()) {
    coordination |= absl::StartsWith(part.description(), "coordination");
  }
  EXPECT_TRUE(coordination);
}

// A word also finds the words a story may use instead, ranked below it; the
// response says so; explicit syntax and synonym_weight=0 keep to the word.
TEST_F(NaturalQueryTest, SynonymsFindOtherWordsAndRankBelowTheWord) {
  Add("documents/60", 1, "Copper prices", "Copper prices fell sharply on Monday.", "Reuters", 2023,
      false);
  Add("documents/61", 1, "Copper prices", "Copper prices dropped sharply on Monday.", "Reuters",
      2023, false);
  const auto response = Run("copper drop");
  std::vector<std::string> names;
  for (const auto& hit : response.hits()) names.push_back(hit.document());
  EXPECT_THAT(names, ::testing::ElementsAre("documents/61", "documents/60"));
  ASSERT_EQ(response.interpretation().expanded_words_size(), 1);
  EXPECT_THAT(response.interpretation().expanded_words(0), ::testing::StartsWith("drop: "));
  EXPECT_THAT(response.interpretation().expanded_words(0), ::testing::HasSubstr("fall"));
  EXPECT_THAT(Hits("+drop copper"), ::testing::ElementsAre("documents/61"));
  EXPECT_THAT(Hits("copper -drop"), ::testing::ElementsAre("documents/60"));
  NG_ASSERT_OK_AND_ASSIGN(RankingOptions ranking, ParseRankingOptions("synonym_weight=0"));
  Searcher plain(index_.get(), &resolver_, ranking);
  newsgraph::v1::SearchRequest request;
  request.set_query("drop");
  NG_ASSERT_OK_AND_ASSIGN(auto words_only, plain.Search(request));
  ASSERT_EQ(words_only.hits_size(), 1);
  EXPECT_EQ(words_only.hits(0).document(), "documents/61");
}

// The entity clause rewards the words of a recognized name together; they
// earn no proximity bonus on top. Unrecognized, the same words do.
TEST_F(NaturalQueryTest, WordsOfARecognizedNameEarnNoProximityBonus) {
  Add("documents/50", 1, "Members meet", "The Shanghai Cooperation Organisation met in Astana.",
      "TASS", 2024, true);
  auto proximity = [&](bool resolve) {
    newsgraph::v1::SearchRequest request;
    request.set_query("shanghai cooperation organisation");
    request.set_explain(true);
    request.set_disable_entity_resolution(!resolve);
    auto response = searcher_->Search(request);
    EXPECT_TRUE(response.ok()) << response.status();
    double bonus = 0;
    for (const auto& hit : response->hits()) {
      if (hit.document() != "documents/50") continue;
      for (const auto& part : hit.explanation().components()) {
        if (absl::StartsWith(part.description(), "proximity")) bonus += part.value();
      }
    }
    return bonus;
  };
  EXPECT_GT(proximity(/*resolve=*/false), 0);
  EXPECT_EQ(proximity(/*resolve=*/true), 0);
}

TEST_F(NaturalQueryTest, EntityTieCountsTheEntityAndItsWordsOnce) {
  // documents/1 holds the word "SCO" and mentions the entity; with tie 0 it
  // scores the better of the two, and the explanation shows what the
  // overlap took off.
  NG_ASSERT_OK_AND_ASSIGN(RankingOptions ranking, ParseRankingOptions("entity_tie=0"));
  Searcher dis_max(index_.get(), &resolver_, ranking);
  newsgraph::v1::SearchRequest request;
  request.set_query("SCO summit");
  request.set_explain(true);
  NG_ASSERT_OK_AND_ASSIGN(auto summed, searcher_->Search(request));
  NG_ASSERT_OK_AND_ASSIGN(auto best, dis_max.Search(request));
  ASSERT_GT(summed.hits_size(), 0);
  ASSERT_EQ(best.hits_size(), summed.hits_size());
  EXPECT_EQ(best.hits(0).document(), "documents/1");
  double words = 0, entity = 0, overlap = 0, sum = 0;
  for (const auto& part : best.hits(0).explanation().components()) {
    sum += part.value();
    if (part.description() == "bm25f word 'sco'") words += part.value();
    if (absl::StartsWith(part.description(), "entity entities/1")) entity += part.value();
    if (absl::StartsWith(part.description(), "entity and the words")) overlap += part.value();
  }
  ASSERT_GT(words, 0);
  ASSERT_GT(entity, 0);
  EXPECT_NEAR(overlap, -std::min(words, entity), 1e-9);
  EXPECT_NEAR(sum, best.hits(0).score(), 1e-6 * std::max(1.0, best.hits(0).score()));
  EXPECT_LT(best.hits(0).score(), summed.hits(0).score());
  // A tie above 1 would break the MaxScore bounds; it is refused.
  EXPECT_FALSE(ParseRankingOptions("entity_tie=1.5").ok());
  // The proximity slop is a small whole number.
  NG_ASSERT_OK_AND_ASSIGN(RankingOptions slop, ParseRankingOptions("proximity_slop=0"));
  EXPECT_EQ(slop.proximity_slop, 0u);
  EXPECT_FALSE(ParseRankingOptions("proximity_slop=1.5").ok());
  EXPECT_FALSE(ParseRankingOptions("proximity_slop=17").ok());
}

TEST_F(NaturalQueryTest, AttributionFiltersHoldForPassagesAndFoldLookAlikeLetters) {
  ASSERT_TRUE(index_->IndexDocument(PressConference()).ok());
  auto passages = [&](const std::string& query) {
    newsgraph::v1::SearchRequest request;
    request.set_query(query);
    request.set_unit(newsgraph::v1::SEARCH_UNIT_PASSAGE);
    auto response = searcher_->Search(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : newsgraph::v1::SearchResponse();
  };
  // A bare filter lists that outlet's passages only.
  const auto tass = passages("asked_by:TASS");
  ASSERT_EQ(tass.hits_size(), 1);
  EXPECT_EQ(tass.hits(0).passage().asked_by(), "TASS");
  // "ТАSS" spelled with Cyrillic Т and А is the same outlet.
  const auto look_alike = passages("asked_by:\"\xD0\xA2\xD0\x90SS\"");
  ASSERT_EQ(look_alike.hits_size(), 1);
  EXPECT_EQ(look_alike.hits(0).passage().asked_by(), "TASS");
  // Words and the filter together: Sputnik's passage holds "security".
  EXPECT_EQ(passages("security asked_by:Sputnik").hits_size(), 1);
  EXPECT_EQ(passages("security asked_by:TASS").hits_size(), 0);
  // Document mode ranks documents by their matching passages.
  EXPECT_EQ(Hits("trade asked_by:TASS"), std::vector<std::string>{"documents/9"});
  EXPECT_TRUE(Hits("weather asked_by:TASS").empty());
}

TEST_F(NaturalQueryTest, QueryTermsCountAfterTokenization) {
  std::string hyphenated = "w0";
  for (int i = 1; i < 400; ++i) absl::StrAppend(&hyphenated, "-w", i);
  newsgraph::v1::SearchRequest request;
  request.set_query(hyphenated);
  EXPECT_THAT(searcher_->Search(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_query_terms")));
  request.set_query(absl::StrCat("\"", absl::StrReplaceAll(hyphenated, {{"-", " "}}), "\""));
  EXPECT_THAT(searcher_->Search(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_query_terms")));
  // The query string itself is bounded before anything reads it.
  request.set_query(std::string(1 << 20, 'x'));
  EXPECT_THAT(searcher_->Search(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_query_bytes")));
}

TEST_F(NaturalQueryTest, DuplicateFacetsAreCountedOnceAndTooManyAreRejected) {
  newsgraph::v1::SearchRequest request;
  request.set_query("wheat");
  for (int i = 0; i < 10; ++i) request.add_facets("source");
  NG_ASSERT_OK_AND_ASSIGN(auto response, searcher_->Search(request));
  EXPECT_EQ(response.facets_size(), 1);
  for (int i = 0; i < 10000; ++i) request.add_facets("source");
  EXPECT_THAT(searcher_->Search(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("facets")));
}

// Filter values repeat harmlessly and are bounded per field.
TEST_F(NaturalQueryTest, FilterValuesAreCountedOnceAndTooManyAreRejected) {
  newsgraph::v1::SearchRequest request;
  request.set_query("wheat");
  NG_ASSERT_OK_AND_ASSIGN(auto unfiltered, searcher_->Search(request));
  for (int i = 0; i < 1000; ++i) request.mutable_filter()->add_languages("en");
  NG_ASSERT_OK_AND_ASSIGN(auto repeated, searcher_->Search(request));
  EXPECT_EQ(repeated.hits_size(), unfiltered.hits_size());
  for (const char* field : {"sources", "entities", "languages", "entity_types"}) {
    SCOPED_TRACE(field);
    newsgraph::v1::SearchRequest flood;
    flood.set_query("wheat");
    newsgraph::v1::SearchFilter* filter = flood.mutable_filter();
    for (int i = 0; i < 65; ++i) {
      const std::string value = absl::StrCat("v", i);
      if (std::string(field) == "sources") filter->add_sources(value);
      if (std::string(field) == "entities") filter->add_entities(absl::StrCat("entities/", i + 1));
      if (std::string(field) == "languages") filter->add_languages(value);
      if (std::string(field) == "entity_types") filter->add_entity_types(static_cast<newsgraph::v1::EntityType>(i));
    }
    EXPECT_THAT(searcher_->Search(flood),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(absl::StrCat("filter.", field, " has 65 distinct values"))));
  }
}

TEST_F(NaturalQueryTest, AStopCheckEndsTheSearch) {
  newsgraph::v1::SearchRequest request;
  request.set_query("wheat OR astana OR ministers");
  EXPECT_THAT(searcher_->Search(request, [] { return absl::DeadlineExceededError("late"); }),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

}  // namespace
}  // namespace newsgraph::search
