#include "services/common/call_watchdog.h"

#include <chrono>
#include <mutex>
#include <string>

#include "absl/time/clock.h"
#include "base/mutex.h"

namespace newsgraph {

CallWatchdog::CallWatchdog(absl::Duration sweep_period)
    : sweep_period_(sweep_period), thread_([this] { Run(); }) {}

CallWatchdog::~CallWatchdog() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

uint64_t CallWatchdog::Watch(grpc::ServerContextBase* context, absl::Time deadline) {
  newsgraph::MutexLock lock(&mu_);
  const uint64_t ticket = next_ticket_++;
  calls_.emplace(ticket, Watched{context, deadline});
  return ticket;
}

void CallWatchdog::Forget(uint64_t ticket) {
  newsgraph::MutexLock lock(&mu_);
  calls_.erase(ticket);
}

void CallWatchdog::Sweep(absl::Time now) {
  newsgraph::MutexLock lock(&mu_);
  for (auto it = calls_.begin(); it != calls_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    // Under mu_: Forget() cannot return (and the call end) meanwhile. Only
    // calls whose client set no deadline are cancelled; the client's
    // deadline is read here since it is not yet known when the call starts.
    grpc::ServerContextBase* context = it->second.context;
    if (absl::FromChrono(context->deadline()) > now + absl::Hours(24 * 365)) {
      context->TryCancel();
      cancelled_.fetch_add(1);
    }
    calls_.erase(it++);
  }
}

void CallWatchdog::Run() {
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, absl::ToChronoMilliseconds(sweep_period_),
                            [this] { return stopping_; })) {
    Sweep(absl::Now());
  }
}

class CallTracker::Tracked final : public grpc::experimental::Interceptor {
 public:
  Tracked(CallTracker* tracker, grpc::experimental::ServerRpcInfo* info)
      : tracker_(tracker),
        info_(info),
        start_(std::chrono::steady_clock::now()),
        // Copied now: for a method the server does not serve, gRPC frees the
        // name before the call ends.
        method_(tracker->metrics_ != nullptr && info->method() != nullptr ? info->method() : "") {
    tracker_->active_.fetch_add(1);
    if (tracker_->metrics_ != nullptr) tracker_->metrics_->CallStarted();
  }
  ~Tracked() override {
    if (ticket_ != 0) tracker_->watchdog_.Forget(ticket_);
    if (tracker_->metrics_ != nullptr) {
      const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
      tracker_->metrics_->CallFinished(method_, code_, elapsed.count());
    }
    tracker_->active_.fetch_sub(1);
  }
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    using grpc::experimental::ServerRpcInfo;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      code_ = methods->GetSendStatus().error_code();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      size_t metadata_bytes = 0;
      for (const auto& [key, value] : *methods->GetRecvInitialMetadata()) {
        metadata_bytes += key.size() + value.size() + 32;  // RFC 7540 6.5.2 accounting
      }
      if (metadata_bytes > tracker_->max_metadata_bytes_) {
        tracker_->oversized_metadata_.fetch_add(1);
        info_->server_context()->TryCancel();
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA) &&
        ticket_ == 0 && tracker_->default_deadline_ > absl::ZeroDuration() &&
        (info_->type() == ServerRpcInfo::Type::UNARY ||
         info_->type() == ServerRpcInfo::Type::SERVER_STREAMING)) {
      ticket_ = tracker_->watchdog_.Watch(info_->server_context(),
                                          absl::Now() + tracker_->default_deadline_);
    }
    methods->Proceed();
  }

 private:
  CallTracker* const tracker_;
  grpc::experimental::ServerRpcInfo* const info_;
  const std::chrono::steady_clock::time_point start_;
  const std::string method_;
  // The status the call ended with; a call that never sent one was cancelled.
  grpc::StatusCode code_ = grpc::StatusCode::CANCELLED;
  uint64_t ticket_ = 0;
};

grpc::experimental::Interceptor* CallTracker::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new Tracked(this, info);
}

}  // namespace newsgraph
