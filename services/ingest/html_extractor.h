// Extracts article text and metadata from HTML5 with gumbo.
#ifndef NEWSGRAPH_SERVICES_INGEST_HTML_EXTRACTOR_H_
#define NEWSGRAPH_SERVICES_INGEST_HTML_EXTRACTOR_H_

#include <functional>
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
  // True when `stop` ended the extraction early; the rest is then partial.
  bool stopped = false;
};

// Parses `html` (valid UTF-8) with an HTML5 parser. Script, style, template,
// navigation, header, footer, aside, form and similar chrome are dropped.
// When the page has an <article> (else <main>), only its content is kept.
// Large pages are parsed in pieces of about 512 KiB (SplitBoundedHtml);
// `stop` (may be empty) is asked before each.
HtmlExtraction ExtractHtml(absl::string_view html, const std::function<bool()>& stop = {});

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_HTML_EXTRACTOR_H_
