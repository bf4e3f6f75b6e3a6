// Page tokens: forged bytes are rejected with INVALID_ARGUMENT; genuine
// tokens round-trip and bind to their kind and request fingerprint.
#include <cstddef>
#include <cstdint>

#include "base/page_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const newsgraph::PageTokens* tokens =
      new newsgraph::PageTokens(newsgraph::NewPageTokenKey());
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::string> forged = tokens->Decode(bytes, "search", "q");
  if (!forged.ok() && forged.status().code() != absl::StatusCode::kInvalidArgument) {
    __builtin_trap();
  }
  const std::string token = tokens->Encode("docs", "filter", bytes);
  absl::StatusOr<std::string> back = tokens->Decode(token, "docs", "filter");
  if (!back.ok() || *back != bytes) __builtin_trap();
  if (tokens->Decode(token, "search", "filter").ok()) __builtin_trap();
  if (tokens->Decode(token, "docs", "other").ok()) __builtin_trap();
  return 0;
}
