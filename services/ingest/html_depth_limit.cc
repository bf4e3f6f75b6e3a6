#include "services/ingest/html_depth_limit.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace newsgraph::ingest {
namespace {

// Elements that never have content or whose end tag may be omitted: they do
// not deepen the tree the way a counted element does.
bool IsUncounted(const std::string& name) {
  static const auto* names = new absl::flat_hash_set<std::string>{
      "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
      "source", "track", "wbr", "keygen", "p", "li", "dt", "dd", "tr", "td", "th", "option",
      "optgroup", "rb", "rt", "rp", "rtc", "thead", "tbody", "tfoot", "colgroup", "caption",
      "html", "head", "body"};
  return names->contains(name);
}

// Elements whose content is raw text up to their end tag.
bool IsRawText(const std::string& name) {
  return name == "script" || name == "style" || name == "textarea" || name == "title" ||
         name == "xmp" || name == "iframe" || name == "noembed" || name == "noframes" ||
         name == "noscript" || name == "plaintext";
}

bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == ':'; }

// End of the tag starting at `at` ('<'): one past its '>', honouring quoted
// attribute values; html.size() when unterminated.
size_t TagEnd(absl::string_view html, size_t at) {
  char quote = 0;
  for (size_t i = at + 1; i < html.size(); ++i) {
    const char c = html[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return i + 1;
    }
  }
  return html.size();
}

// One past the end of a comment, doctype or processing instruction at `at`.
size_t MarkupEnd(absl::string_view html, size_t at) {
  if (absl::StartsWith(html.substr(at), "<!--")) {
    const size_t close = html.find("-->", at + 4);
    return close == absl::string_view::npos ? html.size() : close + 3;
  }
  const size_t close = html.find('>', at);
  return close == absl::string_view::npos ? html.size() : close + 1;
}

// Start of the end tag "</name" after `from`, case-insensitively; html.size() when none.
size_t FindEndTag(absl::string_view html, size_t from, const std::string& name) {
  for (size_t i = html.find("</", from); i != absl::string_view::npos; i = html.find("</", i + 2)) {
    if (i + 2 + name.size() <= html.size() &&
        absl::EqualsIgnoreCase(html.substr(i + 2, name.size()), name)) {
      return i;
    }
  }
  return html.size();
}

}  // namespace

std::string LimitNestingDepth(absl::string_view html, size_t max_depth, size_t* removed) {
  std::string out;
  out.reserve(html.size());
  size_t depth = 0;
  size_t dropped = 0;
  size_t i = 0;
  while (i < html.size()) {
    const size_t lt = html.find('<', i);
    if (lt == absl::string_view::npos) {
      out.append(html.data() + i, html.size() - i);
      break;
    }
    out.append(html.data() + i, lt - i);
    const bool closing = lt + 1 < html.size() && html[lt + 1] == '/';
    const size_t name_begin = lt + (closing ? 2 : 1);
    if (name_begin >= html.size() || !absl::ascii_isalpha(html[name_begin])) {
      const bool markup = !closing && name_begin < html.size() &&
                          (html[name_begin] == '!' || html[name_begin] == '?');
      const size_t end = markup ? MarkupEnd(html, lt) : lt + 1;
      out.append(html.data() + lt, end - lt);
      i = end;
      continue;
    }
    size_t name_end = name_begin;
    while (name_end < html.size() && IsNameChar(html[name_end])) ++name_end;
    const std::string name =
        absl::AsciiStrToLower(html.substr(name_begin, name_end - name_begin));
    const size_t end = TagEnd(html, lt);
    const absl::string_view tag = html.substr(lt, end - lt);
    i = end;
    if (!closing && IsRawText(name)) {
      const size_t close = FindEndTag(html, end, name);
      out.append(tag.data(), tag.size());
      out.append(html.data() + end, close - end);
      i = close;
      continue;
    }
    const bool self_closing = !closing && absl::EndsWith(tag, "/>");
    if (IsUncounted(name) || self_closing) {
      out.append(tag.data(), tag.size());
      continue;
    }
    if (!closing) {
      ++depth;
      if (depth > max_depth) {
        ++dropped;
        continue;
      }
      out.append(tag.data(), tag.size());
      continue;
    }
    if (depth > max_depth) {
      ++dropped;
    } else {
      out.append(tag.data(), tag.size());
    }
    if (depth > 0) --depth;
  }
  if (removed != nullptr) *removed = dropped;
  return out;
}

}  // namespace newsgraph::ingest
