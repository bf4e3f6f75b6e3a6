#include "base/parallel_for.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "base/work_pool.h"

namespace newsgraph {
namespace {

TEST(ParallelForTest, CallsEveryIndexExactlyOnce) {
  WorkPool pool(3, 16);
  for (size_t helpers : {0, 1, 3, 100}) {
    for (size_t n : {0, 1, 3, 257}) {
      std::vector<std::atomic<int>> calls(n);
      ParallelFor(&pool, helpers, n, [&](size_t i) { ++calls[i]; });
      for (size_t i = 0; i < n; ++i) {
        EXPECT_EQ(calls[i].load(), 1) << "index " << i << " of " << n << ", " << helpers
                                      << " helpers";
      }
    }
  }
}

TEST(ParallelForTest, WithoutHelpersRunsInOrderOnTheCaller) {
  for (WorkPool* pool : {static_cast<WorkPool*>(nullptr), new WorkPool(2, 4)}) {
    std::vector<size_t> order;
    const std::thread::id caller = std::this_thread::get_id();
    bool elsewhere = false;
    ParallelFor(pool, pool == nullptr ? 5 : 0, 5, [&](size_t i) {
      order.push_back(i);
      elsewhere |= std::this_thread::get_id() != caller;
    });
    EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4}));
    EXPECT_FALSE(elsewhere);
    delete pool;
  }
}

TEST(ParallelForTest, UsesTheCallerAndAtMostTheHelpersAsked) {
  WorkPool pool(4, 16);
  std::mutex mu;
  std::set<std::thread::id> seen;
  ParallelFor(&pool, 2, 64, [&](size_t) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    std::lock_guard<std::mutex> lock(mu);
    seen.insert(std::this_thread::get_id());
  });
  EXPECT_GE(seen.size(), 1u);
  EXPECT_LE(seen.size(), 3u);
}

TEST(ParallelForTest, AFullPoolLeavesTheWorkToTheCaller) {
  // Declared before the pool, so it outlives the worker that reads it.
  std::atomic<bool> release{false};
  WorkPool pool(1, 1);
  // Occupy the only worker and fill the queue.
  ASSERT_TRUE(pool.TrySubmit([&] {
    while (!release.load()) std::this_thread::yield();
  }));
  while (!pool.TrySubmit([] {})) std::this_thread::yield();
  std::atomic<int> calls{0};
  ParallelFor(&pool, 4, 10, [&](size_t) { ++calls; });
  EXPECT_EQ(calls.load(), 10);
  release = true;
}

TEST(ParallelForTest, ConcurrentLoopsShareOnePool) {
  WorkPool pool(2, 64);
  std::atomic<int> calls{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] { ParallelFor(&pool, 2, 100, [&](size_t) { ++calls; }); });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(calls.load(), 400);
}

TEST(LoopThreadsTest, RunsEveryIndexOnceWhateverTheThreadCount) {
  for (size_t threads : {0, 1, 3}) {
    const LoopThreads loops(threads);
    std::vector<std::atomic<int>> calls(100);
    loops.For(calls.size(), [&](size_t i) { ++calls[i]; });
    for (const auto& c : calls) EXPECT_EQ(c.load(), 1) << threads << " threads";
  }
}

}  // namespace
}  // namespace newsgraph
