// Bounds how deeply HTML elements nest before an HTML parser sees them.
// Debian's gumbo builds and frees its tree recursively, so a page nesting an
// element a few hundred thousand times overflows the stack; parsers also
// spend quadratic time on long runs of unclosed formatting elements.
#ifndef NEWSGRAPH_SERVICES_INGEST_HTML_DEPTH_LIMIT_H_
#define NEWSGRAPH_SERVICES_INGEST_HTML_DEPTH_LIMIT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace newsgraph::ingest {

// Returns `html` with the start and end tags of elements nested deeper than
// `max_depth` removed, and end tags that close no open element (stray:
// they would let a hostile page lower the count while a parser keeps
// nesting); all text, comments and other tags are kept as they are. Nesting
// is counted as a parser matches end tags: an end tag closes the innermost
// open element of its name and those inside it. Void elements, self-closing
// tags and elements whose end tag HTML lets authors omit (p, li, td, ...)
// do not count, and raw-text elements (script, style, textarea, ...) are
// skipped whole. `removed` (may be null) receives the number of tags
// removed. Linear in the input size.
std::string LimitNestingDepth(absl::string_view html, size_t max_depth, size_t* removed);

// LimitNestingDepth's output cut into pieces an HTML parser can take one at
// a time, so a caller can stop between them.
struct HtmlPieces {
  // Each piece after the first begins with the start tags of the elements
  // open where it was cut, so it parses to the text of its part of the page.
  std::vector<std::string> pieces;
  // Whether an <article> (or <main>) start tag occurs anywhere.
  bool has_article = false;
  bool has_main = false;
  // Tags removed for depth.
  size_t removed = 0;
};

// Cuts after about `piece_bytes` (0: never), at the end of a block element
// when one comes within another `piece_bytes`, else at the next tag or
// whitespace; never inside a tag, comment or raw-text element.
HtmlPieces SplitBoundedHtml(absl::string_view html, size_t max_depth, size_t piece_bytes);

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_HTML_DEPTH_LIMIT_H_
