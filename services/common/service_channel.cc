#include "services/common/service_channel.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace newsgraph {

namespace {

// The contents of the PEM file `path` named by --`flag`.
absl::StatusOr<std::string> ReadPeerFile(const char* flag, const std::string& path) {
  std::error_code ec;
  // A directory opens as a stream but throws when read.
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::FailedPreconditionError(absl::StrCat("--", flag, "=", path, ": cannot read"));
  }
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

absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateServiceChannel(
    const std::string& address, const PeerChannelOptions& options) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (options.tls_ca_file.empty() &&
      (!options.tls_cert_file.empty() || !options.tls_key_file.empty() || !options.token.empty())) {
    // Never a silently insecure channel: these only mean something over TLS.
    return absl::FailedPreconditionError(
        "--peer_tls_cert, --peer_tls_key and --peer_token need --peer_tls_ca");
  }
  if (!options.tls_ca_file.empty()) {
    grpc::SslCredentialsOptions ssl;
    NG_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPeerFile("peer_tls_ca", options.tls_ca_file));
    if (!options.tls_cert_file.empty()) {
      if (options.tls_key_file.empty()) {
        return absl::FailedPreconditionError("--peer_tls_cert needs --peer_tls_key");
      }
      NG_ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPeerFile("peer_tls_cert", options.tls_cert_file));
      NG_ASSIGN_OR_RETURN(ssl.pem_private_key, ReadPeerFile("peer_tls_key", options.tls_key_file));
    }
    credentials = grpc::SslCredentials(ssl);
    if (!options.token.empty()) {
      credentials = grpc::CompositeChannelCredentials(credentials,
                                                      grpc::AccessTokenCredentials(options.token));
    }
  }
  return grpc::CreateCustomChannel(address, credentials, args);
}

}  // namespace newsgraph
