#include "services/common/grpc_status.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

namespace newsgraph {

// absl::StatusCode and grpc::StatusCode share the google.rpc.Code numbering.
grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

absl::Status CallStopStatus(const grpc::ServerContextBase& context) {
  // The deadline first: gRPC also marks a call whose deadline passed as
  // cancelled, and the client must learn which it was.
  const auto now = std::chrono::system_clock::now();
  if (now > context.deadline()) {
    return absl::DeadlineExceededError("the call's deadline passed while it was served");
  }
  if (context.IsCancelled()) {
    // The client's clock runs its deadline out a little before the server's
    // copy (which started when the request arrived): a cancellation that
    // close to the deadline is the deadline.
    constexpr auto kSlack = std::chrono::milliseconds(100);
    if (context.deadline() != std::chrono::system_clock::time_point::max() &&
        now > context.deadline() - kSlack) {
      return absl::DeadlineExceededError("the call's deadline passed while it was served");
    }
    return absl::CancelledError("the call was cancelled");
  }
  return absl::OkStatus();
}

grpc::Status ToGrpcStatus(const absl::Status& status, const grpc::ServerContextBase& context) {
  if (status.code() == absl::StatusCode::kCancelled &&
      CallStopStatus(context).code() == absl::StatusCode::kDeadlineExceeded) {
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, std::string(status.message()));
  }
  return ToGrpcStatus(status);
}

std::function<bool()> CallStopPredicate(const grpc::ServerContextBase* context) {
  struct State {
    std::mutex asking;  // one thread at a time asks gRPC
    std::atomic<int64_t> next_ask_nanos{0};
    std::atomic<bool> stopped{false};
  };
  auto state = std::make_shared<State>();
  return [context, state] {
    if (state->stopped.load(std::memory_order_relaxed)) return true;
    const auto now = std::chrono::system_clock::now();
    if (now > context->deadline()) {
      state->stopped = true;
      return true;
    }
    // IsCancelled of a synchronous call polls the call's completion queue,
    // which costs tens of microseconds: asked at most every kAskEvery.
    const int64_t nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::steady_clock::now().time_since_epoch())
                              .count();
    if (nanos < state->next_ask_nanos.load(std::memory_order_relaxed)) return false;
    std::unique_lock<std::mutex> lock(state->asking, std::try_to_lock);
    if (!lock.owns_lock()) return false;
    constexpr int64_t kAskEvery = 2'000'000;  // 2 ms
    state->next_ask_nanos.store(nanos + kAskEvery, std::memory_order_relaxed);
    if (CallStopStatus(*context).ok()) return false;
    state->stopped = true;
    return true;
  };
}

}  // namespace newsgraph
