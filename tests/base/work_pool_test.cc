#include "base/work_pool.h"

#include <atomic>
#include <memory>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace newsgraph {
namespace {

TEST(WorkPoolTest, RunsEverySubmittedClosureBeforeItIsDestroyed) {
  std::atomic<int> ran{0};
  {
    WorkPool pool(/*threads=*/3, /*max_queued=*/1000);
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(pool.TrySubmit([&ran] { ran.fetch_add(1); }));
  }
  EXPECT_EQ(ran.load(), 500);
}

TEST(WorkPoolTest, RefusesWorkBeyondTheQueueLimit) {
  absl::Notification release;
  absl::Notification started;
  std::atomic<int> ran{0};
  {
    WorkPool pool(/*threads=*/1, /*max_queued=*/2);
    // The only worker takes this one and blocks in it.
    ASSERT_TRUE(pool.TrySubmit([&] {
      started.Notify();
      release.WaitForNotification();
      ran.fetch_add(1);
    }));
    started.WaitForNotification();
    EXPECT_TRUE(pool.TrySubmit([&ran] { ran.fetch_add(1); }));
    EXPECT_TRUE(pool.TrySubmit([&ran] { ran.fetch_add(1); }));
    EXPECT_FALSE(pool.TrySubmit([&ran] { ran.fetch_add(100); }));  // queue full
    release.Notify();
  }
  EXPECT_EQ(ran.load(), 3);
}

}  // namespace
}  // namespace newsgraph
