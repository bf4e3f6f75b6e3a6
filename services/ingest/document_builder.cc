#include "services/ingest/document_builder.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "base/page_token.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "services/ingest/html_extractor.h"
#include "services/ingest/markdown_text.h"
#include "services/ingest/structure.h"
#include "services/text/normalizer.h"
#include "services/text/utf8.h"

namespace newsgraph::ingest {
namespace {

using newsgraph::v1::ContentType;
using newsgraph::v1::Document;
using newsgraph::v1::DocumentInput;

absl::Status Stopped() {
  return absl::CancelledError("normalizing the document stopped: the call ended");
}

// Parses the date forms found in HTML meta tags: RFC 3339 with or without
// seconds or zone, or a plain date (taken as UTC midnight).
bool ParseMetaTime(absl::string_view value, absl::Time* out) {
  std::string err;
  for (const char* format : {"%Y-%m-%d%ET%H:%M:%E*S%Ez", "%Y-%m-%d%ET%H:%M:%E*S",
                             "%Y-%m-%d%ET%H:%M%Ez", "%Y-%m-%d%ET%H:%M", "%Y-%m-%d"}) {
    if (absl::ParseTime(format, value, absl::UTCTimeZone(), out, &err)) return true;
  }
  return false;
}

absl::Status ValidateInput(const DocumentInput& input, const DocumentLimits& limits) {
  if (input.external_id().size() > limits.max_external_id_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("document.external_id is ",
                                                   input.external_id().size(), " bytes; at most ",
                                                   limits.max_external_id_bytes, " allowed"));
  }
  if (static_cast<size_t>(input.labels_size()) > limits.max_labels) {
    return absl::InvalidArgumentError(absl::StrCat("document.labels has ", input.labels_size(),
                                                   " entries; at most ", limits.max_labels,
                                                   " allowed"));
  }
  if (input.content().size() > limits.max_content_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("document.content is ", input.content().size(),
                                                   " bytes; at most ", limits.max_content_bytes,
                                                   " allowed"));
  }
  if (input.has_published_time()) {
    NG_RETURN_IF_ERROR(ValidateTimestamp("document.published_time", input.published_time()));
  }
  for (const auto& [name, value] :
       {std::pair{"title", &input.title()}, std::pair{"source", &input.source()},
        std::pair{"external_id", &input.external_id()}, std::pair{"url", &input.url()}}) {
    if (auto bad = text::FindInvalidUtf8(*value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("document.", name, " holds invalid UTF-8 at byte offset ", *bad));
    }
  }
  return absl::OkStatus();
}

// The content as valid UTF-8: repaired (with a warning on `doc`) when the
// caller allows it, else INVALID_ARGUMENT with the first bad offset.
absl::StatusOr<std::string> ValidContent(const DocumentInput& input, bool repair_invalid_utf8,
                                         Document* doc) {
  std::string content = input.content();
  const std::optional<size_t> bad = text::FindInvalidUtf8(content);
  if (!bad.has_value()) return content;
  if (!repair_invalid_utf8) {
    return absl::InvalidArgumentError(
        absl::StrCat("document.content is not valid UTF-8: first invalid byte at offset ", *bad,
                     " (set repair_invalid_utf8 to replace invalid bytes with U+FFFD)"));
  }
  size_t replaced = 0;
  content = text::RepairUtf8(content, &replaced);
  doc->add_warnings(absl::StrCat("replaced ", replaced,
                                 " invalid UTF-8 sequence(s) with U+FFFD; first at byte offset ",
                                 *bad));
  return content;
}

// Plain text of the content and what its markup says about the document.
struct ConvertedContent {
  std::string text;
  std::string title;   // the input's, else the markup's
  std::string source;  // the input's, else the HTML site name
  std::string byline;
  absl::Time published = absl::InfinitePast();
};

absl::StatusOr<ConvertedContent> ConvertToText(std::string content, const DocumentInput& input,
                                               const std::function<bool()>& stop) {
  ConvertedContent out;
  out.title = input.title();
  out.source = input.source();
  if (input.content_type() == ContentType::TEXT_HTML) {
    HtmlExtraction html = ExtractHtml(content, stop);
    if (html.stopped) return Stopped();
    out.text = std::move(html.text);
    if (out.title.empty()) out.title = html.title;
    if (out.source.empty()) out.source = html.site_name;
    absl::Time parsed;
    if (!html.published.empty() && ParseMetaTime(html.published, &parsed)) out.published = parsed;
    out.byline = html.author;
  } else if (input.content_type() == ContentType::TEXT_MARKDOWN) {
    std::string heading;
    out.text = MarkdownToText(content, &heading, stop);
    if (out.title.empty()) out.title = heading;
  } else if (input.content_type() == ContentType::TEXT_PLAIN ||
             input.content_type() == ContentType::CONTENT_TYPE_UNSPECIFIED) {
    out.text = std::move(content);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("document.content_type ", static_cast<int>(input.content_type()),
                     " is not supported; use TEXT_PLAIN, TEXT_HTML or TEXT_MARKDOWN"));
  }
  return out;
}

