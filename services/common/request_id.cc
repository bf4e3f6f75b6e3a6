#include "services/common/request_id.h"

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace newsgraph {
namespace {

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

bool IsHexId(absl::string_view text, size_t length) {
  return text.size() == length && IsLowerHex(text) &&
         text.find_first_not_of('0') != absl::string_view::npos;
}

std::string RandomHex(int bytes) {
  thread_local absl::BitGen random;
  std::string out;
  for (int i = 0; i < bytes; i += 8) {
    absl::StrAppend(&out, absl::Hex(absl::Uniform<uint64_t>(random), absl::kZeroPad16));
  }
  out.resize(static_cast<size_t>(bytes) * 2);
  if (out.find_first_not_of('0') == std::string::npos) out.back() = '1';
  return out;
}

bool IsCallerRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != ':' && c != '-') return false;
  }
  return true;
}

}  // namespace

std::string RequestIdFor(absl::string_view traceparent, absl::string_view request_id) {
  // version "00", trace id, parent id, flags: 2 + 1 + 32 + 1 + 16 + 1 + 2.
  if (traceparent.size() == 55 && traceparent.substr(0, 3) == "00-" && traceparent[35] == '-' &&
      traceparent[52] == '-' && IsHexId(traceparent.substr(3, 32), 32) &&
      IsHexId(traceparent.substr(36, 16), 16) && IsLowerHex(traceparent.substr(53, 2))) {
    return std::string(traceparent.substr(3, 32));
  }
  if (IsCallerRequestId(request_id)) return std::string(request_id);
  return NewTraceId();
}

std::string NewTraceId() { return RandomHex(16); }

std::string TraceparentFor(absl::string_view request_id) {
  const std::string trace = IsHexId(request_id, 32) ? std::string(request_id) : NewTraceId();
  return absl::StrCat("00-", trace, "-", RandomHex(8), "-01");
}

}  // namespace newsgraph
