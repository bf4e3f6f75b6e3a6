// British and American spellings of the same word ("theatre"/"theater",
// "organisation"/"organization"): a query word spelled one way also finds
// documents that spell it the other way.
#ifndef NEWSGRAPH_SERVICES_TEXT_SPELLING_VARIANTS_H_
#define NEWSGRAPH_SERVICES_TEXT_SPELLING_VARIANTS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace newsgraph::text {

// The other spelling of `word` (lower case; a plural in -s is looked up by
// its singular), or nullopt when the word has none in the list. The list
// holds pairs that differ only in spelling, never in meaning ("storey",
// "tyre", "cheque" are left out: their other spelling is another word).
std::optional<std::string> OtherSpelling(absl::string_view word);

// `folded` (lower case, words separated by spaces) with every listed British
// spelling replaced by the American one ("shanghai cooperation
// organisation" -> "... organization"), so that names spelled either way
// compare equal.
std::string AmericanSpelling(absl::string_view folded);

}  // namespace newsgraph::text

#endif  // NEWSGRAPH_SERVICES_TEXT_SPELLING_VARIANTS_H_
