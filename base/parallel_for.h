// Loops over indexes on several threads of a WorkPool.
//
// ParallelFor: runs fn(0) .. fn(n - 1) on the calling thread and on up to
// `helpers` threads of `pool`, and returns when every call has returned.
// Indexes are handed out in increasing order as threads become free, so
// uneven work balances itself; a helper the pool cannot start at once
// leaves its share to the others (the caller alone finishes the loop if it
// must). `fn` must be safe to call concurrently for different indexes. With
// no pool (nullptr) or no helpers, the loop runs on the caller in order.
#ifndef NEWSGRAPH_BASE_PARALLEL_FOR_H_
#define NEWSGRAPH_BASE_PARALLEL_FOR_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <thread>

#include "base/mutex.h"
#include "base/work_pool.h"

namespace newsgraph {

inline void ParallelFor(WorkPool* pool, size_t helpers, size_t n,
                        const std::function<void(size_t)>& fn) {
  struct Shared {
    std::atomic<size_t> next{0};
    Mutex mu;
    size_t running ABSL_GUARDED_BY(mu) = 0;
  };
  // Shared with the helpers, which may still be unlocking it after the
  // caller saw them finish.
  auto shared = std::make_shared<Shared>();
  auto drain = [&fn, n, shared = shared.get()] {
    for (size_t i = shared->next.fetch_add(1); i < n; i = shared->next.fetch_add(1)) fn(i);
  };
  helpers = pool == nullptr || n < 2 ? 0 : std::min(helpers, n - 1);
  for (size_t h = 0; h < helpers; ++h) {
    {
      MutexLock lock(&shared->mu);
      ++shared->running;
    }
    const bool started = pool->TrySubmit([drain, shared] {
      drain();
      MutexLock lock(&shared->mu);
      --shared->running;
    });
    if (!started) {
      MutexLock lock(&shared->mu);
      --shared->running;
      break;
    }
  }
  drain();
  Shared* const state = shared.get();
  MutexLock lock(&state->mu);
  const auto finished = [state]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu) {
    return state->running == 0;
  };
  state->mu.Await(Condition(&finished));
}

// Threads for ParallelFor loops: `threads` in all, the calling one included
// (0: one per core), the others kept in a pool between loops.
class LoopThreads {
 public:
  explicit LoopThreads(size_t threads)
      : helpers_((threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : threads) - 1),
        pool_(helpers_ > 0 ? std::make_unique<WorkPool>(helpers_, 4 * helpers_) : nullptr) {}

  // ParallelFor(fn) over 0 .. n - 1 on these threads.
  void For(size_t n, const std::function<void(size_t)>& fn) const {
    ParallelFor(pool_.get(), helpers_, n, fn);
  }

 private:
  const size_t helpers_;
  const std::unique_ptr<WorkPool> pool_;
};

}  // namespace newsgraph

#endif  // NEWSGRAPH_BASE_PARALLEL_FOR_H_
