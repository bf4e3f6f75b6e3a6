// Text fields of the entity service's requests and responses: validation
// and spans in both byte and code-point offsets.
#ifndef NEWSGRAPH_SERVICES_ENTITY_TEXT_FIELDS_H_
#define NEWSGRAPH_SERVICES_ENTITY_TEXT_FIELDS_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "newsgraph/v1/types.pb.h"
#include "services/text/utf8.h"

namespace newsgraph::entity {

// The span [begin, end) of a text, in bytes and in code points.
newsgraph::v1::TextSpan MakeSpan(const text::CodePointOffsets& offsets, size_t begin, size_t end);

// INVALID_ARGUMENT naming `field` when `text` is blank, longer than
// `max_bytes` or not valid UTF-8 (with the byte offset).
absl::Status ValidateText(absl::string_view text, absl::string_view field, size_t max_bytes);

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_TEXT_FIELDS_H_
