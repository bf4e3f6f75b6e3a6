#include "services/ingest/markdown_text.h"

#include <re2/re2.h>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace newsgraph::ingest {

std::string MarkdownToText(absl::string_view markdown, std::string* title,
                           const std::function<bool()>& stop) {
  static const RE2* heading = new RE2(R"(^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$)");
  static const RE2* quote = new RE2(R"(^\s{0,3}>\s?)");
  static const RE2* image = new RE2(R"(!\[([^\]]*)\]\([^)]*\))");
  static const RE2* link = new RE2(R"(\[([^\]]+)\]\([^)]*\))");
  // RE2 has no backreferences: one pattern per emphasis marker.
  static const RE2* strong = new RE2(R"(\*\*(\S(?:[^*]*?\S)?)\*\*)");
  static const RE2* strong_underscore = new RE2(R"(__(\S(?:[^_]*?\S)?)__)");
  static const RE2* emphasis = new RE2(R"(\*(\S(?:[^*]*?\S)?)\*)");
  static const RE2* strike = new RE2(R"(~~(\S(?:[^~]*?\S)?)~~)");
  static const RE2* code = new RE2("`([^`]*)`");
  static const RE2* comment = new RE2("<!--.*?-->");
  std::string out;
  out.reserve(markdown.size());
  bool in_fence = false;
  size_t lines = 0;
  for (absl::string_view raw : absl::StrSplit(markdown, '\n')) {
    if (stop && ++lines % 256 == 0 && stop()) return out;
    std::string line(raw);
    if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(line), "```")) {
      in_fence = !in_fence;
      out.push_back('\n');
      continue;
    }
    if (!in_fence) {
      std::string hashes;
      std::string text;
      if (RE2::FullMatch(line, *heading, &hashes, &text)) {
        line = text;
        if (title != nullptr && title->empty() && hashes.size() == 1) *title = text;
      }
      RE2::Replace(&line, *quote, "");
      RE2::GlobalReplace(&line, *image, R"(\1)");
      RE2::GlobalReplace(&line, *link, R"(\1)");
      RE2::GlobalReplace(&line, *code, R"(\1)");
      for (const RE2* marker : {strong, strong_underscore, emphasis, strike}) {
        RE2::GlobalReplace(&line, *marker, R"(\1)");
      }
      RE2::GlobalReplace(&line, *comment, "");
    }
    out.append(line);
    out.push_back('\n');
  }
  return out;
}

}  // namespace newsgraph::ingest
