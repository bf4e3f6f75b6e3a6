// Turns a client's DocumentInput into a normalized Document: decoding
// (plain text, HTML), UTF-8 validation or repair, NFC and whitespace
// normalization, paragraphs, title and metadata. Pure: no storage.
#ifndef NEWSGRAPH_SERVICES_INGEST_DOCUMENT_BUILDER_H_
#define NEWSGRAPH_SERVICES_INGEST_DOCUMENT_BUILDER_H_

#include <cstddef>
#include <functional>

#include "absl/status/statusor.h"
#include "newsgraph/v1/ingest_service.pb.h"
#include "newsgraph/v1/types.pb.h"

namespace newsgraph::ingest {

struct DocumentLimits {
  // Largest accepted content, in bytes. Default 8 MiB.
  size_t max_content_bytes = 8u << 20;
  // Longest external_id, in bytes. Default 512.
  size_t max_external_id_bytes = 512;
  // Most labels per document. Default 64.
  size_t max_labels = 64;
};

// Builds the stored form of `input`. The result has text, paragraphs, title,
// metadata, warnings and content_fingerprint set; name, version, state and
// times are left for the store. Errors are INVALID_ARGUMENT naming the field
// and, for encoding problems, the byte offset.
// `is_recurring_line` (may be empty) tells whether a short paragraph recurs
// across documents of the same source; such paragraphs are boilerplate.
// `stop` (may be empty) is asked between the steps and inside the long ones
// (HTML every ~512 KiB, paragraphs every 64 Ki characters); once it returns
// true the result is CANCELLED.
absl::StatusOr<newsgraph::v1::Document> BuildDocument(
    const newsgraph::v1::DocumentInput& input, bool repair_invalid_utf8,
    const DocumentLimits& limits = {},
    const std::function<bool(absl::string_view)>& is_recurring_line = {},
    const std::function<bool()>& stop = {});

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_DOCUMENT_BUILDER_H_
