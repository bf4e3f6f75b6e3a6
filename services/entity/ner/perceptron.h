// A multiclass averaged perceptron over hashed sparse binary features.
#ifndef NEWSGRAPH_SERVICES_ENTITY_NER_PERCEPTRON_H_
#define NEWSGRAPH_SERVICES_ENTITY_NER_PERCEPTRON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace newsgraph::entity::ner {

// Not thread-safe for training; const methods are safe to share once trained.
class Perceptron {
 public:
  explicit Perceptron(std::vector<std::string> labels);

  const std::vector<std::string>& labels() const { return labels_; }
  int num_labels() const { return static_cast<int>(labels_.size()); }
  size_t num_features() const { return rows_.size(); }

  // Sets scores[l] to the sum of the weights of `features` for label l.
  void Score(const std::vector<uint64_t>& features, std::vector<float>* scores) const;

  // Training: moves weight from `guess` to `truth` for `features` (no-op
  // when equal). Call NextExample() once per training example.
  void Update(const std::vector<uint64_t>& features, int truth, int guess);
  void NextExample() { ++clock_; }

  // A copy whose weights are the averages over all examples seen so far.
  Perceptron Averaged() const;

  // The model whose weights are the means of `models`' weights (same
  // labels; a feature missing from a model counts as zero there).
  static Perceptron Mean(const std::vector<Perceptron>& models);

  // Binary file: labels, free-form metadata, and weights quantized to
  // 16 bits; features whose weights all round to zero are dropped.
  absl::Status Save(const std::string& path, const std::string& metadata) const;
  static absl::StatusOr<Perceptron> Load(const std::string& path, std::string* metadata);

 private:
  std::vector<std::string> labels_;
  absl::flat_hash_map<uint64_t, uint32_t> rows_;  // feature -> row
  std::vector<float> weights_;                    // row * num_labels + label
  // Averaging: accumulated weight-time and the clock of the last change.
  std::vector<double> totals_;
  std::vector<uint64_t> stamps_;
  uint64_t clock_ = 1;
};

}  // namespace newsgraph::entity::ner

#endif  // NEWSGRAPH_SERVICES_ENTITY_NER_PERCEPTRON_H_
