#include "services/entity/ner/training.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "services/entity/ner/decoder.h"

namespace newsgraph::entity::ner {
namespace {

// Sentences grouped by document, in order.
std::vector<std::vector<const Sentence*>> ByDocument(const std::vector<Sentence>& sentences) {
  std::vector<std::vector<const Sentence*>> documents;
  for (const Sentence& s : sentences) {
    if (documents.empty() || documents.back().front()->document != s.document)
      documents.emplace_back();
    documents.back().push_back(&s);
  }
  return documents;
}

void Count(const std::vector<Span>& gold, const std::vector<Span>& predicted,
           absl::flat_hash_map<std::string, SpanCounts>* by_type) {
  for (const Span& p : predicted) {
    const bool hit = std::find(gold.begin(), gold.end(), p) != gold.end();
    if (hit)
      ++(*by_type)[p.type].true_positives;
    else
      ++(*by_type)[p.type].false_positives;
  }
  for (const Span& g : gold) {
    if (std::find(predicted.begin(), predicted.end(), g) == predicted.end()) {
      ++(*by_type)[g.type].false_negatives;
    }
  }
}


struct PreparedSentence {
  std::vector<TokenInfo> tokens;
  std::vector<int> gold;
};
using PreparedDocument = std::vector<PreparedSentence>;

// Runs `epochs` perceptron epochs over `documents`; after each, `evaluate`
// (when set) scores the averaged model, and the best is kept. Without
// `evaluate` the last averaged model is returned.
Perceptron TrainPass(std::vector<PreparedDocument> documents, int epochs, uint64_t seed,
                     const std::function<double(const Perceptron&)>& evaluate,
                     const std::function<void(int epoch, double f1)>& on_epoch) {
  Perceptron model(BilouTagSet());
  std::mt19937_64 rng(seed);
  std::optional<Perceptron> best;
  double best_f1 = -1;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    std::shuffle(documents.begin(), documents.end(), rng);
    for (const PreparedDocument& doc : documents) {
      absl::flat_hash_map<std::string, int> memory;
      for (const PreparedSentence& s : doc)
        Decode(model, s.tokens, kMaxTags, &memory, nullptr, 1, &model, &s.gold);
    }
    if (!evaluate) continue;
    Perceptron averaged = model.Averaged();
    const double f1 = evaluate(averaged);
    if (on_epoch) on_epoch(epoch, f1);
    if (f1 > best_f1) {
      best_f1 = f1;
      best = std::move(averaged);
    }
  }
  return best.has_value() ? *std::move(best) : model.Averaged();
}

// TrainPass `members` times with consecutive seeds; the mean of the models.
Perceptron TrainMembers(const std::vector<PreparedDocument>& documents, int epochs, uint64_t seed,
                        int members, const std::function<double(const Perceptron&)>& evaluate,
                        const std::function<void(int epoch, double f1)>& on_epoch) {
  if (members <= 1) return TrainPass(documents, epochs, seed, evaluate, on_epoch);
  std::vector<Perceptron> models;
  for (int m = 0; m < members; ++m) {
    models.push_back(TrainPass(documents, epochs, seed + static_cast<uint64_t>(m), evaluate, on_epoch));
  }
  return Perceptron::Mean(models);
}

}  // namespace

