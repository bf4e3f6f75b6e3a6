// SearchIndex's write-out (segment_merger.cc): flushing the in-memory
// segment, the term dictionary, and merging segments (smallest adjacent pair
// first, ForceMerge), checked through the index's public methods and the
// store layout documented in search_keyspace.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/search/analyzer.h"
#include "services/search/document_terms.h"
#include "services/search/posting_codec.h"
#include "services/search/search_index.h"
#include "services/search/search_keyspace.h"
#include "storage/key_codec.h"
#include "storage/testing/faulty_kv_store.h"
#include "tests/testing/search_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::search {
namespace {

using ::newsgraph::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A segment's registry entry in `meta`.
struct Registered {
  uint64_t first_doc = 0;
  uint64_t last_doc = 0;
  uint64_t documents = 0;
  bool operator==(const Registered& o) const {
    return first_doc == o.first_doc && last_doc == o.last_doc && documents == o.documents;
  }
};

void PrintTo(const Registered& r, std::ostream* os) {
  *os << "{docs " << r.first_doc << ".." << r.last_doc << ", live " << r.documents << "}";
}

bool SamePostings(const std::vector<Posting>& a, const std::vector<Posting>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].doc != b[i].doc || a[i].title_tf != b[i].title_tf || a[i].body_tf != b[i].body_tf ||
        a[i].positions != b[i].positions || a[i].salience != b[i].salience) {
      return false;
    }
  }
  return true;
}

std::string T(const std::string& word) { return AnalyzeWord(word, "en"); }

class SegmentMergerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ::newsgraph::testing::OpenSearchStore(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    faulty_ = std::make_unique<storage::testing::FaultyKvStore>(store_.get());
  }

  // Opens the index on the fault-injecting wrapper; flushes are manual
  // unless `flush_documents` is given.
  void Open(SearchIndexOptions options) {
    index_.reset();
    auto index = SearchIndex::Open(faulty_.get(), options);
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = *std::move(index);
  }
  static SearchIndexOptions Manual(size_t max_segments = 6, size_t max_merge_documents = 262144) {
    SearchIndexOptions options;
    options.flush_documents = 1u << 30;
    options.max_segments = max_segments;
    options.max_merge_documents = max_merge_documents;
    return options;
  }

  void Add(const std::string& name, const std::string& title, const std::string& body,
           const std::vector<std::pair<std::string, float>>& entities = {}) {
    newsgraph::v1::IndexDocumentRequest request;
    auto* doc = request.mutable_document();
    doc->set_name(name);
    doc->set_version(1);
    doc->set_title(title);
    doc->set_text(body);
    doc->set_language("en");
    for (const auto& [entity, salience] : entities) {
      auto* e = request.add_entities();
      e->set_entity(entity);
      e->set_type(newsgraph::v1::PERSON);
      e->set_mention_count(1);
      e->set_salience(salience);
    }
    auto applied = index_->IndexDocument(request);
    ASSERT_TRUE(applied.ok()) << applied.status();
  }
  void Remove(const std::string& name) {
    auto removed = index_->RemoveDocument(name);
    ASSERT_TRUE(removed.ok()) << removed.status();
    ASSERT_TRUE(*removed) << name;
  }
  // Indexes `count` documents named <prefix>0.. and flushes them as one segment.
  void FlushSegment(const std::string& prefix, int count) {
    for (int i = 0; i < count; ++i) {
      Add(absl::StrCat(prefix, i), "Harbour report", absl::StrCat("Cargo ", prefix, " arrived."));
    }
    NG_ASSERT_OK(index_->Flush());
  }

  // The segment registry, by segment id.
  std::map<uint64_t, Registered> Registry() {
    std::map<uint64_t, Registered> out;
    std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kMeta);
    const std::string prefix = "segment:";
    for (it->Seek(prefix); it->Valid() && absl::StartsWith(it->key(), prefix); it->Next()) {
      const absl::string_view key = it->key();
      const absl::string_view value = it->value();
      EXPECT_EQ(key.size(), prefix.size() + 8);
      EXPECT_EQ(value.size(), 24u);
      if (key.size() != prefix.size() + 8 || value.size() != 24) continue;
      out[storage::DecodeBigEndian64(key.data() + prefix.size())] = {
          storage::DecodeBigEndian64(value.data()), storage::DecodeBigEndian64(value.data() + 8),
          storage::DecodeBigEndian64(value.data() + 16)};
    }
    EXPECT_TRUE(it->status().ok());
    return out;
  }
  // Segment ids that have keys in the segments keyspace.
  std::set<uint64_t> SegmentsWithPostings() {
    std::set<uint64_t> ids;
    std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kSegments);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      EXPECT_GE(it->key().size(), 9u);
      if (it->key().size() >= 9) ids.insert(storage::DecodeBigEndian64(it->key().data()));
    }
    return ids;
  }
  bool InDictionary(const std::string& term) {
    auto value = store_->Get(cf::kTerms, term);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() && value->has_value();
  }
  std::vector<Posting> Read(const std::string& term) {
    auto postings = index_->ReadPostings(term, /*with_positions=*/true);
    EXPECT_TRUE(postings.ok()) << postings.status();
    return postings.ok() ? *std::move(postings) : std::vector<Posting>();
  }
  uint64_t DocumentFrequency(const std::string& term) {
    SearchIndexReader reader(index_.get());
    auto df = reader.DocumentFrequency(term);
    EXPECT_TRUE(df.ok()) << df.status();
    return df.ok() ? *df : 0;
  }
  void Corrupt(uint64_t segment, char kind, const std::string& term, const std::string& value) {
    std::string key = storage::EncodeBigEndian64(segment);
    key.push_back(kind);
    key += term;
    storage::WriteBatch batch;
    batch.Put(cf::kSegments, key, value);
    NG_ASSERT_OK(store_->Write(batch, storage::Durability::kSynced));
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<storage::testing::FaultyKvStore> faulty_;
  std::unique_ptr<SearchIndex> index_;
};

