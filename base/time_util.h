// Conversions between absl::Time and google.protobuf.Timestamp, and the clock.
#ifndef NEWSGRAPH_BASE_TIME_UTIL_H_
#define NEWSGRAPH_BASE_TIME_UTIL_H_

#include <cstdint>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace newsgraph {

// Converts `time` to a Timestamp (nanosecond precision, floor).
inline google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp ts;
  const int64_t nanos = absl::ToUnixNanos(time);
  int64_t seconds = nanos / 1000000000;
  int64_t rem = nanos % 1000000000;
  if (rem < 0) {
    rem += 1000000000;
    --seconds;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(rem));
  return ts;
}

// Converts a Timestamp to absl::Time.
inline absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// Current time as a Timestamp.
inline google::protobuf::Timestamp NowTimestamp() { return ToTimestamp(absl::Now()); }

}  // namespace newsgraph

#endif  // NEWSGRAPH_BASE_TIME_UTIL_H_
