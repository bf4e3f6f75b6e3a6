// How the CLI turns what a user typed for an entity into its resource name:
// "entities/42" and "42" as they are, any other text through the entity
// service's resolution of that text.
#ifndef NEWSGRAPH_CLIENTS_CLI_ENTITY_NAMES_H_
#define NEWSGRAPH_CLIENTS_CLI_ENTITY_NAMES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "newsgraph/v1/entity_service.pb.h"

namespace newsgraph::cli {

// "entities/ID" for "entities/ID" or "ID" (digits); "" for any other text,
// which names an entity by one of its names.
std::string EntityResourceName(absl::string_view typed);

// The entity that `resolved` (the entity service's resolution of `typed`)
// finds for the whole of `typed` (final full stops aside): its only
// candidate, or, unless `strict` (for changes that cannot be undone, such as
// merges), the first when it holds at least 90% of the name's mentions (the
// rest are noise, such as a name the tagger once typed wrongly). Errors:
// NOT_FOUND when no entity is known by that name, INVALID_ARGUMENT listing
// the candidates when the name is ambiguous. `note` (may be null) receives a
// line naming what was passed over, or "".
absl::StatusOr<std::string> ChooseEntity(absl::string_view typed,
                                         const newsgraph::v1::ResolveEntitiesResponse& resolved,
                                         std::string* note, bool strict = false);

}  // namespace newsgraph::cli

#endif  // NEWSGRAPH_CLIENTS_CLI_ENTITY_NAMES_H_
