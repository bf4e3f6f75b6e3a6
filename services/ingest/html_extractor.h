// Extracts article text and metadata from HTML5 with gumbo.
#ifndef NEWSGRAPH_SERVICES_INGEST_HTML_EXTRACTOR_H_
#define NEWSGRAPH_SERVICES_INGEST_HTML_EXTRACTOR_H_

#include <string>

#include "absl/strings/string_view.h"

namespace newsgraph::ingest {

struct HtmlExtraction {
  // Visible article text; blocks (p, h1-h6, li, div, ...) separated by blank
  // lines. Not yet normalized.
  std::string text;
  // <meta property="og:title">, else <title>; empty when absent.
  std::string title;
  // <meta property="og:site_name">; empty when absent.
  std::string site_name;
  // article:published_time, or a meta date/pubdate; as written in the page.
  std::string published;
  // <meta name="author">; empty when absent.
  std::string author;
};

// Parses `html` (valid UTF-8) with an HTML5 parser. Script, style, template,
// navigation, header, footer, aside, form and similar chrome are dropped.
// When the page has an <article> (else <main>), only its content is kept.
HtmlExtraction ExtractHtml(absl::string_view html);

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_HTML_EXTRACTOR_H_
