// The closed word lists of the rule-based parts of recognition: words that
// cannot start a name at a sentence start, connectors inside names, title
// and honorific words, and the head words that type a name (organisation,
// event, law, geographic feature). All lower case.
#ifndef NEWSGRAPH_SERVICES_ENTITY_WORD_LISTS_H_
#define NEWSGRAPH_SERVICES_ENTITY_WORD_LISTS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace newsgraph::entity {

// Function words that start sentences ("The", "However"): capitalized there
// without being names.
const absl::flat_hash_set<std::string>& SentenceStartStopwords();
// Lower-case words inside names ("Bank of Japan", "Ludwig van Beethoven").
const absl::flat_hash_set<std::string>& Connectors();
// Titles before a person's name ("Secretary", "Minister", "Mr").
const absl::flat_hash_set<std::string>& TitleWords();
// Last words that make a name an organisation ("Council", "Bank").
const absl::flat_hash_set<std::string>& OrgHeads();
// Last words that make a name an event ("Summit", "Olympics").
const absl::flat_hash_set<std::string>& EventHeads();
// Words that make a name a law or treaty ("Treaty", "Act").
const absl::flat_hash_set<std::string>& LawHeads();
// First or last words of a geographic feature ("River", "Gulf").
const absl::flat_hash_set<std::string>& GeographicHeads();

// Country names that Debian's iso-codes does not list, folded, with their
// ISO 3166-1 code: short forms ("UK", "Russia"), former and common English
// names ("Burma", "Ivory Coast", "Holland", "West Germany") and initials
// ("PRC", "UAE"). Names shared by two countries ("Congo", "Korea") or by a
// country and a region ("Macedonia") are left out.
const std::vector<std::pair<std::string, std::string>>& CountryNamesBesideIsoCodes();

// Whether `word` is an honorific ("Mr", "Mrs", "Dr"), which is not part of a name.
bool IsHonorific(absl::string_view word);

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_WORD_LISTS_H_
