// Runs a gRPC server process: listening, health checking, reflection,
// signal handling and graceful shutdown. Shared by every daemon.
#ifndef NEWSGRAPH_SERVICES_COMMON_SERVER_RUNNER_H_
#define NEWSGRAPH_SERVICES_COMMON_SERVER_RUNNER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace newsgraph {

struct ServedService {
  // The service implementation. Borrowed; must outlive Run().
  grpc::Service* service = nullptr;
  // Fully qualified name reported by the health service, e.g.
  // "newsgraph.v1.IngestService".
  std::string health_name;
};

struct ServerRunnerOptions {
  // Process name used in logs, e.g. "ingestd".
  std::string process_name;
  // host:port to listen on. Port 0 picks a free port. Default loopback only.
  std::string listen_address = "127.0.0.1:7700";
  // When non-empty, the chosen port is written to this file (atomically)
  // once the server accepts calls. Lets tests and scripts use port 0.
  std::string port_file;
  // Largest request message accepted, in bytes. Default 32 MiB.
  int max_receive_message_bytes = 32 << 20;
  // Time given to in-flight calls to finish on shutdown. Default 10 s.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Human-readable description of where the data lives, for the startup line.
  std::string data_description;
  // PEM certificate chain and private key: when both are set the server
  // listens with TLS. Default: plaintext.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Token file (see services/common/auth.h): when set, every call but health
  // checks needs a bearer token. Requires TLS.
  std::string auth_tokens_file;
};

// Fills the TLS and token options from the daemons' shared flags
// (--tls_cert, --tls_key, --auth_tokens).
void ApplySecurityFlags(ServerRunnerOptions* options);

// Builds and starts the server, then blocks until SIGINT or SIGTERM.
// `on_started` runs after the server accepts calls, with the server (for
// in-process channels) and the bound port; a non-OK return shuts down.
// `on_stopping` runs when a termination signal arrives, before the server
// drains in-flight calls (stop background workers that call the server
// there); stores are closed by the caller after RunServer returns.
// Returns a non-OK status when the server cannot start.
absl::Status RunServer(const ServerRunnerOptions& options,
                       const std::vector<ServedService>& services,
                       const std::function<absl::Status(grpc::Server&, int port)>& on_started,
                       const std::function<void()>& on_stopping);

// Blocks SIGINT and SIGTERM in the calling thread and all threads it starts
// afterwards. Call first thing in main(), before any thread exists.
void BlockTerminationSignals();

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_SERVER_RUNNER_H_
