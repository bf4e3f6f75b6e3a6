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
  // CANCELLED message.
  StopPoller(std::function<bool()> stop, std::string what)
      : stop_(std::move(stop)), what_(std::move(what)) {}

  // Counts one step; at the first and then every `kInterval` steps asks
  // `stop` and returns CANCELLED once it says so.
  absl::Status Step() {
    if (!stop_ || steps_++ % kInterval != 0 || !stop_()) return absl::OkStatus();
    return absl::CancelledError(
        absl::StrCat(what_, " stopped: the call was cancelled or passed its deadline"));
  }

 private:
  static constexpr uint64_t kInterval = 1024;
  const std::function<bool()> stop_;
  const std::string what_;
  uint64_t steps_ = 0;
};

}  // namespace newsgraph

#endif  // NEWSGRAPH_BASE_STOP_POLLER_H_
