#include "services/common/service_channel.h"

#include <fstream>
#include <iterator>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

ABSL_FLAG(std::string, peer_tls_ca, "",
          "PEM CA certificate: call the other services over TLS, verifying them with it");
ABSL_FLAG(
    std::string, peer_tls_cert, "",
    "PEM certificate chain presented to the other services (mutual TLS, with --peer_tls_key)");
ABSL_FLAG(std::string, peer_tls_key, "", "PEM private key for --peer_tls_cert");
ABSL_FLAG(std::string, peer_token, "", "bearer token for calls to the other services (needs TLS)");

namespace newsgraph {

namespace {

// The contents of the PEM file `path` named by --`flag`.
absl::StatusOr<std::string> ReadPeerFile(const char* flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat("--", flag, "=", path, ": cannot read"));
  }
  std::string contents{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (contents.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("--", flag, "=", path, ": file is empty"));
  }
  return contents;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateServiceChannel(const std::string& address) {
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
    grpc::SslCredentialsOptions ssl;
    NG_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPeerFile("peer_tls_ca", ca));
    if (const std::string cert = absl::GetFlag(FLAGS_peer_tls_cert); !cert.empty()) {
      if (absl::GetFlag(FLAGS_peer_tls_key).empty()) {
        return absl::FailedPreconditionError("--peer_tls_cert needs --peer_tls_key");
      }
      NG_ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPeerFile("peer_tls_cert", cert));
      NG_ASSIGN_OR_RETURN(ssl.pem_private_key,
                          ReadPeerFile("peer_tls_key", absl::GetFlag(FLAGS_peer_tls_key)));
    }
    credentials = grpc::SslCredentials(ssl);
    if (const std::string token = absl::GetFlag(FLAGS_peer_token); !token.empty()) {
      credentials =
          grpc::CompositeChannelCredentials(credentials, grpc::AccessTokenCredentials(token));
    }
  }
  return grpc::CreateCustomChannel(address, credentials, args);
}

}  // namespace newsgraph
