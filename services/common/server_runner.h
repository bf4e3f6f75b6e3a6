// Runs a gRPC server process: listening, health checking, reflection,
// signal handling and graceful shutdown. Shared by every daemon.
#ifndef NEWSGRAPH_SERVICES_COMMON_SERVER_RUNNER_H_
#define NEWSGRAPH_SERVICES_COMMON_SERVER_RUNNER_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "base/metric_values.h"

namespace newsgraph {

struct ServedService {
  // The service implementation. Borrowed; must outlive Run().
  grpc::Service* service = nullptr;
  // Fully qualified name reported by the health service, e.g.
  // "newsgraph.v1.IngestService".
  std::string health_name;
  // The service's own metrics (store, pipeline, index), served with the
  // server's when --metrics_listen is set. May be empty.
  MetricSource metrics;
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
  // PEM CA bundle: when set (with TLS), clients must present a certificate
  // signed by it (mutual TLS).
  std::string tls_client_ca_file;
  // Token file (see services/common/auth.h): when set, every call but health
  // checks needs a bearer token. Requires TLS.
  std::string auth_tokens_file;
  // Listening on a non-loopback address needs TLS and tokens unless this is
  // set (deployments that terminate TLS in a sidecar or mesh).
  bool allow_insecure_remote = false;
  // host:port to serve Prometheus metrics on (plain HTTP, GET /metrics; see
  // server_metrics.h); empty: none. A non-loopback address needs
  // allow_insecure_remote, as metrics have neither TLS nor tokens.
  std::string metrics_listen;
  // Access log (one line per call) and slow-call log (calls at least this
  // long, with their request; zero: off). See CallLogOptions.
  bool access_log = false;
  absl::Duration slow_call_threshold = absl::Seconds(1);

  // Transport limits (Debian's gRPC 1.51 predates several fixes, so every
  // limit is explicit). Calls without a client deadline are cancelled after
  // `default_deadline` (unary and server-streaming calls; 0 disables).
  absl::Duration default_deadline = absl::Minutes(2);
  // Concurrent streams per HTTP/2 connection.
  int max_concurrent_streams = 64;
  // Total size of a request's header list (HPACK-decoded), in bytes.
  int max_metadata_bytes = 16 << 10;
  // Threads serving calls; beyond it calls fail with RESOURCE_EXHAUSTED.
  int max_threads = 128;
  // Memory gRPC may use for buffers across connections, in bytes.
  int64_t memory_quota_bytes = int64_t{1} << 30;
  // Connections are closed (gracefully) after this age plus the grace time,
  // and when idle this long.
  absl::Duration max_connection_age = absl::Hours(1);
  absl::Duration max_connection_age_grace = absl::Minutes(10);
  absl::Duration max_connection_idle = absl::Minutes(15);
  // Client pings more often than this without calls count as strikes; two
  // strikes close the connection (GOAWAY ENHANCE_YOUR_CALM).
  absl::Duration min_client_ping_interval = absl::Seconds(10);
};

// Builds and starts the server, then blocks until SIGINT or SIGTERM.
// `on_started` runs after the server accepts calls, with the server (for
// in-process channels) and the bound port; a non-OK return shuts down.
// `on_stopping` runs when a termination signal arrives, before the server
// drains in-flight calls (stop background workers that call the server
// there); stores are closed by the caller after RunServer returns.
// Returns a non-OK status when the server cannot start, including
// FAILED_PRECONDITION for a non-loopback address without TLS and tokens
// (unless allow_insecure_remote) and for tokens without TLS.
absl::Status RunServer(const ServerRunnerOptions& options,
                       const std::vector<ServedService>& services,
                       const std::function<absl::Status(grpc::Server&, int port)>& on_started,
                       const std::function<void()>& on_stopping);

// Blocks SIGINT and SIGTERM in the calling thread and all threads it starts
// afterwards. Call first thing in main(), before any thread exists.
void BlockTerminationSignals();

// True for an IPv4 address in 127.0.0.0/8, ::1 (or ::ffff:127.x.y.z) and the
// name "localhost", with a ":port" suffix; false for any other name or
// address (a listener there needs TLS and tokens).
bool IsLoopbackAddress(const std::string& listen_address);

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_SERVER_RUNNER_H_