TEST_F(SegmentMergerTest, FlushingNothingWritesNoSegment) {
  Open(Manual());
  NG_ASSERT_OK(index_->Flush());
  NG_ASSERT_OK(index_->Flush());
  EXPECT_EQ(index_->SegmentCount(), 0u);
  EXPECT_THAT(Registry(), IsEmpty());
  EXPECT_THAT(SegmentsWithPostings(), IsEmpty());
}

TEST_F(SegmentMergerTest, FlushWritesOneSegmentItsRegistryAndItsTermsToTheDictionary) {
  Open(Manual());
  Add("a", "Wheat harvest", "Farmers sold the grain early.");
  Add("b", "Grain prices", "Prices rose.", {{"Zhang Ming", 0.75f}});
  const std::vector<Posting> grain = Read(T("grain"));
  const std::vector<Posting> entity = Read(EntityTerm("Zhang Ming"));
  ASSERT_EQ(grain.size(), 2u);
  ASSERT_EQ(entity.size(), 1u);
  EXPECT_FALSE(InDictionary(T("grain")));  // the dictionary holds terms of segments

  NG_ASSERT_OK(index_->Flush());
  EXPECT_EQ(index_->SegmentCount(), 1u);
  EXPECT_THAT(Registry(), ElementsAre(std::pair<const uint64_t, Registered>(1, {1, 2, 2})));
  EXPECT_THAT(SegmentsWithPostings(), ElementsAre(1u));
  for (const char* word : {"wheat", "harvest", "farmers", "grain", "prices", "rose"}) {
    EXPECT_TRUE(InDictionary(T(word))) << word;
  }
  EXPECT_TRUE(InDictionary(EntityTerm("Zhang Ming")));
  // What queries read does not change.
  EXPECT_TRUE(SamePostings(Read(T("grain")), grain));
  EXPECT_TRUE(SamePostings(Read(EntityTerm("Zhang Ming")), entity));
  EXPECT_NEAR(Read(EntityTerm("Zhang Ming"))[0].salience, 0.75f, 1e-3);
}

