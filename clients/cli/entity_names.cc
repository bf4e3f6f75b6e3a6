#include "clients/cli/entity_names.h"

#include <algorithm>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace newsgraph::cli {
namespace {

constexpr double kDominantShare = 0.9;
constexpr int kListedCandidates = 5;

std::string Describe(const newsgraph::v1::Entity& e) {
  return absl::StrFormat("%s %s (%s, %d mentions)", e.name(), e.canonical_name(),
                         newsgraph::v1::EntityType_Name(e.type()), e.mention_count());
}

// `text` without surrounding spaces and final full stops ("U.S." and "U.S",
// "Apple Inc." and "Apple Inc": resolved spans never end in punctuation).
absl::string_view Bare(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  while (absl::ConsumeSuffix(&text, ".")) {
  }
  return text;
}

// The resolved span that covers the whole typed text, if any.
const newsgraph::v1::ResolvedSpan* WholeSpan(absl::string_view typed,
                                             const newsgraph::v1::ResolveEntitiesResponse& r) {
  for (const newsgraph::v1::ResolvedSpan& span : r.spans()) {
    if (Bare(span.text()) == Bare(typed)) return &span;
  }
  return nullptr;
}

}  // namespace

std::string EntityResourceName(absl::string_view typed) {
  if (absl::StartsWith(typed, "entities/")) return std::string(typed);
  const bool digits = !typed.empty() && std::all_of(typed.begin(), typed.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
  return digits ? absl::StrCat("entities/", typed) : "";
}

absl::StatusOr<std::string> ChooseEntity(absl::string_view typed,
                                         const newsgraph::v1::ResolveEntitiesResponse& resolved,
                                         std::string* note, bool strict) {
  if (note != nullptr) note->clear();
  typed = absl::StripAsciiWhitespace(typed);
  const newsgraph::v1::ResolvedSpan* span = WholeSpan(typed, resolved);
  if (span == nullptr || span->candidates().empty()) {
    return absl::NotFoundError(absl::StrCat("no entity is known by the name '", typed,
                                            "' (`newsgraph entity resolve` shows what is)"));
  }
  // A candidate's score is its share of the mentions of every entity known
  // by the name, not only of those listed.
  const auto& best = span->candidates(0);
  const bool only = span->candidates_size() == 1 && best.score() >= 0.999;
  if (only || (!strict && best.score() >= kDominantShare)) {
    if (note != nullptr && !only) {
      *note = absl::StrCat("'", typed, "' is ", Describe(best.entity()), " (",
                           static_cast<int>(best.score() * 100),
                           "% of the name's mentions); others passed over (see `newsgraph "
                           "entity resolve`)");
    }
    return best.entity().name();
  }
  std::vector<std::string> listed;
  for (int i = 0; i < span->candidates_size() && i < kListedCandidates; ++i) {
    listed.push_back(Describe(span->candidates(i).entity()));
  }
  return absl::InvalidArgumentError(absl::StrCat("'", typed, "' may name ", span->candidates_size(),
                                                 " entities: ", absl::StrJoin(listed, "; "),
                                                 ". Give one of their resource names."));
}

}  // namespace newsgraph::cli
