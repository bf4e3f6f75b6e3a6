// Line logging to stderr, one line per call with a single write (lines of
// concurrent threads never interleave). Text by default:
//   2026-11-24T10:00:00.123Z I ingestd: message [request=4bf92f35...]
// or one JSON object per line (ConfigureLog): time, level, service,
// component, request_id, message, and for call records method, code,
// duration_ms, peer and request. The request id is the calling thread's
// (ScopedRequestId), set by the server for the duration of each call.
#ifndef NEWSGRAPH_SERVICES_COMMON_LOG_H_
#define NEWSGRAPH_SERVICES_COMMON_LOG_H_

#include <string>

#include "absl/strings/string_view.h"

namespace newsgraph {

enum class LogLevel { kInfo, kWarning, kError };
enum class LogFormat { kText, kJson };

struct LogOptions {
  LogFormat format = LogFormat::kText;
  // The "service" of JSON lines, e.g. "newsgraphd". Empty: left out.
  std::string service;
};

// Sets the format for every later line. Call once at start-up, before
// other threads log.
void ConfigureLog(const LogOptions& options);

// Writes one line. `component` names the process or subsystem.
void Log(LogLevel level, absl::string_view component, absl::string_view message);

inline void LogInfo(absl::string_view component, absl::string_view message) {
  Log(LogLevel::kInfo, component, message);
}
inline void LogWarning(absl::string_view component, absl::string_view message) {
  Log(LogLevel::kWarning, component, message);
}
inline void LogError(absl::string_view component, absl::string_view message) {
  Log(LogLevel::kError, component, message);
}

// A finished call, for the access and slow-call logs.
struct CallRecord {
  std::string method;
  std::string code;  // "OK", "NOT_FOUND", ...
  double duration_ms = 0;
  std::string request_id;
  std::string peer;
  // A rendering of the request (slow calls); may be empty.
  std::string request;
};

// Writes `record` as one line at `level` (text: "<method> <code> <ms> ms
// request=<id> peer=<peer> <request>").
void LogCall(LogLevel level, absl::string_view component, absl::string_view message,
             const CallRecord& record);

// The request id lines of the calling thread carry; empty outside a call.
const std::string& CurrentRequestId();

// Sets the calling thread's request id (the server's call interceptor,
// whose hooks run on the handler's thread before and after it).
void SetThreadRequestId(std::string request_id);

// Sets the calling thread's request id until destroyed (then the previous
// one is back). Not movable.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string request_id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};

// `text` as a JSON string literal, quotes included: control characters and
// invalid UTF-8 escaped (the latter as U+FFFD), so that any bytes give valid
// JSON.
std::string JsonQuote(absl::string_view text);

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_LOG_H_
