// Name forms the entity resolution compares: initials, folded first and
// last words, the generic head words a text uses to refer back to an
// organisation, and which entity types are names.
#ifndef NEWSGRAPH_SERVICES_ENTITY_NAME_FORMS_H_
#define NEWSGRAPH_SERVICES_ENTITY_NAME_FORMS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "newsgraph/v1/types.pb.h"

namespace newsgraph::entity {

// True for the types resolved to canonical entities (people,
// organisations, places, events, laws, groups, misc); false for values
// such as dates and amounts.
bool IsNameType(newsgraph::v1::EntityType type);

// Initials of the capitalized words: "Shanghai Cooperation Organisation" -> "sco".
std::string Initials(absl::string_view name);

// "organisation" and "organization" fold alike (British and American -ise/-ize).
std::string FoldSpelling(std::string folded);

// Generic head words by which a text refers back to an organisation it
// named in full ("the Organization", "the Council"); folded, -ization.
bool IsGenericOrgHead(absl::string_view folded);

// The first and the last word of a name, folded for matching; "" when the
// name has no word.
std::string FirstWordFolded(absl::string_view name);
std::string LastWordFolded(absl::string_view name);

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_NAME_FORMS_H_
