// SearchIndexReader and TermPostings: postings read across written segments
// and the in-memory one, deleted documents skipped, prefix expansion merging
// the dictionary with the in-memory terms, norms, clusters, stored and hit
// fields.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/search/document_terms.h"
#include "services/search/search_index.h"
#include "tests/testing/search_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::search {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

newsgraph::v1::IndexDocumentRequest Request(const std::string& name, const std::string& title,
                                            const std::string& text, int64_t version = 1) {
  newsgraph::v1::IndexDocumentRequest request;
  auto* doc = request.mutable_document();
  doc->set_name(name);
  doc->set_version(version);
  doc->set_title(title);
  doc->set_text(text);
  doc->set_source("Wire");
  doc->set_language("en");
  return request;
}

class SearchIndexReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NG_ASSERT_OK_AND_ASSIGN(store_, ::newsgraph::testing::OpenSearchStore(dir_.path()));
  }

  void Open(SearchIndexOptions options = {}) {
    auto index = SearchIndex::Open(store_.get(), options);
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = *std::move(index);
  }

  // Indexes and returns the document's number.
  uint64_t Add(const newsgraph::v1::IndexDocumentRequest& request) {
    auto applied = index_->IndexDocument(request);
    EXPECT_TRUE(applied.ok()) << applied.status();
    return NumberOf(request.document().name());
  }

  uint64_t NumberOf(const std::string& name) {
    SearchIndexReader reader(index_.get());
    for (uint64_t doc = 0; doc < reader.DocumentLimit(); ++doc) {
      if (!reader.Live(doc)) continue;
      auto fields = reader.HitFields(doc);
      if (fields.ok() && (*fields)->name() == name) return doc;
    }
    return kNoMoreDocs;
  }

  // Every document of the term's postings, in order.
  static std::vector<uint64_t> Docs(TermPostings postings) {
    std::vector<uint64_t> docs;
    for (; postings.doc() != kNoMoreDocs; postings.Next()) docs.push_back(postings.doc());
    return docs;
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<SearchIndex> index_;
};

TEST_F(SearchIndexReaderTest, AnEmptyIndexHasNoPostingsTermsOrDocuments) {
  Open();
  SearchIndexReader reader(index_.get());
  NG_ASSERT_OK_AND_ASSIGN(TermPostings postings, reader.Postings("grain", true));
  EXPECT_EQ(postings.doc(), kNoMoreDocs);
  EXPECT_EQ(postings.document_frequency(), 0u);
  EXPECT_FALSE(postings.corrupt());
  postings.Next();
  postings.Advance(10);
  EXPECT_EQ(postings.doc(), kNoMoreDocs);
  NG_ASSERT_OK_AND_ASSIGN(uint64_t df, reader.DocumentFrequency("grain"));
  EXPECT_EQ(df, 0u);
  NG_ASSERT_OK_AND_ASSIGN(std::vector<std::string> terms, reader.ExpandPrefix("gr", 10));
  EXPECT_THAT(terms, IsEmpty());
  EXPECT_EQ(reader.stats().document_count, 0u);
  EXPECT_EQ(reader.stats().average_title_length, 0);
  EXPECT_FALSE(reader.Live(0));
  EXPECT_FALSE(reader.Live(1));
  EXPECT_FALSE(reader.Live(~uint64_t{0}));
}

