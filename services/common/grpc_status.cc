#include "services/common/grpc_status.h"

#include <chrono>

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
  return [context] { return !CallStopStatus(*context).ok(); };
}

}  // namespace newsgraph
