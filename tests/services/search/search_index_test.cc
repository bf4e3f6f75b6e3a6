// The segmented index: flushes, merges, deletes and restarts must not change
// what queries find, and top-k collection with early termination must rank
// exactly like scoring every match.
#include "services/search/search_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/search/search_keyspace.h"
#include "services/search/searcher.h"
#include "storage/rocksdb_kv_store.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::search {
namespace {

constexpr const char* kWords[] = {
    "grain",   "wheat",  "harvest", "prices", "bank",    "rates",   "oil",    "crude",
    "summit",  "talks",  "leaders", "trade",  "tariffs", "exports", "yen",    "dollar",
    "market",  "shares", "profit",  "loss",   "quarter", "minister", "council", "energy",
    "nuclear", "plant",  "strike",  "union",  "port",    "shipping", "coffee", "cocoa"};
constexpr const char* kSources[] = {"Reuters", "TASS", "BBC"};

// A document of seeded, Zipf-like words: low word indexes are common.
newsgraph::v1::IndexDocumentRequest MakeDocument(int n, int version, uint32_t seed) {
  std::mt19937 random(seed * 7919u + static_cast<uint32_t>(n));
  auto word = [&] {
    const double u = std::uniform_real_distribution<double>(0, 1)(random);
    return kWords[static_cast<size_t>(u * u * std::size(kWords))];
  };
  std::vector<std::string> title, body;
  for (int i = 0; i < 3 + static_cast<int>(random() % 4); ++i) title.push_back(word());
  for (int i = 0; i < 20 + static_cast<int>(random() % 120); ++i) body.push_back(word());
  newsgraph::v1::IndexDocumentRequest request;
  auto* doc = request.mutable_document();
  doc->set_name(absl::StrCat("documents/", n));
  doc->set_version(version);
  doc->set_title(absl::StrJoin(title, " "));
  doc->set_text(absl::StrJoin(body, " "));
  doc->set_source(kSources[n % 3]);
  doc->set_language("en");
  doc->mutable_published_time()->set_seconds(1600000000 + n * 86400);
  return request;
}

struct OpenIndex {
  std::unique_ptr<storage::KvStore> store;
  std::unique_ptr<SearchIndex> index;
};

OpenIndex Open(const std::string& path, SearchIndexOptions options) {
  OpenIndex open;
  storage::RocksDbOptions rocks;
  rocks.path = path;
  rocks.column_families = SearchColumnFamilies();
  rocks.zstd_column_families = SearchZstdColumnFamilies();
  auto store = storage::OpenRocksDbStore(rocks);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return open;
  open.store = *std::move(store);
  auto index = SearchIndex::Open(open.store.get(), options);
  EXPECT_TRUE(index.ok()) << index.status();
  if (index.ok()) open.index = *std::move(index);
  return open;
}

// (document, score) of a search's page, and the response.
std::vector<std::pair<std::string, double>> Ranked(const SearchIndex* index,
                                                   const std::string& query, bool exhaustive,
                                                   int page_size = 20,
                                                   newsgraph::v1::SearchResponse* out = nullptr) {
  Searcher searcher(index, nullptr);
  newsgraph::v1::SearchRequest request;
  request.set_query(query);
  request.set_page_size(page_size);
  request.set_disable_typo_tolerance(true);
  request.set_disable_collapse(true);
  request.set_view(newsgraph::v1::SEARCH_VIEW_BASIC);
  if (exhaustive) request.add_facets("source");  // facets count every match
  auto response = searcher.Search(request);
  EXPECT_TRUE(response.ok()) << query << ": " << response.status();
  std::vector<std::pair<std::string, double>> ranked;
  if (!response.ok()) return ranked;
  for (const auto& hit : response->hits()) ranked.emplace_back(hit.document(), hit.score());
  if (out != nullptr) *out = *response;
  return ranked;
}

void ExpectSameRanking(const std::vector<std::pair<std::string, double>>& a,
                       const std::vector<std::pair<std::string, double>>& b,
                       const std::string& query) {
  ASSERT_EQ(a.size(), b.size()) << query;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(a[i].second, b[i].second, 1e-9) << query << " rank " << i;
    // Equal scores may order differently only if they are equal.
    if (a[i].first != b[i].first) {
      EXPECT_NEAR(a[i].second, b[i].second, 1e-12) << query << " rank " << i;
    }
  }
}

