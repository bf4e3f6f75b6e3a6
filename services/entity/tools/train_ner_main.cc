// train_ner: trains the named-entity tagger on CoNLL-2003 and writes the
// model file the entity service loads.
//
//   build/release/services/entity/train_ner --conll_dir=../shared/corpora/conll2003
//       --out=models/ner-conll2003.ngpm
//
// Trains on eng.train, picks the epoch with the best F1 on eng.testa, and
// reports precision, recall and F1 per type on eng.testb.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "services/entity/ner/conll.h"
#include "services/entity/ner/lexicons.h"
#include "services/entity/ner/training.h"

ABSL_FLAG(std::string, conll_dir, "../shared/corpora/conll2003",
          "directory with eng.train.gz, eng.testa.gz and eng.testb.gz");
ABSL_FLAG(std::string, out, "models/ner-conll2003.ngpm", "model file to write");
ABSL_FLAG(int, epochs, 12, "training epochs");
ABSL_FLAG(std::string, clusters, "models/word-clusters.tsv",
          "word clusters from learn_clusters (recorded in the model by file name; keep it next to "
          "the model); empty: none");
ABSL_FLAG(std::string, paths, "models/word-paths.tsv",
          "hierarchical cluster paths learned by learn_clusters; empty = none");
ABSL_FLAG(uint64_t, seed, 1, "shuffle seed");
ABSL_FLAG(int, members, 3, "models per pass trained with consecutive seeds and averaged");
ABSL_FLAG(double, min_weight, 0.018,
          "drop features whose largest |weight| is below this share of the model's largest "
          "(on eng.testa: 0.018 costs 0.0005 F1 and halves the loaded model; 0.012 costs nothing)");
ABSL_FLAG(bool, two_pass, true, "train a stacked second pass with document-level evidence");
ABSL_FLAG(bool, json, false, "with --evaluate: one JSON line (speed, per-type scores)");
ABSL_FLAG(std::string, predictions, "",
          "with --evaluate: also write the test set as `word gold predicted` lines (IOB2, "
          "conlleval's input) to this file");
ABSL_FLAG(std::string, evaluate, "",
          "instead of training, load this model file (as the service does) and score it on "
          "eng.testb");

namespace {

std::vector<std::string> Iob2(const std::vector<newsgraph::entity::ner::Span>& spans, size_t n) {
  std::vector<std::string> tags(n, "O");
  for (const auto& span : spans) {
    for (size_t i = span.begin; i < span.end; ++i) {
      tags[i] = (i == span.begin ? "B-" : "I-") + span.type;
    }
  }
  return tags;
}

// Tags `gold` document by document and writes `word gold predicted` lines.
absl::Status WritePredictions(const newsgraph::entity::ner::NerTagger& tagger,
                              const std::vector<newsgraph::entity::ner::Sentence>& gold,
                              const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) return absl::NotFoundError("cannot write " + path);
  for (size_t begin = 0; begin < gold.size();) {
    size_t end = begin;
    std::vector<std::vector<std::string>> sentences;
    while (end < gold.size() && gold[end].document == gold[begin].document) {
      sentences.push_back(gold[end].tokens);
      ++end;
    }
    const auto predicted = tagger.TagDocument(sentences);
    for (size_t s = begin; s < end; ++s) {
      const auto gold_tags = Iob2(gold[s].entities, gold[s].tokens.size());
      const auto predicted_tags = Iob2(predicted[s - begin], gold[s].tokens.size());
      for (size_t i = 0; i < gold[s].tokens.size(); ++i) {
        std::fprintf(file, "%s %s %s\n", gold[s].tokens[i].c_str(), gold_tags[i].c_str(),
                     predicted_tags[i].c_str());
      }
      std::fprintf(file, "\n");
    }
    begin = end;
  }
  return std::fclose(file) == 0 ? absl::OkStatus() : absl::DataLossError("cannot write " + path);
}

// Spans by confidence band: how many, their mean confidence, and how many
// are right (a calibrated model's two columns agree).
void PrintReliability(const char* name, const std::vector<std::pair<float, bool>>& scored) {
  const float edges[] = {0.0f, 0.5f, 0.7f, 0.8f, 0.9f, 0.95f, 0.99f, 1.01f};
  std::printf("%s spans by confidence: band, spans, mean confidence, share right\n", name);
  for (size_t b = 0; b + 1 < std::size(edges); ++b) {
    size_t count = 0, right = 0;
    double sum = 0;
    for (const auto& [confidence, correct] : scored) {
      if (confidence < edges[b] || confidence >= edges[b + 1]) continue;
      ++count;
      right += correct ? 1 : 0;
      sum += confidence;
    }
    if (count == 0) continue;
    std::printf("  [%.2f, %.2f)  %6zu  %.3f  %.3f\n", edges[b], std::min(edges[b + 1], 1.0f),
                count, sum / count, static_cast<double>(right) / count);
  }
}

}  // namespace

