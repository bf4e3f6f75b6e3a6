#include "services/entity/salience.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "services/text/normalizer.h"

namespace newsgraph::entity {

float Salience(const MentionStats& stats, size_t total_mentions, size_t text_bytes,
               bool named_in_title, const SalienceWeights& weights) {
  const double share = stats.mentions / static_cast<double>(std::max<size_t>(1, total_mentions));
  const double early =
      1.0 - static_cast<double>(stats.first_byte) / static_cast<double>(std::max<size_t>(1, text_bytes));
  return static_cast<float>(std::min(1.0, weights.share * std::sqrt(share) + weights.early * early +
                                              (named_in_title ? weights.title : 0.0)));
}

bool NamedInTitle(const newsgraph::v1::Entity& entity, absl::string_view folded_title) {
  if (folded_title.empty()) return false;
  for (const auto& alias : entity.aliases()) {
    if (absl::StrContains(folded_title, text::FoldForMatching(alias.text()))) return true;
  }
  return false;
}

}  // namespace newsgraph::entity
