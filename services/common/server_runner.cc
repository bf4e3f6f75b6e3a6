#include "services/common/server_runner.h"

#include <arpa/inet.h>
#include <google/protobuf/descriptor.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "services/common/auth.h"
#include "services/common/call_watchdog.h"
#include "services/common/log.h"

namespace newsgraph {

// True for an IPv4 address in 127.0.0.0/8, the IPv6 loopback ::1 (or
// ::ffff:127.x.y.z) and the name "localhost"; never for other names, even
// ones that start with "127.".
bool IsLoopbackAddress(const std::string& listen_address) {
  std::string host = listen_address.substr(0, listen_address.rfind(':'));
  if (!host.empty() && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path) {
  std::error_code ec;
  // A directory opens as a stream but throws when read.
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path, ": not a regular file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// gRPC takes a port above 65535 modulo 65536 and listens there: refused.
absl::Status CheckListenPort(const std::string& address) {
  if (absl::StartsWith(address, "unix:")) return absl::OkStatus();
  const size_t colon = address.rfind(':');
  uint64_t port = 0;
  if (colon != std::string::npos && absl::SimpleAtoi(address.substr(colon + 1), &port) &&
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address ", address, ": port ", port, " is above 65535"));
  }
  return absl::OkStatus();
}

// Lifts the soft limit on open files to the hard limit: every connection
// costs a descriptor, and gRPC 1.51 stops accepting for good once accept()
// fails for lack of one (CVE-2023-4785).
void RaiseFileDescriptorLimit(const std::string& process_name) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    LogError(process_name, "cannot raise the open-file limit to the hard limit");
  }
}

// Connects to the server's own port and checks that it is served: the
// HTTP/2 preface is answered with SETTINGS (plaintext), or a TLS handshake
// completes. Returns false only when the server could be reached but did not
// answer within `timeout`, or refused the connection; when no descriptor is
// left here the probe cannot tell and returns true.
bool ListenerAnswers(const std::string& host, int port, bool tls, absl::Duration timeout) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  const timeval tv{static_cast<time_t>(absl::ToInt64Seconds(timeout)),
                   static_cast<suseconds_t>(absl::ToInt64Microseconds(timeout) % 1000000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool any = host == "0.0.0.0" || host == "localhost" || host.empty() ||
                   host.find(':') != std::string::npos;
  if (inet_pton(AF_INET, any ? "127.0.0.1" : host.c_str(), &address.sin_addr) != 1) return true;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return errno != ECONNREFUSED && errno != EINPROGRESS && errno != ETIMEDOUT;
  }
  if (tls) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr) return true;
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    static const unsigned char kAlpn[] = {2, 'h', '2'};
    SSL_set_alpn_protos(ssl, kAlpn, sizeof(kAlpn));
    const bool answered = SSL_connect(ssl) == 1;
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return answered;
  }
  static const char kPrefaceAndSettings[] =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";
  if (send(fd, kPrefaceAndSettings, sizeof(kPrefaceAndSettings) - 1, MSG_NOSIGNAL) < 0) {
    return false;
  }
  unsigned char frame[9];
  size_t got = 0;
  while (got < sizeof(frame)) {
    const ssize_t n = recv(fd, frame + got, sizeof(frame) - got, 0);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return frame[3] == 0x04;  // The server's SETTINGS frame.
}

int Millis(absl::Duration d) {
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(d), INT32_MAX));
}

absl::Status WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) return absl::FailedPreconditionError(absl::StrCat("cannot write port file ", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot rename port file to ", path, ": ", ec.message()));
  }
  return absl::OkStatus();
}

// Waits for SIGINT or SIGTERM and returns it; runs `on_hangup` for each
// SIGHUP meanwhile.
int WaitForTerminationSignal(const std::function<void()>& on_hangup) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  while (true) {
    int signal_number = 0;
    if (sigwait(&set, &signal_number) != 0) continue;
    if (signal_number != SIGHUP) return signal_number;
    if (on_hangup) on_hangup();
  }
}

}  // namespace

}  // namespace newsgraph

