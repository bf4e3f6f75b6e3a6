#include "services/entity/ner/tagger.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/entity/ner/decoder.h"
#include "services/entity/ner/lexicons.h"

namespace newsgraph::entity::ner {
const std::vector<std::string>& EntityTypes() {
  static const auto* types = new std::vector<std::string>{"PER", "ORG", "LOC", "MISC"};
  return *types;
}

const std::vector<std::string>& BilouTagSet() {
  static const auto* tags = [] {
    auto* t = new std::vector<std::string>{"O"};
    for (const std::string& type : EntityTypes()) {
      for (const char* prefix : {"B-", "I-", "L-", "U-"}) t->push_back(prefix + type);
    }
    return t;
  }();
  return *tags;
}

std::vector<std::vector<std::pair<Span, float>>> NerTagger::TagDocumentWithConfidence(
    const std::vector<std::vector<std::string>>& sentences,
    const std::function<bool()>& stop) const {
  absl::flat_hash_map<std::string, int> memory;
  std::vector<std::vector<std::pair<Span, float>>> out;
  out.reserve(sentences.size());
  std::vector<float> confidences;
  ForEachDescribedSentence(
      sentences, lexicons_, first_pass_ ? &*first_pass_ : nullptr, kChunkSentences, stop,
      [&](std::vector<TokenInfo>& tokens) {
        // Sentence 0 was polled while describing; poll the later ones again.
        if (!out.empty() && StopRequested(stop, out.size())) return false;
        confidences.clear();
        const std::vector<int> tags = Decode(model_, tokens, kSearchBeam, &memory, &confidences,
                                             temperature_, nullptr, nullptr);
        std::vector<std::pair<Span, float>> spans;
        for (const Span& span : SpansOf(tags)) {
          double sum = 0;
          for (size_t i = span.begin; i < span.end; ++i) sum += confidences[i];
          spans.emplace_back(span,
                             static_cast<float>(sum / static_cast<double>(span.end - span.begin)));
        }
        out.push_back(std::move(spans));
        return true;
      });
  return out;
}

std::vector<std::vector<Span>> NerTagger::TagDocument(
    const std::vector<std::vector<std::string>>& sentences) const {
  const std::vector<std::vector<TokenInfo>> document =
      DescribeDocument(sentences, lexicons_, first_pass_ ? &*first_pass_ : nullptr);
  absl::flat_hash_map<std::string, int> memory;
  std::vector<std::vector<Span>> out;
  out.reserve(sentences.size());
  for (const std::vector<TokenInfo>& tokens : document) {
    out.push_back(SpansOf(Decode(model_, tokens, kSearchBeam, &memory, nullptr, 1, nullptr, nullptr)));
  }
  return out;
}

absl::StatusOr<NerTagger> LoadNerTagger(const std::string& model_path, std::string* metadata) {
  std::string meta_json;
  absl::StatusOr<Perceptron> model = Perceptron::Load(model_path, &meta_json);
  if (!model.ok()) return model.status();
  if (metadata != nullptr) *metadata = meta_json;
  google::protobuf::Struct meta;
  (void)google::protobuf::util::JsonStringToMessage(meta_json, &meta);
  const size_t slash = model_path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : model_path.substr(0, slash + 1);
  auto companion = [&](const char* key) -> std::string {
    auto it = meta.fields().find(key);
    return it == meta.fields().end() || it->second.string_value().empty()
               ? ""
               : dir + it->second.string_value();
  };
  auto check_labels = [&](const Perceptron& loaded, const std::string& path) {
    return loaded.labels() == BilouTagSet()
               ? absl::OkStatus()
               : absl::InvalidArgumentError(
                     absl::StrCat(path, ": labels are not the BILOU tags of PER/ORG/LOC/MISC"));
  };
  if (absl::Status labels = check_labels(*model, model_path); !labels.ok()) return labels;
  absl::StatusOr<Lexicons> lexicons = LoadLexicons(companion("clusters"), companion("paths"));
  if (!lexicons.ok()) return lexicons.status();
  std::optional<Perceptron> first_pass;
  if (const std::string path = companion("first_pass"); !path.empty()) {
    absl::StatusOr<Perceptron> loaded = Perceptron::Load(path, nullptr);
    if (!loaded.ok()) return loaded.status();
    if (absl::Status labels = check_labels(*loaded, path); !labels.ok()) return labels;
    first_pass = *std::move(loaded);
  }
  NerTagger tagger(*std::move(model), *std::move(lexicons), std::move(first_pass));
  if (auto it = meta.fields().find("confidence_temperature"); it != meta.fields().end()) {
    if (it->second.number_value() <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(model_path, ": confidence_temperature must be positive"));
    }
    tagger.set_confidence_temperature(static_cast<float>(it->second.number_value()));
  }
  return tagger;
}

}  // namespace newsgraph::entity::ner