const std::vector<std::string>& Queries() {
  static const auto* queries = new std::vector<std::string>{
      "grain", "wheat prices", "oil OR yen", "summit OR cocoa OR coffee",
      "grain OR wheat OR harvest OR prices", "\"crude oil\"", "title:talks",
      "body:leaders trade", "shar*", "bank -rates", "source:TASS energy",
      "(yen OR dollar) market", "published>=2020-06-01 port", "nuclear plant strike"};
  return *queries;
}

TEST(SearchIndexTest, SegmentsAndMergesAnswerLikeOneInMemorySegment) {
  testing::TempDir memory_dir, segmented_dir;
  OpenIndex memory = Open(memory_dir.path(), {.flush_documents = 1u << 30});
  OpenIndex segmented = Open(segmented_dir.path(), {.flush_documents = 7});
  ASSERT_NE(memory.index, nullptr);
  ASSERT_NE(segmented.index, nullptr);
  for (int n = 1; n <= 300; ++n) {
    ASSERT_TRUE(memory.index->IndexDocument(MakeDocument(n, 1, 1)).ok());
    ASSERT_TRUE(segmented.index->IndexDocument(MakeDocument(n, 1, 1)).ok());
  }
  EXPECT_EQ(memory.index->SegmentCount(), 0u);
  // 42 flushes merged down to at most six segments.
  EXPECT_GE(segmented.index->SegmentCount(), 2u);
  EXPECT_LE(segmented.index->SegmentCount(), 6u);
  for (const std::string& query : Queries()) {
    const auto expected = Ranked(memory.index.get(), query, /*exhaustive=*/true);
    EXPECT_FALSE(expected.empty()) << query;
    ExpectSameRanking(Ranked(segmented.index.get(), query, true), expected, query);
    ExpectSameRanking(Ranked(segmented.index.get(), query, false), expected, query);
    ExpectSameRanking(Ranked(memory.index.get(), query, false), expected, query);
  }
  ASSERT_TRUE(segmented.index->ForceMerge().ok());
  EXPECT_EQ(segmented.index->SegmentCount(), 1u);
  for (const std::string& query : Queries()) {
    ExpectSameRanking(Ranked(segmented.index.get(), query, false),
                      Ranked(memory.index.get(), query, true), query);
  }
}

TEST(SearchIndexTest, EarlyTerminationRanksLikeScoringEveryMatch) {
  testing::TempDir dir;
  OpenIndex open = Open(dir.path(), {.flush_documents = 64, .max_batch_documents = 2000});
  ASSERT_NE(open.index, nullptr);
  std::vector<newsgraph::v1::IndexDocumentRequest> batch;
  for (int n = 1; n <= 2000; ++n) batch.push_back(MakeDocument(n, 1, 2));
  ASSERT_TRUE(open.index->IndexDocuments(batch).ok());
  std::mt19937 random(5);
  bool some_estimated = false;
  for (int q = 0; q < 60; ++q) {
    std::vector<std::string> words;
    for (int w = 0; w < 2 + q % 3; ++w) words.push_back(kWords[random() % std::size(kWords)]);
    const std::string query = absl::StrJoin(words, " OR ");
    for (int page_size : {1, 10, 50}) {
      newsgraph::v1::SearchResponse fast, full;
      const auto top = Ranked(open.index.get(), query, false, page_size, &fast);
      ExpectSameRanking(top, Ranked(open.index.get(), query, true, page_size, &full), query);
      EXPECT_LE(fast.total_hits(), full.total_hits());
      EXPECT_EQ(fast.total_hits_estimated(), fast.total_hits() < full.total_hits() ||
                                                 fast.total_hits_estimated());
      if (!fast.total_hits_estimated()) {
        EXPECT_EQ(fast.total_hits(), full.total_hits());
      }
      some_estimated |= fast.total_hits_estimated();
    }
  }
  // The common words let MaxScore skip documents.
  EXPECT_TRUE(some_estimated);
}

