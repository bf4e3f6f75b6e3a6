// Features of a token for the named-entity tagger.
#ifndef NEWSGRAPH_SERVICES_ENTITY_NER_FEATURES_H_
#define NEWSGRAPH_SERVICES_ENTITY_NER_FEATURES_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "services/entity/ner/gazetteer.h"
#include "services/entity/ner/word_clusters.h"
#include "services/entity/ner/word_paths.h"

namespace newsgraph::entity::ner {

// Precomputed per-token views of a sentence.
struct TokenInfo {
  std::string word;
  std::string lower;
  std::string shape;        // "Xxx" (Paris), "XX", "dd-dd": runs cut to two
  std::string short_shape;  // shape with runs collapsed to one character
  bool in_gazetteer = false;
  // The word also occurs in lower case elsewhere in the document.
  bool seen_lowercase = false;
  // The sentence is written in capitals (a headline).
  bool all_caps_sentence = false;
  // The sentence has no lower-case word of three letters or more and holds
  // digits: a results table or list line ("Porto 3 Benfica 1").
  bool table_line = false;
  // Distributional clusters of the lower-cased word; -1 when unknown.
  int cluster_coarse = -1;
  int cluster_fine = -1;
  // Hierarchical cluster path of the word (as written, else lower-cased); empty when unknown.
  absl::string_view path;  // into Lexicons::paths, which outlives it
  // Typed name lists covering the token, with its position in the match.
  std::vector<Gazetteer::TokenMatch> lists;
  // The dictionary knows the lower-cased word as a common word, and/or the
  // word as a capitalized (proper) one.
  bool common_word = false;
  bool proper_word = false;
  // Non-local evidence from a first tagging pass over the whole document
  // (-1 without one): the type this token got (0 = none, 1 + type index),
  // and the type most often given to the same word anywhere in the document.
  int first_pass_type = -1;
  int first_pass_majority = -1;
  // The type and length (capped at 3) of the longest first-pass span that
  // holds the same word anywhere in the document (0, 0 when none): a
  // company's full name gives its short form away ("Santa Fe Pacific Gold"
  // -> "Santa Fe").
  int first_pass_longest_type = -1;
  int first_pass_longest_length = 0;
  // The token's ContextFeatures, which DescribeTokens fills (empty: not
  // computed yet). They do not depend on the first pass, so both passes over
  // a document share them; whoever changes another field of a described
  // token must clear them.
  std::vector<uint64_t> context_features;
};

// Word lists the tagger consults (lower-cased entries).
struct Lexicons {
  // Country, region and city names (may be multi-word; matched by first word too).
  absl::flat_hash_set<std::string> places;
  // Dictionary words: common (lower-case entries) and proper (capitalized
  // entries, stored lower-cased).
  absl::flat_hash_set<std::string> common_words;
  absl::flat_hash_set<std::string> proper_words;
  // Distributional word clusters (lower-cased words).
  WordClusters clusters;
  // Hierarchical cluster paths (words as written and/or lower-cased).
  WordPaths paths;
  // Typed name lists (iso-codes, WordNet proper nouns, first names).
  Gazetteer gazetteer;
};

// `document_lowercase` (may be null) holds the words that occur in lower
// case anywhere in the document.
std::vector<TokenInfo> DescribeTokens(const std::vector<std::string>& tokens,
                                      const Lexicons& lexicons,
                                      const absl::flat_hash_set<std::string>* document_lowercase);

// The lower-case words of a document's sentences.
absl::flat_hash_set<std::string> LowercaseWords(
    const std::vector<const std::vector<std::string>*>& sentences);

// Sets `features` to the hashed features of token `i` that do not depend on
// the tag sequence, given the document's earlier predictions for the same
// word (-1 when none): its context_features (computed when empty) and its
// PassFeatures.
void ExtractFeatures(const std::vector<TokenInfo>& sentence, size_t i, int document_tag_of_word,
                     std::vector<uint64_t>* features);
// Appends the features of token `i` that depend only on the sentence and
// the document's text (its words, their shapes, lexicons, name lists).
void ContextFeatures(const std::vector<TokenInfo>& sentence, size_t i,
                     std::vector<uint64_t>* features);
// Appends the features of token `i` that depend on a tagging pass: the
// first pass's evidence and the document's earlier predictions for the word.
void PassFeatures(const std::vector<TokenInfo>& sentence, size_t i, int document_tag_of_word,
                  std::vector<uint64_t>* features);

// Features that pair token `i`'s context with the previous tag: the
// templates' hashes here, made into feature ids per previous tag by
// TransitionFeature. Template 0 is the previous tag alone (the transition).
inline constexpr size_t kTransitionTemplates = 5;
std::array<uint64_t, kTransitionTemplates> TransitionBases(const std::vector<TokenInfo>& sentence,
                                                          size_t i);
// The feature id of `base` with `previous_tag` (-1 = sentence start).
inline uint64_t TransitionFeature(uint64_t base, int previous_tag) {
  uint64_t h = base + static_cast<uint64_t>(previous_tag + 2) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  return h;
}

}  // namespace newsgraph::entity::ner

#endif  // NEWSGRAPH_SERVICES_ENTITY_NER_FEATURES_H_