TEST_F(SegmentMergerTest, TheRegistryCountsOnlyLiveDocuments) {
  Open(Manual());
  Add("a", "Port strike", "Dockers walked out.");
  Add("b", "Port strike ends", "Dockers returned.");
  Add("c", "Port reopens", "Ships berthed.");
  Remove("b");
  NG_ASSERT_OK(index_->Flush());
  EXPECT_THAT(Registry(), ElementsAre(std::pair<const uint64_t, Registered>(1, {1, 3, 2})));
  // Terms only the removed document held are not written.
  EXPECT_FALSE(InDictionary(T("returned")));
  EXPECT_TRUE(InDictionary(T("dockers")));
  EXPECT_EQ(DocumentFrequency(T("dockers")), 1u);
}

TEST_F(SegmentMergerTest, FlushingOnlyRemovedDocumentsWritesNoSegmentAndKeepsTheId) {
  Open(Manual());
  Add("gone", "Volcano erupts", "Ash fell.");
  Remove("gone");
  NG_ASSERT_OK(index_->Flush());
  EXPECT_EQ(index_->SegmentCount(), 0u);
  EXPECT_THAT(Registry(), IsEmpty());
  EXPECT_THAT(SegmentsWithPostings(), IsEmpty());
  EXPECT_FALSE(InDictionary(T("volcano")));

  Add("kept", "Volcano quiet", "Flights resumed.");
  NG_ASSERT_OK(index_->Flush());
  // Segment 1 was never written, so the next segment is 1; its first
  // document is the one after those already flushed.
  EXPECT_THAT(Registry(), ElementsAre(std::pair<const uint64_t, Registered>(1, {2, 2, 1})));
}

TEST_F(SegmentMergerTest, TheSmallestAdjacentPairIsMergedFirst) {
  Open(Manual(/*max_segments=*/3));
  FlushSegment("a", 3);  // segment 1: documents 1-3
  FlushSegment("b", 1);  // segment 2: 4
  FlushSegment("c", 1);  // segment 3: 5
  EXPECT_EQ(index_->SegmentCount(), 3u);
  FlushSegment("d", 3);  // segment 4: 6-8; four segments: 2 and 3 (two documents) merge
  EXPECT_EQ(index_->SegmentCount(), 3u);
  EXPECT_THAT(Registry(), ElementsAre(std::pair<const uint64_t, Registered>(1, {1, 3, 3}),
                                      std::pair<const uint64_t, Registered>(4, {6, 8, 3}),
                                      std::pair<const uint64_t, Registered>(5, {4, 5, 2})));
  EXPECT_THAT(SegmentsWithPostings(), ElementsAre(1u, 4u, 5u));
  EXPECT_EQ(Read(T("cargo")).size(), 8u);
}

TEST_F(SegmentMergerTest, AmongEqualPairsTheEarliestIsMerged) {
  Open(Manual(/*max_segments=*/2));
  FlushSegment("a", 1);
  FlushSegment("b", 1);
  FlushSegment("c", 1);
  EXPECT_EQ(index_->SegmentCount(), 2u);
  EXPECT_THAT(Registry(), ElementsAre(std::pair<const uint64_t, Registered>(3, {3, 3, 1}),
                                      std::pair<const uint64_t, Registered>(4, {1, 2, 2})));
}

TEST_F(SegmentMergerTest, MergingRepeatsUntilAtMostMaxSegmentsRemain) {
  Open(Manual(/*max_segments=*/1));
  for (int s = 0; s < 5; ++s) FlushSegment(absl::StrCat("s", s, "-"), 1);
  EXPECT_EQ(index_->SegmentCount(), 1u);
  const std::map<uint64_t, Registered> registry = Registry();
  ASSERT_EQ(registry.size(), 1u);
  EXPECT_EQ(registry.begin()->second, (Registered{1, 5, 5}));
  EXPECT_EQ(SegmentsWithPostings(), std::set<uint64_t>{registry.begin()->first});
  EXPECT_EQ(Read(T("harbour")).size(), 5u);
}

