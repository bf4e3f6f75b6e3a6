// Server flags (daemon_flags.h).
#include <algorithm>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/daemon_flags.h"
#include "services/common/log.h"

ABSL_FLAG(std::string, listen, "",
          "host:port to serve on (port 0: any free port); empty: the daemon's usual address "
          "(newsgraphd 127.0.0.1:7700, ingestd :7701, entityd :7702, searchd :7703)");
ABSL_FLAG(std::string, port_file, "", "write the bound port to this file once serving");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain: serve with TLS (with --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle: require client certificates signed by it (mutual TLS)");
ABSL_FLAG(std::string, auth_tokens, "",
          "token file ('sha256:DIGEST NAME SCOPES' per line): require bearer tokens (needs TLS)");
ABSL_FLAG(
    bool, insecure_listen, false,
    "allow a non-loopback --listen address without TLS and tokens (TLS terminated elsewhere)");
ABSL_FLAG(absl::Duration, default_deadline, absl::Minutes(2),
          "cancel unary calls that set no deadline after this long (0 disables)");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port to serve Prometheus metrics on (GET /metrics, plain HTTP); empty: off. "
          "A non-loopback address needs --insecure_listen");
ABSL_FLAG(std::string, log_format, "text",
          "log line format: text, or json (one object per line: time, level, service, component, "
          "request_id, message; calls add method, code, duration_ms, peer)");
ABSL_FLAG(bool, access_log, false, "log one line per finished call");
ABSL_FLAG(absl::Duration, slow_call, absl::Seconds(1),
          "log calls that take at least this long, with their request (0 disables)");
ABSL_FLAG(int, max_threads, 128, "threads serving calls; more calls get RESOURCE_EXHAUSTED");
ABSL_FLAG(absl::Duration, max_connection_age, absl::Hours(1),
          "close connections this old (GOAWAY, then 10 min for calls in flight)");

namespace newsgraph {

void ParseDaemonFlags(int argc, char** argv, const char* usage) {
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "daemon_flags");
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(usage);
  absl::ParseCommandLine(argc, argv);
}

int DaemonMain(int argc, char** argv, const char* process_name, const char* usage,
               const std::function<absl::Status()>& run) {
  BlockTerminationSignals();
  // Debian's Abseil is built with lock-order (deadlock) detection on: every
  // Mutex acquisition updates a global graph. A debugging aid the tests keep;
  // a serving daemon does without it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  ParseDaemonFlags(argc, argv, usage);
  const std::string format = absl::GetFlag(FLAGS_log_format);
  if (format != "text" && format != "json") {
    LogError(process_name, absl::StrCat("--log_format must be text or json, got '", format, "'"));
    return 1;
  }
  ConfigureLog(
      {.format = format == "json" ? LogFormat::kJson : LogFormat::kText, .service = process_name});
  const absl::Status status = run();
  if (status.ok()) return 0;
  LogError(process_name, status.ToString());
  return 1;
}

ServerRunnerOptions ServerOptionsFromFlags(const std::string& process_name,
                                           const std::string& default_listen) {
  ServerRunnerOptions options;
  options.process_name = process_name;
  const std::string listen = absl::GetFlag(FLAGS_listen);
  options.listen_address = listen.empty() ? default_listen : listen;
  options.port_file = absl::GetFlag(FLAGS_port_file);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.auth_tokens_file = absl::GetFlag(FLAGS_auth_tokens);
  options.allow_insecure_remote = absl::GetFlag(FLAGS_insecure_listen);
  options.default_deadline = absl::GetFlag(FLAGS_default_deadline);
  options.max_threads = absl::GetFlag(FLAGS_max_threads);
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.access_log = absl::GetFlag(FLAGS_access_log);
  options.slow_call_threshold = std::max(absl::GetFlag(FLAGS_slow_call), absl::ZeroDuration());
  options.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  options.max_connection_age_grace =
      std::min(options.max_connection_age_grace, options.max_connection_age);
  return options;
}

}  // namespace newsgraph
