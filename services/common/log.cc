#include "services/common/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace newsgraph {
namespace {

std::atomic<bool> json_format{false};
// Set once by ConfigureLog before other threads log; read-only afterwards.
std::string* service_name = new std::string();
thread_local std::string current_request_id;

const char* LevelTag(LogLevel level) {
  return level == LogLevel::kInfo ? "I" : level == LogLevel::kWarning ? "W" : "E";
}
const char* LevelName(LogLevel level) {
  return level == LogLevel::kInfo ? "INFO" : level == LogLevel::kWarning ? "WARNING" : "ERROR";
}

std::string Now() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
}

void WriteLine(std::string line) {
  line.push_back('\n');
  // One write(2) per line so concurrent lines do not interleave.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

// The length of the valid UTF-8 sequence at text[i], 0 when invalid.
size_t Utf8SequenceLength(absl::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t length = lead < 0xC2 ? 0 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF5 ? 4 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  // Overlong three- and four-byte forms, surrogates, and beyond U+10FFFF.
  const unsigned char second = byte(i + 1);
  if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second >= 0xA0) ||
      (lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second >= 0x90)) {
    return 0;
  }
  return length;
}

// The start of a JSON object with the fields every line has.
std::string JsonHead(LogLevel level, absl::string_view component) {
  std::string line = absl::StrCat("{\"time\":\"", Now(), "\",\"level\":\"", LevelName(level), "\"");
  if (!service_name->empty()) absl::StrAppend(&line, ",\"service\":", JsonQuote(*service_name));
  absl::StrAppend(&line, ",\"component\":", JsonQuote(component));
  return line;
}

}  // namespace

void ConfigureLog(const LogOptions& options) {
  json_format.store(options.format == LogFormat::kJson);
  *service_name = options.service;
}

std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t length = Utf8SequenceLength(text, i);
      if (length == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.data() + i, length);
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out += "\"";
  return out;
}

void Log(LogLevel level, absl::string_view component, absl::string_view message) {
  const std::string& request_id = current_request_id;
  if (json_format.load(std::memory_order_relaxed)) {
    std::string line = JsonHead(level, component);
    if (!request_id.empty()) absl::StrAppend(&line, ",\"request_id\":", JsonQuote(request_id));
    absl::StrAppend(&line, ",\"message\":", JsonQuote(message), "}");
    WriteLine(std::move(line));
    return;
  }
  WriteLine(absl::StrCat(Now(), " ", LevelTag(level), " ", component, ": ", message,
                         request_id.empty() ? "" : " [request=", request_id,
                         request_id.empty() ? "" : "]"));
}

void LogCall(LogLevel level, absl::string_view component, absl::string_view message,
             const CallRecord& record) {
  if (json_format.load(std::memory_order_relaxed)) {
    std::string line = JsonHead(level, component);
    if (!record.request_id.empty()) {
      absl::StrAppend(&line, ",\"request_id\":", JsonQuote(record.request_id));
    }
    absl::StrAppend(&line, ",\"method\":", JsonQuote(record.method),
                    ",\"code\":", JsonQuote(record.code),
                    ",\"duration_ms\":", absl::StrFormat("%.3f", record.duration_ms));
    if (!record.peer.empty()) absl::StrAppend(&line, ",\"peer\":", JsonQuote(record.peer));
    if (!record.request.empty()) absl::StrAppend(&line, ",\"request\":", JsonQuote(record.request));
    absl::StrAppend(&line, ",\"message\":", JsonQuote(message), "}");
    WriteLine(std::move(line));
    return;
  }
  std::string line =
      absl::StrCat(Now(), " ", LevelTag(level), " ", component, ": ", message, " ", record.method,
                   " ", record.code, " ", absl::StrFormat("%.3f", record.duration_ms), " ms");
  if (!record.request_id.empty()) absl::StrAppend(&line, " request=", record.request_id);
  if (!record.peer.empty()) absl::StrAppend(&line, " peer=", record.peer);
  if (!record.request.empty()) absl::StrAppend(&line, " ", record.request);
  WriteLine(std::move(line));
}

const std::string& CurrentRequestId() { return current_request_id; }

void SetThreadRequestId(std::string request_id) { current_request_id = std::move(request_id); }

ScopedRequestId::ScopedRequestId(std::string request_id)
    : previous_(std::exchange(current_request_id, std::move(request_id))) {}

ScopedRequestId::~ScopedRequestId() { current_request_id = std::move(previous_); }

}  // namespace newsgraph