TEST_F(SegmentMergerTest, PairsOverMaxMergeDocumentsAreNeverMerged) {
  Open(Manual(/*max_segments=*/1, /*max_merge_documents=*/3));
  FlushSegment("a", 2);
  FlushSegment("b", 2);
  FlushSegment("c", 2);
  // Every pair would hold four documents: more segments than allowed stay.
  EXPECT_EQ(index_->SegmentCount(), 3u);
  FlushSegment("d", 1);
  // Only segments 3 and 4 (three documents) may merge; then nothing can.
  EXPECT_EQ(index_->SegmentCount(), 3u);
  EXPECT_THAT(Registry(), ElementsAre(std::pair<const uint64_t, Registered>(1, {1, 2, 2}),
                                      std::pair<const uint64_t, Registered>(2, {3, 4, 2}),
                                      std::pair<const uint64_t, Registered>(5, {5, 7, 3})));
}

TEST_F(SegmentMergerTest, ForceMergeKeepsEveryPostingWithPositionsAndSalience) {
  Open(Manual());
  Add("a", "Grain exports", "Grain ships left the grain port.", {{"Ana Lopez", 0.9f}});
  NG_ASSERT_OK(index_->Flush());
  Add("b", "Talks on grain", "Ministers met.", {{"Ana Lopez", 0.25f}});
  Add("c", "Grain", "No grain today.");
  NG_ASSERT_OK(index_->Flush());
  Add("d", "Port quiet", "Grain waits.");  // still in memory: ForceMerge flushes it
  ASSERT_EQ(index_->SegmentCount(), 2u);
  std::map<std::string, std::vector<Posting>> before;
  const std::vector<std::string> terms = {T("grain"),        T("port"),  T("ships"),
                                          T("talks"),        T("quiet"), EntityTerm("Ana Lopez"),
                                          LanguageTerm("en")};
  for (const std::string& term : terms) before[term] = Read(term);
  ASSERT_EQ(before[T("grain")].size(), 4u);

  NG_ASSERT_OK(index_->ForceMerge());
  EXPECT_EQ(index_->SegmentCount(), 1u);
  EXPECT_THAT(Registry(), ElementsAre(std::pair<const uint64_t, Registered>(4, {1, 4, 4})));
  EXPECT_THAT(SegmentsWithPostings(), ElementsAre(4u));
  for (const std::string& term : terms) {
    EXPECT_TRUE(SamePostings(Read(term), before[term])) << term;
  }
  const std::vector<Posting> entity = Read(EntityTerm("Ana Lopez"));
  ASSERT_EQ(entity.size(), 2u);
  EXPECT_NEAR(entity[0].salience, 0.9f, 1e-3);
  EXPECT_NEAR(entity[1].salience, 0.25f, 1e-3);
  const std::vector<Posting> grain = Read(T("grain"));
  EXPECT_EQ(grain[0].title_tf, 1u);
  EXPECT_EQ(grain[0].body_tf, 2u);
  EXPECT_EQ(grain[0].positions.size(), 3u);
}

TEST_F(SegmentMergerTest, ForceMergeOfOneSegmentOrNoneRewritesNothing) {
  Open(Manual());
  NG_ASSERT_OK(index_->ForceMerge());
  EXPECT_EQ(index_->SegmentCount(), 0u);
  Add("a", "Lone story", "Nothing else.");
  NG_ASSERT_OK(index_->ForceMerge());  // flushes the in-memory segment
  EXPECT_THAT(Registry(), ElementsAre(std::pair<const uint64_t, Registered>(1, {1, 1, 1})));
  NG_ASSERT_OK(index_->ForceMerge());
  EXPECT_THAT(Registry(), ElementsAre(std::pair<const uint64_t, Registered>(1, {1, 1, 1})));
}

