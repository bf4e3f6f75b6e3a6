// Word lists for the tagger, from Debian's iso-codes.
#ifndef NEWSGRAPH_SERVICES_ENTITY_NER_LEXICONS_H_
#define NEWSGRAPH_SERVICES_ENTITY_NER_LEXICONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "services/entity/ner/features.h"

namespace newsgraph::entity::ner {

// Country names (ISO 3166-1 name, official and common names) and
// subdivision names (ISO 3166-2) from the iso-codes JSON files in
// `iso_codes_dir`, lower-cased; common and proper words from the system
// word list (`dictionary`, Debian's wamerican), when present; word clusters
// from `clusters_path` and hierarchical cluster paths from `paths_path`
// when not empty. Errors: NOT_FOUND / INVALID_ARGUMENT
// naming the file.
absl::StatusOr<Lexicons> LoadLexicons(
    const std::string& clusters_path = "", const std::string& paths_path = "",
    const std::string& iso_codes_dir = "/usr/share/iso-codes/json",
    const std::string& dictionary = "/usr/share/dict/american-english");

}  // namespace newsgraph::entity::ner

#endif  // NEWSGRAPH_SERVICES_ENTITY_NER_LEXICONS_H_
