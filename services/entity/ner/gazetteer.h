// Typed name lists matched against token sequences (longest match first).
//
// Each entry is a lower-cased phrase of up to kMaxPhraseTokens tokens with a
// set of categories ("country", "wordnet:location", "first_name", ...). The
// tagger sees, for every token, which categories cover it and where in the
// matched phrase it sits (B, I, L or U), and learns from training data how
// much each list is worth; a list is evidence, never a decision.
#ifndef NEWSGRAPH_SERVICES_ENTITY_NER_GAZETTEER_H_
#define NEWSGRAPH_SERVICES_ENTITY_NER_GAZETTEER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace newsgraph::entity::ner {

class Gazetteer {
 public:
  static constexpr size_t kMaxPhraseTokens = 6;
  static constexpr size_t kMaxCategories = 32;

  // Returns the id of `category`, adding it when new (at most kMaxCategories).
  int Category(const std::string& category);
  const std::vector<std::string>& categories() const { return categories_; }

  // Adds `phrase` (words separated by single spaces or underscores; any case)
  // to `category`. Longer phrases are ignored.
  void Add(absl::string_view phrase, int category);

  size_t size() const { return phrases_.size(); }
  bool empty() const { return phrases_.empty(); }

  // One match covering a token: category id and position ('B', 'I', 'L', 'U').
  struct TokenMatch {
    uint8_t category;
    char position;
  };
  // For each token of `lower_tokens` (lower-cased), the categories of the
  // longest phrase starting at or covering it. A phrase may only start at a
  // token for which `may_start` is true (capitalized words, for names).
  std::vector<std::vector<TokenMatch>> Match(const std::vector<std::string>& lower_tokens,
                                             const std::vector<bool>& may_start) const;

 private:
  std::vector<std::string> categories_;
  // phrase -> bit set of categories
  absl::flat_hash_map<std::string, uint32_t> phrases_;
  // first word -> longest phrase length that starts with it
  absl::flat_hash_map<std::string, uint8_t> longest_from_;
};

// The lists the tagger uses, from Debian packages: country and subdivision
// names (iso-codes), proper nouns of WordNet by lexicographer file (people,
// places, groups, objects, events, communication; wordnet-base) and first
// names (miscfiles' propernames). Missing files are NOT_FOUND errors naming
// the package.
struct GazetteerSources {
  std::string iso_codes_dir = "/usr/share/iso-codes/json";
  std::string wordnet_nouns = "/usr/share/wordnet/data.noun";
  std::string first_names = "/usr/share/dict/propernames.gz";
  // English city and region names from GeoNames (empty = none).
  std::string geonames = "/usr/share/locale/en/LC_MESSAGES/geonames.mo";
};
absl::StatusOr<Gazetteer> LoadGazetteer(const GazetteerSources& sources);

// Calls `add` with every name, official name and common name of the entries
// of list `list_key` ("3166-1") in an iso-codes JSON file.
absl::Status ForEachIsoName(const std::string& path, const std::string& list_key,
                            const std::function<void(const std::string&)>& add);

}  // namespace newsgraph::entity::ner

#endif  // NEWSGRAPH_SERVICES_ENTITY_NER_GAZETTEER_H_