TEST_F(SearchIndexReaderTest, PostingsSpanWrittenSegmentsAndTheInMemorySegment) {
  // Two documents per segment: five documents make two segments and one
  // in memory.
  Open({.flush_documents = 2});
  std::vector<uint64_t> numbers;
  for (int n = 1; n <= 5; ++n) {
    numbers.push_back(Add(Request(absl::StrCat("documents/", n), n % 2 == 1 ? "Grain" : "Other",
                                  "grain grain wheat")));
  }
  EXPECT_EQ(index_->SegmentCount(), 2u);
  SearchIndexReader reader(index_.get());
  NG_ASSERT_OK_AND_ASSIGN(TermPostings grain, reader.Postings("grain", /*with_positions=*/true));
  EXPECT_EQ(grain.document_frequency(), 5u);
  std::vector<uint64_t> seen;
  for (; grain.doc() != kNoMoreDocs; grain.Next()) {
    seen.push_back(grain.doc());
    const bool titled = seen.size() % 2 == 1;
    EXPECT_EQ(grain.title_tf(), titled ? 1u : 0u) << grain.doc();
    EXPECT_EQ(grain.body_tf(), 2u);
    std::vector<uint32_t> positions;
    ASSERT_TRUE(grain.Positions(&positions));
    if (titled) {
      EXPECT_THAT(positions, ElementsAre(0u, kBodyOffset, kBodyOffset + 1));
    } else {
      EXPECT_THAT(positions, ElementsAre(kBodyOffset, kBodyOffset + 1));
    }
  }
  EXPECT_EQ(seen, numbers);
  EXPECT_FALSE(grain.corrupt());
  NG_ASSERT_OK_AND_ASSIGN(uint64_t df, reader.DocumentFrequency("wheat"));
  EXPECT_EQ(df, 5u);
  NG_ASSERT_OK_AND_ASSIGN(TermPostings source, reader.Postings(SourceTerm("wire"), false));
  EXPECT_EQ(Docs(std::move(source)), numbers);
}

TEST_F(SearchIndexReaderTest, AdvanceSkipsAcrossSegmentsAndNeverMovesBack) {
  Open({.flush_documents = 2});
  std::vector<uint64_t> numbers;
  for (int n = 1; n <= 7; ++n) {
    numbers.push_back(Add(Request(absl::StrCat("documents/", n), "", "grain")));
  }
  SearchIndexReader reader(index_.get());
  NG_ASSERT_OK_AND_ASSIGN(TermPostings grain, reader.Postings("grain", false));
  grain.Advance(numbers[3]);  // in the second segment
  EXPECT_EQ(grain.doc(), numbers[3]);
  grain.Advance(numbers[1]);  // behind: stays
  EXPECT_EQ(grain.doc(), numbers[3]);
  grain.Advance(numbers[6]);  // the in-memory segment
  EXPECT_EQ(grain.doc(), numbers[6]);
  grain.Next();
  EXPECT_EQ(grain.doc(), kNoMoreDocs);
  grain.Next();
  EXPECT_EQ(grain.doc(), kNoMoreDocs);

  NG_ASSERT_OK_AND_ASSIGN(TermPostings again, reader.Postings("grain", false));
  again.Advance(numbers[6] + 1);
  EXPECT_EQ(again.doc(), kNoMoreDocs);
}

TEST_F(SearchIndexReaderTest, DeletedDocumentsAreSkippedButCountUntilMerged) {
  Open({.flush_documents = 2});
  std::vector<uint64_t> numbers;
  for (int n = 1; n <= 5; ++n) {
    numbers.push_back(Add(Request(absl::StrCat("documents/", n), "", "grain harvest")));
  }
  NG_ASSERT_OK_AND_ASSIGN(bool removed, index_->RemoveDocument("documents/2"));
  ASSERT_TRUE(removed);
  NG_ASSERT_OK_AND_ASSIGN(removed, index_->RemoveDocument("documents/5"));
  ASSERT_TRUE(removed);
  {
    SearchIndexReader reader(index_.get());
    EXPECT_FALSE(reader.Live(numbers[1]));
    EXPECT_FALSE(reader.Live(numbers[4]));
    EXPECT_TRUE(reader.Live(numbers[0]));
    EXPECT_EQ(reader.stats().document_count, 3u);
    NG_ASSERT_OK_AND_ASSIGN(TermPostings grain, reader.Postings("grain", false));
    EXPECT_EQ(grain.document_frequency(), 5u);
    EXPECT_THAT(Docs(std::move(grain)), ElementsAre(numbers[0], numbers[2], numbers[3]));
    // Advancing onto a deleted document lands on the next live one.
    NG_ASSERT_OK_AND_ASSIGN(TermPostings skip, reader.Postings("grain", false));
    skip.Advance(numbers[1]);
    EXPECT_EQ(skip.doc(), numbers[2]);
    skip.Advance(numbers[4]);
    EXPECT_EQ(skip.doc(), kNoMoreDocs);
  }
  NG_ASSERT_OK(index_->ForceMerge());
  SearchIndexReader reader(index_.get());
  NG_ASSERT_OK_AND_ASSIGN(uint64_t df, reader.DocumentFrequency("harvest"));
  EXPECT_EQ(df, 3u);
}

