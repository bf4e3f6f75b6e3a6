// newsgraph::Mutex: the subset of absl::Mutex the services use (Lock,
// Unlock, RAII locks, Await on a condition with or without a deadline), built
// on std::mutex and std::condition_variable.
//
// Why not absl::Mutex: Debian's libabsl is not built for ThreadSanitizer, so
// its lock hand-offs are invisible to TSan and every guarded access looks like
// a race. pthread-based locks are intercepted by TSan, so the concurrency
// tests can run under it. Semantics follow absl::Mutex: conditions are
// evaluated with the mutex held and re-checked whenever the mutex is
// released, so a waiter wakes after any locked change of the state it reads.
#ifndef NEWSGRAPH_BASE_MUTEX_H_
#define NEWSGRAPH_BASE_MUTEX_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <shared_mutex>

#include "absl/base/thread_annotations.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace newsgraph {

// A predicate over state guarded by the mutex it is awaited on.
class Condition {
 public:
  // True when *flag is true.
  explicit Condition(const bool* flag) : eval_([flag] { return *flag; }) {}
  // True when (*callable)() returns true; `callable` must outlive the wait.
  template <typename Callable>
  explicit Condition(const Callable* callable) : eval_([callable] { return (*callable)(); }) {}

  bool Eval() const { return eval_(); }

 private:
  std::function<bool()> eval_;
};

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    mu_.unlock();
    changed_.notify_all();
  }

  // Blocks until `condition` holds. The mutex is held on entry and on return.
  void Await(const Condition& condition) ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
    changed_.wait(lock, [&] { return condition.Eval(); });
    lock.release();
  }

  // As Await, giving up at `deadline`; returns whether `condition` holds.
  bool AwaitWithDeadline(const Condition& condition, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    if (deadline == absl::InfiniteFuture()) {
      Await(condition);
      return true;
    }
    std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
    const bool held =
        changed_.wait_until(lock, absl::ToChronoTime(deadline), [&] { return condition.Eval(); });
    lock.release();
    return held;
  }

  bool AwaitWithTimeout(const Condition& condition, absl::Duration timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return AwaitWithDeadline(condition, absl::Now() + timeout);
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
};

// Holds `mu` for the scope.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// A reader-writer lock without conditions, for read-mostly state.
class ABSL_LOCKABLE SharedMutex {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  void ReaderLock() ABSL_SHARED_LOCK_FUNCTION() { mu_.lock_shared(); }
  void ReaderUnlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

class ABSL_SCOPED_LOCKABLE WriterMutexLock {
 public:
  explicit WriterMutexLock(SharedMutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
  }
  ~WriterMutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  SharedMutex* const mu_;
};

class ABSL_SCOPED_LOCKABLE ReaderMutexLock {
 public:
  explicit ReaderMutexLock(SharedMutex* mu) ABSL_SHARED_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->ReaderLock();
  }
  ~ReaderMutexLock() ABSL_UNLOCK_FUNCTION() { mu_->ReaderUnlock(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  SharedMutex* const mu_;
};

}  // namespace newsgraph

#endif  // NEWSGRAPH_BASE_MUTEX_H_
