#include "services/entity/ner/perceptron.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity::ner {
namespace {

using ::newsgraph::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;

constexpr uint64_t kCapitalized = 0x1234567890abcdefull;
constexpr uint64_t kAfterTitle = 0x0fedcba987654321ull;
constexpr uint64_t kDigits = 0x00000000000000ffull;
constexpr uint64_t kUnknown = 0x5555555555555555ull;

std::vector<float> Scores(const Perceptron& model, const std::vector<uint64_t>& features) {
  std::vector<float> scores;
  model.Score(features, &scores);
  return scores;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// Three labels and three features with known weights.
Perceptron Trained() {
  Perceptron model({"O", "PER", "ORG"});
  model.Adjust(kCapitalized, 1, 2.0f);
  model.Adjust(kCapitalized, 2, 1.0f);
  model.Adjust(kAfterTitle, 1, 1.5f);
  model.Adjust(kAfterTitle, 0, -0.5f);
  model.Adjust(kDigits, 0, 3.0f);
  model.Adjust(kDigits, 2, -1.0f);
  return model;
}

TEST(PerceptronTest, AFreshModelHasItsLabelsAndScoresZero) {
  const Perceptron model({"O", "B-PER", "I-PER"});
  EXPECT_THAT(model.labels(), ElementsAre("O", "B-PER", "I-PER"));
  EXPECT_EQ(model.num_labels(), 3);
  EXPECT_EQ(model.num_features(), 0u);
  EXPECT_THAT(Scores(model, {kCapitalized, kDigits}), ElementsAre(0.0f, 0.0f, 0.0f));
  EXPECT_THAT(Scores(model, {}), ElementsAre(0.0f, 0.0f, 0.0f));
}

TEST(PerceptronTest, ScoreSumsTheWeightsOfTheFeaturesPerLabel) {
  const Perceptron model = Trained();
  EXPECT_EQ(model.num_features(), 3u);
  EXPECT_THAT(Scores(model, {kCapitalized}), ElementsAre(0.0f, 2.0f, 1.0f));
  EXPECT_THAT(Scores(model, {kCapitalized, kAfterTitle}), ElementsAre(-0.5f, 3.5f, 1.0f));
  EXPECT_THAT(Scores(model, {kCapitalized, kAfterTitle, kDigits, kUnknown}),
              ElementsAre(2.5f, 3.5f, 0.0f));
  // A feature listed twice counts twice.
  EXPECT_THAT(Scores(model, {kDigits, kDigits}), ElementsAre(6.0f, 0.0f, -2.0f));
}

TEST(PerceptronTest, ScoreResetsTheScoresAddWeightsAddsToThem) {
  const Perceptron model = Trained();
  std::vector<float> scores = {100, 100, 100, 100};
  model.Score({kCapitalized}, &scores);
  EXPECT_THAT(scores, ElementsAre(0.0f, 2.0f, 1.0f));
  float sums[3] = {1, 1, 1};
  model.AddWeights(kCapitalized, sums);
  EXPECT_THAT(sums, ElementsAre(1.0f, 3.0f, 2.0f));
  const uint64_t features[] = {kAfterTitle, kUnknown, kDigits};
  model.AddWeights(features, 3, sums);
  EXPECT_THAT(sums, ElementsAre(3.5f, 4.5f, 1.0f));
  model.AddWeights(features, 0, sums);
  EXPECT_THAT(sums, ElementsAre(3.5f, 4.5f, 1.0f));
}

TEST(PerceptronTest, AdjustAccumulatesAndCanCancel) {
  Perceptron model({"O", "LOC"});
  model.Adjust({kCapitalized, kDigits}, 1, 1.0f);
  model.Adjust({kCapitalized}, 1, 1.0f);
  model.Adjust(kDigits, 1, -1.0f);
  EXPECT_THAT(Scores(model, {kCapitalized}), ElementsAre(0.0f, 2.0f));
  EXPECT_THAT(Scores(model, {kDigits}), ElementsAre(0.0f, 0.0f));
  EXPECT_EQ(model.num_features(), 2u);  // a cancelled feature is still held
}

TEST(PerceptronTest, AveragingWeighsEachWeightByHowLongItHeld) {
  Perceptron model({"O", "PER"});
  // Four examples: kCapitalized gets its weight in the first and keeps it,
  // kAfterTitle gets the same weight in the third, kDigits is set in the
  // first and taken back in the second.
  model.Adjust(kCapitalized, 1, 1.0f);
  model.Adjust(kDigits, 1, 1.0f);
  model.NextExample();
  model.Adjust(kDigits, 1, -1.0f);
  model.NextExample();
  model.Adjust(kAfterTitle, 1, 1.0f);
  model.NextExample();
  model.NextExample();
  const Perceptron averaged = model.Averaged();
  EXPECT_THAT(averaged.labels(), ElementsAre("O", "PER"));
  EXPECT_EQ(averaged.num_features(), 3u);
  const float whole = Scores(averaged, {kCapitalized})[1];
  const float half = Scores(averaged, {kAfterTitle})[1];
  const float brief = Scores(averaged, {kDigits})[1];
  EXPECT_GT(whole, 0.0f);
  EXPECT_LE(whole, 1.0f);
  EXPECT_FLOAT_EQ(half, whole / 2);   // held for two examples of four
  EXPECT_FLOAT_EQ(brief, whole / 4);  // held for one
  EXPECT_EQ(Scores(averaged, {kCapitalized})[0], 0.0f);
  // The model itself keeps its current weights.
  EXPECT_THAT(Scores(model, {kCapitalized, kAfterTitle, kDigits}), ElementsAre(0.0f, 2.0f));
}

TEST(PerceptronTest, AveragingWithoutChangesKeepsZeroWeights) {
  Perceptron model({"O", "PER"});
  model.Adjust(kCapitalized, 1, 0.0f);
  for (int i = 0; i < 5; ++i) model.NextExample();
  EXPECT_THAT(Scores(model.Averaged(), {kCapitalized}), ElementsAre(0.0f, 0.0f));
}

TEST(PerceptronTest, AnAveragedModelCanBeTrainedFurther) {
  Perceptron model({"O", "PER"});
  model.Adjust(kCapitalized, 1, 1.0f);
  model.NextExample();
  Perceptron averaged = model.Averaged();
  averaged.Adjust(kCapitalized, 1, 1.0f);
  averaged.Adjust(kDigits, 0, 1.0f);
  EXPECT_GT(Scores(averaged, {kCapitalized})[1], 1.0f);
  EXPECT_EQ(Scores(averaged, {kDigits})[0], 1.0f);
}

TEST(PerceptronTest, MeanAveragesWeightsCountingMissingFeaturesAsZero) {
  Perceptron a({"O", "PER"});
  a.Adjust(kCapitalized, 1, 4.0f);
  a.Adjust(kDigits, 0, 2.0f);
  Perceptron b({"O", "PER"});
  b.Adjust(kCapitalized, 1, 2.0f);
  b.Adjust(kCapitalized, 0, -2.0f);
  const Perceptron mean = Perceptron::Mean({a, b});
  EXPECT_THAT(mean.labels(), ElementsAre("O", "PER"));
  EXPECT_EQ(mean.num_features(), 2u);
  EXPECT_THAT(Scores(mean, {kCapitalized}), ElementsAre(-1.0f, 3.0f));
  EXPECT_THAT(Scores(mean, {kDigits}), ElementsAre(1.0f, 0.0f));
  const Perceptron one = Perceptron::Mean({a});
  EXPECT_THAT(Scores(one, {kCapitalized, kDigits}), ElementsAre(2.0f, 4.0f));
}

TEST(PerceptronTest, MeanOfNoModelsHasNoLabels) {
  const Perceptron mean = Perceptron::Mean({});
  EXPECT_EQ(mean.num_labels(), 0);
  EXPECT_EQ(mean.num_features(), 0u);
}

class PerceptronFileTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const { return dir_.Sub(name); }
  ::newsgraph::testing::TempDir dir_;
};

TEST_F(PerceptronFileTest, SaveAndLoadKeepLabelsMetadataAndWeightsWithin16Bits) {
  const Perceptron model = Trained();
  NG_ASSERT_OK(model.Save(Path("model.bin"), "trained on: test data\nepochs=3"));
  std::string metadata;
  NG_ASSERT_OK_AND_ASSIGN(Perceptron loaded, Perceptron::Load(Path("model.bin"), &metadata));
  EXPECT_EQ(metadata, "trained on: test data\nepochs=3");
  EXPECT_THAT(loaded.labels(), ElementsAre("O", "PER", "ORG"));
  EXPECT_EQ(loaded.num_features(), 3u);
  // The largest |weight| is 3: one step of the 16-bit scale is 3 / 32767.
  const float step = 3.0f / 32767.0f;
  for (const std::vector<uint64_t>& features :
       std::vector<std::vector<uint64_t>>{{kCapitalized},
                                          {kAfterTitle},
                                          {kDigits},
                                          {kCapitalized, kAfterTitle, kDigits},
                                          {kUnknown},
                                          {}}) {
    EXPECT_THAT(Scores(loaded, features),
                Pointwise(FloatNear(features.size() * step / 2 + 1e-6f), Scores(model, features)));
  }
  // The largest weight is exact.
  EXPECT_FLOAT_EQ(Scores(loaded, {kDigits})[0], 3.0f);
  float sums[3] = {0, 0, 0};
  loaded.AddWeights(kCapitalized, sums);
  EXPECT_NEAR(sums[1], 2.0f, step);
  const uint64_t both[] = {kCapitalized, kDigits};
  loaded.AddWeights(both, 2, sums);
  EXPECT_NEAR(sums[0], 3.0f, 2 * step);
  EXPECT_NEAR(sums[1], 4.0f, 2 * step);
  EXPECT_NEAR(sums[2], 1.0f, 3 * step);
}

TEST_F(PerceptronFileTest, LoadingWithoutAMetadataPointerIsFine) {
  NG_ASSERT_OK(Trained().Save(Path("model.bin"), "meta"));
  NG_ASSERT_OK_AND_ASSIGN(Perceptron loaded, Perceptron::Load(Path("model.bin"), nullptr));
  EXPECT_EQ(loaded.num_labels(), 3);
}

TEST_F(PerceptronFileTest, MinWeightDropsFeaturesSmallRelativeToTheLargestWeight) {
  Perceptron model({"O", "PER"});
  model.Adjust(kCapitalized, 1, 10.0f);  // the largest
  model.Adjust(kAfterTitle, 1, 2.0f);    // 20%
  model.Adjust(kDigits, 0, -0.5f);       // 5%
  model.Adjust(kUnknown, 0, 0.0f);       // zero: always dropped
  NG_ASSERT_OK(model.Save(Path("all.bin"), ""));
  NG_ASSERT_OK(model.Save(Path("pruned.bin"), "", 0.1f));
  NG_ASSERT_OK_AND_ASSIGN(Perceptron all, Perceptron::Load(Path("all.bin"), nullptr));
  NG_ASSERT_OK_AND_ASSIGN(Perceptron pruned, Perceptron::Load(Path("pruned.bin"), nullptr));
  EXPECT_EQ(all.num_features(), 3u);
  EXPECT_EQ(pruned.num_features(), 2u);
  EXPECT_NEAR(Scores(all, {kDigits})[0], -0.5f, 1e-3);
  EXPECT_THAT(Scores(pruned, {kDigits}), ElementsAre(0.0f, 0.0f));
  EXPECT_NEAR(Scores(pruned, {kAfterTitle})[1], 2.0f, 1e-3);
  EXPECT_FLOAT_EQ(Scores(pruned, {kCapitalized})[1], 10.0f);
}

TEST_F(PerceptronFileTest, AnAllZeroModelSavesAndLoadsWithNoFeatures) {
  Perceptron model({"O", "PER"});
  model.Adjust(kCapitalized, 1, 0.0f);
  NG_ASSERT_OK(model.Save(Path("zero.bin"), ""));
  NG_ASSERT_OK_AND_ASSIGN(Perceptron loaded, Perceptron::Load(Path("zero.bin"), nullptr));
  EXPECT_EQ(loaded.num_features(), 0u);
  EXPECT_THAT(Scores(loaded, {kCapitalized, kUnknown}), ElementsAre(0.0f, 0.0f));
}

TEST_F(PerceptronFileTest, ManyFeaturesLoadAndEveryOneIsFound) {
  Perceptron model({"O", "PER", "ORG", "LOC"});
  // Features sharing their low bits collide in the table.
  std::vector<uint64_t> features;
  for (uint64_t i = 1; i <= 3000; ++i) features.push_back((i << 20) | (i % 7));
  for (size_t i = 0; i < features.size(); ++i) {
    model.Adjust(features[i], static_cast<int>(i % 4), static_cast<float>(i % 5 + 1));
  }
  NG_ASSERT_OK(model.Save(Path("many.bin"), ""));
  NG_ASSERT_OK_AND_ASSIGN(Perceptron loaded, Perceptron::Load(Path("many.bin"), nullptr));
  EXPECT_EQ(loaded.num_features(), 3000u);
  for (size_t i = 0; i < features.size(); ++i) {
    const std::vector<float> scores = Scores(loaded, {features[i]});
    ASSERT_EQ(scores.size(), 4u);
    EXPECT_NEAR(scores[i % 4], static_cast<float>(i % 5 + 1), 1e-3) << i;
  }
  EXPECT_THAT(Scores(loaded, {kUnknown}), ElementsAre(0.0f, 0.0f, 0.0f, 0.0f));
}

TEST_F(PerceptronFileTest, TwentyLabelsAreTheMostALoadedModelHolds) {
  std::vector<std::string> twenty;
  for (int i = 0; i < 20; ++i) twenty.push_back(absl::StrCat("L", i));
  Perceptron model(twenty);
  model.Adjust(kCapitalized, 19, 1.0f);
  model.Adjust(kCapitalized, 0, -1.0f);
  NG_ASSERT_OK(model.Save(Path("twenty.bin"), ""));
  NG_ASSERT_OK_AND_ASSIGN(Perceptron loaded, Perceptron::Load(Path("twenty.bin"), nullptr));
  const std::vector<float> scores = Scores(loaded, {kCapitalized});
  ASSERT_EQ(scores.size(), 20u);
  EXPECT_FLOAT_EQ(scores[19], 1.0f);
  EXPECT_FLOAT_EQ(scores[0], -1.0f);
  EXPECT_FLOAT_EQ(scores[10], 0.0f);

  twenty.push_back("L20");
  Perceptron too_many(twenty);
  too_many.Adjust(kCapitalized, 20, 1.0f);
  NG_ASSERT_OK(too_many.Save(Path("twenty-one.bin"), ""));
  EXPECT_THAT(Perceptron::Load(Path("twenty-one.bin"), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("21 labels, at most 20")));
}

TEST_F(PerceptronFileTest, ALoadedModelCannotBeSavedAgain) {
  NG_ASSERT_OK(Trained().Save(Path("model.bin"), ""));
  NG_ASSERT_OK_AND_ASSIGN(Perceptron loaded, Perceptron::Load(Path("model.bin"), nullptr));
  EXPECT_THAT(loaded.Save(Path("again.bin"), ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("read-only")));
}

TEST_F(PerceptronFileTest, SavingWhereNoFileCanBeMadeIsUnavailable) {
  EXPECT_THAT(Trained().Save(Path("no/such/dir/model.bin"), ""),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("no/such/dir/model.bin")));
}

