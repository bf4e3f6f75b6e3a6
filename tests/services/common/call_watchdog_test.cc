// The watchdog that cancels calls outliving a server-imposed deadline (unless
// the client set a deadline of its own), and the interceptors that impose
// it, count calls in flight and cancel calls with oversized headers. The
// class has no clock seam, so the tests use real calls with deadlines of tens
// of milliseconds and short sweep periods.
#include "services/common/call_watchdog.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/testing/hook_server.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::HookServer;

constexpr absl::Duration kSweep = absl::Milliseconds(5);
// Long enough to hold many sweeps, short enough for a unit test.
constexpr absl::Duration kSettle = absl::Milliseconds(100);
// Upper bound on waiting for a cancellation that should come.
constexpr absl::Duration kPatience = absl::Milliseconds(500);

std::chrono::system_clock::time_point ClientDeadlineIn(absl::Duration d) {
  return std::chrono::system_clock::now() + absl::ToChronoMilliseconds(d);
}

class CallWatchdogTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.started()); }

  // One call without a client deadline whose handler watches it until
  // `deadline_from_now` and waits up to `wait` for cancellation. Returns the
  // client's status; `cancelled` and `waited` tell what the handler saw.
  grpc::Status WatchedCall(CallWatchdog& watchdog, absl::Duration deadline_from_now,
                           absl::Duration wait, bool* cancelled, absl::Duration* waited) {
    server_.set_hook([&](grpc::ServerContext* context) {
      const absl::Time start = absl::Now();
      const uint64_t ticket = watchdog.Watch(context, start + deadline_from_now);
      *cancelled = HookServer::WaitUntilCancelled(context, wait);
      *waited = absl::Now() - start;
      watchdog.Forget(ticket);
      return grpc::Status::OK;
    });
    grpc::ClientContext client;
    return server_.Call(&client);
  }

  HookServer server_;
};

TEST_F(CallWatchdogTest, CancelsACallWithoutClientDeadlineOnceItsDeadlinePasses) {
  CallWatchdog watchdog(kSweep);
  bool cancelled = false;
  absl::Duration waited;
  const grpc::Status status =
      WatchedCall(watchdog, absl::Milliseconds(40), kPatience, &cancelled, &waited);
  EXPECT_TRUE(cancelled);
  EXPECT_GE(waited, absl::Milliseconds(40));  // not before the deadline
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(watchdog.cancelled(), 1);
}

TEST_F(CallWatchdogTest, AnAlreadyPassedDeadlineCancelsAtTheNextSweep) {
  CallWatchdog watchdog(kSweep);
  bool cancelled = false;
  absl::Duration waited;
  WatchedCall(watchdog, -absl::Seconds(1), kPatience, &cancelled, &waited);
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(watchdog.cancelled(), 1);
}

TEST_F(CallWatchdogTest, CountsEveryCallItCancels) {
  CallWatchdog watchdog(kSweep);
  for (int i = 0; i < 3; ++i) {
    bool cancelled = false;
    absl::Duration waited;
    WatchedCall(watchdog, absl::Milliseconds(10), kPatience, &cancelled, &waited);
    EXPECT_TRUE(cancelled) << i;
  }
  EXPECT_EQ(watchdog.cancelled(), 3);
}

TEST_F(CallWatchdogTest, DoesNotCancelBeforeTheDeadline) {
  CallWatchdog watchdog(kSweep);
  bool cancelled = true;
  absl::Duration waited;
  const grpc::Status status = WatchedCall(watchdog, absl::Hours(1), kSettle, &cancelled, &waited);
  EXPECT_FALSE(cancelled);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(watchdog.cancelled(), 0);
}

// The client's own deadline (read when the imposed one passes) exempts the
// call: gRPC enforces it.
TEST_F(CallWatchdogTest, LeavesACallWithAClientDeadlineAlone) {
  CallWatchdog watchdog(kSweep);
  bool cancelled = true;
  server_.set_hook([&](grpc::ServerContext* context) {
    const uint64_t ticket = watchdog.Watch(context, absl::Now() + absl::Milliseconds(10));
    cancelled = HookServer::WaitUntilCancelled(context, kSettle);
    watchdog.Forget(ticket);
    return grpc::Status::OK;
  });
  grpc::ClientContext client;
  client.set_deadline(ClientDeadlineIn(absl::Seconds(5)));
  const grpc::Status status = server_.Call(&client);
  EXPECT_FALSE(cancelled);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(watchdog.cancelled(), 0);
}

TEST_F(CallWatchdogTest, AForgottenCallIsNeverCancelled) {
  CallWatchdog watchdog(kSweep);
  bool cancelled = true;
  server_.set_hook([&](grpc::ServerContext* context) {
    watchdog.Forget(watchdog.Watch(context, absl::Now() + absl::Milliseconds(10)));
    cancelled = HookServer::WaitUntilCancelled(context, kSettle);
    return grpc::Status::OK;
  });
  grpc::ClientContext client;
  const grpc::Status status = server_.Call(&client);
  EXPECT_FALSE(cancelled);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(watchdog.cancelled(), 0);
}

// Two watches of one call get distinct tickets: forgetting one leaves the other.
TEST_F(CallWatchdogTest, ForgetStopsOnlyItsOwnTicket) {
  CallWatchdog watchdog(kSweep);
  uint64_t first = 0;
  uint64_t second = 0;
  bool cancelled = false;
  server_.set_hook([&](grpc::ServerContext* context) {
    const absl::Time deadline = absl::Now() + absl::Milliseconds(20);
    first = watchdog.Watch(context, deadline);
    second = watchdog.Watch(context, deadline);
    watchdog.Forget(first);
    cancelled = HookServer::WaitUntilCancelled(context, kPatience);
    watchdog.Forget(second);
    return grpc::Status::OK;
  });
  grpc::ClientContext client;
  server_.Call(&client);
  EXPECT_NE(first, second);
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(watchdog.cancelled(), 1);
}

