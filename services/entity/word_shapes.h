// Shapes of words and of the gaps between tokens, as the rule-based
// recognizer reads them.
#ifndef NEWSGRAPH_SERVICES_ENTITY_WORD_SHAPES_H_
#define NEWSGRAPH_SERVICES_ENTITY_WORD_SHAPES_H_

#include <string>

#include "absl/strings/string_view.h"
#include "services/text/tokenizer.h"

namespace newsgraph::entity {

// The first code point is upper or title case (any script).
bool StartsUpper(absl::string_view word);

// Two to six ASCII capitals (dots allowed): "SCO", "U.N".
bool IsAllCapsAcronym(absl::string_view word);

// ASCII lower case.
std::string Lower(absl::string_view s);

// Only whitespace without a line break, at most two bytes, lies between
// tokens `a` and `b` of `text`.
bool Adjacent(absl::string_view text, const text::Token& a, const text::Token& b);

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_WORD_SHAPES_H_