TEST_F(SegmentMergerTest, MergingDropsRemovedDocumentsAndTermsNoSegmentHoldsAnyMore) {
  Open(Manual());
  Add("a", "Zebra escapes", "Alpha keeper chased it.");
  NG_ASSERT_OK(index_->Flush());
  Add("b", "Zebra caught", "Keeper relieved.");
  Add("c", "Zoo reopens", "Keeper smiles.");
  NG_ASSERT_OK(index_->Flush());
  Remove("a");
  Remove("b");
  EXPECT_EQ(DocumentFrequency(T("keeper")), 3u);  // dead postings count until merged
  EXPECT_TRUE(InDictionary(T("alpha")));

  NG_ASSERT_OK(index_->ForceMerge());
  EXPECT_EQ(DocumentFrequency(T("keeper")), 1u);
  EXPECT_EQ(Read(T("keeper")).size(), 1u);
  for (const char* gone : {"zebra", "alpha", "escapes", "caught", "relieved"}) {
    EXPECT_FALSE(InDictionary(T(gone))) << gone;
    EXPECT_THAT(Read(T(gone)), IsEmpty()) << gone;
  }
  for (const char* kept : {"zoo", "reopens", "keeper", "smiles"}) {
    EXPECT_TRUE(InDictionary(T(kept))) << kept;
  }
  EXPECT_THAT(Registry(), ElementsAre(std::pair<const uint64_t, Registered>(3, {1, 3, 1})));
}

TEST_F(SegmentMergerTest, ATermEmptiedByAMergeStaysWhileAnotherSegmentHoldsIt) {
  Open(Manual(/*max_segments=*/2));
  Add("a", "Zebra alpha", "Seen at dawn.");
  NG_ASSERT_OK(index_->Flush());  // segment 1
  Add("b", "Beta", "Seen at noon.");
  NG_ASSERT_OK(index_->Flush());  // segment 2
  Remove("a");
  Add("c", "Zebra gamma", "Seen at dusk.");
  Add("d", "Delta", "Seen at night.");
  NG_ASSERT_OK(index_->Flush());  // segment 3; segments 1 and 2 merge into 4
  EXPECT_EQ(index_->SegmentCount(), 2u);
  EXPECT_THAT(Registry(), ElementsAre(std::pair<const uint64_t, Registered>(3, {3, 4, 2}),
                                      std::pair<const uint64_t, Registered>(4, {1, 2, 1})));
  EXPECT_THAT(SegmentsWithPostings(), ElementsAre(3u, 4u));
  EXPECT_FALSE(InDictionary(T("alpha")));
  EXPECT_TRUE(InDictionary(T("zebra")));  // segment 3 still has it
  EXPECT_TRUE(InDictionary(T("beta")));
  EXPECT_EQ(DocumentFrequency(T("zebra")), 1u);
  SearchIndexReader reader(index_.get());
  NG_ASSERT_OK_AND_ASSIGN(std::vector<std::string> expanded, reader.ExpandPrefix(T("zebra"), 10));
  EXPECT_THAT(expanded, ElementsAre(T("zebra")));
}

TEST_F(SegmentMergerTest, MergingSegmentsWhoseDocumentsAreAllRemovedLeavesNoPostings) {
  Open(Manual());
  Add("a", "Storm warning", "Winds rising.");
  NG_ASSERT_OK(index_->Flush());
  Add("b", "Storm passes", "Winds falling.");
  NG_ASSERT_OK(index_->Flush());
  Remove("a");
  Remove("b");
  NG_ASSERT_OK(index_->ForceMerge());
  EXPECT_LE(index_->SegmentCount(), 1u);
  EXPECT_THAT(SegmentsWithPostings(), IsEmpty());
  for (const char* word : {"storm", "warning", "winds", "passes"}) {
    EXPECT_FALSE(InDictionary(T(word))) << word;
  }
  EXPECT_FALSE(InDictionary(LanguageTerm("en")));
}

TEST_F(SegmentMergerTest, AMergedIndexReopensWithTheSameSegmentsAndPostings) {
  Open(Manual());
  FlushSegment("a", 2);
  FlushSegment("b", 3);
  Remove("a0");
  NG_ASSERT_OK(index_->ForceMerge());
  const std::map<uint64_t, Registered> registry = Registry();
  const std::vector<Posting> cargo = Read(T("cargo"));
  ASSERT_EQ(cargo.size(), 4u);
  Open(Manual());
  EXPECT_EQ(index_->SegmentCount(), 1u);
  EXPECT_EQ(index_->RecoveredAtOpen(), 0u);
  EXPECT_EQ(Registry(), registry);
  EXPECT_TRUE(SamePostings(Read(T("cargo")), cargo));
  // New segments get ids after the merged one.
  FlushSegment("c", 1);
  EXPECT_EQ(Registry().rbegin()->first, registry.rbegin()->first + 1);
}

