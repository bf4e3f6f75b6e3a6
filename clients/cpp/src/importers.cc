#include "newsgraph/importers.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "base/file_reading.h"

namespace newsgraph {
namespace {

using newsgraph::v1::DocumentInput;

void SetPublished(absl::Time t, DocumentInput* doc) {
  doc->mutable_published_time()->set_seconds(absl::ToUnixSeconds(t));
}

// Text between <tag ...> and </tag> starting at `from`, or std::nullopt.
std::optional<absl::string_view> Element(absl::string_view story, absl::string_view tag) {
  const std::string open = absl::StrCat("<", tag);
  const std::string close = absl::StrCat("</", tag, ">");
  size_t start = story.find(open);
  while (start != absl::string_view::npos) {
    const char after = start + open.size() < story.size() ? story[start + open.size()] : '\0';
    if (after == '>' || after == ' ') break;
    start = story.find(open, start + 1);
  }
  if (start == absl::string_view::npos) return std::nullopt;
  const size_t content = story.find('>', start);
  const size_t end = story.find(close, content);
  if (content == absl::string_view::npos || end == absl::string_view::npos) return std::nullopt;
  return story.substr(content + 1, end - content - 1);
}

std::string Attribute(absl::string_view open_tag, absl::string_view name) {
  const std::string key = absl::StrCat(name, "=\"");
  const size_t at = open_tag.find(key);
  if (at == absl::string_view::npos) return "";
  const size_t end = open_tag.find('"', at + key.size());
  return std::string(open_tag.substr(at + key.size(), end - at - key.size()));
}

// Decodes &lt; &gt; &amp; &quot; and &#N;, and reads other bytes >= 0x80 as Latin-1.
std::string DecodeSgmlText(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  auto append_code_point = [&out](uint32_t c) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  };
  for (size_t i = 0; i < in.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == '&') {
      const size_t semi = in.find(';', i);
      if (semi != absl::string_view::npos && semi - i <= 8) {
        const absl::string_view entity = in.substr(i + 1, semi - i - 1);
        uint32_t code = 0;
        if (entity == "lt")
          code = '<';
        else if (entity == "gt")
          code = '>';
        else if (entity == "amp")
          code = '&';
        else if (entity == "quot")
          code = '"';
        else if (!entity.empty() && entity[0] == '#' && absl::SimpleAtoi(entity.substr(1), &code)) {
        }
        if (code != 0) {
          append_code_point(code);
          i = semi;
          continue;
        }
      }
    }
    append_code_point(c);
  }
  return out;
}

std::string JoinDs(absl::string_view element) {
  std::vector<std::string> values;
  size_t pos = 0;
  while ((pos = element.find("<D>", pos)) != absl::string_view::npos) {
    const size_t end = element.find("</D>", pos);
    if (end == absl::string_view::npos) break;
    values.emplace_back(element.substr(pos + 3, end - pos - 3));
    pos = end + 4;
  }
  return absl::StrJoin(values, ",");
}

void FlattenLabel(const std::string& key, const google::protobuf::Value& value,
                  DocumentInput* doc) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStringValue:
      (*doc->mutable_labels())[key] = value.string_value();
      break;
    case google::protobuf::Value::kNumberValue:
      (*doc->mutable_labels())[key] = absl::StrCat(value.number_value());
      break;
    case google::protobuf::Value::kBoolValue:
      (*doc->mutable_labels())[key] = value.bool_value() ? "true" : "false";
      break;
    case google::protobuf::Value::kListValue: {
      std::vector<std::string> items;
      for (const auto& item : value.list_value().values()) {
        if (item.kind_case() == google::protobuf::Value::kStringValue)
          items.push_back(item.string_value());
      }
      if (!items.empty()) (*doc->mutable_labels())[key] = absl::StrJoin(items, ",");
      break;
    }
    default:
      break;
  }
}

}  // namespace

absl::StatusOr<std::string> ReadMaybeGzipped(const std::string& path) {
  return ReadMaybeGzippedFile(path);
}

