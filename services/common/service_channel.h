// Channels for service-to-service calls.
#ifndef NEWSGRAPH_SERVICES_COMMON_SERVICE_CHANNEL_H_
#define NEWSGRAPH_SERVICES_COMMON_SERVICE_CHANNEL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace newsgraph {

// An insecure channel to another newsgraph service at `address`, tuned for
// recovering quickly after that service restarts: reconnect backoff capped
// at 2 s (gRPC's default grows to 120 s), keepalive every 30 s, and
// messages up to 64 MiB. With --peer_tls_ca the channel uses TLS (and
// --peer_token as bearer token). Errors: FAILED_PRECONDITION when a
// --peer_tls_* file cannot be read or is empty, or --peer_tls_cert comes
// without --peer_tls_key: a start-up error, never a silently insecure or
// unverified channel.
absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateServiceChannel(const std::string& address);

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_SERVICE_CHANNEL_H_
