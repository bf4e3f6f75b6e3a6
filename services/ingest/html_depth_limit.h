// Bounds how deeply HTML elements nest before an HTML parser sees them.
// Debian's gumbo builds and frees its tree recursively, so a page nesting an
// element a few hundred thousand times overflows the stack; parsers also
// spend quadratic time on long runs of unclosed formatting elements.
#ifndef NEWSGRAPH_SERVICES_INGEST_HTML_DEPTH_LIMIT_H_
#define NEWSGRAPH_SERVICES_INGEST_HTML_DEPTH_LIMIT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace newsgraph::ingest {

// Returns `html` with the start and end tags of elements nested deeper than
// `max_depth` removed; all text, comments and shallower tags are kept as
// they are. Nesting is counted lexically: void elements, self-closing tags
// and elements whose end tag HTML lets authors omit (p, li, td, ...) do not
// count, and raw-text elements (script, style, textarea, ...) are skipped
// whole. `removed` (may be null) receives the number of tags removed.
// Linear in the input size.
std::string LimitNestingDepth(absl::string_view html, size_t max_depth, size_t* removed);

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_HTML_DEPTH_LIMIT_H_
