#include "services/entity/ner/tagger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "services/entity/ner/training.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity::ner {
namespace {

using ::newsgraph::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using Spans = std::vector<Span>;
using Words = std::vector<std::string>;

// A few sentences where names are easy to tell apart.
std::vector<Sentence> TrainingSentences() {
  std::vector<Sentence> out;
  auto add = [&](Words tokens, Spans spans, size_t document) {
    out.push_back({std::move(tokens), std::move(spans), document});
  };
  add({"Lena", "Varga", "visited", "Tallinn", "."}, {{0, 2, "PER"}, {3, 4, "LOC"}}, 0);
  add({"Acme", "Widgets", "hired", "Omar", "Haddad", "."}, {{0, 2, "ORG"}, {3, 5, "PER"}}, 0);
  add({"Omar", "Haddad", "flew", "to", "Tallinn", "."}, {{0, 2, "PER"}, {4, 5, "LOC"}}, 1);
  add({"the", "talks", "ended", "."}, {}, 1);
  add({"Lena", "Varga", "joined", "Acme", "Widgets", "."}, {{0, 2, "PER"}, {3, 5, "ORG"}}, 2);
  add({"prices", "rose", "in", "Tallinn", "."}, {{3, 4, "LOC"}}, 2);
  return out;
}

// A model that has learned the sentences above by heart.
const TrainedNer& Trained() {
  static const TrainedNer* trained = [] {
    TrainOptions options;
    options.epochs = 8;
    options.two_pass = false;
    const std::vector<Sentence> sentences = TrainingSentences();
    return new TrainedNer(TrainNer(sentences, sentences, Lexicons{}, options, nullptr));
  }();
  return *trained;
}

NerTagger TrainedTagger() { return NerTagger(Trained().model, Lexicons{}); }

TEST(TagSetTest, EntityTypesAndBilouTags) {
  EXPECT_THAT(EntityTypes(), ElementsAre("PER", "ORG", "LOC", "MISC"));
  const std::vector<std::string>& tags = BilouTagSet();
  ASSERT_EQ(tags.size(), 17u);
  EXPECT_EQ(tags[0], "O");
  EXPECT_EQ(tags[1], "B-PER");
  EXPECT_EQ(tags[4], "U-PER");
  EXPECT_EQ(tags[16], "U-MISC");
}

TEST(NerTaggerTest, TagsWhatItLearned) {
  const NerTagger tagger = TrainedTagger();
  std::vector<Words> document;
  for (const Sentence& s : TrainingSentences()) document.push_back(s.tokens);
  const std::vector<Spans> tagged = tagger.TagDocument(document);
  ASSERT_EQ(tagged.size(), document.size());
  const std::vector<Sentence> gold = TrainingSentences();
  for (size_t i = 0; i < gold.size(); ++i) EXPECT_EQ(tagged[i], gold[i].entities) << i;
}

TEST(NerTaggerTest, EmptyDocumentsAndSentences) {
  const NerTagger tagger = TrainedTagger();
  EXPECT_THAT(tagger.TagDocument({}), IsEmpty());
  EXPECT_THAT(tagger.TagDocumentWithConfidence({}), IsEmpty());
  const std::vector<Spans> tagged = tagger.TagDocument({{}, {"Tallinn"}, {}});
  ASSERT_EQ(tagged.size(), 3u);
  EXPECT_THAT(tagged[0], IsEmpty());
  EXPECT_THAT(tagged[2], IsEmpty());
}

TEST(NerTaggerTest, ConfidencesComeWithTheSameSpans) {
  const NerTagger tagger = TrainedTagger();
  const std::vector<Words> document = {{"Omar", "Haddad", "visited", "Tallinn", "."},
                                       {"the", "talks", "ended", "."}};
  const std::vector<Spans> spans = tagger.TagDocument(document);
  const auto scored = tagger.TagDocumentWithConfidence(document);
  ASSERT_EQ(scored.size(), spans.size());
  EXPECT_EQ(spans[0], (Spans{{0, 2, "PER"}, {3, 4, "LOC"}}));
  for (size_t s = 0; s < spans.size(); ++s) {
    ASSERT_EQ(scored[s].size(), spans[s].size());
    for (size_t k = 0; k < spans[s].size(); ++k) {
      EXPECT_EQ(scored[s][k].first, spans[s][k]);
      EXPECT_GT(scored[s][k].second, 0.0f);
      EXPECT_LE(scored[s][k].second, 1.0f);
    }
  }
}

TEST(NerTaggerTest, HigherTemperatureLowersConfidence) {
  NerTagger tagger = TrainedTagger();
  EXPECT_EQ(tagger.confidence_temperature(), 1.0f);
  const std::vector<Words> document = {{"Lena", "Varga", "visited", "Tallinn", "."}};
  const auto sharp = tagger.TagDocumentWithConfidence(document);
  tagger.set_confidence_temperature(64);
  EXPECT_EQ(tagger.confidence_temperature(), 64.0f);
  const auto flat = tagger.TagDocumentWithConfidence(document);
  ASSERT_EQ(sharp[0].size(), 2u);
  ASSERT_EQ(flat[0].size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(flat[0][k].first, sharp[0][k].first);
    EXPECT_LT(flat[0][k].second, sharp[0][k].second);
  }
}

TEST(NerTaggerTest, StopEndsTaggingEarly) {
  const NerTagger tagger = TrainedTagger();
  const std::vector<Words> document(5, Words{"Lena", "Varga", "left", "."});
  int polls = 0;
  const auto stopped = tagger.TagDocumentWithConfidence(document, [&] {
    ++polls;
    return true;
  });
  EXPECT_LT(stopped.size(), document.size());
  EXPECT_GE(polls, 1);
  const auto finished = tagger.TagDocumentWithConfidence(document, [] { return false; });
  EXPECT_EQ(finished.size(), document.size());
}

// ---------------------------------------------------------------------------
// LoadNerTagger

class LoadNerTaggerTest : public ::testing::Test {
 protected:
  std::string Save(const std::string& name, const Perceptron& model, const std::string& meta) {
    const std::string path = dir_.Sub(name);
    EXPECT_THAT(model.Save(path, meta), ::newsgraph::testing::IsOk());
    return path;
  }
  ::newsgraph::testing::TempDir dir_;
};

TEST_F(LoadNerTaggerTest, MissingModelIsNotFound) {
  EXPECT_THAT(LoadNerTagger(dir_.Sub("absent.ngpm"), nullptr),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(LoadNerTaggerTest, LoadedModelTagsAsTheTrainedOne) {
  const std::string path = Save("tiny.ngpm", Trained().model, R"({"corpus":"tiny"})");
  std::string metadata;
  NG_ASSERT_OK_AND_ASSIGN(NerTagger loaded, LoadNerTagger(path, &metadata));
  EXPECT_EQ(metadata, R"({"corpus":"tiny"})");
  EXPECT_FALSE(loaded.first_pass().has_value());
  EXPECT_EQ(loaded.confidence_temperature(), 1.0f);
  const std::vector<Words> document = {{"Acme", "Widgets", "hired", "Lena", "Varga", "."}};
  EXPECT_EQ(loaded.TagDocument(document), TrainedTagger().TagDocument(document));
}

TEST_F(LoadNerTaggerTest, MetadataNamesCompanionsAndTemperature) {
  Save("first.ngpm", Trained().model, "{}");
  const std::string path = Save("second.ngpm", Trained().model,
                                R"({"first_pass":"first.ngpm","confidence_temperature":2.5})");
  NG_ASSERT_OK_AND_ASSIGN(NerTagger loaded, LoadNerTagger(path, nullptr));
  EXPECT_TRUE(loaded.first_pass().has_value());
  EXPECT_EQ(loaded.confidence_temperature(), 2.5f);
}

TEST_F(LoadNerTaggerTest, LabelsMustBeTheBilouTags) {
  const std::string path = Save("binary.ngpm", Perceptron({"O", "X"}), "{}");
  EXPECT_THAT(LoadNerTagger(path, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("binary.ngpm")));
  Save("bad-first.ngpm", Perceptron({"O", "B-PER"}), "{}");
  const std::string second =
      Save("second.ngpm", Trained().model, R"({"first_pass":"bad-first.ngpm"})");
  EXPECT_THAT(LoadNerTagger(second, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad-first.ngpm")));
}

TEST_F(LoadNerTaggerTest, MissingCompanionFilesAreNotFound) {
  const std::string no_first = Save("a.ngpm", Trained().model, R"({"first_pass":"gone.ngpm"})");
  EXPECT_THAT(LoadNerTagger(no_first, nullptr), StatusIs(absl::StatusCode::kNotFound));
  const std::string no_clusters =
      Save("b.ngpm", Trained().model, R"({"clusters":"gone-clusters.tsv"})");
  EXPECT_THAT(LoadNerTagger(no_clusters, nullptr),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("gone-clusters.tsv")));
  const std::string no_paths = Save("c.ngpm", Trained().model, R"({"paths":"gone-paths.tsv"})");
  EXPECT_THAT(LoadNerTagger(no_paths, nullptr),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("gone-paths.tsv")));
}

TEST_F(LoadNerTaggerTest, TemperatureMustBePositive) {
  for (const char* meta : {R"({"confidence_temperature":0})", R"({"confidence_temperature":-1})"}) {
    const std::string path = Save("t.ngpm", Trained().model, meta);
    EXPECT_THAT(LoadNerTagger(path, nullptr),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("confidence_temperature")))
        << meta;
  }
}

}  // namespace
}  // namespace newsgraph::entity::ner
