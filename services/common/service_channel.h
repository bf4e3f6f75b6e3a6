// Channels for service-to-service calls.
#ifndef NEWSGRAPH_SERVICES_COMMON_SERVICE_CHANNEL_H_
#define NEWSGRAPH_SERVICES_COMMON_SERVICE_CHANNEL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace newsgraph {

// How a daemon calls the other services (set from flags by daemon_flags.h;
// the file names appear in errors as the --peer_* flags).
struct PeerChannelOptions {
  // PEM CA: call over TLS, verifying the peer with it. Empty: insecure.
  std::string tls_ca_file;
  // PEM certificate chain and key presented to the peer (mutual TLS).
  std::string tls_cert_file;
  std::string tls_key_file;
  // Bearer token sent with every call (TLS only).
  std::string token;
};

// A channel to another newsgraph service at `address`, tuned for
// recovering quickly after that service restarts: reconnect backoff capped
// at 2 s (gRPC's default grows to 120 s), keepalive every 30 s, and
// messages up to 64 MiB; TLS and a token as `options` say. Errors:
// FAILED_PRECONDITION when a file cannot be read or is empty, or a
// certificate comes without its key: a start-up error, never a silently
// insecure or unverified channel.
absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateServiceChannel(
    const std::string& address, const PeerChannelOptions& options);

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_SERVICE_CHANNEL_H_