TEST_F(SearchIndexReaderTest, AReplacedDocumentGetsANewNumberAndTheOldOneDies) {
  Open();
  const uint64_t first = Add(Request("documents/1", "", "grain"));
  const uint64_t second = Add(Request("documents/1", "", "wheat", /*version=*/2));
  EXPECT_NE(first, second);
  SearchIndexReader reader(index_.get());
  EXPECT_FALSE(reader.Live(first));
  EXPECT_TRUE(reader.Live(second));
  EXPECT_GT(reader.DocumentLimit(), second);
  NG_ASSERT_OK_AND_ASSIGN(TermPostings grain, reader.Postings("grain", false));
  EXPECT_EQ(grain.doc(), kNoMoreDocs);
  NG_ASSERT_OK_AND_ASSIGN(TermPostings wheat, reader.Postings("wheat", false));
  EXPECT_THAT(Docs(std::move(wheat)), ElementsAre(second));
  EXPECT_EQ(reader.stats().document_count, 1u);
}

TEST_F(SearchIndexReaderTest, ExpandPrefixMergesSegmentAndMemoryTermsInOrderWithoutDuplicates) {
  Open({.flush_documents = 2});
  Add(Request("documents/1", "", "grape gravel"));
  Add(Request("documents/2", "", "grain"));  // the first two are written out
  Add(Request("documents/3", "", "granite grape"));
  EXPECT_EQ(index_->SegmentCount(), 1u);
  SearchIndexReader reader(index_.get());
  NG_ASSERT_OK_AND_ASSIGN(std::vector<std::string> terms, reader.ExpandPrefix("gra", 100));
  EXPECT_THAT(terms, ElementsAre("grain", "granit", "grape", "gravel"));
  NG_ASSERT_OK_AND_ASSIGN(std::vector<std::string> first_two, reader.ExpandPrefix("gra", 2));
  EXPECT_THAT(first_two, ElementsAre("grain", "granit"));
  NG_ASSERT_OK_AND_ASSIGN(std::vector<std::string> none, reader.ExpandPrefix("gra", 0));
  EXPECT_THAT(none, IsEmpty());
  NG_ASSERT_OK_AND_ASSIGN(std::vector<std::string> exact, reader.ExpandPrefix("grape", 10));
  EXPECT_THAT(exact, ElementsAre("grape"));
  NG_ASSERT_OK_AND_ASSIGN(std::vector<std::string> missing, reader.ExpandPrefix("grz", 10));
  EXPECT_THAT(missing, IsEmpty());
  // Keyword terms never come up for a word prefix.
  NG_ASSERT_OK_AND_ASSIGN(std::vector<std::string> w, reader.ExpandPrefix("w", 10));
  EXPECT_THAT(w, IsEmpty());
}

TEST_F(SearchIndexReaderTest, NormsRankingAndStatsDescribeEachDocument) {
  Open();
  newsgraph::v1::IndexDocumentRequest request =
      Request("documents/1", "Grain harvest", "Wheat prices rose again today");
  request.mutable_document()->mutable_published_time()->set_seconds(1700000000);
  const uint64_t dated = Add(request);
  const uint64_t undated = Add(Request("documents/2", "Summit", "Leaders met"));
  SearchIndexReader reader(index_.get());
  EXPECT_EQ(reader.Norms(dated).title_length, 2u);
  EXPECT_EQ(reader.Norms(dated).body_length, 5u);
  EXPECT_EQ(reader.Norms(dated).published, absl::FromUnixSeconds(1700000000));
  EXPECT_EQ(reader.Norms(undated).published, absl::InfinitePast());
  EXPECT_EQ(reader.Ranking(dated).title, 2u);
  EXPECT_EQ(reader.Ranking(dated).body, 5u);
  EXPECT_EQ(reader.Ranking(dated).cluster, reader.Norms(dated).cluster);
  EXPECT_EQ(reader.Ranking(undated).title, 1u);
  EXPECT_EQ(reader.Ranking(undated).body, 2u);
  EXPECT_EQ(reader.stats().document_count, 2u);
  EXPECT_DOUBLE_EQ(reader.stats().average_title_length, 1.5);
  EXPECT_DOUBLE_EQ(reader.stats().average_body_length, 3.5);
}

