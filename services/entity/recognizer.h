// Recognizer: finds entity and value mentions in text.
//
// This first recognizer is rule-based: capitalized-token runs typed by
// head words, acronyms and the ISO 3166 country gazetteer, plus DATE, MONEY
// and PERCENT patterns. The trained sequence model (issue #4) replaces the
// name part behind the same interface.
#ifndef NEWSGRAPH_SERVICES_ENTITY_RECOGNIZER_H_
#define NEWSGRAPH_SERVICES_ENTITY_RECOGNIZER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "newsgraph/v1/types.pb.h"

namespace newsgraph::entity {

struct RecognizedMention {
  size_t byte_begin = 0;
  size_t byte_end = 0;
  newsgraph::v1::EntityType type = newsgraph::v1::ENTITY_TYPE_UNSPECIFIED;
  float confidence = 0;
  size_t sentence_index = 0;
  std::string normalized_value;
};

struct Recognition {
  std::vector<RecognizedMention> mentions;
  // Sentence byte spans, in order.
  std::vector<std::pair<size_t, size_t>> sentences;
};

// Country and region names (folded) mapped to their ISO code.
using Gazetteer = absl::flat_hash_map<std::string, std::string>;

// Loads country names (name, official and common names) from Debian's
// iso-codes JSON. Errors: NOT_FOUND when the file is missing, INVALID_ARGUMENT
// when it does not parse.
absl::StatusOr<Gazetteer> LoadCountryGazetteer(
    const std::string& path = "/usr/share/iso-codes/json/iso_3166-1.json");

// Thread-safe after construction (const methods only).
class Recognizer {
 public:
  explicit Recognizer(Gazetteer countries);

  // Model identifier reported on every mention.
  static constexpr char kModelId[] = "rules-0.1";

  // Recognizes mentions in valid UTF-8 `text`, in text order, never
  // overlapping.
  Recognition Recognize(absl::string_view text) const;

  // The ISO 3166 alpha-2 code when `surface` names a country, else "".
  std::string CountryCode(absl::string_view surface) const;

 private:
  newsgraph::v1::EntityType ClassifyName(const std::vector<absl::string_view>& words,
                                         absl::string_view surface, float* confidence) const;

  Gazetteer countries_;
};

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_RECOGNIZER_H_