namespace {

using newsgraph::entity::ner::Sentence;

void PrintScores(const newsgraph::entity::ner::NerEvaluation& evaluation) {
  for (const auto& [type, counts] : evaluation.by_type) {
    std::printf("%-5s %9.4f %9.4f %9.4f\n", type.c_str(), counts.Precision(), counts.Recall(),
                counts.F1());
  }
  std::printf("%-5s %9.4f %9.4f %9.4f\n", "all", evaluation.micro.Precision(),
              evaluation.micro.Recall(), evaluation.micro.F1());
}

size_t CountTokens(const std::vector<Sentence>& sentences) {
  size_t tokens = 0;
  for (const Sentence& s : sentences) tokens += s.tokens.size();
  return tokens;
}

// --evaluate=MODEL: scores and tagging speed (best of three passes, one
// thread) on the test set, as text or one JSON line.
int Evaluate(const std::string& path, const std::vector<Sentence>& test) {
  using namespace newsgraph::entity::ner;
  absl::StatusOr<NerTagger> loaded = LoadNerTagger(path, nullptr);
  if (!loaded.ok()) {
    std::fprintf(stderr, "train_ner: %s\n", loaded.status().ToString().c_str());
    return 1;
  }
  const size_t tokens = CountTokens(test);
  double best_secs = 0;
  NerEvaluation evaluation;
  for (int pass = 0; pass < 3; ++pass) {
    const auto tag_start = std::chrono::steady_clock::now();
    evaluation = EvaluateNer(*loaded, test);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - tag_start).count();
    if (pass == 0 || secs < best_secs) best_secs = secs;
  }
  if (const std::string out = absl::GetFlag(FLAGS_predictions); !out.empty()) {
    absl::Status written = WritePredictions(*loaded, test, out);
    if (!written.ok()) {
      std::fprintf(stderr, "train_ner: %s\n", written.ToString().c_str());
      return 1;
    }
  }
  const size_t weight_bytes =
      loaded->model().memory_bytes() +
      (loaded->first_pass().has_value() ? loaded->first_pass()->memory_bytes() : 0);
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("{\"model\":\"%s\",\"test_tokens\":%zu,\"tokens_per_second\":%.0f,"
                "\"weight_mb\":%.1f",
                path.c_str(), tokens, tokens / best_secs, weight_bytes / 1e6);
    for (const auto& [type, counts] : evaluation.by_type) {
      std::printf(",\"%s\":{\"precision\":%.4f,\"recall\":%.4f,\"f1\":%.4f}", type.c_str(),
                  counts.Precision(), counts.Recall(), counts.F1());
    }
    std::printf(",\"all\":{\"precision\":%.4f,\"recall\":%.4f,\"f1\":%.4f}}\n",
                evaluation.micro.Precision(), evaluation.micro.Recall(), evaluation.micro.F1());
    return 0;
  }
  std::printf("test (eng.testb): %zu tokens tagged in %.3f s = %.0f tokens/s (one thread)\n",
              tokens, best_secs, tokens / best_secs);
  PrintScores(evaluation);
  std::printf("confidence temperature %.1f; weights in memory %.1f MB (both passes)\n",
              loaded->confidence_temperature(), weight_bytes / 1e6);
  PrintReliability("test", ScoredSpans(*loaded, test));
  return 0;
}

// Writes the first-pass model (when there is one) beside `out`; returns its
// file name ("" without one).
absl::StatusOr<std::string> SaveFirstPass(const newsgraph::entity::ner::TrainedNer& trained,
                                          const std::string& out) {
  if (!trained.first_pass.has_value()) return std::string();
  const std::filesystem::path path(out);
  const std::filesystem::path first_path =
      path.parent_path() / (path.stem().string() + ".pass1" + path.extension().string());
  NG_RETURN_IF_ERROR(trained.first_pass->Save(
      first_path.string(), "{\"name\":\"newsgraph-ner-perceptron first pass\"}",
      static_cast<float>(absl::GetFlag(FLAGS_min_weight))));
  std::printf("wrote %s (%zu features trained, file %.1f MB)\n", first_path.c_str(),
              trained.first_pass->num_features(), std::filesystem::file_size(first_path) / 1e6);
  return first_path.filename().string();
}

