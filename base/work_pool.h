// WorkPool: a fixed set of threads running queued closures in FIFO order.
// For work that may block (a call to another service) and therefore must not
// run on the threads that drive gRPC's callback API.
#ifndef NEWSGRAPH_BASE_WORK_POOL_H_
#define NEWSGRAPH_BASE_WORK_POOL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "base/mutex.h"

namespace newsgraph {

// Thread-safe.
class WorkPool {
 public:
  // `threads` >= 1 workers; at most `max_queued` closures wait for one.
  WorkPool(size_t threads, size_t max_queued);
  // Runs every closure already queued, then joins the workers.
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `work`; false (and `work` dropped unrun) when `max_queued`
  // closures are already waiting.
  bool TrySubmit(std::function<void()> work);

 private:
  void Work();

  const size_t max_queued_;
  Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace newsgraph

#endif  // NEWSGRAPH_BASE_WORK_POOL_H_
