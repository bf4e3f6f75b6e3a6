// Checks on the text spans a client sends with a document (paragraphs,
// Q&A passages), so that the code using them can walk them in one pass.
#ifndef NEWSGRAPH_BASE_SPAN_ORDER_H_
#define NEWSGRAPH_BASE_SPAN_ORDER_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace newsgraph {

// OK when the spans of `items` (each with span().byte_begin() and
// span().byte_end(), as Paragraph and Passage have) lie within a text of
// `text_size` bytes, each with begin <= end, in text order and without
// overlap (a span begins at or after the previous one's end). Otherwise
// INVALID_ARGUMENT naming `field`, the index and the offsets. With spans in
// order, a lookup by offset is a binary search and the spans of a document
// add up to its text, so work per span stays linear in the text.
template <typename Items>
absl::Status CheckSpansInOrder(const Items& items, size_t text_size, absl::string_view field) {
  uint64_t previous_end = 0;
  int index = 0;
  for (const auto& item : items) {
    const uint64_t begin = item.span().byte_begin();
    const uint64_t end = item.span().byte_end();
    if (begin > end || end > text_size || begin < previous_end) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, "[", index, "]: span bytes [", begin, ", ", end,
          ") must lie within the text (", text_size,
          " bytes), in text order and without overlapping the previous span (which ends at ",
          previous_end, ")"));
    }
    previous_end = end;
    ++index;
  }
  return absl::OkStatus();
}

}  // namespace newsgraph

#endif  // NEWSGRAPH_BASE_SPAN_ORDER_H_
