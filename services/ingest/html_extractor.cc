#include "services/ingest/html_extractor.h"

#include <gumbo.h>

#include <cstring>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "services/ingest/html_depth_limit.h"

namespace newsgraph::ingest {
namespace {

// Elements nested deeper than this are skipped, bounding recursion on hostile input.
constexpr int kMaxDepth = 256;
// Tags nested deeper than this never reach the parser (their text does).
constexpr size_t kMaxParsedDepth = 200;

bool IsDroppedTag(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
      return true;
    default:
      return false;
  }
}

bool IsBlockTag(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_BODY:
      return true;
    default:
      return false;
  }
}

// True for elements whose role or class marks them as page chrome.
bool LooksLikeChrome(const GumboElement& element) {
  const GumboAttribute* role = gumbo_get_attribute(&element.attributes, "role");
  if (role != nullptr) {
    const std::string value = absl::AsciiStrToLower(role->value);
    if (value == "navigation" || value == "banner" || value == "contentinfo" ||
        value == "complementary" || value == "search") {
      return true;
    }
  }
  const GumboAttribute* hidden = gumbo_get_attribute(&element.attributes, "hidden");
  if (hidden != nullptr) return true;
  const GumboAttribute* aria_hidden = gumbo_get_attribute(&element.attributes, "aria-hidden");
  return aria_hidden != nullptr && absl::EqualsIgnoreCase(aria_hidden->value, "true");
}

// Appends the visible text under `root`. Iterative, so hostile nesting
// depth cannot exhaust the stack.
void AppendText(const GumboNode* root, std::string* out) {
  struct Frame {
    const GumboNode* element;
    unsigned next_child;
  };
  auto open = [out](const GumboNode* node, std::vector<Frame>* stack) {
    switch (node->type) {
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_CDATA:
      case GUMBO_NODE_WHITESPACE:
        out->append(node->v.text.text);
        return;
      case GUMBO_NODE_ELEMENT:
      case GUMBO_NODE_TEMPLATE: {
        const GumboElement& element = node->v.element;
        if (IsDroppedTag(element.tag) || LooksLikeChrome(element)) return;
        if (element.tag == GUMBO_TAG_BR) {
          out->push_back('\n');
          return;
        }
        if (IsBlockTag(element.tag)) out->append("\n\n");
        stack->push_back({node, 0});
        return;
      }
      default:
        return;
    }
  };
  std::vector<Frame> stack;
  open(root, &stack);
  while (!stack.empty()) {
    Frame& top = stack.back();
    const GumboVector& children = top.element->v.element.children;
    if (top.next_child < children.length) {
      const auto* child = static_cast<const GumboNode*>(children.data[top.next_child++]);
      open(child, &stack);  // May invalidate `top`.
      continue;
    }
    const GumboTag tag = top.element->v.element.tag;
    stack.pop_back();
    if (IsBlockTag(tag)) {
      out->append("\n\n");
    } else if (tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH) {
      out->push_back(' ');
    }
  }
}

const GumboNode* FindFirst(const GumboNode* node, GumboTag tag, int depth = 0) {
  if (node->type != GUMBO_NODE_ELEMENT || depth > kMaxDepth) return nullptr;
  if (node->v.element.tag == tag) return node;
  const GumboVector& children = node->v.element.children;
  for (unsigned i = 0; i < children.length; ++i) {
    if (const GumboNode* found =
            FindFirst(static_cast<const GumboNode*>(children.data[i]), tag, depth + 1)) {
      return found;
    }
  }
  return nullptr;
}

void CollectMeta(const GumboNode* node, HtmlExtraction* out, std::string* og_title, int depth = 0) {
  if (node->type != GUMBO_NODE_ELEMENT || depth > kMaxDepth) return;
  const GumboElement& element = node->v.element;
  if (element.tag == GUMBO_TAG_META) {
    const GumboAttribute* key = gumbo_get_attribute(&element.attributes, "property");
    if (key == nullptr) key = gumbo_get_attribute(&element.attributes, "name");
    if (key == nullptr) key = gumbo_get_attribute(&element.attributes, "itemprop");
    const GumboAttribute* content = gumbo_get_attribute(&element.attributes, "content");
    if (key != nullptr && content != nullptr) {
      const std::string k = absl::AsciiStrToLower(key->value);
      if (k == "og:title" && og_title->empty()) *og_title = content->value;
      if (k == "og:site_name" && out->site_name.empty()) out->site_name = content->value;
      if ((k == "article:published_time" || k == "datepublished" || k == "date" || k == "pubdate" ||
           k == "dc.date" || k == "dc.date.issued") &&
          out->published.empty()) {
        out->published = content->value;
      }
      if ((k == "author" || k == "article:author") && out->author.empty()) {
        out->author = content->value;
      }
    }
  }
  if (element.tag == GUMBO_TAG_TITLE && out->title.empty() && element.children.length > 0) {
    const GumboNode* text = static_cast<const GumboNode*>(element.children.data[0]);
    if (text->type == GUMBO_NODE_TEXT) out->title = text->v.text.text;
  }
  if (element.tag == GUMBO_TAG_TIME && out->published.empty()) {
    const GumboAttribute* datetime = gumbo_get_attribute(&element.attributes, "datetime");
    if (datetime != nullptr) out->published = datetime->value;
  }
  for (unsigned i = 0; i < element.children.length; ++i) {
    CollectMeta(static_cast<const GumboNode*>(element.children.data[i]), out, og_title, depth + 1);
  }
}

}  // namespace

HtmlExtraction ExtractHtml(absl::string_view html, const std::function<bool()>& stop) {
  constexpr size_t kPieceBytes = 512 << 10;
  HtmlExtraction result;
  // Gumbo builds and frees its tree recursively: bound the depth first.
  const HtmlPieces pieces = SplitBoundedHtml(html, kMaxParsedDepth, kPieceBytes);
  const GumboTag content_tag = pieces.has_article ? GUMBO_TAG_ARTICLE
                               : pieces.has_main  ? GUMBO_TAG_MAIN
                                                  : GUMBO_TAG_BODY;
  std::string og_title;
  // The whole body's text, kept in case the <article> or <main> seen by the
  // scanner never becomes an element (inside a template, say).
  std::string body_text;
  bool found_content = false;
  for (const std::string& piece : pieces.pieces) {
    if (stop && stop()) {
      result.stopped = true;
      return result;
    }
    GumboOptions options = kGumboDefaultOptions;
    options.max_errors = 1000;
    GumboOutput* output = gumbo_parse_with_options(&options, piece.data(), piece.size());
    if (output == nullptr) continue;
    CollectMeta(output->root, &result, &og_title);
    const GumboNode* body = FindFirst(output->root, GUMBO_TAG_BODY);
    if (body == nullptr) body = output->root;
    if (content_tag == GUMBO_TAG_BODY) {
      AppendText(body, &result.text);
    } else {
      // A piece before the article starts or after it ends adds no text.
      const GumboNode* content = FindFirst(output->root, content_tag);
      if (content != nullptr) AppendText(content, &result.text);
      found_content |= content != nullptr;
      AppendText(body, &body_text);
    }
    gumbo_destroy_output(&options, output);
  }
  if (content_tag != GUMBO_TAG_BODY && !found_content) result.text = std::move(body_text);
  if (!og_title.empty()) result.title = og_title;
  return result;
}

}  // namespace newsgraph::ingest