namespace newsgraph {

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

namespace {

// Tokens never travel in clear, and a non-loopback listener needs TLS and
// tokens unless the operator says they happen in front of this process.
// "/package.Service/Method" of every method of `services` and of the
// health and reflection services every daemon serves.
absl::flat_hash_set<std::string> ServedMethods(const std::vector<ServedService>& services) {
  absl::flat_hash_set<std::string> methods = {
      "/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch",
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"};
  for (const ServedService& served : services) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(served.health_name);
    if (service == nullptr) continue;
    for (int m = 0; m < service->method_count(); ++m) {
      methods.insert(absl::StrCat("/", served.health_name, "/", service->method(m)->name()));
    }
  }
  return methods;
}

absl::Status CheckExposure(const ServerRunnerOptions& options, bool tls) {
  if (!options.auth_tokens_file.empty() && !tls) {
    return absl::FailedPreconditionError(
        "--auth_tokens requires TLS (--tls_cert and --tls_key): tokens must not travel in clear");
  }
  if (!IsLoopbackAddress(options.listen_address) && !options.allow_insecure_remote &&
      (!tls || options.auth_tokens_file.empty())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to listen on ", options.listen_address,
        " without TLS and bearer tokens (--tls_cert, --tls_key, --auth_tokens); pass "
        "--insecure_listen if TLS and authentication happen in front of this process"));
  }
  if (!tls && !options.tls_client_ca_file.empty()) {
    return absl::FailedPreconditionError("--tls_client_ca requires --tls_cert and --tls_key");
  }
  if (!options.metrics_listen.empty() && !IsLoopbackAddress(options.metrics_listen) &&
      !options.allow_insecure_remote) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to serve metrics on ", options.metrics_listen,
        " (plain HTTP, no tokens); pass --insecure_listen if access is controlled in front"));
  }
  return absl::OkStatus();
}

// TLS (with client certificates when a client CA is given) or plaintext,
// with bearer-token checks when a token file is given.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(
    const ServerRunnerOptions& options, bool tls,
    std::shared_ptr<TokenAuthProcessor>* token_processor) {
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (tls) {
    NG_ASSIGN_OR_RETURN(std::string cert, ReadPem(options.tls_cert_file));
    NG_ASSIGN_OR_RETURN(std::string key, ReadPem(options.tls_key_file));
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({key, cert});
    if (!options.tls_client_ca_file.empty()) {
      NG_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPem(options.tls_client_ca_file));
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    credentials = grpc::SslServerCredentials(ssl);
  }
  if (!options.auth_tokens_file.empty()) {
    NG_ASSIGN_OR_RETURN(TokenTable tokens, LoadTokenFile(options.auth_tokens_file));
    *token_processor = std::make_shared<TokenAuthProcessor>(std::move(tokens));
    credentials->SetAuthMetadataProcessor(*token_processor);
  }
  return credentials;
}

// SIGHUP: the token file read again. A file that does not load leaves the
// tokens as they were.
void ReloadTokens(const ServerRunnerOptions& options, TokenAuthProcessor* processor) {
  absl::StatusOr<TokenTable> tokens = LoadTokenFile(options.auth_tokens_file);
  if (!tokens.ok()) {
    LogError(options.process_name,
             absl::StrCat("SIGHUP: kept the tokens in use: ", tokens.status().ToString()));
    return;
  }
  const size_t count = tokens->size();
  processor->Replace(*std::move(tokens));
  LogInfo(options.process_name,
          absl::StrCat("SIGHUP: reloaded ", count, " tokens from ", options.auth_tokens_file));
}

// Message, stream, metadata, connection-age, keepalive and handshake limits.
void ApplyTransportLimits(const ServerRunnerOptions& options, grpc::ServerBuilder* builder) {
  builder->SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder->SetMaxSendMessageSize(options.max_receive_message_bytes);
  // Sync-server polling threads notice shutdown only when their poll times
  // out (10 s by default), which would stall every graceful stop.
  builder->SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::CQ_TIMEOUT_MSEC, 200);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options.max_concurrent_streams);
  builder->AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, options.max_metadata_bytes);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, Millis(options.max_connection_age));
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                              Millis(options.max_connection_age_grace));
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                              Millis(options.max_connection_idle));
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                              Millis(options.min_client_ping_interval));
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60 * 1000);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  builder->AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, 10 * 1000);
}

// Waits for SIGTERM or SIGINT. gRPC 1.51 closes its listening socket for
// good when accept() fails (out of descriptors, CVE-2023-4785); a process
// that can no longer accept calls must not linger, so a watcher that finds
// the listener silent three times in a row stops it too. Returns whether
// that happened.
bool WaitForStop(const ServerRunnerOptions& options, const std::string& host, int port, bool tls,
                 const std::function<void()>& on_hangup) {
  std::atomic<bool> listener_lost{false};
  std::atomic<bool> stopping{false};
  std::thread listener_watch([&] {
    int silent = 0;
    while (!stopping.load()) {
      absl::SleepFor(absl::Seconds(1));
      silent = ListenerAnswers(host, port, tls, absl::Seconds(2)) ? 0 : silent + 1;
      if (silent == 3 && !stopping.load()) {
        listener_lost = true;
        kill(getpid(), SIGTERM);
        return;
      }
    }
  });
  const int signal_number = WaitForTerminationSignal(on_hangup);
  stopping = true;
  listener_watch.join();
  if (listener_lost) {
    LogError(options.process_name,
             absl::StrCat("the listener on ", host, ":", port,
                          " stopped accepting connections (gRPC closes it when accept() fails, "
                          "e.g. with no file descriptor left); stopping so the supervisor "
                          "restarts this process"));
  }
  LogInfo(options.process_name,
          absl::StrCat("received ", signal_number == SIGINT ? "SIGINT" : "SIGTERM",
                       ": draining in-flight calls"));
  return listener_lost;
}

