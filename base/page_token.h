// Opaque, authenticated page tokens for List and Search methods.
//
// A token carries a kind (which method issued it), a 64-bit fingerprint of
// the request parameters it belongs to (filter, query) and a position, and
// ends with an HMAC-SHA256 tag (128 bits) under a secret key that only the
// issuing store knows (LoadOrCreatePageTokenKey). Forged, altered, truncated
// or foreign tokens, tokens of another store, and tokens reused with
// different parameters are rejected with INVALID_ARGUMENT.
#ifndef NEWSGRAPH_BASE_PAGE_TOKEN_H_
#define NEWSGRAPH_BASE_PAGE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace newsgraph {

// Thread-safe (immutable after construction).
class PageTokens {
 public:
  // `key`: the secret, at least 16 bytes (shorter keys are still used, but
  // are weaker).
  explicit PageTokens(std::string key);
  ~PageTokens();
  PageTokens(const PageTokens&) = delete;
  PageTokens& operator=(const PageTokens&) = delete;

  // Encodes a token for method `kind` (a short constant such as "docs").
  std::string Encode(absl::string_view kind, absl::string_view request_fingerprint,
                     absl::string_view position) const;

  // Decodes `token` and returns its position. Errors: INVALID_ARGUMENT when
  // the token is malformed, its tag does not verify, or it was issued for
  // another kind or other request parameters.
  absl::StatusOr<std::string> Decode(absl::string_view token, absl::string_view kind,
                                     absl::string_view request_fingerprint) const;

 private:
  std::string Tag(absl::string_view payload) const;

  const std::string key_;
  // An HMAC-SHA256 context keyed once (OpenSSL's EVP_MAC_CTX); each tag
  // works on a copy of it, which costs far less than keying anew.
  void* keyed_ = nullptr;
};

// 32 random bytes from OpenSSL's generator, for a new store's key.
std::string NewPageTokenKey();

// A stable 64-bit hash of `bytes` (xxHash64), for fingerprints.
uint64_t Fingerprint64(absl::string_view bytes);

}  // namespace newsgraph

#endif  // NEWSGRAPH_BASE_PAGE_TOKEN_H_