TEST(SearchIndexTest, ReplacedAndRemovedDocumentsVanishFromSegmentsAndMerges) {
  testing::TempDir dir;
  OpenIndex open = Open(dir.path(), {.flush_documents = 7});
  ASSERT_NE(open.index, nullptr);
  for (int n = 1; n <= 100; ++n) ASSERT_TRUE(open.index->IndexDocument(MakeDocument(n, 1, 3)).ok());
  // Version 2 of documents 1..30 says "zebra"; documents 31..50 are removed.
  for (int n = 1; n <= 30; ++n) {
    auto request = MakeDocument(n, 2, 3);
    request.mutable_document()->set_text(request.document().text() + " zebra");
    auto applied = open.index->IndexDocument(request);
    ASSERT_TRUE(applied.ok());
    EXPECT_TRUE(applied->applied());
  }
  // An older version is ignored.
  auto stale = open.index->IndexDocument(MakeDocument(5, 1, 3));
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(stale->applied());
  EXPECT_EQ(stale->indexed_version(), 2);
  for (int n = 31; n <= 50; ++n) {
    auto removed = open.index->RemoveDocument(absl::StrCat("documents/", n));
    ASSERT_TRUE(removed.ok());
    EXPECT_TRUE(*removed);
  }
  EXPECT_FALSE(*open.index->RemoveDocument("documents/31"));
  EXPECT_EQ(open.index->Stats().document_count, 80u);

  auto check = [&](const std::string& when) {
    EXPECT_EQ(Ranked(open.index.get(), "zebra", true, 100).size(), 30u) << when;
    for (const std::string query : {"grain", "grain OR wheat OR zebra", "source:TASS"}) {
      for (const auto& [name, score] : Ranked(open.index.get(), query, false, 100)) {
        int n = 0;
        ASSERT_TRUE(absl::SimpleAtoi(name.substr(name.find('/') + 1), &n));
        EXPECT_FALSE(n >= 31 && n <= 50) << when << ": removed " << name << " found by " << query;
      }
    }
    // Every posting belongs to a live document; version 1 of 1..30 is gone.
    auto postings = open.index->ReadPostings("\x01lden", false);
    ASSERT_TRUE(postings.ok());
  };
  check("before merge");
  const auto total = Ranked(open.index.get(), "grain OR wheat OR harvest OR prices OR bank", true, 100);
  ASSERT_TRUE(open.index->ForceMerge().ok());
  EXPECT_EQ(open.index->SegmentCount(), 1u);
  check("after merge");
  auto language = open.index->ReadPostings(LanguageTerm("en"), false);
  ASSERT_TRUE(language.ok());
  EXPECT_EQ(language->size(), 80u);
  // The merge dropped the dead postings: document frequencies count live documents.
  SearchIndexReader reader(open.index.get());
  auto df = reader.DocumentFrequency(LanguageTerm("en"));
  ASSERT_TRUE(df.ok());
  EXPECT_EQ(*df, 80u);
  EXPECT_EQ(Ranked(open.index.get(), "grain OR wheat OR harvest OR prices OR bank", true, 100).size(),
            total.size());
}

