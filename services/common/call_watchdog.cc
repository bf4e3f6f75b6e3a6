#include "services/common/call_watchdog.h"

#include <google/protobuf/message.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "base/mutex.h"
#include "services/common/log.h"
#include "services/common/request_id.h"
#include "services/common/server_metrics.h"

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

namespace {

// Requests up to this size are kept (copied) for the slow-call log.
constexpr size_t kMaxLoggedRequestBytes = 4096;
// The rendering of a request in a log line is cut at this many bytes.
constexpr size_t kMaxRenderedRequestBytes = 1024;

std::string Render(const google::protobuf::Message& message) {
  std::string text = absl::StrCat(message.GetTypeName(), " {", message.ShortDebugString(), "}");
  if (text.size() > kMaxRenderedRequestBytes) {
    text.resize(kMaxRenderedRequestBytes);
    text += "...";
  }
  return text;
}

}  // namespace

class CallTracker::Tracked final : public grpc::experimental::Interceptor {
 public:
  Tracked(CallTracker* tracker, grpc::experimental::ServerRpcInfo* info)
      : tracker_(tracker),
        info_(info),
        start_(std::chrono::steady_clock::now()),
        // Copied now: for a method the server does not serve, gRPC frees the
        // name before the call ends.
        method_(info->method() != nullptr ? info->method() : "") {
    tracker_->active_.fetch_add(1);
    if (tracker_->metrics_ != nullptr) tracker_->metrics_->CallStarted();
  }
  ~Tracked() override {
    if (ticket_ != 0) tracker_->watchdog_.Forget(ticket_);
    if (!finished_) Finish();  // cancelled: no status was sent
    tracker_->active_.fetch_sub(1);
  }
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      ReceivedMetadata(*methods->GetRecvInitialMetadata());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA) &&
        !request_id_.empty()) {
      methods->GetSendInitialMetadata()->emplace(kRequestIdKey, request_id_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      KeepRequest(methods->GetRecvMessage());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      code_ = methods->GetSendStatus().error_code();
      // Counted and logged before the client can see the status, so that a
      // scrape after the answer finds the call.
      Finish();
      // The handler is done: lines its thread writes next are not this call's.
      if (CurrentRequestId() == request_id_) SetThreadRequestId("");
    }
    methods->Proceed();
  }

 private:
  using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

  // Request id, header size limit and default deadline.
  void ReceivedMetadata(const Metadata& metadata) {
    size_t metadata_bytes = 0;
    absl::string_view traceparent, caller_id;
    for (const auto& [key, value] : metadata) {
      metadata_bytes += key.size() + value.size() + 32;  // RFC 7540 6.5.2 accounting
      const absl::string_view name(key.data(), key.size());
      if (name == kTraceparentKey) traceparent = absl::string_view(value.data(), value.size());
      if (name == kRequestIdKey) caller_id = absl::string_view(value.data(), value.size());
    }
    request_id_ = RequestIdFor(traceparent, caller_id);
    SetThreadRequestId(request_id_);
    if (tracker_->logs_.access_log || tracker_->logs_.slow_call > absl::ZeroDuration()) {
      peer_ = info_->server_context()->peer();
    }
    if (metadata_bytes > tracker_->max_metadata_bytes_) {
      tracker_->oversized_metadata_.fetch_add(1);
      info_->server_context()->TryCancel();
    }
    using grpc::experimental::ServerRpcInfo;
    if (ticket_ == 0 && tracker_->default_deadline_ > absl::ZeroDuration() &&
        (info_->type() == ServerRpcInfo::Type::UNARY ||
         info_->type() == ServerRpcInfo::Type::SERVER_STREAMING)) {
      ticket_ = tracker_->watchdog_.Watch(info_->server_context(),
                                          absl::Now() + tracker_->default_deadline_);
    }
  }

  // Keeps a copy of a small request for the slow-call log (gRPC destroys
  // the request before the call ends). Only newsgraph.* methods: their
  // messages are generated protobuf classes (health checks are not).
  void KeepRequest(void* message) {
    using grpc::experimental::ServerRpcInfo;
    if (tracker_->logs_.slow_call <= absl::ZeroDuration() || message == nullptr ||
        request_ != nullptr || !absl::StartsWith(method_, "/newsgraph.") ||
        info_->type() == ServerRpcInfo::Type::CLIENT_STREAMING ||
        info_->type() == ServerRpcInfo::Type::BIDI_STREAMING) {
      return;
    }
    const auto* request = static_cast<const google::protobuf::Message*>(message);
    const size_t bytes = request->ByteSizeLong();
    if (bytes > kMaxLoggedRequestBytes) {
      request_summary_ = absl::StrCat(request->GetTypeName(), " (", bytes, " bytes)");
      return;
    }
    request_.reset(request->New());
    request_->CopyFrom(*request);
  }

  // Counts, times and logs the call, once.
  void Finish() {
    if (finished_) return;
    finished_ = true;
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    if (tracker_->metrics_ != nullptr) {
      tracker_->metrics_->CallFinished(method_, code_, elapsed.count());
    }
    LogFinished(elapsed.count());
  }

  void LogFinished(double seconds) {
    const bool slow = tracker_->logs_.slow_call > absl::ZeroDuration() &&
                      seconds >= absl::ToDoubleSeconds(tracker_->logs_.slow_call);
    if (!slow && !tracker_->logs_.access_log) return;
    CallRecord record{.method = method_,
                      .code = StatusCodeName(code_),
                      .duration_ms = seconds * 1000,
                      .request_id = request_id_,
                      .peer = peer_};
    if (slow) record.request = request_ != nullptr ? Render(*request_) : request_summary_;
    LogCall(slow ? LogLevel::kWarning : LogLevel::kInfo, tracker_->process_name_,
            slow ? "slow call" : "call", record);
  }

  CallTracker* const tracker_;
  grpc::experimental::ServerRpcInfo* const info_;
  const std::chrono::steady_clock::time_point start_;
  const std::string method_;
  // The status the call ended with; a call that never sent one was cancelled.
  grpc::StatusCode code_ = grpc::StatusCode::CANCELLED;
  uint64_t ticket_ = 0;
  bool finished_ = false;
  std::string request_id_;
  std::string peer_;
  std::unique_ptr<google::protobuf::Message> request_;
  std::string request_summary_;
};

grpc::experimental::Interceptor* CallTracker::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new Tracked(this, info);
}

}  // namespace newsgraph
