// Plain text from Markdown: markup removed, text and line structure kept.
#ifndef NEWSGRAPH_SERVICES_INGEST_MARKDOWN_TEXT_H_
#define NEWSGRAPH_SERVICES_INGEST_MARKDOWN_TEXT_H_

#include <functional>
#include <string>

#include "absl/strings/string_view.h"

namespace newsgraph::ingest {

// Removes heading and quote markers, emphasis, inline code ticks, code-fence
// lines and HTML comments; links and images keep their text. A first-level
// heading ("# Title") is returned in `*title` when non-null. `stop` (may be
// empty) is asked every 256 lines; once it returns true the conversion ends
// early with an incomplete text, which the caller (seeing the same
// predicate) discards.
std::string MarkdownToText(absl::string_view markdown, std::string* title,
                           const std::function<bool()>& stop = {});

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_MARKDOWN_TEXT_H_
