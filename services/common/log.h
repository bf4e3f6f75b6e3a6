// Minimal line logging to stderr: "2026-11-24T10:00:00.123Z I ingestd: message".
// Thread-safe: each call writes one line with a single write.
#ifndef NEWSGRAPH_SERVICES_COMMON_LOG_H_
#define NEWSGRAPH_SERVICES_COMMON_LOG_H_

#include "absl/strings/string_view.h"

namespace newsgraph {

enum class LogLevel { kInfo, kWarning, kError };

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

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_LOG_H_
