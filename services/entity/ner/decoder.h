// Internal to the tagger and its training: Viterbi decoding of one
// sentence under the BILOU constraints, and the token descriptions (with
// first-pass evidence) decoding reads.
#ifndef NEWSGRAPH_SERVICES_ENTITY_NER_DECODER_H_
#define NEWSGRAPH_SERVICES_ENTITY_NER_DECODER_H_

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "services/entity/ner/conll.h"
#include "services/entity/ner/features.h"
#include "services/entity/ner/lexicons.h"
#include "services/entity/ner/perceptron.h"

namespace newsgraph::entity::ner {

// Number of BILOU tags (O and four per type).
inline constexpr int kMaxTags = 17;
// Tagging extends the 6 best prefixes at each token; training searches
// exhaustively (kMaxTags). On CoNLL-2003 dev and test a beam of 6 tags
// exactly as the full search does within 0.0003 F1 and is ~30% faster
// (5: -0.0012, 4: -0.005).
inline constexpr int kSearchBeam = 6;

// Decodes one sentence with `model`, extending the `beam` best prefixes at
// each token; with `confidences`, appends each token's confidence (softmax
// of max-marginals at `temperature`); with `train`, applies the perceptron
// update towards `gold_tags`. Records the first type given to each
// capitalized word in `document_memory`.
std::vector<int> Decode(const Perceptron& model, const std::vector<TokenInfo>& tokens, int beam,
                        absl::flat_hash_map<std::string, int>* document_memory,
                        std::vector<float>* confidences, float temperature, Perceptron* train,
                        const std::vector<int>* gold_tags);

// The spans a tag sequence spells.
std::vector<Span> SpansOf(const std::vector<int>& tags);

// What a first tagging pass found for each word of a document (as
// lower-cased): how often each type was given to it, and the longest span
// holding it. Filled sentence by sentence, so a document need not be held
// whole.
class FirstPassSummary {
 public:
  // Counts one sentence's tokens under their first-pass tags.
  void Add(const std::vector<TokenInfo>& tokens, const std::vector<int>& tags);
  // Fills the first-pass fields of one sentence's tokens (first-pass tags
  // `tags`) from the whole document's counts.
  void Apply(const std::vector<int>& tags, std::vector<TokenInfo>* tokens) const;

 private:
  // word -> sentences' tokens per type id (0 = none).
  absl::flat_hash_map<std::string, std::array<int, 5>> votes_;
  // word -> (length, type) of the longest first-pass span holding it.
  absl::flat_hash_map<std::string, std::pair<int, int>> longest_;
};

// Fills the first-pass fields of a document's tokens from first-pass tags.
void AddFirstPassEvidence(const std::vector<std::vector<int>>& first_pass_tags,
                          std::vector<std::vector<TokenInfo>>* document);

// True when `stop` is set and, polled at every 32nd sentence, asks to stop.
bool StopRequested(const std::function<bool()>& stop, size_t sentence);

// Describes every token of the document; with `first_pass`, adds its tags as
// evidence. Returns fewer sentences than given when `stop` asked to stop.
std::vector<std::vector<TokenInfo>> DescribeDocument(
    const std::vector<std::vector<std::string>>& sentences, const Lexicons& lexicons,
    const Perceptron* first_pass, const std::function<bool()>& stop = nullptr);

// Calls `each` with every sentence's tokens, in order, described as
// DescribeDocument describes them, while holding at most `chunk_sentences`
// described sentences at once: a longer document is described twice, once
// for the first pass and once for `each`. `each` may change the tokens it
// is given; it returns false to stop. Returns false when `each` or `stop`
// (polled every few sentences) stopped it.
bool ForEachDescribedSentence(const std::vector<std::vector<std::string>>& sentences,
                              const Lexicons& lexicons, const Perceptron* first_pass,
                              size_t chunk_sentences, const std::function<bool()>& stop,
                              const std::function<bool(std::vector<TokenInfo>&)>& each);

}  // namespace newsgraph::entity::ner

#endif  // NEWSGRAPH_SERVICES_ENTITY_NER_DECODER_H_