TEST_F(SegmentMergerTest, ACorruptPostingListFailsTheMergeWithDataLossAndChangesNothing) {
  Open(Manual());
  FlushSegment("a", 2);
  FlushSegment("b", 2);
  const std::map<uint64_t, Registered> registry = Registry();
  Corrupt(1, 'd', T("harbour"), "");
  EXPECT_THAT(index_->ForceMerge(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("posting list in segment 1")));
  EXPECT_EQ(index_->SegmentCount(), 2u);
  EXPECT_EQ(Registry(), registry);
  EXPECT_THAT(SegmentsWithPostings(), ElementsAre(1u, 2u));
}

TEST_F(SegmentMergerTest, CorruptPositionsFailTheMergeWithDataLossNamingTheTerm) {
  Open(Manual());
  FlushSegment("a", 2);
  FlushSegment("b", 2);
  Corrupt(2, 'p', T("cargo"), "");
  EXPECT_THAT(index_->ForceMerge(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(absl::StrCat("positions of '", T("cargo"), "' in segment 2"))));
  EXPECT_EQ(index_->SegmentCount(), 2u);
}

TEST_F(SegmentMergerTest, AFailedFlushWriteKeepsTheDocumentsInMemoryForTheNextFlush) {
  Open(Manual());
  Add("a", "Bridge closed", "Repairs start.");
  faulty_->FailWrite(1, absl::UnavailableError("injected flush failure"));
  EXPECT_THAT(index_->Flush(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("injected flush failure")));
  EXPECT_EQ(index_->SegmentCount(), 0u);
  EXPECT_THAT(Registry(), IsEmpty());
  EXPECT_FALSE(InDictionary(T("bridge")));
  EXPECT_EQ(Read(T("bridge")).size(), 1u);
  NG_ASSERT_OK(index_->Flush());
  EXPECT_THAT(Registry(), ElementsAre(std::pair<const uint64_t, Registered>(1, {1, 1, 1})));
  EXPECT_TRUE(InDictionary(T("bridge")));
  EXPECT_EQ(Read(T("bridge")).size(), 1u);
}

TEST_F(SegmentMergerTest, AFailedMergeWriteKeepsTheSegmentsAndCanBeRetried) {
  Open(Manual());
  FlushSegment("a", 2);
  FlushSegment("b", 1);
  const std::map<uint64_t, Registered> registry = Registry();
  faulty_->FailWrite(1, absl::UnavailableError("injected merge failure"));
  EXPECT_THAT(index_->ForceMerge(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("injected merge failure")));
  EXPECT_EQ(index_->SegmentCount(), 2u);
  EXPECT_EQ(Registry(), registry);
  EXPECT_EQ(Read(T("cargo")).size(), 3u);
  NG_ASSERT_OK(index_->ForceMerge());
  EXPECT_EQ(index_->SegmentCount(), 1u);
  EXPECT_THAT(Registry(), ElementsAre(std::pair<const uint64_t, Registered>(3, {1, 3, 3})));
  EXPECT_EQ(Read(T("cargo")).size(), 3u);
}

TEST_F(SegmentMergerTest, AFailedReadDuringAMergeIsReturned) {
  Open(Manual());
  FlushSegment("a", 1);
  FlushSegment("b", 1);
  faulty_->FailGet(1, absl::UnavailableError("injected read failure"));
  EXPECT_THAT(index_->ForceMerge(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("injected read failure")));
  EXPECT_EQ(index_->SegmentCount(), 2u);
  NG_ASSERT_OK(index_->ForceMerge());
  EXPECT_EQ(index_->SegmentCount(), 1u);
}

}  // namespace
}  // namespace newsgraph::search
