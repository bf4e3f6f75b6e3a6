// A Clock that moves only when a test moves it.
#ifndef NEWSGRAPH_TESTS_TESTING_FAKE_CLOCK_H_
#define NEWSGRAPH_TESTS_TESTING_FAKE_CLOCK_H_

#include <atomic>

#include "absl/time/time.h"
#include "base/clock.h"

namespace newsgraph::testing {

// Thread-safe. Starts at 2026-01-01T00:00:00Z.
class FakeClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::FromUnixNanos(nanos_.load()); }
  void Advance(absl::Duration by) { nanos_.fetch_add(absl::ToInt64Nanoseconds(by)); }

 private:
  std::atomic<int64_t> nanos_{absl::ToUnixNanos(absl::FromUnixSeconds(1767225600))};
};

}  // namespace newsgraph::testing

#endif  // NEWSGRAPH_TESTS_TESTING_FAKE_CLOCK_H_