TrainedNer TrainNer(const std::vector<Sentence>& train, const std::vector<Sentence>& dev,
                    const Lexicons& lexicons, const TrainOptions& options,
                    const std::function<void(int pass, int epoch, double dev_f1)>& on_epoch) {
  absl::flat_hash_map<std::string, int> tag_index;
  for (size_t t = 0; t < BilouTagSet().size(); ++t)
    tag_index[BilouTagSet()[t]] = static_cast<int>(t);
  std::vector<PreparedDocument> documents;
  std::vector<std::vector<std::vector<std::string>>> document_tokens;
  for (const std::vector<const Sentence*>& doc : ByDocument(train)) {
    std::vector<std::vector<std::string>> tokens;
    for (const Sentence* s : doc) tokens.push_back(s->tokens);
    const std::vector<std::vector<TokenInfo>> described =
        DescribeDocument(tokens, lexicons, nullptr);
    PreparedDocument prepared;
    for (size_t k = 0; k < doc.size(); ++k) {
      PreparedSentence p{described[k], {}};
      for (const std::string& tag : BilouFromSpans(doc[k]->entities, doc[k]->tokens.size())) {
        p.gold.push_back(tag_index.at(tag));
      }
      prepared.push_back(std::move(p));
    }
    documents.push_back(std::move(prepared));
    document_tokens.push_back(std::move(tokens));
  }

  // Pass 1 on everything, tuned on dev.
  Perceptron first = TrainMembers(
      documents, options.epochs, options.seed, options.members,
      [&](const Perceptron& m) { return EvaluateNer(NerTagger(m, lexicons), dev).micro.F1(); },
      [&](int epoch, double f1) {
        if (on_epoch) on_epoch(1, epoch, f1);
      });
  if (!options.two_pass) return TrainedNer{std::move(first), std::nullopt};

  // Jackknifed first-pass evidence for the second pass's training data.
  int best_epoch = options.epochs;
  std::vector<PreparedDocument> stacked = documents;
  for (int fold = 0; fold < options.folds; ++fold) {
    std::vector<PreparedDocument> rest;
    for (size_t d = 0; d < documents.size(); ++d) {
      if (static_cast<int>(d % options.folds) != fold) rest.push_back(documents[d]);
    }
    const Perceptron held_out_model =
        TrainPass(std::move(rest), best_epoch, options.seed + fold, {}, {});
    for (size_t d = fold; d < documents.size(); d += options.folds) {
      absl::flat_hash_map<std::string, int> memory;
      std::vector<std::vector<int>> tags;
      std::vector<std::vector<TokenInfo>> tokens;
      for (const PreparedSentence& s : documents[d]) {
        tags.push_back(Decode(held_out_model, s.tokens, kSearchBeam, &memory, nullptr, 1, nullptr, nullptr));
        tokens.push_back(s.tokens);
      }
      AddFirstPassEvidence(tags, &tokens);
      for (size_t k = 0; k < tokens.size(); ++k) stacked[d][k].tokens = std::move(tokens[k]);
    }
  }
  Perceptron second = TrainMembers(
      stacked, options.epochs, options.seed, options.members,
      [&](const Perceptron& m) {
        return EvaluateNer(NerTagger(m, lexicons, first), dev).micro.F1();
      },
      [&](int epoch, double f1) {
        if (on_epoch) on_epoch(2, epoch, f1);
      });
  return TrainedNer{std::move(second), std::move(first)};
}

double SpanCounts::Precision() const {
  const long d = true_positives + false_positives;
  return d == 0 ? 0 : static_cast<double>(true_positives) / d;
}
double SpanCounts::Recall() const {
  const long d = true_positives + false_negatives;
  return d == 0 ? 0 : static_cast<double>(true_positives) / d;
}
double SpanCounts::F1() const {
  const double p = Precision();
  const double r = Recall();
  return p + r == 0 ? 0 : 2 * p * r / (p + r);
}

std::vector<std::pair<float, bool>> ScoredSpans(const NerTagger& tagger,
                                                const std::vector<Sentence>& gold) {
  std::vector<std::pair<float, bool>> scored;
  for (const std::vector<const Sentence*>& doc : ByDocument(gold)) {
    std::vector<std::vector<std::string>> tokens;
    for (const Sentence* s : doc) tokens.push_back(s->tokens);
    const auto predicted = tagger.TagDocumentWithConfidence(tokens);
    for (size_t k = 0; k < doc.size(); ++k) {
      for (const auto& [span, confidence] : predicted[k]) {
        const auto& entities = doc[k]->entities;
        scored.emplace_back(confidence,
                            std::find(entities.begin(), entities.end(), span) != entities.end());
      }
    }
  }
  return scored;
}

float FitConfidenceTemperature(NerTagger* tagger, const std::vector<Sentence>& gold) {
  float best_temperature = 1;
  double best_loss = std::numeric_limits<double>::infinity();
  for (float temperature : {1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f, 8.0f, 12.0f, 16.0f, 24.0f, 32.0f,
                            48.0f, 64.0f, 96.0f, 128.0f}) {
    tagger->set_confidence_temperature(temperature);
    double loss = 0;
    for (const auto& [confidence, right] : ScoredSpans(*tagger, gold)) {
      const double p = std::clamp(static_cast<double>(confidence), 1e-6, 1 - 1e-6);
      loss -= std::log(right ? p : 1 - p);
    }
    if (loss < best_loss) {
      best_loss = loss;
      best_temperature = temperature;
    }
  }
  tagger->set_confidence_temperature(best_temperature);
  return best_temperature;
}

NerEvaluation EvaluateNer(const NerTagger& tagger, const std::vector<Sentence>& gold) {
  absl::flat_hash_map<std::string, SpanCounts> by_type;
  for (const std::vector<const Sentence*>& doc : ByDocument(gold)) {
    std::vector<std::vector<std::string>> tokens;
    for (const Sentence* s : doc) tokens.push_back(s->tokens);
    const std::vector<std::vector<Span>> predicted = tagger.TagDocument(tokens);
    for (size_t k = 0; k < doc.size(); ++k) Count(doc[k]->entities, predicted[k], &by_type);
  }
  NerEvaluation evaluation;
  for (const std::string& type : EntityTypes()) {
    const SpanCounts& c = by_type[type];
    evaluation.by_type.emplace_back(type, c);
    evaluation.micro.true_positives += c.true_positives;
    evaluation.micro.false_positives += c.false_positives;
    evaluation.micro.false_negatives += c.false_negatives;
  }
  return evaluation;
}

}  // namespace newsgraph::entity::ner
