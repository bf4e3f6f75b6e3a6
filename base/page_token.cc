#include "base/page_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <xxhash.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace newsgraph {
namespace {

constexpr char kVersion = '2';
// Bytes of the HMAC-SHA256 tag kept in a token.
constexpr size_t kTagBytes = 16;

void AppendLengthPrefixed(std::string* out, absl::string_view part) {
  const uint32_t len = static_cast<uint32_t>(part.size());
  out->append(reinterpret_cast<const char*>(&len), sizeof(len));
  out->append(part.data(), part.size());
}

bool ReadLengthPrefixed(absl::string_view* in, std::string* part) {
  uint32_t len = 0;
  if (in->size() < sizeof(len)) return false;
  memcpy(&len, in->data(), sizeof(len));
  in->remove_prefix(sizeof(len));
  if (in->size() < len) return false;
  part->assign(in->data(), len);
  in->remove_prefix(len);
  return true;
}

std::string FingerprintBytes(absl::string_view request_fingerprint) {
  const uint64_t fingerprint = Fingerprint64(request_fingerprint);
  return std::string(reinterpret_cast<const char*>(&fingerprint), sizeof(fingerprint));
}

}  // namespace

uint64_t Fingerprint64(absl::string_view bytes) { return XXH64(bytes.data(), bytes.size(), 0); }

std::string NewPageTokenKey() {
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    // OpenSSL's generator failing is not recoverable here; an all-zero key
    // would make tokens forgeable, so refuse to go on.
    abort();
  }
  return key;
}

PageTokens::PageTokens(std::string key) : key_(std::move(key)) {
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = hmac != nullptr ? EVP_MAC_CTX_new(hmac) : nullptr;
  EVP_MAC_free(hmac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (ctx == nullptr ||
      EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key_.data()), key_.size(),
                   params) != 1) {
    abort();  // OpenSSL without HMAC-SHA256: tokens could not be verified at all
  }
  keyed_ = ctx;
}

PageTokens::~PageTokens() { EVP_MAC_CTX_free(static_cast<EVP_MAC_CTX*>(keyed_)); }

std::string PageTokens::Tag(absl::string_view payload) const {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(static_cast<const EVP_MAC_CTX*>(keyed_));
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t length = 0;
  if (ctx == nullptr ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) !=
          1 ||
      EVP_MAC_final(ctx, mac, &length, sizeof(mac)) != 1 || length < kTagBytes) {
    abort();
  }
  EVP_MAC_CTX_free(ctx);
  return std::string(reinterpret_cast<const char*>(mac), kTagBytes);
}

std::string PageTokens::Encode(absl::string_view kind, absl::string_view request_fingerprint,
                               absl::string_view position) const {
  std::string payload(1, kVersion);
  AppendLengthPrefixed(&payload, kind);
  AppendLengthPrefixed(&payload, FingerprintBytes(request_fingerprint));
  AppendLengthPrefixed(&payload, position);
  payload += Tag(payload);
  return absl::WebSafeBase64Escape(payload);
}

absl::StatusOr<std::string> PageTokens::Decode(absl::string_view token, absl::string_view kind,
                                               absl::string_view request_fingerprint) const {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.size() < 1 + kTagBytes) {
    return absl::InvalidArgumentError("page_token is malformed: not issued by this server");
  }
  const std::string tag = raw.substr(raw.size() - kTagBytes);
  raw.resize(raw.size() - kTagBytes);
  const std::string expected = Tag(raw);
  if (CRYPTO_memcmp(tag.data(), expected.data(), kTagBytes) != 0 || raw[0] != kVersion) {
    return absl::InvalidArgumentError("page_token is corrupted or forged");
  }
  absl::string_view in(raw);
  in.remove_prefix(1);
  std::string token_kind, fingerprint, position;
  if (!ReadLengthPrefixed(&in, &token_kind) || !ReadLengthPrefixed(&in, &fingerprint) ||
      !ReadLengthPrefixed(&in, &position) || !in.empty()) {
    return absl::InvalidArgumentError("page_token is malformed");
  }
  if (token_kind != kind) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_token was issued by another method (", token_kind, ")"));
  }
  if (fingerprint != FingerprintBytes(request_fingerprint)) {
    return absl::InvalidArgumentError(
        "page_token was issued for a different filter or query; resend the original request");
  }
  return position;
}

}  // namespace newsgraph
