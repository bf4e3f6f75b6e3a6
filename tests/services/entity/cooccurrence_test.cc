#include "services/entity/cooccurrence.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/entity/entity_keyspace.h"
#include "tests/testing/entity_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity {
namespace {

using ::newsgraph::testing::StatusIs;
using newsgraph::v1::AnnotateDocumentResponse;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr int64_t kDay = 86400;
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
// An entity id that marks a value mention (no entity) in Mentions().
constexpr uint64_t kValue = 0;

struct Placed {
  uint64_t entity;  // kValue: a value without an entity
  uint32_t sentence;
};

// Annotations published at `seconds` with the given mentions, in order.
AnnotateDocumentResponse Annotations(int64_t seconds, const std::vector<Placed>& mentions) {
  AnnotateDocumentResponse annotations;
  annotations.mutable_published_time()->set_seconds(seconds);
  for (const Placed& p : mentions) {
    newsgraph::v1::Mention* m = annotations.add_mentions();
    if (p.entity != kValue) m->set_entity(absl::StrCat("entities/", p.entity));
    m->set_sentence_index(p.sentence);
  }
  return annotations;
}

// "Sentence 0. Sentence 1. ..." with the byte span of each sentence.
struct Text {
  std::string text;
  std::vector<std::pair<size_t, size_t>> sentences;
};
Text MakeText(int n) {
  Text t;
  for (int k = 0; k < n; ++k) {
    if (k > 0) t.text += " ";
    const size_t begin = t.text.size();
    absl::StrAppend(&t.text, "Sentence ", k, ".");
    t.sentences.emplace_back(begin, t.text.size());
  }
  return t;
}

class CooccurrenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NG_ASSERT_OK_AND_ASSIGN(store_, ::newsgraph::testing::OpenEntityStore(dir_.path()));
  }

  absl::Status Apply(const CooccurrenceUpdate& update) {
    storage::WriteBatch batch;
    if (absl::Status s = update.WriteTo(*store_, &batch); !s.ok()) return s;
    return store_->Write(batch, storage::Durability::kProcessCrashSafe);
  }

  // Records one document whose text has enough sentences for `mentions`.
  void Add(const std::string& doc, int64_t seconds, const std::vector<Placed>& mentions) {
    uint32_t last = 0;
    for (const Placed& p : mentions) last = std::max(last, p.sentence);
    const Text t = MakeText(static_cast<int>(last) + 1);
    const text::CodePointOffsets offsets(t.text);
    CooccurrenceUpdate update;
    ASSERT_THAT(
        update.AddDocument(doc, Annotations(seconds, mentions), t.text, t.sentences, offsets),
        ::newsgraph::testing::IsOk());
    ASSERT_THAT(Apply(update), ::newsgraph::testing::IsOk());
  }

  void Remove(const std::string& doc, int64_t seconds, const std::vector<Placed>& mentions,
              const IdResolver& resolve = nullptr) {
    CooccurrenceUpdate update;
    ASSERT_THAT(update.RemoveDocument(doc, Annotations(seconds, mentions), resolve),
                ::newsgraph::testing::IsOk());
    ASSERT_THAT(Apply(update), ::newsgraph::testing::IsOk());
  }

  absl::flat_hash_map<uint64_t, RelatedCounts> Related(uint64_t entity, int64_t start = kMin,
                                                       int64_t end = kMax, int max_evidence = 10,
                                                       const IdResolver& resolve = nullptr) {
    auto related = CountRelated(*store_, entity, start, end, max_evidence, resolve);
    EXPECT_THAT(related, ::newsgraph::testing::IsOk());
    return related.ok() ? *std::move(related) : absl::flat_hash_map<uint64_t, RelatedCounts>{};
  }

  int64_t CountSentences(uint64_t entity, int64_t start = kMin, int64_t end = kMax) {
    auto count = SentenceCount(*store_, entity, start, end);
    EXPECT_THAT(count, ::newsgraph::testing::IsOk());
    return count.ok() ? *count : -1;
  }

  // Number of records in a column family.
  int Records(storage::ColumnFamily cf) {
    std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf, {});
    int n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    return n;
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> store_;
};

using Evidence = std::pair<std::string, uint32_t>;