TEST_F(SearchIndexReaderTest, DuplicatesShareAClusterWhoseSizeCountsLiveDocuments) {
  Open();
  const uint64_t original = Add(Request("documents/1", "Grain", "Wheat prices rose"));
  newsgraph::v1::IndexDocumentRequest copy = Request("documents/2", "Grain", "Wheat prices rose");
  copy.mutable_document()->set_duplicate_of("documents/1");
  const uint64_t duplicate = Add(copy);
  const uint64_t alone = Add(Request("documents/3", "Summit", "Leaders met"));
  {
    SearchIndexReader reader(index_.get());
    const uint64_t cluster = reader.Ranking(original).cluster;
    EXPECT_EQ(reader.Ranking(duplicate).cluster, cluster);
    EXPECT_NE(reader.Ranking(alone).cluster, cluster);
    EXPECT_EQ(reader.ClusterSize(cluster), 2u);
    EXPECT_EQ(reader.ClusterSize(reader.Ranking(alone).cluster), 1u);
    EXPECT_EQ(reader.ClusterSize(12345), 1u);  // unknown: a cluster of its own
  }
  NG_ASSERT_OK(index_->RemoveDocument("documents/2"));
  SearchIndexReader reader(index_.get());
  EXPECT_EQ(reader.ClusterSize(reader.Ranking(original).cluster), 1u);
}

TEST_F(SearchIndexReaderTest, StoredDocumentAndHitFieldsReadBackWhatWasIndexed) {
  Open();
  newsgraph::v1::IndexDocumentRequest request =
      Request("documents/1", "Grain harvest", "Wheat prices rose");
  request.mutable_document()->mutable_published_time()->set_seconds(1600000000);
  auto* entity = request.add_entities();
  entity->set_entity("entities/3");
  entity->set_salience(0.5f);
  const uint64_t doc = Add(request);
  SearchIndexReader reader(index_.get());
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::IndexDocumentRequest stored, reader.StoredDocument(doc));
  EXPECT_EQ(stored.document().text(), "Wheat prices rose");
  ASSERT_EQ(stored.entities_size(), 1);
  EXPECT_EQ(stored.entities(0).entity(), "entities/3");
  NG_ASSERT_OK_AND_ASSIGN(std::shared_ptr<const newsgraph::v1::Document> hit,
                          reader.HitFields(doc));
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->name(), "documents/1");
  EXPECT_EQ(hit->version(), 1);
  EXPECT_EQ(hit->title(), "Grain harvest");
  EXPECT_EQ(hit->source(), "Wire");
  EXPECT_EQ(hit->published_time().seconds(), 1600000000);
  // Read again (from the cache): the same fields.
  NG_ASSERT_OK_AND_ASSIGN(std::shared_ptr<const newsgraph::v1::Document> again,
                          reader.HitFields(doc));
  EXPECT_EQ(again->name(), "documents/1");
  EXPECT_EQ(again->title(), "Grain harvest");
}

TEST_F(SearchIndexReaderTest, PostingsSurviveARestartAfterTheSegmentsWereWritten) {
  Open({.flush_documents = 2});
  for (int n = 1; n <= 3; ++n) Add(Request(absl::StrCat("documents/", n), "", "grain barley"));
  index_.reset();  // writes the in-memory segment out
  Open({.flush_documents = 2});
  SearchIndexReader reader(index_.get());
  NG_ASSERT_OK_AND_ASSIGN(TermPostings grain, reader.Postings("grain", false));
  EXPECT_EQ(Docs(std::move(grain)).size(), 3u);
  NG_ASSERT_OK_AND_ASSIGN(std::vector<std::string> terms, reader.ExpandPrefix("ba", 10));
  EXPECT_THAT(terms, ElementsAre("barley"));
  EXPECT_EQ(reader.stats().document_count, 3u);
}

}  // namespace
}  // namespace newsgraph::search
