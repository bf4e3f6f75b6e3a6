// Hierarchical word cluster paths (brown_clusters.h learns them): the
// tagger's features read them from a file.
#ifndef NEWSGRAPH_SERVICES_ENTITY_NER_WORD_PATHS_H_
#define NEWSGRAPH_SERVICES_ENTITY_NER_WORD_PATHS_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace newsgraph::entity::ner {

// word (lower case) -> bit path from the root of the merge tree.
using WordPaths = absl::flat_hash_map<std::string, std::string>;

// Text file: one "word<TAB>path" line per word, sorted by word.
absl::Status SaveWordPaths(const WordPaths& paths, const std::string& file);
// Errors: NOT_FOUND, INVALID_ARGUMENT with the line number.
absl::StatusOr<WordPaths> LoadWordPaths(const std::string& file);

}  // namespace newsgraph::entity::ner

#endif  // NEWSGRAPH_SERVICES_ENTITY_NER_WORD_PATHS_H_
