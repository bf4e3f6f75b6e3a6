#include "services/ingest/html_depth_limit.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
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

// Start of the end tag "</name" after `from`, case-insensitively, where the
// name ends there (whitespace, '/', '>' or the end follow); html.size() when none.
size_t FindEndTag(absl::string_view html, size_t from, const std::string& name) {
  for (size_t i = html.find("</", from); i != absl::string_view::npos; i = html.find("</", i + 2)) {
    const size_t after = i + 2 + name.size();
    if (after > html.size() || !absl::EqualsIgnoreCase(html.substr(i + 2, name.size()), name)) {
      continue;
    }
    if (after == html.size() || absl::StrContains(" \t\n\r\f/>", html[after])) {
      return i;
    }
  }
  return html.size();
}

// Whether the end of this element ends a block of text: a good place to cut.
bool EndsBlock(const std::string& name) {
  static const auto* names = new absl::flat_hash_set<std::string>{
      "p", "div", "li", "tr", "table", "section", "article", "main", "h1", "h2", "h3", "h4",
      "h5", "h6", "blockquote", "ul", "ol", "pre", "figure", "dl", "header", "footer", "aside",
      "nav"};
  return names->contains(name);
}

// Builds HtmlPieces: appends kept markup to the current piece, tracks the
// open elements, and cuts when the piece is full.
class PieceWriter {
 public:
  PieceWriter(size_t max_depth, size_t piece_bytes, HtmlPieces* out)
      : max_depth_(max_depth), piece_bytes_(piece_bytes), out_(out) {
    out_->pieces.emplace_back();
  }

  void Append(absl::string_view markup) {
    out_->pieces.back().append(markup.data(), markup.size());
  }

  // A kept start tag of a counted element.
  void Open(const std::string& name, absl::string_view tag) {
    if (open_.size() < max_depth_) open_.push_back({name, std::string(tag)});
  }
  // A kept end tag: closes the innermost open element of that name and
  // those inside it; an end tag without a start tag changes nothing.
  void Close(const std::string& name) {
    for (size_t k = open_.size(); k > 0; --k) {
      if (open_[k - 1].name == name) {
        open_.resize(k - 1);
        return;
      }
    }
  }

  // Called at each point where a cut is allowed; `block_end` says that a
  // block element just ended, `text` that the point is inside text.
  void MaybeCut(bool block_end, bool text) {
    if (piece_bytes_ == 0) return;
    const size_t size = out_->pieces.back().size();
    if (size < piece_bytes_) return;
    if (!block_end && size < 2 * piece_bytes_) return;
    if (text && size < 3 * piece_bytes_) return;
    std::string next;
    for (const OpenElement& element : open_) next += element.tag;
    out_->pieces.push_back(std::move(next));
  }

 private:
  struct OpenElement {
    std::string name;
    std::string tag;
  };
  const size_t max_depth_;
  const size_t piece_bytes_;
  HtmlPieces* const out_;
  std::vector<OpenElement> open_;
};

// The counted elements open at a point of the input, innermost last, the
// way a parser matches end tags to them: an end tag closes the innermost
// open element of its name and every element inside it; an end tag with no
// open element of its name is stray and closes nothing. O(1) amortized per
// tag (a count of open elements per name finds stray end tags).
class OpenElements {
 public:
  // Opens `name`; returns the new depth.
  size_t Open(const std::string& name) {
    const uint32_t id = IdOf(name);
    stack_.push_back(id);
    ++open_count_[id];
    return stack_.size();
  }
  // Closes the innermost open `name` and those inside it; returns the depth
  // it was open at, or 0 for a stray end tag.
  size_t Close(const std::string& name) {
    auto it = ids_.find(name);
    if (it == ids_.end() || open_count_[it->second] == 0) return 0;
    while (true) {
      const uint32_t id = stack_.back();
      const size_t depth = stack_.size();
      stack_.pop_back();
      --open_count_[id];
      if (id == it->second) return depth;
    }
  }

 private:
  uint32_t IdOf(const std::string& name) {
    auto [it, added] = ids_.try_emplace(name, static_cast<uint32_t>(open_count_.size()));
    if (added) open_count_.push_back(0);
    return it->second;
  }
  absl::flat_hash_map<std::string, uint32_t> ids_;
  std::vector<uint32_t> open_count_;  // by id
  std::vector<uint32_t> stack_;       // ids
};

// Appends the text `html[begin, end)`, cutting at whitespace when a piece
// grows far past its size without a tag (a hostile run of text).
void AppendText(absl::string_view html, size_t begin, size_t end, PieceWriter* writer) {
  constexpr size_t kStride = 64 << 10;
  while (end - begin > kStride) {
    size_t cut = html.find_first_of(" \n", begin + kStride);
    if (cut == absl::string_view::npos || cut >= end) break;
    writer->Append(html.substr(begin, cut + 1 - begin));
    writer->MaybeCut(/*block_end=*/false, /*text=*/true);
    begin = cut + 1;
  }
  writer->Append(html.substr(begin, end - begin));
}

}  // namespace

HtmlPieces SplitBoundedHtml(absl::string_view html, size_t max_depth, size_t piece_bytes) {
  HtmlPieces result;
  PieceWriter writer(max_depth, piece_bytes, &result);
  OpenElements open;
  size_t i = 0;
  while (i < html.size()) {
    const size_t lt = html.find('<', i);
    if (lt == absl::string_view::npos) {
      AppendText(html, i, html.size(), &writer);
      break;
    }
    AppendText(html, i, lt, &writer);
    const bool closing = lt + 1 < html.size() && html[lt + 1] == '/';
    const size_t name_begin = lt + (closing ? 2 : 1);
    if (name_begin >= html.size() || !absl::ascii_isalpha(html[name_begin])) {
      const bool markup = !closing && name_begin < html.size() &&
                          (html[name_begin] == '!' || html[name_begin] == '?');
      const size_t end = markup ? MarkupEnd(html, lt) : lt + 1;
      writer.Append(html.substr(lt, end - lt));
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
      writer.Append(html.substr(lt, close - lt));
      i = close;
      continue;
    }
    if (!closing) {
      result.has_article |= name == "article";
      result.has_main |= name == "main";
    }
    const bool self_closing = !closing && absl::EndsWith(tag, "/>");
    // A raw-text element's end tag: its start tag did not count either.
    if (IsUncounted(name) || self_closing || IsRawText(name)) {
      writer.Append(tag);
      writer.MaybeCut(/*block_end=*/closing && EndsBlock(name), /*text=*/false);
      continue;
    }
    if (!closing) {
      if (open.Open(name) > max_depth) {
        ++result.removed;
        continue;
      }
      writer.Append(tag);
      writer.Open(name, tag);
      continue;
    }
    const size_t depth = open.Close(name);
    if (depth == 0) {
      ++result.removed;  // stray: it closes nothing (and must not lower the depth)
    } else if (depth > max_depth) {
      ++result.removed;  // its start tag was removed
    } else {
      writer.Append(tag);
      writer.Close(name);
      writer.MaybeCut(/*block_end=*/EndsBlock(name), /*text=*/false);
    }
  }
  return result;
}

std::string LimitNestingDepth(absl::string_view html, size_t max_depth, size_t* removed) {
  HtmlPieces pieces = SplitBoundedHtml(html, max_depth, /*piece_bytes=*/0);
  if (removed != nullptr) *removed = pieces.removed;
  return std::move(pieces.pieces.front());
}

}  // namespace newsgraph::ingest
