#include "base/page_token.h"

#include <xxhash.h>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace newsgraph {
namespace {

constexpr uint64_t kTokenSeed = 0x6e6577736772ULL;  // "newsgr"
constexpr char kVersion = '1';

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

}  // namespace

uint64_t Fingerprint64(absl::string_view bytes) { return XXH64(bytes.data(), bytes.size(), 0); }

std::string EncodePageToken(absl::string_view kind, absl::string_view request_fingerprint,
                            absl::string_view position) {
  std::string payload(1, kVersion);
  AppendLengthPrefixed(&payload, kind);
  AppendLengthPrefixed(&payload, request_fingerprint);
  AppendLengthPrefixed(&payload, position);
  const uint64_t checksum = XXH64(payload.data(), payload.size(), kTokenSeed);
  payload.append(reinterpret_cast<const char*>(&checksum), sizeof(checksum));
  return absl::WebSafeBase64Escape(payload);
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view kind,
                                            absl::string_view request_fingerprint) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.size() < 1 + sizeof(uint64_t)) {
    return absl::InvalidArgumentError("page_token is malformed: not issued by this server");
  }
  uint64_t checksum = 0;
  memcpy(&checksum, raw.data() + raw.size() - sizeof(checksum), sizeof(checksum));
  raw.resize(raw.size() - sizeof(checksum));
  if (XXH64(raw.data(), raw.size(), kTokenSeed) != checksum || raw[0] != kVersion) {
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
  if (fingerprint != request_fingerprint) {
    return absl::InvalidArgumentError(
        "page_token was issued for a different filter or query; resend the original request");
  }
  return position;
}

}  // namespace newsgraph
