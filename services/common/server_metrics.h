// Prometheus metrics of a daemon's gRPC server, served as text over HTTP
// (GET /metrics) on an address of their own.
#ifndef NEWSGRAPH_SERVICES_COMMON_SERVER_METRICS_H_
#define NEWSGRAPH_SERVICES_COMMON_SERVER_METRICS_H_

#include <grpcpp/support/status.h>

#include <memory>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "base/metric_values.h"

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace newsgraph {

// Per-method call counts by status code, call durations and calls in
// flight, named by the Prometheus conventions:
//   newsgraph_grpc_server_handled_total{grpc_method, grpc_code}
//   newsgraph_grpc_server_handling_seconds{grpc_method} (histogram)
//   newsgraph_grpc_server_calls_in_flight
// Only the methods the server serves are labels of their own. Also the
// standard process_* metrics (process_metrics.h) and whatever the sources
// added with AddSource report. Thread-safe.
class ServerMetrics {
 public:
  // Serves the metrics on `listen_address` ("host:port"). Calls to a
  // method outside `methods` ("/package.Service/Method") count under
  // grpc_method="unknown", so that clients cannot add label sets. Errors:
  // UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<ServerMetrics>> Start(
      const std::string& listen_address, absl::flat_hash_set<std::string> methods);
  ~ServerMetrics();

  // The port the metrics are served on.
  int port() const;

  // Adds metrics read at each scrape. Families of the same name from
  // several sources (a store per module) are merged; their samples must
  // differ by labels. `source` must stay callable while this object lives.
  void AddSource(MetricSource source);

  // A call began; CallFinished must follow for each.
  void CallStarted();
  // A call to `method` ("/package.Service/Method") ended with `code` after
  // `seconds`.
  void CallFinished(const std::string& method, grpc::StatusCode code, double seconds);

 private:
  struct Families;
  class Sources;
  explicit ServerMetrics(absl::flat_hash_set<std::string> methods);

  const absl::flat_hash_set<std::string> methods_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> families_;
  std::shared_ptr<Sources> sources_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

// The canonical upper-case name of a gRPC status code ("OK", "NOT_FOUND").
const char* StatusCodeName(grpc::StatusCode code);

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_SERVER_METRICS_H_
