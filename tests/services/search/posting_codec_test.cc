#include "services/search/posting_codec.h"

#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace newsgraph::search {
namespace {

// A posting list of `n` documents with random gaps, frequencies and
// positions (title positions first, then body positions).
std::vector<Posting> RandomPostings(size_t n, uint32_t seed, bool with_positions) {
  std::mt19937 random(seed);
  std::vector<Posting> postings;
  uint64_t doc = 0;
  for (size_t i = 0; i < n; ++i) {
    Posting p;
    doc += 1 + random() % (i % 7 == 0 ? 100000 : 5);
    p.doc = doc;
    p.title_tf = random() % 3;
    p.body_tf = (p.title_tf == 0 ? 1 : 0) + random() % 4;
    p.salience = with_positions ? 0.0f : static_cast<float>(random() % 1001) / 1000.0f;
    if (with_positions) {
      uint32_t position = 0;
      for (uint32_t k = 0; k < p.title_tf; ++k) p.positions.push_back(position += 1 + random() % 3);
      position = kBodyOffset;
      for (uint32_t k = 0; k < p.body_tf; ++k) p.positions.push_back(position += random() % 900);
    }
    postings.push_back(std::move(p));
  }
  return postings;
}

void Encode(const std::vector<Posting>& postings, std::string* list, std::string* positions) {
  PostingListWriter writer;
  for (const Posting& p : postings) writer.Add(p);
  EXPECT_EQ(writer.count(), postings.size());
  writer.Finish(list, positions);
}

TEST(PostingCodecTest, RoundTripsBlocksFrequenciesSaliencesAndPositions) {
  for (size_t n : {0, 1, 127, 128, 129, 1000}) {
    for (bool with_positions : {true, false}) {
      const std::vector<Posting> postings = RandomPostings(n, static_cast<uint32_t>(n), with_positions);
      std::string list, positions;
      Encode(postings, &list, &positions);
      EXPECT_EQ(positions.empty(), !with_positions || n == 0);
      PostingCursor cursor;
      ASSERT_TRUE(cursor.Init(list, positions)) << n;
      EXPECT_EQ(cursor.count(), n);
      std::vector<uint32_t> decoded_positions;
      for (const Posting& want : postings) {
        ASSERT_EQ(cursor.doc(), want.doc);
        EXPECT_EQ(cursor.title_tf(), want.title_tf);
        EXPECT_EQ(cursor.body_tf(), want.body_tf);
        EXPECT_NEAR(cursor.salience(), want.salience, 0.0006);
        if (with_positions) {
          ASSERT_TRUE(cursor.Positions(&decoded_positions));
          EXPECT_EQ(decoded_positions, want.positions) << "doc " << want.doc;
        }
        cursor.Next();
      }
      EXPECT_EQ(cursor.doc(), kNoMoreDocs);
      EXPECT_FALSE(cursor.corrupt());
    }
  }
}

TEST(PostingCodecTest, AdvanceSkipsBlocksAndKeepsPositionsInStep) {
  const std::vector<Posting> postings = RandomPostings(5000, 7, true);
  std::string list, positions;
  Encode(postings, &list, &positions);
  std::mt19937 random(3);
  PostingCursor cursor;
  ASSERT_TRUE(cursor.Init(list, positions));
  size_t i = 0;
  std::vector<uint32_t> decoded;
  while (i < postings.size()) {
    const uint64_t target = postings[i].doc + random() % 3000;
    cursor.Advance(target);
    while (i < postings.size() && postings[i].doc < target) ++i;
    if (i == postings.size()) {
      EXPECT_EQ(cursor.doc(), kNoMoreDocs);
      break;
    }
    ASSERT_EQ(cursor.doc(), postings[i].doc);
    ASSERT_TRUE(cursor.Positions(&decoded));
    EXPECT_EQ(decoded, postings[i].positions);
    // Advancing to where the cursor already is does not move it.
    cursor.Advance(postings[i].doc);
    EXPECT_EQ(cursor.doc(), postings[i].doc);
  }
}

TEST(PostingCodecTest, PositionsSkipUnreadPostingsOfTheBlock) {
  // Long position lists with deltas of one to three varint bytes, read for
  // every k-th posting only: the ones in between are skipped unread.
  std::mt19937 random(5);
  std::vector<Posting> postings;
  for (uint64_t doc = 1; doc <= 700; ++doc) {
    Posting p;
    p.doc = doc * 3;
    p.title_tf = random() % 2;
    p.body_tf = 1 + random() % 40;
    uint32_t position = 0;
    for (uint32_t k = 0; k < p.title_tf; ++k) p.positions.push_back(position += 1 + random() % 5);
    position = kBodyOffset;
    for (uint32_t k = 0; k < p.body_tf; ++k) {
      const uint32_t width[] = {100, 16000, 300000};
      p.positions.push_back(position += random() % width[random() % 3]);
    }
    postings.push_back(std::move(p));
  }
  std::string list, positions;
  Encode(postings, &list, &positions);
  for (size_t every : {1, 2, 3, 17, 127, 200}) {
    PostingCursor cursor;
    ASSERT_TRUE(cursor.Init(list, positions));
    std::vector<uint32_t> decoded;
    for (size_t i = 0; i < postings.size(); ++i, cursor.Next()) {
      ASSERT_EQ(cursor.doc(), postings[i].doc);
      if (i % every != every - 1) continue;
      ASSERT_TRUE(cursor.Positions(&decoded)) << "posting " << i << " every " << every;
      EXPECT_EQ(decoded, postings[i].positions) << "posting " << i << " every " << every;
    }
    EXPECT_FALSE(cursor.corrupt());
  }
}

TEST(PostingCodecTest, FrequenciesOfSparselyReadPostings) {
  // A few postings per block (as a conjunction reads them), fields in either
  // order: title tfs and saliences sit behind the body tfs of the block.
  for (bool with_positions : {true, false}) {
    const std::vector<Posting> postings = RandomPostings(2000, 17, with_positions);
    std::string list, positions;
    Encode(postings, &list, &positions);
    for (size_t every : {1, 5, 40, 129}) {
      PostingCursor cursor;
      ASSERT_TRUE(cursor.Init(list, positions));
      for (size_t i = 0; i < postings.size(); ++i, cursor.Next()) {
        ASSERT_EQ(cursor.doc(), postings[i].doc);
        if (i % every != 0) continue;
        if (i % 2 == 0) {
          EXPECT_NEAR(cursor.salience(), postings[i].salience, 0.0006) << i;
          EXPECT_EQ(cursor.title_tf(), postings[i].title_tf) << i;
          EXPECT_EQ(cursor.body_tf(), postings[i].body_tf) << i;
        } else {
          EXPECT_EQ(cursor.body_tf(), postings[i].body_tf) << i;
          EXPECT_EQ(cursor.title_tf(), postings[i].title_tf) << i;
          EXPECT_NEAR(cursor.salience(), postings[i].salience, 0.0006) << i;
        }
      }
      EXPECT_FALSE(cursor.corrupt());
    }
  }
}

TEST(PostingCodecTest, RejectsDamagedValuesWithoutReadingPastThem) {
  const std::vector<Posting> postings = RandomPostings(300, 11, true);
  std::string list, positions;
  Encode(postings, &list, &positions);
  PostingCursor cursor;
  EXPECT_FALSE(cursor.Init(list.substr(0, list.size() - 1), positions));
  EXPECT_FALSE(cursor.Init("", ""));
  EXPECT_FALSE(cursor.Init(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11), ""));
  // A flipped byte inside a block is found when the block is read.
  std::string damaged = list;
  damaged[damaged.size() - 5] = '\x80';
  size_t seen = 0;
  if (cursor.Init(damaged, positions)) {
    for (; cursor.doc() != kNoMoreDocs; cursor.Next()) ++seen;
    EXPECT_TRUE(cursor.corrupt() || seen == postings.size());
  }
  // Positions of a different length than the list says are refused.
  ASSERT_TRUE(cursor.Init(list, positions.substr(1)));
  std::vector<uint32_t> out;
  EXPECT_FALSE(cursor.Positions(&out));
}

