// How central an entity is to a document, from 0 to 1.
#ifndef NEWSGRAPH_SERVICES_ENTITY_SALIENCE_H_
#define NEWSGRAPH_SERVICES_ENTITY_SALIENCE_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "newsgraph/v1/types.pb.h"
#include "services/entity/mention_resolver.h"

namespace newsgraph::entity {

// salience = min(1, share * sqrt(the entity's share of the document's
// mentions) + early * (1 - first mention's byte offset / text size)
// + title when the title names it).
struct SalienceWeights {
  double share = 0.55;
  double early = 0.25;
  double title = 0.2;
};

// `total_mentions` counts every mention of the document (names and values).
float Salience(const MentionStats& stats, size_t total_mentions, size_t text_bytes,
               bool named_in_title, const SalienceWeights& weights = {});

// True when one of the entity's aliases occurs in `folded_title` (folded
// for matching); false for an empty title.
bool NamedInTitle(const newsgraph::v1::Entity& entity, absl::string_view folded_title);

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_SALIENCE_H_
