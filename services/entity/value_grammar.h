// The value mentions the recognizer finds by rule: PERCENT ("5 %", "5 per
// cent"), MONEY ("$5 million", "5 dlrs", "USD 5") and DATE ("17 January
// 2023", "January 17, 2023", "January 2023", "1987", weekdays), each with a
// normalized value ("0.05", "USD 5000000", "2023-01-17", "--01-17").
#ifndef NEWSGRAPH_SERVICES_ENTITY_VALUE_GRAMMAR_H_
#define NEWSGRAPH_SERVICES_ENTITY_VALUE_GRAMMAR_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "newsgraph/v1/types.pb.h"
#include "services/text/tokenizer.h"

namespace newsgraph::entity {

// A value spanning tokens [first, last].
struct ValueMatch {
  size_t first = 0;
  size_t last = 0;
  newsgraph::v1::EntityType type = newsgraph::v1::ENTITY_TYPE_UNSPECIFIED;
  float confidence = 0;
  std::string value;
};

// The value that token `i` starts (or, for a currency sign before a number,
// that token `i - 1` starts when no mention ends after `free_from`, the
// byte where the last mention found so far ends).
std::optional<ValueMatch> MatchValue(absl::string_view text, const std::vector<text::Token>& tokens,
                                     size_t i, size_t free_from);

// A month name or abbreviation ("march", "mar") or a weekday, lower case.
bool IsDateWord(absl::string_view lower);

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_VALUE_GRAMMAR_H_