TEST_F(PerceptronFileTest, AMissingFileIsNotFound) {
  EXPECT_THAT(Perceptron::Load(Path("absent.bin"), nullptr),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.bin")));
}

TEST_F(PerceptronFileTest, AFileOfAnotherKindIsInvalidArgument) {
  WriteAll(Path("other.bin"), "NGPCPT02 something else");
  EXPECT_THAT(
      Perceptron::Load(Path("other.bin"), nullptr),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a newsgraph perceptron")));
  WriteAll(Path("short.bin"), "NGP");
  EXPECT_THAT(Perceptron::Load(Path("short.bin"), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
  WriteAll(Path("empty.bin"), "");
  EXPECT_THAT(Perceptron::Load(Path("empty.bin"), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(PerceptronFileTest, EveryTruncationOfAModelFileIsRejected) {
  NG_ASSERT_OK(Trained().Save(Path("model.bin"), "metadata"));
  const std::string whole = ReadAll(Path("model.bin"));
  ASSERT_GT(whole.size(), 8u);
  for (size_t size = 0; size < whole.size(); ++size) {
    WriteAll(Path("cut.bin"), whole.substr(0, size));
    EXPECT_THAT(Perceptron::Load(Path("cut.bin"), nullptr),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << "cut at " << size << " of " << whole.size();
  }
}

TEST_F(PerceptronFileTest, TrailingBytesAreRejected) {
  NG_ASSERT_OK(Trained().Save(Path("model.bin"), ""));
  WriteAll(Path("long.bin"), ReadAll(Path("model.bin")) + "x");
  EXPECT_THAT(Perceptron::Load(Path("long.bin"), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("trailing bytes")));
}

// A model file written by hand: magic, metadata, labels, scale, rows.
class ModelBytes {
 public:
  ModelBytes() { data_.append("NGPCPT01", 8); }
  template <typename T>
  ModelBytes& Put(T value) {
    data_.append(reinterpret_cast<const char*>(&value), sizeof(value));
    return *this;
  }
  ModelBytes& String(const std::string& s) {
    Put<uint32_t>(static_cast<uint32_t>(s.size()));
    data_.append(s);
    return *this;
  }
  const std::string& data() const { return data_; }

 private:
  std::string data_;
};

TEST_F(PerceptronFileTest, AHeaderWithoutLabelsIsCorrupt) {
  WriteAll(Path("none.bin"), ModelBytes().String("").Put<uint32_t>(0).data());
  EXPECT_THAT(Perceptron::Load(Path("none.bin"), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corrupt model header")));
  WriteAll(Path("huge.bin"), ModelBytes().String("").Put<uint32_t>(256).data());
  EXPECT_THAT(Perceptron::Load(Path("huge.bin"), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corrupt model header")));
}

TEST_F(PerceptronFileTest, AWeightForALabelBeyondTheLabelsIsCorrupt) {
  ModelBytes bytes;
  bytes.String("").Put<uint32_t>(2).String("O").String("PER").Put<float>(1.0f).Put<uint32_t>(1);
  bytes.Put<uint64_t>(kCapitalized).Put<uint8_t>(1).Put<uint8_t>(2).Put<int16_t>(5);
  WriteAll(Path("label.bin"), bytes.data());
  EXPECT_THAT(
      Perceptron::Load(Path("label.bin"), nullptr),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corrupt weights at feature 0")));
}

TEST_F(PerceptronFileTest, AFeatureListedTwiceIsCorrupt) {
  ModelBytes bytes;
  bytes.String("").Put<uint32_t>(2).String("O").String("PER").Put<float>(0.5f).Put<uint32_t>(2);
  for (int i = 0; i < 2; ++i) {
    bytes.Put<uint64_t>(kCapitalized).Put<uint8_t>(1).Put<uint8_t>(1).Put<int16_t>(4);
  }
  WriteAll(Path("twice.bin"), bytes.data());
  EXPECT_THAT(Perceptron::Load(Path("twice.bin"), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("appears twice")));
}

TEST_F(PerceptronFileTest, AHandWrittenModelScoresItsQuantizedWeightsTimesTheScale) {
  ModelBytes bytes;
  bytes.String("hand").Put<uint32_t>(3).String("O").String("PER").String("LOC");
  bytes.Put<float>(0.25f).Put<uint32_t>(2);
  bytes.Put<uint64_t>(kCapitalized).Put<uint8_t>(2);
  bytes.Put<uint8_t>(2).Put<int16_t>(8).Put<uint8_t>(0).Put<int16_t>(-4);
  bytes.Put<uint64_t>(kDigits).Put<uint8_t>(1).Put<uint8_t>(1).Put<int16_t>(32767);
  WriteAll(Path("hand.bin"), bytes.data());
  std::string metadata;
  NG_ASSERT_OK_AND_ASSIGN(Perceptron loaded, Perceptron::Load(Path("hand.bin"), &metadata));
  EXPECT_EQ(metadata, "hand");
  EXPECT_EQ(loaded.num_features(), 2u);
  EXPECT_THAT(Scores(loaded, {kCapitalized}), ElementsAre(-1.0f, 0.0f, 2.0f));
  EXPECT_THAT(Scores(loaded, {kDigits, kCapitalized}), ElementsAre(-1.0f, 8191.75f, 2.0f));
  EXPECT_GT(loaded.memory_bytes(), 0u);
}

}  // namespace
}  // namespace newsgraph::entity::ner
