#include "services/ingest/minhash.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace newsgraph::ingest {
namespace {

std::string Words(int from, int count) {
  std::string out;
  for (int i = from; i < from + count; ++i) absl::StrAppend(&out, "word", i, " ");
  return out;
}

TEST(MinHashTest, SimilarTextsEstimateHighAndDifferentOnesLowJaccard) {
  const std::optional<MinHashSignature> a = ComputeMinHash(Words(0, 200));
  // The same story with two words changed and different case and spacing.
  std::string edited = Words(0, 200);
  edited.replace(edited.find("word50 "), 7, "WORD50  ");
  edited.replace(edited.find("word150 "), 8, "other ");
  const std::optional<MinHashSignature> b = ComputeMinHash(edited);
  const std::optional<MinHashSignature> c = ComputeMinHash(Words(1000, 200));
  ASSERT_TRUE(a && b && c);
  EXPECT_GE(EstimateJaccard(*a, *b), kNearDuplicateJaccard);
  EXPECT_LT(EstimateJaccard(*a, *c), 0.1);
  EXPECT_EQ(EstimateJaccard(*a, *a), 1.0);
}

TEST(MinHashTest, ShortTextsAndStoppedRunsHaveNoSignature) {
  EXPECT_FALSE(ComputeMinHash(Words(0, 19)).has_value());
  EXPECT_TRUE(ComputeMinHash(Words(0, 19), /*min_words=*/5).has_value());
  EXPECT_FALSE(ComputeMinHash(Words(0, 200), 20, [] { return true; }).has_value());
}

TEST(MinHashTest, BandsOfEqualSignaturesMatchAndEncodingRoundTrips) {
  const std::optional<MinHashSignature> a = ComputeMinHash(Words(0, 100));
  ASSERT_TRUE(a.has_value());
  MinHashSignature changed = *a;
  changed[0] ^= 1;  // only band 0 differs
  EXPECT_NE(MinHashBandKey(*a, 0), MinHashBandKey(changed, 0));
  for (int band = 1; band < kMinHashBands; ++band) {
    EXPECT_EQ(MinHashBandKey(*a, band), MinHashBandKey(changed, band));
  }
  const std::string encoded = EncodeMinHash(*a);
  EXPECT_EQ(DecodeMinHash(encoded), a);
  EXPECT_FALSE(DecodeMinHash(encoded.substr(1)).has_value());
}

}  // namespace
}  // namespace newsgraph::ingest
