// Document structure: paragraphs, headline, byline, dates and interview /
// press-conference Q&A segmentation on arbitrary text.
#include <cstddef>
#include <cstdint>

#include "services/ingest/structure.h"
#include "services/text/normalizer.h"
#include "services/text/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  size_t replaced = 0;
  const std::string text = newsgraph::text::RepairUtf8(bytes, &replaced);
  absl::StatusOr<std::vector<std::string>> paragraphs = newsgraph::text::SplitParagraphs(text);
  if (!paragraphs.ok()) return 0;
  const size_t count = paragraphs->size();
  newsgraph::ingest::StructureOptions options;
  const newsgraph::ingest::StructuredText structured =
      newsgraph::ingest::ExtractStructure(*std::move(paragraphs), options);
  if (structured.paragraphs.size() > count) __builtin_trap();
  for (const auto& qa : structured.qa_blocks) {
    if (qa.last_paragraph < qa.question_paragraph) __builtin_trap();
    if (qa.last_paragraph >= structured.paragraphs.size()) __builtin_trap();
  }
  (void)newsgraph::ingest::ParseNewsDate(text.substr(0, 64));
  return 0;
}