// Writes both passes to --out, with metadata saying what they were trained
// and tuned on, and scores the files as the service loads them.
absl::Status SaveModels(const newsgraph::entity::ner::TrainedNer& trained,
                        const newsgraph::entity::ner::TrainOptions& options, double test_f1,
                        float temperature, const std::vector<Sentence>& dev,
                        const std::vector<Sentence>& test) {
  using namespace newsgraph::entity::ner;
  const std::string out = absl::GetFlag(FLAGS_out);
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  NG_ASSIGN_OR_RETURN(const std::string first_pass_name, SaveFirstPass(trained, out));
  const std::string metadata = absl::StrFormat(
      "{\"name\":\"newsgraph-ner-perceptron\",\"trained_on\":\"CoNLL-2003 eng.train\","
      "\"tuned_on\":\"eng.testa\",\"test_f1\":%.4f,\"epochs\":%d,\"seed\":%d,\"members\":%d,"
      "\"clusters\":\"%s\",\"paths\":\"%s\",\"first_pass\":\"%s\","
      "\"confidence_temperature\":%.1f}",
      test_f1, options.epochs, static_cast<int>(options.seed), options.members,
      std::filesystem::path(absl::GetFlag(FLAGS_clusters)).filename().string(),
      std::filesystem::path(absl::GetFlag(FLAGS_paths)).filename().string(), first_pass_name,
      temperature);
  NG_RETURN_IF_ERROR(
      trained.model.Save(out, metadata, static_cast<float>(absl::GetFlag(FLAGS_min_weight))));
  std::printf("wrote %s (%zu features trained, file %.1f MB)\n", out.c_str(),
              trained.model.num_features(), std::filesystem::file_size(out) / 1e6);
  NG_ASSIGN_OR_RETURN(NerTagger shipped, LoadNerTagger(out, nullptr));
  std::printf("as saved: test F1 %.4f, dev F1 %.4f\n", EvaluateNer(shipped, test).micro.F1(),
              EvaluateNer(shipped, dev).micro.F1());
  return absl::OkStatus();
}

// Trains on eng.train (tuned on eng.testa), reports eng.testb, saves.
int Train(const std::vector<Sentence>& train, const std::vector<Sentence>& dev,
          const std::vector<Sentence>& test) {
  using namespace newsgraph::entity::ner;
  absl::StatusOr<Lexicons> lexicons =
      LoadLexicons(absl::GetFlag(FLAGS_clusters), absl::GetFlag(FLAGS_paths));
  if (!lexicons.ok()) {
    std::fprintf(stderr, "train_ner: %s\n", lexicons.status().ToString().c_str());
    return 1;
  }
  std::printf("train %zu sentences, dev %zu, test %zu\n", train.size(), dev.size(), test.size());
  TrainOptions options;
  options.epochs = absl::GetFlag(FLAGS_epochs);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.two_pass = absl::GetFlag(FLAGS_two_pass);
  options.members = absl::GetFlag(FLAGS_members);
  const auto start = std::chrono::steady_clock::now();
  TrainedNer trained =
      TrainNer(train, dev, *lexicons, options, [&](int pass, int epoch, double f1) {
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("pass %d epoch %2d  dev F1 %.4f  (%.0f s)\n", pass, epoch, f1, secs);
        std::fflush(stdout);
      });
  NerTagger tagger(trained.model, *lexicons, trained.first_pass);
  const size_t tokens = CountTokens(test);
  const auto tag_start = std::chrono::steady_clock::now();
  const NerEvaluation evaluation = EvaluateNer(tagger, test);
  const double tag_secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - tag_start).count();
  std::printf("test (eng.testb): %zu tokens tagged in %.3f s = %.0f tokens/s (one thread)\n",
              tokens, tag_secs, tokens / tag_secs);
  std::printf("%-5s %9s %9s %9s\n", "type", "precision", "recall", "F1");
  PrintScores(evaluation);
  std::printf("dev (eng.testa) F1 of the final model: %.4f\n", EvaluateNer(tagger, dev).micro.F1());
  const float temperature = FitConfidenceTemperature(&tagger, dev);
  std::printf("confidence temperature %.1f (lowest log loss of span correctness on eng.testa)\n",
              temperature);
  PrintReliability("dev", ScoredSpans(tagger, dev));
  PrintReliability("test", ScoredSpans(tagger, test));
  absl::Status saved =
      SaveModels(trained, options, evaluation.micro.F1(), temperature, dev, test);
  if (!saved.ok()) {
    std::fprintf(stderr, "train_ner: %s\n", saved.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace newsgraph::entity::ner;
  const std::string dir = absl::GetFlag(FLAGS_conll_dir);
  auto train = ReadConll(dir + "/eng.train.gz");
  auto dev = ReadConll(dir + "/eng.testa.gz");
  auto test = ReadConll(dir + "/eng.testb.gz");
  for (const auto* data : {&train, &dev, &test}) {
    if (!data->ok()) {
      std::fprintf(stderr, "train_ner: %s\n", data->status().ToString().c_str());
      return 1;
    }
  }
  if (const std::string path = absl::GetFlag(FLAGS_evaluate); !path.empty()) {
    return Evaluate(path, *test);
  }
  return Train(*train, *dev, *test);
}
