// Conversions between absl::Time and google.protobuf.Timestamp, and the clock.
#ifndef NEWSGRAPH_BASE_TIME_UTIL_H_
#define NEWSGRAPH_BASE_TIME_UTIL_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace newsgraph {

// Converts a non-negative `duration` to a Duration (nanosecond precision).
inline google::protobuf::Duration ToDurationProto(absl::Duration duration) {
  google::protobuf::Duration proto;
  proto.set_seconds(absl::ToInt64Seconds(duration));
  proto.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(duration % absl::Seconds(1))));
  return proto;
}

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

// The range google.protobuf.Timestamp documents: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z.
inline constexpr int64_t kMinTimestampSeconds = -62135596800;
inline constexpr int64_t kMaxTimestampSeconds = 253402300799;

// OK when `ts` lies in that range with nanos in [0, 1e9); otherwise
// INVALID_ARGUMENT naming `field` and the value. Every Timestamp a client
// sends is checked with this before it is used in arithmetic.
inline absl::Status ValidateTimestamp(absl::string_view field,
                                      const google::protobuf::Timestamp& ts) {
  if (ts.seconds() < kMinTimestampSeconds || ts.seconds() > kMaxTimestampSeconds ||
      ts.nanos() < 0 || ts.nanos() > 999999999) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": timestamp out of range (seconds ", ts.seconds(), ", nanos ", ts.nanos(),
        "); allowed 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z"));
  }
  return absl::OkStatus();
}

// Current time as a Timestamp.
inline google::protobuf::Timestamp NowTimestamp() { return ToTimestamp(absl::Now()); }

}  // namespace newsgraph

#endif  // NEWSGRAPH_BASE_TIME_UTIL_H_
