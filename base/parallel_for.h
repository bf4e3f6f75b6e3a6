// ParallelFor: runs fn(0) .. fn(n - 1) on up to `threads` threads (the
// calling thread is one of them) and returns when every call has returned.
// Indexes are handed out in increasing order as threads become free, so
// uneven work balances itself. `fn` must be safe to call concurrently for
// different indexes.
#ifndef NEWSGRAPH_BASE_PARALLEL_FOR_H_
#define NEWSGRAPH_BASE_PARALLEL_FOR_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace newsgraph {

inline void ParallelFor(size_t n, size_t threads, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto drain = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  const size_t helpers = std::min(std::max<size_t>(threads, 1), n) - (n > 0 ? 1 : 0);
  std::vector<std::thread> pool;
  pool.reserve(helpers);
  for (size_t t = 0; t < helpers; ++t) pool.emplace_back(drain);
  drain();
  for (std::thread& thread : pool) thread.join();
}

}  // namespace newsgraph

#endif  // NEWSGRAPH_BASE_PARALLEL_FOR_H_
