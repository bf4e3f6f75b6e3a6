// The time source of code that waits, expires or backs off, so tests can
// move time instead of sleeping.
#ifndef NEWSGRAPH_BASE_CLOCK_H_
#define NEWSGRAPH_BASE_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace newsgraph {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;

  // The system's clock (absl::Now); lives for the whole process.
  static const Clock& Real();
};

namespace internal {
class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};
}  // namespace internal

inline const Clock& Clock::Real() {
  static const internal::RealClock* const real = new internal::RealClock();
  return *real;
}

}  // namespace newsgraph

#endif  // NEWSGRAPH_BASE_CLOCK_H_
