#include "services/entity/ner/perceptron.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace newsgraph::entity::ner {
namespace {

constexpr char kMagic[8] = {'N', 'G', 'P', 'C', 'P', 'T', '0', '1'};

template <typename T>
void Put(std::string* out, T value) {
  out->append(reinterpret_cast<const char*>(&value), sizeof(value));
}
void PutString(std::string* out, const std::string& s) {
  Put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

class Reader {
 public:
  explicit Reader(const std::string& data) : data_(data) {}
  template <typename T>
  bool Get(T* value) {
    if (pos_ + sizeof(T) > data_.size()) return false;
    std::memcpy(value, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool GetString(std::string* s) {
    uint32_t size = 0;
    if (!Get(&size) || pos_ + size > data_.size()) return false;
    s->assign(data_.data() + pos_, size);
    pos_ += size;
    return true;
  }
  bool AtEnd() const { return pos_ == data_.size(); }

 private:
  const std::string& data_;
  size_t pos_ = 0;
};

}  // namespace

Perceptron::Perceptron(std::vector<std::string> labels) : labels_(std::move(labels)) {}

uint64_t Perceptron::NextTagMatch(uint64_t feature, uint64_t slot) const {
  const uint8_t tag = TagOf(feature);
  for (;; slot = (slot + 1) & slot_mask_) {
    const uint8_t t = tags_[slot];
    if (t == tag) return slot;
    if (t == 0) return kNoSlot;
  }
}

const uint64_t* Perceptron::FindSlot(uint64_t feature, uint64_t slot) const {
  for (slot = NextTagMatch(feature, slot); slot != kNoSlot;
       slot = NextTagMatch(feature, (slot + 1) & slot_mask_)) {
    const uint64_t* entry = slots_.data() + slot * kSlotWords;
    if (entry[0] == feature) return entry + 1;
  }
  return nullptr;
}

void Perceptron::AddWeights(uint64_t feature, float* scores) const {
  const size_t n = labels_.size();
  if (!slots_.empty()) {
    const uint64_t* found = FindSlot(feature, feature & slot_mask_);
    if (found == nullptr) return;
    int16_t row[(kSlotWords - 1) * 4];
    std::memcpy(row, found, sizeof(row));
    for (size_t l = 0; l < n; ++l) scores[l] += static_cast<float>(row[l]) * scale_;
    return;
  }
  auto it = rows_.find(feature);
  if (it == rows_.end()) return;
  const float* row = weights_.data() + static_cast<size_t>(it->second) * n;
  for (size_t l = 0; l < n; ++l) scores[l] += row[l];
}

void Perceptron::Score(const std::vector<uint64_t>& features, std::vector<float>* scores) const {
  scores->assign(labels_.size(), 0.0f);
  AddWeights(features.data(), features.size(), scores->data());
}

void Perceptron::AddWeights(const uint64_t* features, size_t count, float* scores) const {
  if (slots_.empty()) {
    for (size_t f = 0; f < count; ++f) AddWeights(features[f], scores);
    return;
  }
  // In three sweeps, so that no read waits on one miss at a time: start
  // loading every feature's tags; find the slots whose tags match (absent
  // features mostly end here) and start loading those slots; then check
  // each slot's feature and sum the 16-bit weights exactly in 32 bits over
  // the whole (padded) slot.
  for (size_t f = 0; f < count; ++f) Prefetch(features[f]);
  constexpr size_t kWidth = (kSlotWords - 1) * 4;
  int32_t sums[kWidth] = {};
  constexpr size_t kChunk = 128;
  uint64_t slots[kChunk];
  size_t feature_of[kChunk];
  for (size_t begin = 0; begin < count; begin += kChunk) {
    const size_t end = std::min(count, begin + kChunk);
    size_t matched = 0;
    for (size_t f = begin; f < end; ++f) {
      const uint64_t slot = NextTagMatch(features[f], features[f] & slot_mask_);
      if (slot == kNoSlot) continue;
      const uint64_t* entry = slots_.data() + slot * kSlotWords;
      __builtin_prefetch(entry);
      __builtin_prefetch(entry + kSlotWords - 1);  // a slot may cross a cache line
      slots[matched] = slot;
      feature_of[matched++] = f;
    }
    for (size_t k = 0; k < matched; ++k) {
      const uint64_t feature = features[feature_of[k]];
      const uint64_t* entry = slots_.data() + slots[k] * kSlotWords;
      // A tag shared with another feature (1 in 128): go on probing.
      const uint64_t* found =
          entry[0] == feature ? entry + 1 : FindSlot(feature, (slots[k] + 1) & slot_mask_);
      if (found == nullptr) continue;
      int16_t row[kWidth];
      std::memcpy(row, found, sizeof(row));
      for (size_t l = 0; l < kWidth; ++l) sums[l] += row[l];
    }
  }
  for (size_t l = 0; l < labels_.size(); ++l) scores[l] += static_cast<float>(sums[l]) * scale_;
}

size_t Perceptron::memory_bytes() const {
  return slots_.size() * sizeof(uint64_t) + tags_.size() + weights_.size() * sizeof(float) +
         rows_.capacity() * (sizeof(uint64_t) + sizeof(uint32_t) + 1) +
         (totals_.size() + stamps_.size()) * 8;
}

Perceptron Perceptron::Mean(const std::vector<Perceptron>& models) {
  Perceptron mean(models.empty() ? std::vector<std::string>{} : models[0].labels_);
  const size_t n = mean.labels_.size();
  const float share = models.empty() ? 0.0f : 1.0f / static_cast<float>(models.size());
  for (const Perceptron& model : models) {
    for (const auto& [feature, row] : model.rows_) {
      auto [it, inserted] = mean.rows_.try_emplace(feature, static_cast<uint32_t>(mean.rows_.size()));
      if (inserted) mean.weights_.resize(mean.weights_.size() + n, 0.0f);
      float* target = mean.weights_.data() + static_cast<size_t>(it->second) * n;
      const float* source = model.weights_.data() + static_cast<size_t>(row) * n;
      for (size_t l = 0; l < n; ++l) target[l] += share * source[l];
    }
  }
  mean.StartAveraging();
  return mean;
}

void Perceptron::StartAveraging() {
  clock_ = 1;
  totals_.assign(weights_.size(), 0.0);
  stamps_.assign(weights_.size(), clock_);
}

void Perceptron::Adjust(uint64_t feature, int label, float delta) {
  const size_t n = labels_.size();
  auto [it, inserted] = rows_.try_emplace(feature, static_cast<uint32_t>(rows_.size()));
  if (inserted) {
    weights_.resize(weights_.size() + n, 0.0f);
    totals_.resize(totals_.size() + n, 0.0);
    stamps_.resize(stamps_.size() + n, clock_);
  }
  const size_t k = static_cast<size_t>(it->second) * n + static_cast<size_t>(label);
  totals_[k] += static_cast<double>(clock_ - stamps_[k]) * weights_[k];
  stamps_[k] = clock_;
  weights_[k] += delta;
}

void Perceptron::Adjust(const std::vector<uint64_t>& features, int label, float delta) {
  for (uint64_t feature : features) Adjust(feature, label, delta);
}

Perceptron Perceptron::Averaged() const {
  Perceptron averaged(labels_);
  averaged.rows_ = rows_;
  averaged.weights_.resize(weights_.size());
  for (size_t k = 0; k < weights_.size(); ++k) {
    const double total = totals_[k] + static_cast<double>(clock_ - stamps_[k]) * weights_[k];
    averaged.weights_[k] = static_cast<float>(total / static_cast<double>(clock_));
  }
  averaged.StartAveraging();
  return averaged;
}

absl::Status Perceptron::Save(const std::string& path, const std::string& metadata,
                              float min_weight) const {
  if (!slots_.empty()) {
    return absl::FailedPreconditionError("a loaded model is read-only and cannot be saved again");
  }
  const size_t n = labels_.size();
  float max_abs = 0;
  for (float w : weights_) max_abs = std::max(max_abs, std::fabs(w));
  const float scale = max_abs > 0 ? max_abs / 32767.0f : 1.0f;
  std::string out(kMagic, sizeof(kMagic));
  PutString(&out, metadata);
  Put<uint32_t>(&out, static_cast<uint32_t>(n));
  for (const std::string& label : labels_) PutString(&out, label);
  Put<float>(&out, scale);
  std::vector<std::pair<uint64_t, uint32_t>> rows(rows_.begin(), rows_.end());
  std::sort(rows.begin(), rows.end());
  std::string body;
  uint32_t kept = 0;
  for (const auto& [feature, row] : rows) {
    std::vector<std::pair<uint8_t, int16_t>> nonzero;
    for (size_t l = 0; l < n; ++l) {
      const long q = std::lround(weights_[static_cast<size_t>(row) * n + l] / scale);
      if (q != 0) nonzero.emplace_back(static_cast<uint8_t>(l), static_cast<int16_t>(q));
    }
    long largest = 0;
    for (const auto& [label, q] : nonzero) largest = std::max<long>(largest, std::abs(q));
    if (nonzero.empty() || static_cast<float>(largest) < min_weight * 32767.0f) continue;
    ++kept;
    Put<uint64_t>(&body, feature);
    Put<uint8_t>(&body, static_cast<uint8_t>(nonzero.size()));
    for (const auto& [label, q] : nonzero) {
      Put<uint8_t>(&body, label);
      Put<int16_t>(&body, q);
    }
  }
  Put<uint32_t>(&out, kept);
  out.append(body);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(out.data(), static_cast<std::streamsize>(out.size()));
  if (!file) return absl::UnavailableError(absl::StrCat("cannot write model ", path));
  return absl::OkStatus();
}

absl::StatusOr<Perceptron> Perceptron::Load(const std::string& path, std::string* metadata) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("model file not found: ", path));
  std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (data.size() < sizeof(kMagic) || std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a newsgraph perceptron model"));
  }
  const std::string rest = data.substr(sizeof(kMagic));
  Reader in(rest);
  std::string meta;
  uint32_t n = 0;
  if (!in.GetString(&meta) || !in.Get(&n) || n == 0 || n > 255) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": corrupt model header"));
  }
  std::vector<std::string> labels(n);
  for (std::string& label : labels) {
    if (!in.GetString(&label))
      return absl::InvalidArgumentError(absl::StrCat(path, ": corrupt labels"));
  }
  float scale = 0;
  uint32_t rows = 0;
  if (!in.Get(&scale) || !in.Get(&rows)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": corrupt model header"));
  }
  if (n > (kSlotWords - 1) * 4) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", n, " labels, at most ", (kSlotWords - 1) * 4));
  }
  constexpr size_t kWidth = (kSlotWords - 1) * 4;
  struct Row {
    uint64_t feature;
    int16_t weights[kWidth];
  };
  std::vector<Row> parsed;
  parsed.reserve(rows);
  for (uint32_t r = 0; r < rows; ++r) {
    Row row{};
    uint8_t count = 0;
    if (!in.Get(&row.feature) || !in.Get(&count)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": truncated at feature ", r));
    }
    for (uint8_t c = 0; c < count; ++c) {
      uint8_t label = 0;
      int16_t q = 0;
      if (!in.Get(&label) || !in.Get(&q) || label >= n) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": corrupt weights at feature ", r));
      }
      row.weights[label] = q;
    }
    if (row.feature == 0) continue;  // the empty-slot marker (a 1-in-2^64 hash)
    parsed.push_back(row);
  }
  Perceptron model(std::move(labels));
  uint64_t slot_count = 16;
  while (slot_count < parsed.size() + parsed.size() / 2) slot_count *= 2;  // at most 2/3 full
  model.slots_.assign(slot_count * kSlotWords, 0);
  model.tags_.assign(slot_count, 0);
  model.slot_mask_ = slot_count - 1;
  model.scale_ = scale;
  for (const Row& row : parsed) {
    uint64_t slot = row.feature & model.slot_mask_;
    while (model.slots_[slot * kSlotWords] != 0) {
      if (model.slots_[slot * kSlotWords] == row.feature) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": feature ", row.feature, " appears twice"));
      }
      slot = (slot + 1) & model.slot_mask_;
    }
    uint64_t* entry = model.slots_.data() + slot * kSlotWords;
    entry[0] = row.feature;
    model.tags_[slot] = TagOf(row.feature);
    std::memcpy(entry + 1, row.weights, sizeof(row.weights));
    ++model.loaded_features_;
  }
  if (!in.AtEnd()) return absl::InvalidArgumentError(absl::StrCat(path, ": trailing bytes"));
  if (metadata != nullptr) *metadata = meta;
  return model;
}

}  // namespace newsgraph::entity::ner
