#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "services/entity/ner/conll.h"
#include "services/entity/ner/gazetteer.h"
#include "services/entity/ner/lexicons.h"
#include "services/entity/ner/perceptron.h"
#include "services/entity/ner/tagger.h"
#include "services/entity/entity_core.h"
#include "services/entity/entity_keyspace.h"
#include "services/entity/recognizer.h"
#include "storage/rocksdb_kv_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::entity::ner {
namespace {

using ::newsgraph::testing::StatusIs;

TEST(ConllTest, Iob1AndIob2SpansAndBilouRoundTrip) {
  // IOB1: I- starts a span unless it continues one of the same type; B- only
  // separates two touching spans of one type.
  const std::vector<std::string> iob1 = {"I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG"};
  const std::vector<Span> spans = SpansFromIob(iob1);
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(spans[0], (Span{0, 2, "PER"}));
  EXPECT_EQ(spans[1], (Span{3, 4, "LOC"}));
  EXPECT_EQ(spans[2], (Span{4, 5, "LOC"}));
  EXPECT_EQ(spans[3], (Span{5, 6, "ORG"}));
  EXPECT_EQ(SpansFromIob({"B-PER", "I-PER", "O"}), (std::vector<Span>{{0, 2, "PER"}}));
  const std::vector<std::string> bilou = BilouFromSpans(spans, 6);
  EXPECT_EQ(bilou, (std::vector<std::string>{"B-PER", "L-PER", "O", "U-LOC", "U-LOC", "U-ORG"}));
  EXPECT_EQ(SpansFromBilou(bilou), spans);
}

TEST(ConllTest, BilouDecodingRepairsInvalidSequences) {
  // An I without a B starts a span; a B cut short still yields its span.
  EXPECT_EQ(SpansFromBilou({"I-PER", "L-PER", "O", "B-ORG", "O"}),
            (std::vector<Span>{{0, 2, "PER"}, {3, 4, "ORG"}}));
  EXPECT_EQ(SpansFromBilou({"B-PER", "L-ORG"}), (std::vector<Span>{{0, 1, "PER"}, {1, 2, "ORG"}}));
}

TEST(PerceptronTest, LearnsSavesAndLoads) {
  Perceptron model({"O", "X"});
  const std::vector<uint64_t> a = {1, 2};
  const std::vector<uint64_t> b = {3, 2};
  for (int i = 0; i < 10; ++i) {
    std::vector<float> scores;
    // A mistake moves weight from the guess to the truth.
    model.Score(a, &scores);
    if (scores[1] <= scores[0]) {
      model.Adjust(a, 1, 1.0f);
      model.Adjust(a, 0, -1.0f);
    }
    model.NextExample();
    model.Score(b, &scores);
    if (scores[0] <= scores[1]) {
      model.Adjust(b, 0, 1.0f);
      model.Adjust(b, 1, -1.0f);
    }
    model.NextExample();
  }
  Perceptron averaged = model.Averaged();
  std::vector<float> scores;
  averaged.Score(a, &scores);
  EXPECT_GT(scores[1], scores[0]);
  averaged.Score(b, &scores);
  EXPECT_GT(scores[0], scores[1]);

  ::newsgraph::testing::TempDir dir;
  NG_ASSERT_OK(averaged.Save(dir.Sub("m.ngpm"), "{\"test\":true}"));
  std::string metadata;
  NG_ASSERT_OK_AND_ASSIGN(Perceptron loaded, Perceptron::Load(dir.Sub("m.ngpm"), &metadata));
  EXPECT_EQ(metadata, "{\"test\":true}");
  std::vector<float> original, reloaded;
  averaged.Score(a, &original);
  loaded.Score(a, &reloaded);
  for (int l = 0; l < 2; ++l) EXPECT_NEAR(original[l], reloaded[l], 1e-3);
  EXPECT_EQ(loaded.num_features(), 3u);
  float added[2] = {0, 0};
  loaded.AddWeights(2, added);
  loaded.AddWeights(999, added);  // unknown: adds nothing
  averaged.Score({2}, &original);
  for (int l = 0; l < 2; ++l) EXPECT_NEAR(added[l], original[l], 1e-3);
  // Pruning keeps only features whose largest weight is near the model's largest.
  NG_ASSERT_OK(averaged.Save(dir.Sub("pruned.ngpm"), "{}", 0.99f));
  NG_ASSERT_OK_AND_ASSIGN(Perceptron pruned, Perceptron::Load(dir.Sub("pruned.ngpm"), nullptr));
  EXPECT_GE(pruned.num_features(), 1u);
  EXPECT_LT(pruned.num_features(), 3u);
  // A loaded model keeps only quantized weights: it cannot be saved again.
  EXPECT_THAT(loaded.Save(dir.Sub("again.ngpm"), "{}"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Perceptron::Load(dir.Sub("missing"), nullptr), StatusIs(absl::StatusCode::kNotFound));
}

TEST(GazetteerTest, GeoNamesCitiesAndRegionsFromTheDebianCatalogue) {
  NG_ASSERT_OK_AND_ASSIGN(Gazetteer gazetteer, LoadGazetteer(GazetteerSources{}));
  auto categories_of = [&](const std::vector<std::string>& lower) {
    std::vector<std::string> names;
    const auto matches = gazetteer.Match(lower, std::vector<bool>(lower.size(), true));
    for (const Gazetteer::TokenMatch& m : matches[0]) names.push_back(gazetteer.categories()[m.category]);
    return names;
  };
  EXPECT_THAT(categories_of({"durban"}), ::testing::Contains("geonames:city"));
  EXPECT_THAT(categories_of({"graaff", "reinet"}), ::testing::Contains("geonames:city"));
  EXPECT_THAT(categories_of({"bavaria"}), ::testing::Contains("geonames:region"));
  EXPECT_THAT(categories_of({"quietly"}), ::testing::IsEmpty());
  GazetteerSources broken;
  broken.geonames = "/nonexistent/geonames.mo";
  EXPECT_THAT(LoadGazetteer(broken), StatusIs(absl::StatusCode::kNotFound));
}

TEST(NerModelTest, ShippedModelTagsKnownSentence) {
  std::string metadata;
  NG_ASSERT_OK_AND_ASSIGN(NerTagger tagger, LoadNerTagger(NEWSGRAPH_DEFAULT_NER_MODEL, &metadata));
  EXPECT_NE(metadata.find("CoNLL-2003"), std::string::npos) << metadata;
  ASSERT_TRUE(tagger.first_pass().has_value()) << "the shipped model tags in two passes";
  const std::vector<std::string> sentence = {"Karin", "Holm",     "told",   "Reuters", "in",
                                             "Oslo",  "that",     "Norway", "would",   "join",
                                             "the",   "European", "Union",  "."};
  const std::vector<std::vector<Span>> spans = tagger.TagDocument({sentence});
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0],
            (std::vector<Span>{
                {0, 2, "PER"}, {3, 4, "ORG"}, {5, 6, "LOC"}, {7, 8, "LOC"}, {11, 13, "ORG"}}));
  // Every span comes with a confidence in (0, 1].
  const auto scored = tagger.TagDocumentWithConfidence({sentence});
  ASSERT_EQ(scored.size(), 1u);
  ASSERT_EQ(scored[0].size(), spans[0].size());
  for (size_t k = 0; k < spans[0].size(); ++k) {
    EXPECT_EQ(scored[0][k].first, spans[0][k]);
    EXPECT_GT(scored[0][k].second, 0.0f);
    EXPECT_LE(scored[0][k].second, 1.0f);
  }
}

