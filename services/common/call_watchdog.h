// Cancels calls that outlive a deadline the server imposes when the client
// set none (gRPC would otherwise let them run forever).
#ifndef NEWSGRAPH_SERVICES_COMMON_CALL_WATCHDOG_H_
#define NEWSGRAPH_SERVICES_COMMON_CALL_WATCHDOG_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "base/mutex.h"
#include "services/common/server_metrics.h"

namespace newsgraph {

// Tracks calls by an imposed deadline and TryCancel()s those still running
// when it passes, unless the client set a deadline of its own. Watch and
// Forget only touch a table (they never wake the watchdog's thread, which
// sweeps the table every `sweep_period`), so a call pays no context switch
// for being watched; cancellation comes up to one period late. Thread-safe.
class CallWatchdog {
 public:
  explicit CallWatchdog(absl::Duration sweep_period);
  ~CallWatchdog();

  // Watches `context` until Forget(ticket). Returns the ticket.
  uint64_t Watch(grpc::ServerContextBase* context, absl::Time deadline);
  // Stops watching; after it returns the watchdog never touches the context.
  void Forget(uint64_t ticket);
  int64_t cancelled() const { return cancelled_.load(); }

 private:
  struct Watched {
    grpc::ServerContextBase* context;
    absl::Time deadline;
  };
  void Run();
  // Cancels the watched calls whose deadline is at or before `now`.
  void Sweep(absl::Time now);

  const absl::Duration sweep_period_;
  newsgraph::Mutex mu_;
  absl::flat_hash_map<uint64_t, Watched> calls_ ABSL_GUARDED_BY(mu_);
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 1;
  std::atomic<int64_t> cancelled_{0};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mu_
  std::thread thread_;
};

// What the call tracker logs about calls.
struct CallLogOptions {
  // One line per finished call (access log).
  bool access_log = false;
  // Calls that take at least this long are logged with their request
  // (newsgraph.* methods; requests over 4 KiB are named by type and size);
  // zero: none.
  absl::Duration slow_call = absl::ZeroDuration();
};

// Server interceptors: give each call a request id (request_id.h) that the
// log lines written on its thread carry and that the response's initial
// metadata returns as x-request-id; log finished and slow calls
// (CallLogOptions); count calls in flight (for graceful shutdown), give
// unary and server-streaming calls without a client deadline
// `default_deadline` (streams from the client, like batch ingest, are exempt),
// and cancel calls whose request headers exceed `max_metadata_bytes` (gRPC
// 1.51 advertises SETTINGS_MAX_HEADER_LIST_SIZE but does not enforce it).
class CallTracker final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `metrics` (may be null; borrowed, must outlive the tracker) counts and
  // times every call.
  CallTracker(absl::Duration default_deadline, size_t max_metadata_bytes,
              ServerMetrics* metrics = nullptr, CallLogOptions logs = {},
              std::string process_name = "server")
      : default_deadline_(default_deadline),
        max_metadata_bytes_(max_metadata_bytes),
        metrics_(metrics),
        logs_(logs),
        process_name_(std::move(process_name)),
        watchdog_(
            std::clamp(default_deadline / 4, absl::Milliseconds(1), absl::Milliseconds(100))) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
  int active() const { return active_.load(); }
  int64_t cancelled_by_default_deadline() const { return watchdog_.cancelled(); }
  int64_t cancelled_for_oversized_metadata() const { return oversized_metadata_.load(); }

 private:
  class Tracked;
  const absl::Duration default_deadline_;
  const size_t max_metadata_bytes_;
  ServerMetrics* const metrics_;
  const CallLogOptions logs_;
  const std::string process_name_;
  std::atomic<int> active_{0};
  std::atomic<int64_t> oversized_metadata_{0};
  CallWatchdog watchdog_;
};

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_CALL_WATCHDOG_H_
