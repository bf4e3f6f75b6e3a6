#include "services/common/service_channel.h"

#include <fstream>
#include <iterator>

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, peer_tls_ca, "",
          "PEM CA certificate: call the other services over TLS, verifying them with it");
ABSL_FLAG(std::string, peer_token, "", "bearer token for calls to the other services (needs TLS)");

namespace newsgraph {

std::shared_ptr<grpc::Channel> CreateServiceChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (const std::string ca = absl::GetFlag(FLAGS_peer_tls_ca); !ca.empty()) {
    std::ifstream in(ca, std::ios::binary);
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    credentials = grpc::SslCredentials(ssl);
    if (const std::string token = absl::GetFlag(FLAGS_peer_token); !token.empty()) {
      credentials =
          grpc::CompositeChannelCredentials(credentials, grpc::AccessTokenCredentials(token));
    }
  }
  return grpc::CreateCustomChannel(address, credentials, args);
}

}  // namespace newsgraph