// Stops accepting calls and lets in-flight ones finish, up to the grace
// period; then cancels the rest. Shutdown also waits for clients to close
// idle connections, so once no call is left those are closed from this side.
void Drain(const ServerRunnerOptions& options, const CallTracker& calls, grpc::Server* server) {
  const auto deadline =
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(absl::ToInt64Milliseconds(options.shutdown_grace));
  std::thread shutdown([&] { server->Shutdown(deadline); });
  absl::SleepFor(absl::Milliseconds(50));
  while (calls.active() > 0 && std::chrono::system_clock::now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  grpc_server_cancel_all_calls(server->c_server());
  shutdown.join();
  server->Wait();
}

}  // namespace

absl::Status RunServer(const ServerRunnerOptions& options,
                       const std::vector<ServedService>& services,
                       const std::function<absl::Status(grpc::Server&, int port)>& on_started,
                       const std::function<void()>& on_stopping) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  const bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  NG_RETURN_IF_ERROR(CheckExposure(options, tls));
  RaiseFileDescriptorLimit(options.process_name);
  std::shared_ptr<TokenAuthProcessor> token_processor;
  NG_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                      MakeCredentials(options, tls, &token_processor));

  std::unique_ptr<ServerMetrics> metrics;
  if (!options.metrics_listen.empty()) {
    NG_ASSIGN_OR_RETURN(metrics,
                        ServerMetrics::Start(options.metrics_listen, ServedMethods(services)));
    for (const ServedService& s : services) {
      if (s.metrics) metrics->AddSource(s.metrics);
    }
  }
  grpc::ServerBuilder builder;
  // The factory is owned by the server; the raw pointer stays valid while it lives.
  auto tracker_owner = std::make_unique<CallTracker>(
      options.default_deadline, options.max_metadata_bytes, metrics.get(),
      CallLogOptions{.access_log = options.access_log, .slow_call = options.slow_call_threshold},
      options.process_name);
  const CallTracker* call_tracker = tracker_owner.get();
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::move(tracker_owner));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  NG_RETURN_IF_ERROR(CheckListenPort(options.listen_address));
  int port = 0;
  builder.AddListeningPort(options.listen_address, credentials, &port);
  ApplyTransportLimits(options, &builder);
  grpc::ResourceQuota quota("newsgraph-server");
  quota.Resize(static_cast<size_t>(options.memory_quota_bytes));
  quota.SetMaxThreads(options.max_threads);
  builder.SetResourceQuota(quota);
  std::vector<std::string> names;
  for (const ServedService& s : services) {
    builder.RegisterService(s.service);
    names.push_back(s.health_name);
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address, " (address in use or invalid)"));
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  for (const std::string& name : names) health->SetServingStatus(name, true);
  health->SetServingStatus("", true);

  absl::Status started = on_started ? on_started(*server, port) : absl::OkStatus();
  if (started.ok() && !options.port_file.empty()) started = WritePortFile(options.port_file, port);
  if (!started.ok()) {
    if (on_stopping) on_stopping();
    server->Shutdown(std::chrono::system_clock::now());
    return started;
  }
  const std::string host = options.listen_address.substr(0, options.listen_address.rfind(':'));
  LogInfo(options.process_name, absl::StrCat("serving ", absl::StrJoin(names, ", "), " on ", host,
                                             ":", port, "; data in ", options.data_description,
                                             metrics == nullptr ? "" : "; metrics on port ",
                                             metrics == nullptr ? "" : absl::StrCat(metrics->port())));
  const bool listener_lost = WaitForStop(options, host, port, tls, [&] {
    if (token_processor != nullptr) ReloadTokens(options, token_processor.get());
  });
  health->Shutdown();
  if (on_stopping) on_stopping();
  Drain(options, *call_tracker, server.get());
  LogInfo(options.process_name, "stopped");
  if (listener_lost) {
    return absl::UnavailableError("stopped because the listening socket was lost");
  }
  return absl::OkStatus();
}

}  // namespace newsgraph