TEST_F(CooccurrenceTest, TwoEntitiesInASentenceAreRelatedBothWays) {
  Add("documents/a", 10 * kDay, {{1, 0}, {2, 0}});
  const auto from_1 = Related(1);
  ASSERT_EQ(from_1.size(), 1u);
  ASSERT_TRUE(from_1.contains(2));
  EXPECT_EQ(from_1.at(2).sentences, 1);
  EXPECT_EQ(from_1.at(2).documents, 1);
  EXPECT_THAT(from_1.at(2).evidence, ElementsAre(Evidence("documents/a", 0)));
  const auto from_2 = Related(2);
  ASSERT_EQ(from_2.size(), 1u);
  ASSERT_TRUE(from_2.contains(1));
  EXPECT_EQ(from_2.at(1).sentences, 1);
}

TEST_F(CooccurrenceTest, NoRelationsForAnUnknownEntity) {
  Add("documents/a", 10 * kDay, {{1, 0}, {2, 0}});
  EXPECT_THAT(Related(3), IsEmpty());
  EXPECT_EQ(CountSentences(3), 0);
}

TEST_F(CooccurrenceTest, OneEntitySentencesAreCountedButAreNoEvidence) {
  // Sentence 0 names entity 1 twice; sentence 1 names entity 2 alone.
  Add("documents/a", 10 * kDay, {{1, 0}, {1, 0}, {2, 1}});
  EXPECT_THAT(Related(1), IsEmpty());
  EXPECT_THAT(Related(2), IsEmpty());
  EXPECT_THAT(ReadEvidence(*store_, "documents/a", 0), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ReadEvidence(*store_, "documents/a", 1), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(CountSentences(1), 1);  // a repeated mention is one sentence
  EXPECT_EQ(CountSentences(2), 1);
  EXPECT_EQ(CountSentences(0), 2);  // every sentence with a named entity
}

TEST_F(CooccurrenceTest, ValueMentionsDoNotCount) {
  Add("documents/a", 10 * kDay, {{1, 0}, {kValue, 0}, {kValue, 1}});
  EXPECT_THAT(Related(1), IsEmpty());
  EXPECT_EQ(CountSentences(1), 1);
  EXPECT_EQ(CountSentences(0), 1);  // sentence 1 has no named entity
}

TEST_F(CooccurrenceTest, MalformedEntityNameIsAnError) {
  AnnotateDocumentResponse annotations = Annotations(kDay, {{1, 0}, {2, 0}});
  annotations.mutable_mentions(1)->set_entity("people/2");
  const Text t = MakeText(1);
  CooccurrenceUpdate update;
  EXPECT_FALSE(update
                   .AddDocument("documents/a", annotations, t.text, t.sentences,
                                text::CodePointOffsets(t.text))
                   .ok());
}

TEST_F(CooccurrenceTest, EvidenceHoldsTheSentenceWithCodePointAndByteSpans) {
  // Sentence 0 is 16 code points / 17 bytes ("é"); sentence 1 starts after
  // one space, at code point 17 / byte 18, and has 25 code points / 28 bytes
  // ("ë", "Ł", "ó").
  const std::string text = "Caf\xC3\xA9 owners met. Zo\xC3\xAB met \xC5\x81ukasz in Krak\xC3\xB3w.";
  const std::vector<std::pair<size_t, size_t>> sentences = {{0, 17}, {18, 46}};
  ASSERT_EQ(text.size(), 46u);
  CooccurrenceUpdate update;
  NG_ASSERT_OK(update.AddDocument("documents/a", Annotations(5 * kDay + 7, {{1, 1}, {2, 1}}), text,
                                  sentences, text::CodePointOffsets(text)));
  NG_ASSERT_OK(Apply(update));
  NG_ASSERT_OK_AND_ASSIGN(const newsgraph::v1::CooccurrenceEvidence evidence,
                          ReadEvidence(*store_, "documents/a", 1));
  EXPECT_EQ(evidence.document(), "documents/a");
  EXPECT_EQ(evidence.sentence_index(), 1u);
  EXPECT_EQ(evidence.text(), "Zo\xC3\xAB met \xC5\x81ukasz in Krak\xC3\xB3w.");
  EXPECT_EQ(evidence.span().begin(), 17u);
  EXPECT_EQ(evidence.span().end(), 42u);
  EXPECT_EQ(evidence.span().byte_begin(), 18u);
  EXPECT_EQ(evidence.span().byte_end(), 46u);
  EXPECT_EQ(evidence.published_time().seconds(), 5 * kDay + 7);
  EXPECT_THAT(ReadEvidence(*store_, "documents/a", 0), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ReadEvidence(*store_, "documents/b", 1), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(CooccurrenceTest, DocumentsAreCountedOncePerDocument) {
  Add("documents/a", 10 * kDay, {{1, 0}, {2, 0}, {1, 1}, {2, 1}});
  Add("documents/b", 11 * kDay, {{2, 0}, {1, 0}});
  const auto related = Related(1);
  ASSERT_TRUE(related.contains(2));
  EXPECT_EQ(related.at(2).sentences, 3);
  EXPECT_EQ(related.at(2).documents, 2);
  // Newest first: documents/b, then the two sentences of documents/a.
  ASSERT_EQ(related.at(2).evidence.size(), 3u);
  EXPECT_EQ(related.at(2).evidence[0], Evidence("documents/b", 0));
  EXPECT_THAT(
      std::vector<Evidence>(related.at(2).evidence.begin() + 1, related.at(2).evidence.end()),
      UnorderedElementsAre(Evidence("documents/a", 0), Evidence("documents/a", 1)));
}

TEST_F(CooccurrenceTest, EvidenceIsNewestFirstAndCapped) {
  for (int day = 1; day <= 4; ++day) {
    Add(absl::StrCat("documents/d", day), day * kDay, {{1, 0}, {2, 0}});
  }
  const auto two = Related(1, kMin, kMax, /*max_evidence=*/2);
  ASSERT_TRUE(two.contains(2));
  EXPECT_EQ(two.at(2).sentences, 4);  // the cap limits the evidence, not the counts
  EXPECT_EQ(two.at(2).documents, 4);
  EXPECT_THAT(two.at(2).evidence,
              ElementsAre(Evidence("documents/d4", 0), Evidence("documents/d3", 0)));
  const auto none = Related(1, kMin, kMax, /*max_evidence=*/0);
  ASSERT_TRUE(none.contains(2));
  EXPECT_EQ(none.at(2).sentences, 4);
  EXPECT_THAT(none.at(2).evidence, IsEmpty());
}

TEST_F(CooccurrenceTest, WindowIsStartInclusiveEndExclusivePerPartner) {
  const int64_t d1 = 10 * kDay, d2 = 20 * kDay, d3 = 30 * kDay;
  Add("documents/a", d1, {{1, 0}, {2, 0}});
  Add("documents/b", d2, {{1, 0}, {3, 0}});
  Add("documents/c", d3, {{1, 0}, {2, 0}});

  const auto all = Related(1);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all.at(2).sentences, 2);
  EXPECT_THAT(all.at(2).evidence,
              ElementsAre(Evidence("documents/c", 0), Evidence("documents/a", 0)));
  EXPECT_EQ(all.at(3).sentences, 1);

  const auto late = Related(1, d2, d3 + 1);
  ASSERT_EQ(late.size(), 2u);
  EXPECT_THAT(late.at(2).evidence, ElementsAre(Evidence("documents/c", 0)));
  EXPECT_THAT(late.at(3).evidence, ElementsAre(Evidence("documents/b", 0)));

  const auto early = Related(1, d1, d2);  // d2 itself is outside
  ASSERT_EQ(early.size(), 1u);
  EXPECT_THAT(early.at(2).evidence, ElementsAre(Evidence("documents/a", 0)));

  const auto middle = Related(1, d1 + 1, d3);  // excludes a (before) and c (at the end)
  ASSERT_EQ(middle.size(), 1u);
  EXPECT_THAT(middle.at(3).evidence, ElementsAre(Evidence("documents/b", 0)));

  EXPECT_THAT(Related(1, d3, d3), IsEmpty());
  EXPECT_THAT(Related(1, d3 + 1, kMax), IsEmpty());
}

TEST_F(CooccurrenceTest, PartnersAreResolved) {
  Add("documents/a", kDay, {{1, 0}, {2, 0}});
  const auto renamed = Related(
      1, kMin, kMax, 10, [](uint64_t id) -> absl::StatusOr<uint64_t> { return id == 2 ? 5 : id; });
  ASSERT_EQ(renamed.size(), 1u);
  EXPECT_EQ(renamed.at(5).sentences, 1);
  // A partner merged into the entity itself is not related to it.
  const auto merged = Related(
      1, kMin, kMax, 10, [](uint64_t id) -> absl::StatusOr<uint64_t> { return id == 2 ? 1 : id; });
  EXPECT_THAT(merged, IsEmpty());
}

TEST_F(CooccurrenceTest, ResolverErrorIsReturned) {
  Add("documents/a", kDay, {{1, 0}, {2, 0}});
  EXPECT_THAT(CountRelated(
                  *store_, 1, kMin, kMax, 10,
                  [](uint64_t) -> absl::StatusOr<uint64_t> { return absl::NotFoundError("gone"); }),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(CooccurrenceTest, StopEndsTheScanWithCancelled) {
  // More evidence keys than one polling interval (1,024).
  std::vector<Placed> mentions;
  for (uint32_t s = 0; s < 1100; ++s) {
    mentions.push_back({1, s});
    mentions.push_back({2, s});
  }
  Add("documents/long", kDay, mentions);
  EXPECT_THAT(CountRelated(*store_, 1, kMin, kMax, 10, nullptr, [] { return true; }),
              StatusIs(absl::StatusCode::kCancelled));
  NG_ASSERT_OK_AND_ASSIGN(auto related,
                          CountRelated(*store_, 1, kMin, kMax, 10, nullptr, [] { return false; }));
  EXPECT_EQ(related.at(2).sentences, 1100);
  EXPECT_EQ(related.at(2).documents, 1);
}

TEST_F(CooccurrenceTest, SentenceCountByDayWindow) {
  Add("documents/a", 10 * kDay + 5, {{1, 0}});
  Add("documents/b", 20 * kDay + 5, {{1, 0}, {1, 1}});
  EXPECT_EQ(CountSentences(1), 3);
  EXPECT_EQ(CountSentences(1, 10 * kDay, 11 * kDay), 1);
  EXPECT_EQ(CountSentences(1, 11 * kDay, 20 * kDay), 0);
  EXPECT_EQ(CountSentences(1, 20 * kDay, 21 * kDay), 2);
  EXPECT_EQ(CountSentences(1, 10 * kDay, 21 * kDay), 3);
  EXPECT_EQ(CountSentences(1, kMin, 15 * kDay), 1);
  EXPECT_EQ(CountSentences(1, 15 * kDay, kMax), 2);
  EXPECT_EQ(CountSentences(0, 20 * kDay, 21 * kDay), 2);
}

TEST_F(CooccurrenceTest, CountersAddUpAcrossWrites) {
  Add("documents/a", 3 * kDay, {{1, 0}, {2, 0}});
  Add("documents/b", 3 * kDay, {{1, 0}});
  EXPECT_EQ(CountSentences(1), 2);
  EXPECT_EQ(CountSentences(1, 3 * kDay, 4 * kDay), 2);
  EXPECT_EQ(CountSentences(2), 1);
  EXPECT_EQ(CountSentences(0), 2);
}

TEST_F(CooccurrenceTest, RemoveDocumentUndoesAddDocument) {
  const std::vector<Placed> mentions = {{1, 0}, {2, 0}, {3, 0}, {1, 1}};
  Add("documents/a", 7 * kDay, mentions);
  Add("documents/b", 7 * kDay, {{1, 0}, {2, 0}});
  Remove("documents/a", 7 * kDay, mentions);
  const auto related = Related(1);
  ASSERT_EQ(related.size(), 1u);
  EXPECT_THAT(related.at(2).evidence, ElementsAre(Evidence("documents/b", 0)));
  EXPECT_EQ(CountSentences(1), 1);
  EXPECT_EQ(CountSentences(3), 0);
  EXPECT_THAT(ReadEvidence(*store_, "documents/a", 0), StatusIs(absl::StatusCode::kNotFound));
  Remove("documents/b", 7 * kDay, {{1, 0}, {2, 0}});
  EXPECT_EQ(Records(cf::kPairEvidence), 0);
  EXPECT_EQ(Records(cf::kSentences), 0);
  EXPECT_EQ(Records(cf::kEntityDays), 0);  // counters at zero are deleted
}

TEST_F(CooccurrenceTest, ReannotationInOneUpdateReplacesTheRecords) {
  const AnnotateDocumentResponse before = Annotations(kDay, {{1, 0}, {2, 0}});
  Add("documents/a", kDay, {{1, 0}, {2, 0}});
  const Text t = MakeText(1);
  CooccurrenceUpdate update;
  NG_ASSERT_OK(update.RemoveDocument("documents/a", before, nullptr));
  NG_ASSERT_OK(update.AddDocument("documents/a", Annotations(kDay, {{1, 0}, {3, 0}}), t.text,
                                  t.sentences, text::CodePointOffsets(t.text)));
  NG_ASSERT_OK(Apply(update));
  const auto related = Related(1);
  ASSERT_EQ(related.size(), 1u);
  EXPECT_TRUE(related.contains(3));
  EXPECT_THAT(Related(2), IsEmpty());
  EXPECT_EQ(CountSentences(1), 1);
  EXPECT_EQ(CountSentences(2), 0);
  EXPECT_EQ(CountSentences(3), 1);
  EXPECT_EQ(CountSentences(0), 1);
  NG_EXPECT_OK(ReadEvidence(*store_, "documents/a", 0));
}

TEST_F(CooccurrenceTest, MoveCooccurrenceMovesPairsAndCounters) {
  Add("documents/a", kDay, {{1, 0}, {2, 0}});
  Add("documents/b", 2 * kDay, {{4, 0}, {1, 0}});
  storage::WriteBatch batch;
  StopPoller never({}, "merge");
  NG_ASSERT_OK(MoveCooccurrence(*store_, 1, 3, &never, &batch));
  NG_ASSERT_OK(store_->Write(batch, storage::Durability::kProcessCrashSafe));
  EXPECT_THAT(Related(1), IsEmpty());
  const auto related = Related(3);
  ASSERT_EQ(related.size(), 2u);
  EXPECT_THAT(related.at(2).evidence, ElementsAre(Evidence("documents/a", 0)));
  EXPECT_THAT(related.at(4).evidence, ElementsAre(Evidence("documents/b", 0)));
  const auto from_2 = Related(2);
  ASSERT_EQ(from_2.size(), 1u);
  EXPECT_TRUE(from_2.contains(3));
  EXPECT_EQ(CountSentences(1), 0);
  EXPECT_EQ(CountSentences(3), 2);
  EXPECT_EQ(CountSentences(3, kDay, 2 * kDay), 1);
}

TEST_F(CooccurrenceTest, MoveCooccurrenceStopsWhenAsked) {
  Add("documents/a", kDay, {{1, 0}, {2, 0}});
  storage::WriteBatch batch;
  StopPoller stopped([] { return true; }, "MergeEntities");
  EXPECT_THAT(MoveCooccurrence(*store_, 1, 3, &stopped, &batch),
              StatusIs(absl::StatusCode::kCancelled, ::testing::HasSubstr("MergeEntities")));
}

TEST_F(CooccurrenceTest, MergingEntitiesOfOneSentenceCountsTheSentenceOnce) {
  // Entities 1 and 3 share sentence 0 of documents/b; after 1 is merged into
  // 3, the sentences mentioning 3 are documents/a:0 and documents/b:0.
  Add("documents/a", kDay, {{1, 0}, {2, 0}});
  Add("documents/b", kDay, {{1, 0}, {3, 0}});
  storage::WriteBatch batch;
  StopPoller never({}, "merge");
  NG_ASSERT_OK(MoveCooccurrence(*store_, 1, 3, &never, &batch));
  NG_ASSERT_OK(store_->Write(batch, storage::Durability::kProcessCrashSafe));
  EXPECT_EQ(CountSentences(3), 2);
  EXPECT_EQ(CountSentences(3, kDay, 2 * kDay), 2);
  // The pair of 1 and 3 became the entity with itself: no relation.
  const auto related = Related(3);
  ASSERT_EQ(related.size(), 1u);
  EXPECT_TRUE(related.contains(2));
}

TEST_F(CooccurrenceTest, RemovingDocumentsAfterAMergeLeavesNothing) {
  Add("documents/a", kDay, {{1, 0}, {2, 0}});
  Add("documents/b", kDay, {{1, 0}, {3, 0}});
  storage::WriteBatch batch;
  StopPoller never({}, "merge");
  NG_ASSERT_OK(MoveCooccurrence(*store_, 1, 3, &never, &batch));
  NG_ASSERT_OK(store_->Write(batch, storage::Durability::kProcessCrashSafe));
  // The stored annotations still name entity 1, now resolved to 3.
  const IdResolver merged = [](uint64_t id) -> absl::StatusOr<uint64_t> {
    return id == 1 ? 3 : id;
  };
  Remove("documents/a", kDay, {{1, 0}, {2, 0}}, merged);
  Remove("documents/b", kDay, {{1, 0}, {3, 0}}, merged);
  EXPECT_EQ(CountSentences(3), 0);
  EXPECT_EQ(CountSentences(2), 0);
  EXPECT_EQ(CountSentences(0), 0);
  EXPECT_EQ(Records(cf::kPairEvidence), 0);
  EXPECT_EQ(Records(cf::kSentences), 0);
  EXPECT_EQ(Records(cf::kEntityDays), 0);
}

}  // namespace
}  // namespace newsgraph::entity