// The text, its paragraphs and its Q&A passages, with spans in bytes and
// code points.
void SetText(text::NormalizedText normalized, std::vector<QaBlock> qa_blocks, Document* doc) {
  doc->set_text(std::move(normalized.text));
  const text::CodePointOffsets offsets(doc->text());
  auto make_span = [&](size_t begin, size_t end, newsgraph::v1::TextSpan* span) {
    span->set_begin(offsets.FromByte(begin));
    span->set_end(offsets.FromByte(end));
    span->set_byte_begin(static_cast<uint32_t>(begin));
    span->set_byte_end(static_cast<uint32_t>(end));
  };
  for (const text::ByteSpan& p : normalized.paragraphs) {
    make_span(p.begin, p.end, doc->add_paragraphs()->mutable_span());
  }
  for (QaBlock& block : qa_blocks) {
    newsgraph::v1::Passage* passage = doc->add_passages();
    make_span(normalized.paragraphs[block.question_paragraph].begin,
              normalized.paragraphs[block.last_paragraph].end, passage->mutable_span());
    passage->set_question(std::move(block.question));
    passage->set_answer(std::move(block.answer));
    passage->set_asked_by(std::move(block.asked_by));
    passage->set_answered_by(std::move(block.answered_by));
    passage->set_number(block.number);
  }
}

// The input as sent, independent of normalization rules and of what the
// service has learned (recurring lines) since: the idempotency check.
std::string InputFingerprint(const DocumentInput& input) {
  newsgraph::v1::DocumentInput canonical = input;
  canonical.clear_labels();
  std::string identity = canonical.SerializeAsString();
  std::vector<std::pair<std::string, std::string>> labels(input.labels().begin(),
                                                          input.labels().end());
  std::sort(labels.begin(), labels.end());
  for (const auto& [key, value] : labels) absl::StrAppend(&identity, "\x1F", key, "=", value);
  return absl::StrFormat("%016x", Fingerprint64(identity));
}

}  // namespace

absl::StatusOr<Document> BuildDocument(
    const DocumentInput& input, bool repair_invalid_utf8, const DocumentLimits& limits,
    const std::function<bool(absl::string_view)>& is_recurring_line,
    const std::function<bool()>& stop) {
  const auto stopped = [&stop] { return stop && stop(); };
  NG_RETURN_IF_ERROR(ValidateInput(input, limits));
  Document doc;
  NG_ASSIGN_OR_RETURN(std::string content, ValidContent(input, repair_invalid_utf8, &doc));
  if (stopped()) return Stopped();
  NG_ASSIGN_OR_RETURN(ConvertedContent converted, ConvertToText(std::move(content), input, stop));
  if (!converted.byline.empty()) doc.set_byline(converted.byline);
  std::string title = std::move(converted.title);

  if (stopped()) return Stopped();
  absl::StatusOr<std::vector<std::string>> split = text::SplitParagraphs(converted.text, stop);
  if (absl::IsCancelled(split.status())) return Stopped();
  if (!split.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("document.content: ", split.status().message()));
  }
  absl::StatusOr<text::NormalizedText> normalized_title = text::NormalizeText(title);
  if (normalized_title.ok()) {
    title = normalized_title->text;
    absl::StrReplaceAll({{"\n\n", " "}}, &title);
  }
  StructureOptions structure_options;
  structure_options.detect_title = title.empty();
  structure_options.known_title = title;
  structure_options.is_recurring_line = is_recurring_line;
  structure_options.stop = stop;
  StructuredText structure = ExtractStructure(*std::move(split), structure_options);
  if (stopped()) return Stopped();
  text::NormalizedText normalized = text::JoinParagraphs(structure.paragraphs);
  if (normalized.text.empty()) {
    return absl::InvalidArgumentError(
        "document.content is empty: it holds no text after normalization (whitespace-only, "
        "markup-only or boilerplate-only input)");
  }
  if (title.empty()) title = structure.title;
  absl::Time published = converted.published;
  if (published == absl::InfinitePast() && structure.published.has_value()) {
    published = *structure.published;
  }
  if (doc.byline().empty()) doc.set_byline(structure.byline);
  doc.set_editor(structure.editor);
  for (std::string& removed : structure.removed) doc.add_removed_boilerplate(std::move(removed));
  SetText(std::move(normalized), std::move(structure.qa_blocks), &doc);

  doc.set_external_id(input.external_id());
  doc.set_source(converted.source);
  doc.set_url(input.url());
  doc.set_title(title);
  doc.set_language(input.language().empty() ? "en" : input.language());
  doc.mutable_labels()->insert(input.labels().begin(), input.labels().end());
  if (input.has_published_time()) {
    *doc.mutable_published_time() = input.published_time();
  } else if (published != absl::InfinitePast()) {
    *doc.mutable_published_time() = ToTimestamp(published);
  }
  doc.set_text_length(static_cast<uint32_t>(text::CountCodePoints(doc.text())));
  doc.set_content_fingerprint(absl::StrFormat("%016x", Fingerprint64(doc.text())));
  doc.set_input_fingerprint(InputFingerprint(input));
  return doc;
}

}  // namespace newsgraph::ingest