TEST(CallWatchdogLifetimeTest, ForgettingAnUnknownTicketIsHarmless) {
  CallWatchdog watchdog(kSweep);
  watchdog.Forget(12345);
  watchdog.Forget(0);
  EXPECT_EQ(watchdog.cancelled(), 0);
}

// The sweeping thread is woken to stop: destruction does not wait out a period.
TEST(CallWatchdogLifetimeTest, DestructionDoesNotWaitForTheSweepPeriod) {
  const absl::Time start = absl::Now();
  { CallWatchdog watchdog(absl::Hours(1)); }
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
}

class CallTrackerTest : public ::testing::Test {
 protected:
  // Starts a server whose calls pass through a CallTracker.
  void Start(absl::Duration default_deadline, size_t max_metadata_bytes) {
    auto tracker = std::make_unique<CallTracker>(default_deadline, max_metadata_bytes);
    tracker_ = tracker.get();
    HookServer::Interceptors interceptors;
    interceptors.push_back(std::move(tracker));
    server_ = std::make_unique<HookServer>(std::move(interceptors));
    ASSERT_TRUE(server_->started());
  }

  // Waits (briefly) for the tracker to see no call in flight.
  bool WaitUntilIdle() {
    const absl::Time give_up = absl::Now() + kPatience;
    while (tracker_->active() != 0) {
      if (absl::Now() > give_up) return false;
      absl::SleepFor(absl::Milliseconds(1));
    }
    return true;
  }

  CallTracker* tracker_ = nullptr;  // owned by the server
  std::unique_ptr<HookServer> server_;
};

TEST_F(CallTrackerTest, ImposesTheDefaultDeadlineOnAUnaryCallWithoutOne) {
  Start(absl::Milliseconds(40), 16 << 10);
  bool cancelled = false;
  absl::Duration waited;
  server_->set_hook([&](grpc::ServerContext* context) {
    const absl::Time start = absl::Now();
    cancelled = HookServer::WaitUntilCancelled(context, kPatience);
    waited = absl::Now() - start;
    return grpc::Status::OK;
  });
  grpc::ClientContext client;
  const grpc::Status status = server_->Call(&client);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(cancelled);
  EXPECT_LT(waited, kPatience);
  // The sweep counts a call after cancelling it; once the call's interceptor
  // is gone (it forgets the call, waiting for a running sweep), it has.
  ASSERT_TRUE(WaitUntilIdle());
  EXPECT_EQ(tracker_->cancelled_by_default_deadline(), 1);
  EXPECT_EQ(tracker_->cancelled_for_oversized_metadata(), 0);
}

TEST_F(CallTrackerTest, LeavesACallWithAClientDeadlineToGrpc) {
  Start(absl::Milliseconds(20), 16 << 10);
  bool cancelled = true;
  server_->set_hook([&](grpc::ServerContext* context) {
    cancelled = HookServer::WaitUntilCancelled(context, kSettle);
    return grpc::Status::OK;
  });
  grpc::ClientContext client;
  client.set_deadline(ClientDeadlineIn(absl::Seconds(5)));
  const grpc::Status status = server_->Call(&client);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(cancelled);
  EXPECT_EQ(tracker_->cancelled_by_default_deadline(), 0);
}

TEST_F(CallTrackerTest, ZeroDefaultDeadlineImposesNone) {
  Start(absl::ZeroDuration(), 16 << 10);
  bool cancelled = true;
  server_->set_hook([&](grpc::ServerContext* context) {
    cancelled = HookServer::WaitUntilCancelled(context, kSettle);
    return grpc::Status::OK;
  });
  grpc::ClientContext client;
  const grpc::Status status = server_->Call(&client);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(cancelled);
  EXPECT_EQ(tracker_->cancelled_by_default_deadline(), 0);
}

TEST_F(CallTrackerTest, CountsCallsInFlight) {
  Start(absl::Minutes(2), 16 << 10);
  EXPECT_EQ(tracker_->active(), 0);
  int active_inside = -1;
  server_->set_hook([&](grpc::ServerContext*) {
    active_inside = tracker_->active();
    return grpc::Status::OK;
  });
  grpc::ClientContext client;
  ASSERT_TRUE(server_->Call(&client).ok());
  EXPECT_EQ(active_inside, 1);
  EXPECT_TRUE(WaitUntilIdle());
}

TEST_F(CallTrackerTest, CancelsACallWhoseHeadersExceedTheLimit) {
  Start(absl::Minutes(2), 1024);
  grpc::ClientContext oversized;
  oversized.AddMetadata("x-padding", std::string(2000, 'a'));
  EXPECT_EQ(server_->Call(&oversized).error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(tracker_->cancelled_for_oversized_metadata(), 1);

  grpc::ClientContext small;
  small.AddMetadata("x-padding", "a");
  const grpc::Status status = server_->Call(&small);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(tracker_->cancelled_for_oversized_metadata(), 1);
  EXPECT_EQ(tracker_->cancelled_by_default_deadline(), 0);
  EXPECT_TRUE(WaitUntilIdle());
}

}  // namespace
}  // namespace newsgraph
