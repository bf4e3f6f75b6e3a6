// StopPoller: asks a caller's stop predicate (a cancelled call, a passed
// deadline) every few thousand steps of a loop, so the check costs nothing
// measurable and the loop still ends within milliseconds of the request.
#ifndef NEWSGRAPH_BASE_STOP_POLLER_H_
#define NEWSGRAPH_BASE_STOP_POLLER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace newsgraph {

class StopPoller {
 public:
  // `stop` may be empty (never stops). `what` names the work in the
  // CANCELLED message. `interval`: steps between two questions (fewer for
  // loops whose steps read the store).
  StopPoller(std::function<bool()> stop, std::string what, uint64_t interval = 1024)
      : stop_(std::move(stop)), what_(std::move(what)), interval_(interval) {}

  // Counts one step; at the first and then every `interval` steps asks
  // `stop` and returns CANCELLED once it says so.
  absl::Status Step() {
    if (!stop_ || steps_++ % interval_ != 0 || !stop_()) return absl::OkStatus();
    return absl::CancelledError(
        absl::StrCat(what_, " stopped: the call was cancelled or passed its deadline"));
  }

 private:
  const std::function<bool()> stop_;
  const std::string what_;
  const uint64_t interval_;
  uint64_t steps_ = 0;
};

}  // namespace newsgraph

#endif  // NEWSGRAPH_BASE_STOP_POLLER_H_