// The model learned from ASCII news; names with diacritics reach it spelled
// in ASCII, and their offsets still point into the original text.
TEST(NerModelTest, RecognizerTagsNamesWithDiacritics) {
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Recognizer> recognizer,
                          LoadRecognizer(NEWSGRAPH_DEFAULT_NER_MODEL));
  const std::string text =
      "Officials from Gda\xC5\x84sk and Troms\xC3\xB8 joined \xC5\x81ukasz Nowak of "
      "Soci\xC3\xA9t\xC3\xA9 G\xC3\xA9n\xC3\xA9rale at the talks in Malm\xC3\xB6.";
  const Recognition r = recognizer->Recognize(text);
  std::vector<std::pair<std::string, newsgraph::v1::EntityType>> found;
  for (const RecognizedMention& m : r.mentions) {
    found.emplace_back(text.substr(m.byte_begin, m.byte_end - m.byte_begin), m.type);
  }
  using Found = std::pair<std::string, newsgraph::v1::EntityType>;
  EXPECT_THAT(found, ::testing::Contains(Found{"Gda\xC5\x84sk", newsgraph::v1::GPE}));
  EXPECT_THAT(found, ::testing::Contains(::testing::Key("Troms\xC3\xB8")));
  EXPECT_THAT(found, ::testing::Contains(Found{"\xC5\x81ukasz Nowak", newsgraph::v1::PERSON}));
  EXPECT_THAT(found, ::testing::Contains(Found{"Soci\xC3\xA9t\xC3\xA9 G\xC3\xA9n\xC3\xA9rale",
                                               newsgraph::v1::ORG}));
  EXPECT_THAT(found, ::testing::Contains(Found{"Malm\xC3\xB6", newsgraph::v1::GPE}));
}

