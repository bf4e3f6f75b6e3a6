// Demonyms ("Chinese", "Pakistani", "French") mapped to ISO 3166 country codes.
#ifndef NEWSGRAPH_SERVICES_ENTITY_DEMONYMS_H_
#define NEWSGRAPH_SERVICES_ENTITY_DEMONYMS_H_

#include <string>

#include "absl/container/flat_hash_map.h"

namespace newsgraph::entity {

// Builds demonyms (folded) from folded country names -> code: regular forms
// derived from one-word names ("russia" -> "russian", "china" -> "chinese",
// "pakistan" -> "pakistani", "poland" -> "polish") and a short table of
// irregular ones ("french", "british", "dutch"). The most regular derivation
// wins when two countries produce the same form.
absl::flat_hash_map<std::string, std::string> BuildDemonyms(
    const absl::flat_hash_map<std::string, std::string>& countries);

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_DEMONYMS_H_
