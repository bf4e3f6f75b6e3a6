// Status mapping at the gRPC edge (same code, same message, both ways) and
// the stop rules of a served call: a passed deadline wins over cancellation,
// so the client learns which of the two ended the work.
#include "services/common/grpc_status.h"

#include <grpc/support/time.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/testing/hook_server.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::HookServer;

struct CodePair {
  absl::StatusCode absl_code;
  grpc::StatusCode grpc_code;
};

// Every error code of google.rpc.Code, as each library names it.
constexpr CodePair kErrorCodes[] = {
    {absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED},
    {absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN},
    {absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
    {absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED},
    {absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
    {absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
    {absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED},
    {absl::StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
    {absl::StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION},
    {absl::StatusCode::kAborted, grpc::StatusCode::ABORTED},
    {absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE},
    {absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED},
    {absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL},
    {absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
    {absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS},
    {absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED},
};

// Holds the metadata array ServerContextBase's constructor takes, so that it
// exists before the base is built.
struct EmptyMetadata {
  grpc_metadata_array array{};
};

// A server context with a chosen deadline and no call behind it (so never
// cancelled): the deadline rules without waiting on a clock.
class ContextWithDeadline : private EmptyMetadata, public grpc::ServerContextBase {
 public:
  explicit ContextWithDeadline(std::chrono::system_clock::time_point deadline)
      : grpc::ServerContextBase(ToTimespec(deadline), &array) {}

 private:
  static gpr_timespec ToTimespec(std::chrono::system_clock::time_point deadline) {
    gpr_timespec out;
    grpc::Timepoint2Timespec(deadline, &out);
    return out;
  }
};

std::chrono::system_clock::time_point Past() {
  return std::chrono::system_clock::now() - std::chrono::seconds(1);
}
std::chrono::system_clock::time_point Future() {
  return std::chrono::system_clock::now() + std::chrono::hours(1);
}

TEST(GrpcStatusTest, OkMapsToOkBothWays) {
  const grpc::Status out = ToGrpcStatus(absl::OkStatus());
  EXPECT_TRUE(out.ok());
  EXPECT_EQ(out.error_message(), "");
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(GrpcStatusTest, EveryErrorCodeReachesGrpcWithItsMessage) {
  for (const CodePair& pair : kErrorCodes) {
    const std::string message = "because of " + absl::StatusCodeToString(pair.absl_code);
    const grpc::Status out = ToGrpcStatus(absl::Status(pair.absl_code, message));
    EXPECT_EQ(out.error_code(), pair.grpc_code) << message;
    EXPECT_EQ(out.error_message(), message);
  }
}

TEST(GrpcStatusTest, EveryGrpcErrorCodeComesBackWithItsMessage) {
  for (const CodePair& pair : kErrorCodes) {
    const std::string message = "server said " + std::to_string(pair.grpc_code);
    const absl::Status back = FromGrpcStatus(grpc::Status(pair.grpc_code, message));
    EXPECT_EQ(back.code(), pair.absl_code) << message;
    EXPECT_EQ(back.message(), message);
  }
}

TEST(GrpcStatusTest, MessagesSurviveARoundTripByteForByte) {
  for (const std::string message : {std::string(), std::string("line one\nline two"),
                                    std::string("Tromsø – “quoted”"), std::string(4096, 'x')}) {
    const absl::Status original = absl::NotFoundError(message);
    const absl::Status back = FromGrpcStatus(ToGrpcStatus(original));
    EXPECT_EQ(back, original) << message.size();
  }
}

// An OK status carries no message in absl: a message sent with OK is dropped.
TEST(GrpcStatusTest, OkFromTheWireIsPlainOkEvenWithAMessage) {
  const absl::Status back = FromGrpcStatus(grpc::Status(grpc::StatusCode::OK, "all good"));
  EXPECT_TRUE(back.ok());
  EXPECT_EQ(back.message(), "");
}

TEST(GrpcStatusTest, CallWithoutDeadlineOrCancellationMayGoOn) {
  const grpc::ServerContext context;
  EXPECT_TRUE(CallStopStatus(context).ok());
  EXPECT_FALSE(CallStopPredicate(&context)());
}

TEST(GrpcStatusTest, CallBeforeItsDeadlineMayGoOn) {
  const ContextWithDeadline context(Future());
  EXPECT_TRUE(CallStopStatus(context).ok());
  EXPECT_FALSE(CallStopPredicate(&context)());
}

TEST(GrpcStatusTest, CallPastItsDeadlineStopsWithDeadlineExceeded) {
  const ContextWithDeadline context(Past());
  EXPECT_EQ(CallStopStatus(context).code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(CallStopPredicate(&context)());
}

TEST(GrpcStatusTest, CancelledWorkPastTheDeadlineIsReportedAsDeadlineExceeded) {
  const ContextWithDeadline context(Past());
  const grpc::Status out = ToGrpcStatus(absl::CancelledError("normalizing stopped"), context);
  EXPECT_EQ(out.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(out.error_message(), "normalizing stopped");
}

TEST(GrpcStatusTest, CancelledWorkBeforeTheDeadlineStaysCancelled) {
  for (const auto deadline : {Future(), std::chrono::system_clock::time_point::max()}) {
    const ContextWithDeadline context(deadline);
    const grpc::Status out = ToGrpcStatus(absl::CancelledError("client left"), context);
    EXPECT_EQ(out.error_code(), grpc::StatusCode::CANCELLED);
    EXPECT_EQ(out.error_message(), "client left");
  }
}

// Only a core's CANCELLED is reinterpreted; work that finished or failed on
// its own keeps its status even when the deadline has passed meanwhile.
TEST(GrpcStatusTest, OtherStatusesPastTheDeadlineAreKept) {
  const ContextWithDeadline context(Past());
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus(), context).ok());
  const grpc::Status internal = ToGrpcStatus(absl::InternalError("disk"), context);
  EXPECT_EQ(internal.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(internal.error_message(), "disk");
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError("gone"), context).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ToGrpcStatus(absl::UnavailableError("down"), context).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

// A real call the client cancels: CANCELLED, and the predicate (made before
// the cancellation) sees it.
TEST(GrpcStatusTest, ClientCancellationStopsTheCallAsCancelled) {
  HookServer server;
  ASSERT_TRUE(server.started());
  std::mutex mu;
  std::condition_variable entered_cv;
  bool entered = false;
  bool stop_before = true;
  bool stop_after = false;
  bool saw_cancel = false;
  absl::Status stop_status;
  grpc::StatusCode reported = grpc::StatusCode::OK;
  server.set_hook([&](grpc::ServerContext* context) {
    const std::function<bool()> stop = CallStopPredicate(context);
    stop_before = stop();
    {
      std::lock_guard<std::mutex> lock(mu);
      entered = true;
    }
    entered_cv.notify_all();
    saw_cancel = HookServer::WaitUntilCancelled(context, absl::Milliseconds(500));
    // The predicate asks gRPC at most every 2 ms: it sees the cancellation
    // within a few milliseconds, not at once.
    const absl::Time give_up = absl::Now() + absl::Milliseconds(200);
    while (!(stop_after = stop()) && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
    stop_status = CallStopStatus(*context);
    reported = ToGrpcStatus(absl::CancelledError("stopped"), *context).error_code();
    return grpc::Status::OK;
  });
  grpc::ClientContext client;
  std::thread canceller([&] {
    std::unique_lock<std::mutex> lock(mu);
    // Cancels even when the handler never runs, so the call cannot hang.
    entered_cv.wait_for(lock, std::chrono::seconds(5), [&] { return entered; });
    client.TryCancel();
  });
  const grpc::Status status = server.Call(&client);
  canceller.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(saw_cancel);
  EXPECT_FALSE(stop_before);
  EXPECT_TRUE(stop_after);
  EXPECT_EQ(stop_status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(reported, grpc::StatusCode::CANCELLED);
}

// gRPC also marks a call whose deadline passed as cancelled: the deadline
// still wins, for the stop status and for the reported status, also when the
// mark comes a little before the server's own deadline (the client's copy
// expires first).
TEST(GrpcStatusTest, ExpiredCallThatGrpcMarksCancelledStopsAsDeadlineExceeded) {
  HookServer server;
  ASSERT_TRUE(server.started());
  bool saw_cancel = false;
  bool saw_deadline = false;
  absl::Status stop_status;
  absl::Status at_cancel;
  grpc::StatusCode reported = grpc::StatusCode::OK;
  server.set_hook([&](grpc::ServerContext* context) {
    saw_cancel = HookServer::WaitUntilCancelled(context, absl::Milliseconds(500));
    at_cancel = CallStopStatus(*context);
    const auto give_up = std::chrono::system_clock::now() + std::chrono::milliseconds(500);
    while (std::chrono::system_clock::now() <= context->deadline() &&
           std::chrono::system_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    saw_deadline = std::chrono::system_clock::now() > context->deadline();
    stop_status = CallStopStatus(*context);
    reported = ToGrpcStatus(absl::CancelledError("stopped"), *context).error_code();
    return grpc::Status::OK;
  });
  grpc::ClientContext client;
  client.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(50));
  const grpc::Status status = server.Call(&client);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_TRUE(saw_cancel);
  ASSERT_TRUE(saw_deadline);
  EXPECT_EQ(at_cancel.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(stop_status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(reported, grpc::StatusCode::DEADLINE_EXCEEDED);
}

}  // namespace
}  // namespace newsgraph