absl::StatusOr<std::vector<DocumentInput>> ReadReutersSgml(const std::string& path) {
  absl::StatusOr<std::string> content = ReadMaybeGzipped(path);
  if (!content.ok()) return content.status();
  std::vector<DocumentInput> documents;
  absl::string_view rest = *content;
  while (true) {
    const size_t start = rest.find("<REUTERS");
    if (start == absl::string_view::npos) break;
    const size_t end = rest.find("</REUTERS>", start);
    if (end == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": unterminated <REUTERS> element"));
    }
    const absl::string_view story = rest.substr(start, end - start);
    rest.remove_prefix(end + 10);
    const absl::string_view open_tag = story.substr(0, story.find('>'));
    const std::string newid = Attribute(open_tag, "NEWID");
    if (newid.empty())
      return absl::InvalidArgumentError(absl::StrCat(path, ": story without NEWID"));

    DocumentInput doc;
    doc.set_external_id(absl::StrCat("reuters-21578:", newid));
    doc.set_source("Reuters");
    doc.set_language("en");
    doc.set_content_type(newsgraph::v1::TEXT_PLAIN);
    std::optional<absl::string_view> text = Element(story, "TEXT");
    if (std::optional<absl::string_view> title = text ? Element(*text, "TITLE") : std::nullopt) {
      doc.set_title(DecodeSgmlText(*title));
    }
    std::optional<absl::string_view> body = text ? Element(*text, "BODY") : std::nullopt;
    if (body.has_value()) {
      doc.set_content(DecodeSgmlText(*body));
    } else if (text.has_value() &&
               Attribute(story.substr(story.find("<TEXT")), "TYPE") == "UNPROC") {
      doc.set_content(DecodeSgmlText(*text));
    } else if (!doc.title().empty()) {
      doc.set_content(doc.title());  // Headline-only (BRIEF) stories.
    }
    if (std::optional<absl::string_view> date = Element(story, "DATE")) {
      // "26-FEB-1987 15:01:01.79", sometimes with noise after the time.
      std::vector<absl::string_view> parts =
          absl::StrSplit(absl::StripAsciiWhitespace(*date), ' ', absl::SkipEmpty());
      absl::Time t;
      std::string err;
      if (!parts.empty()) {
        std::string day(parts[0]);
        std::string time;
        if (parts.size() > 1) {
          for (char c : parts[1]) {
            if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') break;
            time.push_back(c);
          }
        }
        if ((!time.empty() && absl::ParseTime("%d-%b-%Y %H:%M:%E*S", day + " " + time,
                                              absl::UTCTimeZone(), &t, &err)) ||
            absl::ParseTime("%d-%b-%Y", day, absl::UTCTimeZone(), &t, &err)) {
          SetPublished(t, &doc);
        }
      }
    }
    for (const char* field : {"TOPICS", "PLACES", "PEOPLE", "ORGS", "EXCHANGES"}) {
      if (std::optional<absl::string_view> values = Element(story, field)) {
        const std::string joined = JoinDs(*values);
        if (!joined.empty()) (*doc.mutable_labels())[absl::AsciiStrToLower(field)] = joined;
      }
    }
    const std::string split = Attribute(open_tag, "LEWISSPLIT");
    if (!split.empty()) (*doc.mutable_labels())["lewissplit"] = split;
    documents.push_back(std::move(doc));
  }
  return documents;
}

absl::StatusOr<std::vector<DocumentInput>> ReadJsonLines(const std::string& path) {
  absl::StatusOr<std::string> content = ReadMaybeGzipped(path);
  if (!content.ok()) return content.status();
  std::vector<DocumentInput> documents;
  size_t line_number = 0;
  for (absl::string_view line : absl::StrSplit(*content, '\n')) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    google::protobuf::Struct object;
    auto parsed = google::protobuf::util::JsonStringToMessage(std::string(line), &object);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_number, ": not a JSON object: ", parsed.ToString()));
    }
    const auto& fields = object.fields();
    auto text_of = [&](const char* key) -> std::string {
      auto it = fields.find(key);
      return it != fields.end() && it->second.kind_case() == google::protobuf::Value::kStringValue
                 ? it->second.string_value()
                 : "";
    };
    DocumentInput doc;
    doc.set_external_id(text_of("id"));
    doc.set_title(text_of("title"));
    doc.set_content(text_of("body"));
    doc.set_source(text_of("source"));
    doc.set_url(text_of("url"));
    doc.set_content_type(newsgraph::v1::TEXT_PLAIN);
    const std::string published = text_of("published");
    if (!published.empty()) {
      absl::Time t;
      std::string err;
      for (const char* format : {"%Y-%m-%dT%H:%M:%E*S%Ez", "%Y-%m-%dT%H:%M:%E*S", "%Y-%m-%d"}) {
        if (absl::ParseTime(format, published, absl::UTCTimeZone(), &t, &err)) {
          SetPublished(t, &doc);
          break;
        }
      }
    }
    if (auto labels = fields.find("labels");
        labels != fields.end() &&
        labels->second.kind_case() == google::protobuf::Value::kStructValue) {
      for (const auto& [key, value] : labels->second.struct_value().fields()) {
        FlattenLabel(key, value, &doc);
      }
    }
    if (doc.content().empty() && !doc.title().empty()) doc.set_content(doc.title());
    documents.push_back(std::move(doc));
  }
  return documents;
}

}  // namespace newsgraph
