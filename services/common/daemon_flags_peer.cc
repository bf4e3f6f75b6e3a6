// Peer channel flags (daemon_flags.h).
#include "absl/flags/flag.h"
#include "services/common/daemon_flags.h"

ABSL_FLAG(std::string, peer_tls_ca, "",
          "PEM CA certificate: call the other services over TLS, verifying them with it");
ABSL_FLAG(
    std::string, peer_tls_cert, "",
    "PEM certificate chain presented to the other services (mutual TLS, with --peer_tls_key)");
ABSL_FLAG(std::string, peer_tls_key, "", "PEM private key for --peer_tls_cert");
ABSL_FLAG(std::string, peer_token, "", "bearer token for calls to the other services (needs TLS)");

namespace newsgraph {

PeerChannelOptions PeerOptionsFromFlags() {
  PeerChannelOptions options;
  options.tls_ca_file = absl::GetFlag(FLAGS_peer_tls_ca);
  options.tls_cert_file = absl::GetFlag(FLAGS_peer_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_peer_tls_key);
  options.token = absl::GetFlag(FLAGS_peer_token);
  return options;
}

}  // namespace newsgraph
