// Opaque, tamper-evident page tokens for List and Search methods.
//
// A token carries a kind (which method issued it), a fingerprint of the
// request parameters it belongs to (filter, query), and a position. It is
// base64url text with a checksum: forged, truncated or foreign tokens, and
// tokens reused with different parameters, are rejected with
// INVALID_ARGUMENT.
#ifndef NEWSGRAPH_BASE_PAGE_TOKEN_H_
#define NEWSGRAPH_BASE_PAGE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace newsgraph {

// Encodes a token for method `kind` (a short constant such as "docs").
std::string EncodePageToken(absl::string_view kind, absl::string_view request_fingerprint,
                            absl::string_view position);

// Decodes `token` and returns its position. Errors: INVALID_ARGUMENT when the
// token is malformed, has a bad checksum, or was issued for another kind or
// other request parameters.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view kind,
                                            absl::string_view request_fingerprint);

// A stable 64-bit hash of `bytes` (xxHash64), for fingerprints.
uint64_t Fingerprint64(absl::string_view bytes);

}  // namespace newsgraph

#endif  // NEWSGRAPH_BASE_PAGE_TOKEN_H_
