#include "services/entity/ner/conll.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/file_reading.h"

namespace newsgraph::entity::ner {
namespace {

std::string TypeOf(const std::string& tag) { return tag.size() > 2 ? tag.substr(2) : ""; }

}  // namespace

std::vector<Span> SpansFromIob(const std::vector<std::string>& tags) {
  std::vector<Span> spans;
  for (size_t i = 0; i < tags.size(); ++i) {
    const std::string& tag = tags[i];
    if (tag == "O" || tag.size() < 3) continue;
    const std::string type = TypeOf(tag);
    const bool continues =
        tag[0] == 'I' && !spans.empty() && spans.back().end == i && spans.back().type == type;
    if (continues) {
      spans.back().end = i + 1;
    } else {
      spans.push_back({i, i + 1, type});
    }
  }
  return spans;
}

std::vector<std::string> BilouFromSpans(const std::vector<Span>& spans, size_t n) {
  std::vector<std::string> tags(n, "O");
  for (const Span& s : spans) {
    if (s.end - s.begin == 1) {
      tags[s.begin] = "U-" + s.type;
      continue;
    }
    tags[s.begin] = "B-" + s.type;
    for (size_t i = s.begin + 1; i + 1 < s.end; ++i) tags[i] = "I-" + s.type;
    tags[s.end - 1] = "L-" + s.type;
  }
  return tags;
}

std::vector<Span> SpansFromBilou(const std::vector<std::string>& tags) {
  std::vector<Span> spans;
  bool open = false;  // The last span may still grow.
  for (size_t i = 0; i < tags.size(); ++i) {
    const std::string& tag = tags[i];
    const char kind = tag.empty() ? 'O' : tag[0];
    const std::string type = TypeOf(tag);
    if (kind == 'O' || type.empty()) {
      open = false;
      continue;
    }
    const bool extends =
        (kind == 'I' || kind == 'L') && open && spans.back().type == type && spans.back().end == i;
    if (extends) {
      spans.back().end = i + 1;
    } else {
      spans.push_back({i, i + 1, type});
    }
    open = kind == 'B' || kind == 'I';
  }
  return spans;
}

absl::StatusOr<std::vector<Sentence>> ReadConll(const std::string& path) {
  absl::StatusOr<std::string> content = ReadMaybeGzippedFile(path);
  if (!content.ok()) return content.status();
  std::vector<Sentence> sentences;
  Sentence current;
  std::vector<std::string> tags;
  size_t document = 0;
  size_t line_number = 0;
  auto finish = [&] {
    if (current.tokens.empty()) return;
    current.entities = SpansFromIob(tags);
    current.document = document;
    sentences.push_back(std::move(current));
    current = Sentence();
    tags.clear();
  };
  for (absl::string_view line : absl::StrSplit(*content, '\n')) {
    ++line_number;
    absl::ConsumeSuffix(&line, "\r");  // Windows line ends
    if (absl::StripAsciiWhitespace(line).empty()) {
      finish();
      continue;
    }
    if (absl::StartsWith(line, "-DOCSTART-")) {
      finish();
      ++document;
      continue;
    }
    std::vector<absl::string_view> columns =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (columns.size() < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_number, ": expected 'word ... tag', got '", line, "'"));
    }
    current.tokens.emplace_back(columns.front());
    tags.emplace_back(columns.back());
  }
  finish();
  return sentences;
}

}  // namespace newsgraph::entity::ner
