// Request ids: the W3C trace context (traceparent) a call carries in gRPC
// metadata, or an id of the caller's own (x-request-id), or a new one.
#ifndef NEWSGRAPH_SERVICES_COMMON_REQUEST_ID_H_
#define NEWSGRAPH_SERVICES_COMMON_REQUEST_ID_H_

#include <string>

#include "absl/strings/string_view.h"

namespace newsgraph {

// Metadata keys (lower case, as gRPC requires).
inline constexpr char kTraceparentKey[] = "traceparent";
inline constexpr char kRequestIdKey[] = "x-request-id";

// The id of a call: the trace id of `traceparent` when it is a valid W3C
// traceparent ("00-<32 hex>-<16 hex>-<2 hex>", neither id all zeros), else
// `request_id` when it is 1 to 64 characters of [A-Za-z0-9._:-], else a new
// random trace id. So anything a client sends is either a well-formed id
// or ignored: log lines never carry what a client smuggles in.
std::string RequestIdFor(absl::string_view traceparent, absl::string_view request_id);

// A random trace id: 32 lower-case hex digits, not all zeros.
std::string NewTraceId();

// A traceparent for a call made on behalf of `request_id`: its trace id
// when it is one (32 lower-case hex digits), else a new one; a new parent
// id; sampled flag set.
std::string TraceparentFor(absl::string_view request_id);

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_REQUEST_ID_H_