TEST(PostingCodecTest, RejectsBlockSizesThatWrapTheOffsets) {
  // Two blocks: the first says it holds one byte, the second 2^64 - 1
  // bytes, so the running offset wraps back to the value's (empty) end.
  // Found by fuzz_posting_codec; it used to read past the value.
  const std::string list(
      "\x1d\x00\x02"                                       // count, flags, blocks
      "\x66\x01\x13"                                       // block 0: delta, bytes, position bytes
      "\x13\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x13",  // block 1
      18);
  // An exactly sized heap copy, so AddressSanitizer sees any read past it.
  const std::vector<char> exact(list.begin(), list.end());
  PostingCursor cursor;
  EXPECT_FALSE(cursor.Init(absl::string_view(exact.data(), exact.size()), ""));
}

TEST(PostingCodecTest, MemoryCursorMatchesEncodedOne) {
  const MemoryPosting postings[] = {
      {.doc = 3, .title_tf = 1, .body_tf = 0, .position_end = 1, .salience = 0},
      {.doc = 9, .title_tf = 0, .body_tf = 2, .position_end = 3, .salience = 0},
      {.doc = 10, .title_tf = 0, .body_tf = 1, .position_end = 4, .salience = 500},
      {.doc = 400, .title_tf = 2, .body_tf = 1, .position_end = 7, .salience = 0}};
  const uint32_t positions[] = {4, kBodyOffset + 1, kBodyOffset + 7, kBodyOffset, 1, 2,
                                kBodyOffset + 3};
  PostingCursor cursor;
  cursor.InitMemory(postings, positions, 4);
  cursor.Advance(10);
  EXPECT_EQ(cursor.doc(), 10u);
  EXPECT_FLOAT_EQ(cursor.salience(), 0.5f);
  std::vector<uint32_t> out;
  cursor.Next();
  ASSERT_TRUE(cursor.Positions(&out));
  EXPECT_THAT(out, ::testing::ElementsAre(1, 2, kBodyOffset + 3));
  cursor.Next();
  EXPECT_EQ(cursor.doc(), kNoMoreDocs);
}

TEST(PostingCodecTest, NormsRoundTrip) {
  DocNorms norms;
  norms.title_length = 7;
  norms.body_length = 912;
  norms.published = absl::FromUnixSeconds(1700000000);
  norms.cluster = 0xfeedface;
  DocNorms again;
  ASSERT_TRUE(DecodeNorms(EncodeNorms(norms), 1, &again));
  EXPECT_EQ(again.title_length, 7u);
  EXPECT_EQ(again.body_length, 912u);
  EXPECT_EQ(again.published, norms.published);
  EXPECT_EQ(again.cluster, 0xfeedfaceu);
  EXPECT_FALSE(DecodeNorms("short", 1, &again));
}

}  // namespace
}  // namespace newsgraph::search
