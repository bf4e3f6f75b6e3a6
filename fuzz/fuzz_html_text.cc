// HTML extraction and text normalization, as ingest runs them on a
// document's bytes (invalid UTF-8 repaired first, as with
// repair_invalid_utf8).
#include <cstddef>
#include <cstdint>

#include "services/ingest/html_extractor.h"
#include "services/text/normalizer.h"
#include "services/text/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  size_t replaced = 0;
  const std::string text = newsgraph::text::RepairUtf8(bytes, &replaced);
  const newsgraph::ingest::HtmlExtraction html = newsgraph::ingest::ExtractHtml(text);
  if (newsgraph::text::FindInvalidUtf8(html.text).has_value()) __builtin_trap();
  absl::StatusOr<newsgraph::text::NormalizedText> normalized =
      newsgraph::text::NormalizeText(html.text);
  if (normalized.ok() && newsgraph::text::FindInvalidUtf8(normalized->text).has_value()) {
    __builtin_trap();
  }
  (void)newsgraph::text::NormalizeText(text);
  return 0;
}
