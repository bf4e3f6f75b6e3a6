// Roles: people named with a title and, often, its organisation or country.
// Pure: no storage.
//
//   "SCO Secretary-General Zhang Ming"        title before the name, organisation first
//   "China's Foreign Minister Wang Yi"        possessive organisation
//   "the President of France Emmanuel Macron" "Title of Organisation" before the name
//   "President Xi Jinping"                    title only
//   "Javier Solana, the EU High Representative"  apposition after the name
//   "Wang Yi, Foreign Minister of China,"     apposition with "of"
#ifndef NEWSGRAPH_SERVICES_ENTITY_ROLES_H_
#define NEWSGRAPH_SERVICES_ENTITY_ROLES_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "newsgraph/v1/entity_service.pb.h"

namespace newsgraph::entity {

// The entity a mention of an organisation, country or nationality stands for
// in a role ("Chinese" -> the entity of China), or "" when unknown.
using OrganizationResolver = std::function<std::string(const newsgraph::v1::Mention& mention)>;

// Finds roles of the resolved PERSON mentions of `text`. `mentions` are in
// text order; `sentences` are byte spans. Spans of the results carry byte
// offsets only (the caller fills code points).
std::vector<newsgraph::v1::RoleMention> FindRoles(
    absl::string_view text, const std::vector<std::pair<size_t, size_t>>& sentences,
    const google::protobuf::RepeatedPtrField<newsgraph::v1::Mention>& mentions,
    const OrganizationResolver& resolve_organization);

// Whether `word` can be part of a title ("Minister", "Foreign", "Secretary-General").
bool IsTitleWord(absl::string_view word);
// Whether `word` names a position on its own ("Minister", "Secretary").
bool IsTitleHead(absl::string_view word);

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_ROLES_H_
