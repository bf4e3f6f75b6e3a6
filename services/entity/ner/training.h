// Training and evaluation of the named-entity tagger (train_ner and the
// benchmarks use them; the serving library does not): the structured
// perceptron with two-pass stacking, and conlleval-style span scores.
#ifndef NEWSGRAPH_SERVICES_ENTITY_NER_TRAINING_H_
#define NEWSGRAPH_SERVICES_ENTITY_NER_TRAINING_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "services/entity/ner/conll.h"
#include "services/entity/ner/lexicons.h"
#include "services/entity/ner/perceptron.h"
#include "services/entity/ner/tagger.h"

namespace newsgraph::entity::ner {

struct TrainOptions {
  // Passes over the training data. Default 12.
  int epochs = 12;
  // Seed of the document shuffle. Default 1.
  uint64_t seed = 1;
  // Train a second, stacked pass. Its training data gets first-pass
  // evidence from `folds`-fold cross-validation (jackknifing), so it learns
  // how much to trust first-pass output it has not seen. Default true.
  bool two_pass = true;
  int folds = 5;
  // Models per pass, trained on differently shuffled data (seeds seed,
  // seed + 1, ...) and averaged into one. Default 1.
  int members = 1;
};

struct TrainedNer {
  Perceptron model;
  std::optional<Perceptron> first_pass;
};

// Trains on `train`, evaluates on `dev` after every epoch (reported through
// `on_epoch` with the pass number and dev micro F1), and keeps the averaged
// model of the best epoch of each pass.
TrainedNer TrainNer(const std::vector<Sentence>& train, const std::vector<Sentence>& dev,
                    const Lexicons& lexicons, const TrainOptions& options,
                    const std::function<void(int pass, int epoch, double dev_f1)>& on_epoch);

// Precision, recall and F1 of exact span matches, as conlleval counts them.
struct SpanCounts {
  long true_positives = 0;
  long false_positives = 0;
  long false_negatives = 0;
  double Precision() const;
  double Recall() const;
  double F1() const;
};

struct NerEvaluation {
  SpanCounts micro;
  std::vector<std::pair<std::string, SpanCounts>> by_type;
};

// Every span `tagger` finds in `gold`, as (confidence, whether it is a gold span).
std::vector<std::pair<float, bool>> ScoredSpans(const NerTagger& tagger,
                                                const std::vector<Sentence>& gold);

// Sets the tagger's confidence temperature to the one (from a grid of
// 1..128) whose span confidences have the lowest log loss on `gold`, and
// returns it.
float FitConfidenceTemperature(NerTagger* tagger, const std::vector<Sentence>& gold);

// Tags `gold` document by document with `tagger` and scores the result.
NerEvaluation EvaluateNer(const NerTagger& tagger, const std::vector<Sentence>& gold);

}  // namespace newsgraph::entity::ner

#endif  // NEWSGRAPH_SERVICES_ENTITY_NER_TRAINING_H_
