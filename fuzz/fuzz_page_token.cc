// Page tokens: forged bytes are rejected with INVALID_ARGUMENT; genuine
// tokens round-trip and bind to their kind and request fingerprint.
#include <cstddef>
#include <cstdint>

#include "base/page_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::string> forged = newsgraph::DecodePageToken(bytes, "search", "q");
  if (!forged.ok() && forged.status().code() != absl::StatusCode::kInvalidArgument) {
    __builtin_trap();
  }
  const std::string token = newsgraph::EncodePageToken("docs", "filter", bytes);
  absl::StatusOr<std::string> back = newsgraph::DecodePageToken(token, "docs", "filter");
  if (!back.ok() || *back != bytes) __builtin_trap();
  if (newsgraph::DecodePageToken(token, "search", "filter").ok()) __builtin_trap();
  if (newsgraph::DecodePageToken(token, "docs", "other").ok()) __builtin_trap();
  return 0;
}
