#include "services/entity/name_forms.h"

#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "services/text/normalizer.h"
#include "services/text/tokenizer.h"

namespace newsgraph::entity {

using newsgraph::v1::EntityType;

bool IsNameType(EntityType type) {
  switch (type) {
    case newsgraph::v1::PERSON:
    case newsgraph::v1::NORP:
    case newsgraph::v1::ORG:
    case newsgraph::v1::GPE:
    case newsgraph::v1::LOC:
    case newsgraph::v1::EVENT:
    case newsgraph::v1::LAW:
    case newsgraph::v1::MISC:
      return true;
    default:
      return false;
  }
}

std::string Initials(absl::string_view name) {
  std::string out;
  for (const text::Token& t : text::Tokenize(name)) {
    const absl::string_view w = t.in(name);
    if (t.kind == text::TokenKind::kWord && !w.empty() &&
        absl::ascii_isupper(static_cast<unsigned char>(w[0]))) {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(w[0])));
    }
  }
  return out;
}

std::string FoldSpelling(std::string folded) {
  if (absl::EndsWith(folded, "isation")) folded.replace(folded.size() - 7, 7, "ization");
  return folded;
}

bool IsGenericOrgHead(absl::string_view folded) {
  static const auto* heads = new absl::flat_hash_set<std::string>{
      "organization", "council",     "secretariat", "union",     "alliance",  "commission",
      "committee",    "assembly",    "bank",        "ministry",  "agency",    "company",
      "corporation",  "group",       "government",  "parliament", "court",    "fund",
      "association",  "federation",  "forum",       "institute", "authority", "community",
      "bureau",       "cooperation"};
  return heads->contains(folded);
}

std::string FirstWordFolded(absl::string_view name) {
  for (const text::Token& t : text::Tokenize(name)) {
    if (t.kind == text::TokenKind::kWord) return text::FoldForMatching(t.in(name));
  }
  return "";
}

std::string LastWordFolded(absl::string_view name) {
  const std::vector<text::Token> tokens = text::Tokenize(name);
  for (auto it = tokens.rbegin(); it != tokens.rend(); ++it) {
    if (it->kind == text::TokenKind::kWord) return text::FoldForMatching(it->in(name));
  }
  return "";
}

}  // namespace newsgraph::entity