// The documents a search finds, in name order.
std::vector<std::string> Found(const SearchIndex* index, const std::string& query) {
  std::vector<std::string> names;
  for (const auto& [name, score] : Ranked(index, query, true, 100)) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

TEST(SearchIndexTest, IdleIndexIsFlushedAndMergedInTheBackground) {
  ::newsgraph::testing::TempDir dir;
  ::newsgraph::testing::FakeClock clock;
  SearchIndexOptions options;
  options.flush_documents = 16;
  options.idle_merge_after = absl::Minutes(5);
  options.idle_check_every = absl::Milliseconds(2);
  options.clock = &clock;
  OpenIndex open = Open(dir.path(), options);
  ASSERT_NE(open.index, nullptr);
  // Updates keep coming: no merge while they do.
  for (int n = 1; n <= 100; ++n) {
    if (n % 10 == 0) clock.Advance(absl::Minutes(1));
    ASSERT_TRUE(open.index->IndexDocument(MakeDocument(n, 1, 4)).ok());
  }
  const size_t segments = open.index->SegmentCount();
  EXPECT_GE(segments, 2u);
  const auto before = Ranked(open.index.get(), "grain OR wheat OR harvest OR prices", true, 100);
  // Less than idle_merge_after on the clock since the last update: nothing.
  clock.Advance(absl::Minutes(4));
  absl::SleepFor(absl::Milliseconds(20));  // ten checks
  EXPECT_EQ(open.index->SegmentCount(), segments);
  // Idle: one segment holds everything, the in-memory part included.
  clock.Advance(absl::Minutes(1));
  for (int waited = 0; waited < 1000 && open.index->SegmentCount() != 1; ++waited) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(open.index->SegmentCount(), 1u);
  ExpectSameRanking(before,
                    Ranked(open.index.get(), "grain OR wheat OR harvest OR prices", true, 100),
                    "after the idle merge");
  NG_ASSERT_OK_AND_ASSIGN(auto stats, open.index->GetIndexStats());
  EXPECT_EQ(stats.segment_count(), 1);
  EXPECT_EQ(stats.document_count(), 100);
  // A restart finds nothing left to re-analyze.
  open.index.reset();
  open.store.reset();
  OpenIndex reopened = Open(dir.path(), SearchIndexOptions{});
  ASSERT_NE(reopened.index, nullptr);
  EXPECT_EQ(reopened.index->RecoveredAtOpen(), 0u);
}

TEST(SearchIndexTest, RestartReanalyzesOnlyTheInMemorySegment) {
  testing::TempDir dir;
  std::vector<std::string> before;
  {
    // Crash: the in-memory segment is not written out.
    OpenIndex open = Open(dir.path(), {.flush_documents = 5, .flush_on_close = false});
    ASSERT_NE(open.index, nullptr);
    for (int n = 1; n <= 23; ++n) ASSERT_TRUE(open.index->IndexDocument(MakeDocument(n, 1, 4)).ok());
    ASSERT_TRUE(open.index->RemoveDocument("documents/22").ok());
    before = Found(open.index.get(), "grain OR summit OR wheat");
    EXPECT_GT(before.size(), 10u);
  }
  {
    OpenIndex open = Open(dir.path(), {.flush_documents = 5});
    ASSERT_NE(open.index, nullptr);
    // 20 documents are in segments; 21 and 23 are analyzed again, 22 is gone.
    EXPECT_EQ(open.index->RecoveredAtOpen(), 2u);
    EXPECT_EQ(open.index->Stats().document_count, 22u);
    EXPECT_EQ(Found(open.index.get(), "grain OR summit OR wheat"), before);
  }
  {
    // A clean close wrote the in-memory segment out: nothing to redo.
    OpenIndex open = Open(dir.path(), {.flush_documents = 5});
    ASSERT_NE(open.index, nullptr);
    EXPECT_EQ(open.index->RecoveredAtOpen(), 0u);
    EXPECT_EQ(Found(open.index.get(), "grain OR summit OR wheat"), before);
  }
}

// An index of another format (one written before segments had no format
// marker) is refused with a message saying what to do, never misread.
// A batch over max_batch_documents is refused whole, before any work.
TEST(SearchIndexTest, ABatchOverTheLimitIsRefusedAndChangesNothing) {
  testing::TempDir dir;
  OpenIndex open = Open(dir.path(), {.max_batch_documents = 3});
  ASSERT_NE(open.index, nullptr);
  std::vector<newsgraph::v1::IndexDocumentRequest> batch;
  for (int n = 1; n <= 4; ++n) batch.push_back(MakeDocument(n, 1, 1));
  const auto refused = open.index->IndexDocuments(absl::MakeConstSpan(batch));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("requests holds 4 documents; the limit is 3"));
  EXPECT_EQ(open.index->Stats().document_count, 0u);
  batch.pop_back();
  ASSERT_TRUE(open.index->IndexDocuments(absl::MakeConstSpan(batch)).ok());
  EXPECT_EQ(open.index->Stats().document_count, 3u);
}

TEST(SearchIndexTest, AnIndexOfAnotherFormatIsRefusedWithAClearError) {
  for (const char* marker : {"", "\x00\x00\x00\x00\x00\x00\x00\x01"}) {
    testing::TempDir dir;
    {
      OpenIndex open = Open(dir.path(), {.flush_documents = 4});
      ASSERT_NE(open.index, nullptr);
      for (int n = 1; n <= 5; ++n) ASSERT_TRUE(open.index->IndexDocument(MakeDocument(n, 1, 6)).ok());
      storage::WriteBatch batch;
      if (std::string(marker).empty()) {
        batch.Delete(cf::kMeta, "index_format");
      } else {
        batch.Put(cf::kMeta, "index_format", std::string(marker, 8));
      }
      ASSERT_TRUE(open.store->Write(batch, storage::Durability::kSynced).ok());
    }
    storage::RocksDbOptions rocks;
    rocks.path = dir.path();
    rocks.column_families = SearchColumnFamilies();
    rocks.zstd_column_families = SearchZstdColumnFamilies();
    auto store = storage::OpenRocksDbStore(rocks);
    ASSERT_TRUE(store.ok()) << store.status();
    auto index = SearchIndex::Open(store->get(), {});
    EXPECT_EQ(index.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(index.status().message()), ::testing::HasSubstr("rebuild"));
  }
  // A new store gets the current format and opens again.
  testing::TempDir fresh;
  { ASSERT_NE(Open(fresh.path(), {}).index, nullptr); }
  ASSERT_NE(Open(fresh.path(), {}).index, nullptr);
}

}  // namespace
}  // namespace newsgraph::search
