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
  size_t num_features() const { return slots_.empty() ? rows_.size() : loaded_features_; }

  // Sets scores[l] to the sum of the weights of `features` for label l.
  void Score(const std::vector<uint64_t>& features, std::vector<float>* scores) const;
  // Adds the weights of one feature, or of `count` features, to
  // scores[0..num_labels).
  void AddWeights(uint64_t feature, float* scores) const;
  void AddWeights(const uint64_t* features, size_t count, float* scores) const;
  // Hints that `feature` will be looked up soon (a loaded model prefetches
  // its tag).
  void Prefetch(uint64_t feature) const {
    if (!slots_.empty()) __builtin_prefetch(tags_.data() + (feature & slot_mask_));
  }

  // Training: adds `delta` to the weights of `features` for `label`. Call
  // NextExample() once per training example (the averaging clock).
  void Adjust(const std::vector<uint64_t>& features, int label, float delta);
  void Adjust(uint64_t feature, int label, float delta);
  void NextExample() { ++clock_; }

  // A copy whose weights are the averages over all examples seen so far.
  Perceptron Averaged() const;

  // The model whose weights are the means of `models`' weights (same
  // labels; a feature missing from a model counts as zero there).
  static Perceptron Mean(const std::vector<Perceptron>& models);

  // Binary file: labels, free-form metadata, and weights quantized to
  // 16 bits. Features whose largest |weight| is below `min_weight` times the
  // model's largest (0: those that round to zero) are dropped.
  absl::Status Save(const std::string& path, const std::string& metadata,
                    float min_weight = 0) const;
  // A loaded model is read-only: it keeps 16-bit weights next to their
  // features (half the memory, one cache line per lookup) and cannot be
  // trained further or saved again.
  static absl::StatusOr<Perceptron> Load(const std::string& path, std::string* metadata);

  // Bytes held by the weights (the loaded model's memory).
  size_t memory_bytes() const;

 private:
  // A loaded model's weights, quantized, in one open-addressing table:
  // slots of kSlotWords words, each the feature (0 = empty slot) and its
  // int16 weights (times scale_), so a lookup touches one cache line.
  static constexpr size_t kSlotWords = 6;  // up to 20 labels
  // Makes a copy's current weights the start of a new averaging, so that
  // Averaged() and Mean() results can be trained further.
  void StartAveraging();
  // A slot's tag: 0 for an empty slot, else 0x80 | the feature's top 7 bits.
  static uint8_t TagOf(uint64_t feature) { return 0x80 | static_cast<uint8_t>(feature >> 57); }
  // The first slot from `slot` on (probing) whose tag is `feature`'s, or
  // kNoSlot when an empty slot comes first: reads the tags only.
  static constexpr uint64_t kNoSlot = ~uint64_t{0};
  uint64_t NextTagMatch(uint64_t feature, uint64_t slot) const;
  // The weights of `feature`, probing from `slot` (its home slot is
  // feature & slot_mask_: features are hashes already), or null.
  const uint64_t* FindSlot(uint64_t feature, uint64_t slot) const;
  std::vector<uint64_t> slots_;
  // One tag per slot: a table a 48th of the slots' size, so that most
  // lookups of absent features (most of a text's features) end there
  // without reading a slot.
  std::vector<uint8_t> tags_;
  uint64_t slot_mask_ = 0;
  size_t loaded_features_ = 0;
  float scale_ = 1.0f;

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
