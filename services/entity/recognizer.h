// Recognizer: finds entity and value mentions in text.
//
// Names (PERSON, ORG, GPE/LOC, NORP, EVENT, LAW, MISC) come from the
// trained sequence tagger when one is given (CoNLL types mapped to OntoNotes
// ones by gazetteer and head words), else from rules: capitalized-token runs
// typed by head words, acronyms and the ISO 3166 country gazetteer. DATE,
// MONEY and PERCENT always come from a rule grammar with normalized values.
#ifndef NEWSGRAPH_SERVICES_ENTITY_RECOGNIZER_H_
#define NEWSGRAPH_SERVICES_ENTITY_RECOGNIZER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "newsgraph/v1/types.pb.h"
#include "services/entity/ner/tagger.h"
#include "services/entity/sentence_splitter.h"
#include "services/text/tokenizer.h"

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
  // True when the caller's stop predicate ended recognition early; the
  // mentions are then incomplete and must not be used.
  bool stopped = false;
};

// Country and region names (folded) mapped to their ISO code.
using Gazetteer = absl::flat_hash_map<std::string, std::string>;

// Loads country names (name, official and common names) from Debian's
// iso-codes JSON. Errors: NOT_FOUND when the file is missing, INVALID_ARGUMENT
// when it does not parse.
absl::StatusOr<Gazetteer> LoadCountryGazetteer(
    const std::string& path = "/usr/share/iso-codes/json/iso_3166-1.json");

// A name span that is really "[organisation] title name": word indexes
// where the title and the person's name begin.
struct TitledName {
  size_t title_begin = 0;
  size_t name_begin = 0;
};
// Splits "SCO Executive Secretary Zhang Deguang" (title at 1, name at 3) and,
// when the tagger called the span a person, "Secretary Vladimir Rushailo".
// A name needs two words unless `tagged_person`; std::nullopt when the
// span is not titled.
std::optional<TitledName> SplitTitledName(const std::vector<absl::string_view>& words,
                                          bool tagged_person);

// Thread-safe after construction (const methods only).
class Recognizer {
 public:
  // `tagger` may be null: names then come from rules.
  explicit Recognizer(Gazetteer countries, std::shared_ptr<const ner::NerTagger> tagger = nullptr,
                      std::string model_id = "");

  // Identifier of what produced the mentions, reported on every mention:
  // the tagger's model id, or "rules-0.1".
  const std::string& model_id() const { return model_id_; }

  // Recognizes mentions in valid UTF-8 `text`, in text order, never
  // overlapping. `stop`, when set, is polled while names are tagged (the
  // long part of a large document); once it returns true recognition ends
  // early with Recognition::stopped set.
  Recognition Recognize(absl::string_view text,
                        const std::function<bool()>& stop = nullptr) const;

  // The ISO 3166 alpha-2 code when `surface` names a country, else "".
  std::string CountryCode(absl::string_view surface) const;
  // The ISO 3166 alpha-2 code when `surface` is a demonym ("Chinese"), else "".
  std::string CountryCodeOfDemonym(absl::string_view surface) const;

 public:
  // A token as the tagger sees it (recognizer.cc).
  struct TaggerPiece;

 private:
  newsgraph::v1::EntityType ClassifyName(const std::vector<absl::string_view>& words,
                                         absl::string_view surface, float* confidence) const;

  // Without a tagger: the name that the capitalized word `i` starts (a run
  // of capitalized words joined by connectors and hyphens, titles split
  // off); only single known names on headline lines. Returns the token
  // after the run.
  size_t AddRuleBasedName(absl::string_view text, const std::vector<text::Token>& tokens,
                          const SentenceSplit& split, const std::vector<bool>& in_headline,
                          size_t i, Recognition* result) const;
  // Adds the name tokens [first, last] name, titles split off: "SCO
  // Secretary-General Zhang Ming" -> "SCO" (classified) and "Zhang Ming"
  // (PERSON).
  void AddNameRun(absl::string_view text, const std::vector<text::Token>& tokens,
                  const SentenceSplit& split, size_t first, size_t last,
                  Recognition* result) const;

  // Adds the tagger's name mentions that do not overlap `result`'s values.
  // Sets result->stopped instead when `stop` ended tagging early.
  void AddTaggedNames(absl::string_view text, const std::vector<text::Token>& tokens,
                      const std::vector<size_t>& sentence_of, const std::function<bool()>& stop,
                      Recognition* result) const;
  // Adds the name the tagger found at `span` of sentence `sentence` (whose
  // tokens are `pieces`): edges trimmed of punctuation, honorifics and a
  // trailing title; "SCO Executive Secretary Zhang Deguang" split into the
  // organisation and the person.
  void AddTaggedSpan(absl::string_view text, const std::vector<TaggerPiece>& pieces,
                     size_t sentence, const ner::Span& span, float confidence,
                     std::vector<RecognizedMention>* names) const;
  newsgraph::v1::EntityType MapConllType(const std::string& type,
                                         const std::vector<absl::string_view>& words,
                                         absl::string_view surface) const;

  Gazetteer countries_;
  Gazetteer demonyms_;
  std::shared_ptr<const ner::NerTagger> tagger_;
  std::string model_id_;
};

// Loads the country gazetteer and, when `ner_model_path` is not empty, the
// tagger model written by train_ner (the model id is its file name without
// extension). Errors: NOT_FOUND / INVALID_ARGUMENT naming the file.
absl::StatusOr<std::unique_ptr<Recognizer>> LoadRecognizer(const std::string& ner_model_path);

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_RECOGNIZER_H_
