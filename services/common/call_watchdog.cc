#include "services/common/call_watchdog.h"

#include <chrono>

#include "absl/time/clock.h"
#include "base/mutex.h"

namespace newsgraph {

CallWatchdog::CallWatchdog() : thread_([this] { Run(); }) {}

CallWatchdog::~CallWatchdog() {
  {
    newsgraph::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

uint64_t CallWatchdog::Watch(grpc::ServerContextBase* context, absl::Time deadline) {
  newsgraph::MutexLock lock(&mu_);
  const uint64_t ticket = next_ticket_++;
  calls_[{deadline, ticket}] = context;
  deadline_of_[ticket] = deadline;
  return ticket;
}

void CallWatchdog::Forget(uint64_t ticket) {
  newsgraph::MutexLock lock(&mu_);
  auto it = deadline_of_.find(ticket);
  if (it == deadline_of_.end()) return;
  calls_.erase({it->second, ticket});
  deadline_of_.erase(it);
}

void CallWatchdog::Run() {
  newsgraph::MutexLock lock(&mu_);
  while (!stopping_) {
    const absl::Time now = absl::Now();
    while (!calls_.empty() && calls_.begin()->first.first <= now) {
      // Under mu_: Forget() cannot return (and the call end) meanwhile.
      // Only calls whose client set no deadline are cancelled; the client's
      // deadline is read here since it is not yet known when the call starts.
      grpc::ServerContextBase* context = calls_.begin()->second;
      if (absl::FromChrono(context->deadline()) > now + absl::Hours(24 * 365)) {
        context->TryCancel();
        cancelled_.fetch_add(1);
      }
      deadline_of_.erase(calls_.begin()->first.second);
      calls_.erase(calls_.begin());
    }
    const absl::Time wake =
        calls_.empty() ? now + absl::Milliseconds(200)
                       : std::min(calls_.begin()->first.first, now + absl::Milliseconds(200));
    auto stop = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    mu_.AwaitWithDeadline(newsgraph::Condition(&stop), wake);
  }
}

class CallTracker::Tracked final : public grpc::experimental::Interceptor {
 public:
  Tracked(CallTracker* tracker, grpc::experimental::ServerRpcInfo* info)
      : tracker_(tracker), info_(info) {
    tracker_->active_.fetch_add(1);
  }
  ~Tracked() override {
    if (ticket_ != 0) tracker_->watchdog_.Forget(ticket_);
    tracker_->active_.fetch_sub(1);
  }
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    using grpc::experimental::ServerRpcInfo;
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
  uint64_t ticket_ = 0;
};

grpc::experimental::Interceptor* CallTracker::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new Tracked(this, info);
}

}  // namespace newsgraph
