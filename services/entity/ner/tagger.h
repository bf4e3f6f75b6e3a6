// NerTagger: BILOU tagging with a structured averaged perceptron (Viterbi
// search over valid BILOU sequences), and its training loop.
//
// Each token is scored with features of the word, its neighbours, name
// lists, word clusters and what the same word was tagged earlier in the
// document (document-level consistency); transition features pair the
// previous tag with the word's form, shape and clusters.
#ifndef NEWSGRAPH_SERVICES_ENTITY_NER_TAGGER_H_
#define NEWSGRAPH_SERVICES_ENTITY_NER_TAGGER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/entity/ner/conll.h"
#include "services/entity/ner/features.h"
#include "services/entity/ner/perceptron.h"

namespace newsgraph::entity::ner {

// The entity types of CoNLL-2003.
const std::vector<std::string>& EntityTypes();
// "O" then B-, I-, L-, U- of every type.
const std::vector<std::string>& BilouTagSet();

// Thread-safe: Tag methods are const and keep their state on the stack.
class NerTagger {
 public:
  // With `first_pass`, documents are tagged twice: the first pass's output
  // becomes non-local evidence for `model` (two-pass stacking).
  NerTagger(Perceptron model, Lexicons lexicons,
            std::optional<Perceptron> first_pass = std::nullopt)
      : model_(std::move(model)),
        lexicons_(std::move(lexicons)),
        first_pass_(std::move(first_pass)) {}

  // Tags the sentences of one document, in order; returns their spans.
  std::vector<std::vector<Span>> TagDocument(
      const std::vector<std::vector<std::string>>& sentences) const;

  // Tags with confidences: for each span, the mean over its tokens of the
  // probability of the chosen tag, a softmax of the max-marginal scores
  // (best sequence through each tag) at the model's confidence temperature,
  // fitted on held-out data so that confidences match how often spans are right.
  //
  // `stop`, when set, is polled every few sentences; once it returns true,
  // tagging ends early and fewer sentences than given are returned (callers
  // that can be cancelled pass one and discard a short result).
  std::vector<std::vector<std::pair<Span, float>>> TagDocumentWithConfidence(
      const std::vector<std::vector<std::string>>& sentences,
      const std::function<bool()>& stop = nullptr) const;
  // Sentences described at once by TagDocumentWithConfidence: a longer
  // document is tagged in pieces of this many (same result, bounded
  // memory: an 8 MiB document no longer holds every token's description).
  static constexpr size_t kChunkSentences = 2048;

  // Temperature of the confidence softmax (default 1; model metadata
  // "confidence_temperature").
  void set_confidence_temperature(float temperature) { temperature_ = temperature; }
  float confidence_temperature() const { return temperature_; }

  const Perceptron& model() const { return model_; }
  const std::optional<Perceptron>& first_pass() const { return first_pass_; }

 private:
  Perceptron model_;
  Lexicons lexicons_;
  std::optional<Perceptron> first_pass_;
  float temperature_ = 1;
};

// Loads a tagger written by train_ner from `model_path`, with the companion
// files its metadata names (word clusters, first pass) from the same
// directory, and the lexicons. Errors: NOT_FOUND / INVALID_ARGUMENT naming
// the file.
absl::StatusOr<NerTagger> LoadNerTagger(const std::string& model_path, std::string* metadata);

}  // namespace newsgraph::entity::ner

#endif  // NEWSGRAPH_SERVICES_ENTITY_NER_TAGGER_H_