TEST(NerModelTest, RecognizerMapsTaggerTypesAndKeepsValueGrammar) {
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Recognizer> recognizer,
                          LoadRecognizer(NEWSGRAPH_DEFAULT_NER_MODEL));
  EXPECT_EQ(recognizer->model_id(), "ner-conll2003");
  const std::string text =
      "German officials said Karin Holm flew to Norway on 12 March 2024 with $45 million.";
  const Recognition r = recognizer->Recognize(text);
  std::vector<std::pair<std::string, newsgraph::v1::EntityType>> found;
  for (const RecognizedMention& m : r.mentions) {
    found.emplace_back(text.substr(m.byte_begin, m.byte_end - m.byte_begin), m.type);
  }
  EXPECT_THAT(found, ::testing::Contains(std::pair{std::string("German"), newsgraph::v1::NORP}));
  EXPECT_THAT(found,
              ::testing::Contains(std::pair{std::string("Karin Holm"), newsgraph::v1::PERSON}));
  EXPECT_THAT(found, ::testing::Contains(std::pair{std::string("Norway"), newsgraph::v1::GPE}));
  EXPECT_THAT(found,
              ::testing::Contains(std::pair{std::string("12 March 2024"), newsgraph::v1::DATE}));
  EXPECT_THAT(found,
              ::testing::Contains(std::pair{std::string("$45 million"), newsgraph::v1::MONEY}));
  for (const RecognizedMention& m : r.mentions) {
    EXPECT_GT(m.confidence, 0.0f);
    EXPECT_LE(m.confidence, 1.0f);
  }
}

// Many short sentences with names, so tagging polls the stop predicate often.
std::string LongText(int sentences) {
  std::string text;
  for (int i = 0; i < sentences; ++i) {
    absl::StrAppend(&text, "Karin Holm met officials of the European Union in Oslo on day ", i,
                    ". ");
  }
  return text;
}

TEST(NerModelTest, StopPredicateEndsRecognitionEarly) {
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Recognizer> recognizer,
                          LoadRecognizer(NEWSGRAPH_DEFAULT_NER_MODEL));
  const std::string text = LongText(300);
  const Recognition full = recognizer->Recognize(text);
  ASSERT_FALSE(full.stopped);
  ASSERT_GE(full.mentions.size(), 600u);

  int polls = 0;
  const Recognition never = recognizer->Recognize(text, [&polls] {
    ++polls;
    return false;
  });
  EXPECT_FALSE(never.stopped);
  EXPECT_EQ(never.mentions.size(), full.mentions.size());
  EXPECT_GT(polls, 2);
  EXPECT_LT(polls, 300);  // Polled every few sentences, not every one.

  int calls = 0;
  const Recognition stopped = recognizer->Recognize(text, [&calls] { return ++calls >= 3; });
  EXPECT_TRUE(stopped.stopped);
  EXPECT_EQ(calls, 3);
}

TEST(NerModelTest, CancelledAnnotationStoresNothing) {
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Recognizer> recognizer,
                          LoadRecognizer(NEWSGRAPH_DEFAULT_NER_MODEL));
  ::newsgraph::testing::TempDir dir;
  storage::RocksDbOptions options;
  options.path = dir.path();
  options.column_families = EntityColumnFamilies();
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::KvStore> store,
                          storage::OpenRocksDbStore(options));
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<EntityCore> core,
                          EntityCore::Open(store.get(), recognizer.get()));
  newsgraph::v1::AnnotateDocumentRequest request;
  request.set_document("documents/1");
  request.set_version(1);
  request.set_text(LongText(100));

  EXPECT_THAT(core->AnnotateDocument(request, [] { return true; }),
              ::newsgraph::testing::StatusIs(absl::StatusCode::kCancelled,
                                             ::testing::HasSubstr("nothing was stored")));
  newsgraph::v1::ListEntitiesRequest list;
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::ListEntitiesResponse none, core->ListEntities(list));
  EXPECT_EQ(none.entities_size(), 0);

  // The retry after a restart annotates from scratch, not "already annotated".
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::AnnotateDocumentResponse done,
                          core->AnnotateDocument(request, [] { return false; }));
  EXPECT_FALSE(done.already_annotated());
  EXPECT_GE(done.mentions_size(), 200);
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::ListEntitiesResponse some, core->ListEntities(list));
  EXPECT_GT(some.entities_size(), 0);
}

}  // namespace
}  // namespace newsgraph::entity::ner
