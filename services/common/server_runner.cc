#include "services/common/server_runner.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/common/auth.h"
#include "services/common/log.h"

namespace newsgraph {
namespace {

// Counts server calls in flight: gRPC creates one interceptor per call and
// destroys it when the call is over.
class CallCounter final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo*) override {
    return new Counted(&active_);
  }
  int active() const { return active_.load(); }

 private:
  class Counted final : public grpc::experimental::Interceptor {
   public:
    explicit Counted(std::atomic<int>* active) : active_(active) { active_->fetch_add(1); }
    ~Counted() override { active_->fetch_sub(1); }
    void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
      methods->Proceed();
    }

   private:
    std::atomic<int>* active_;
  };
  std::atomic<int> active_{0};
};

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

int WaitForTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal_number = 0;
  while (sigwait(&set, &signal_number) != 0) {
  }
  return signal_number;
}

}  // namespace

}  // namespace newsgraph

ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain: serve with TLS (with --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for --tls_cert");
ABSL_FLAG(std::string, auth_tokens, "",
          "token file ('TOKEN NAME [read|write]' per line): require bearer tokens (needs TLS)");

namespace newsgraph {

void ApplySecurityFlags(ServerRunnerOptions* options) {
  options->tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options->tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options->auth_tokens_file = absl::GetFlag(FLAGS_auth_tokens);
}

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

absl::Status RunServer(const ServerRunnerOptions& options,
                       const std::vector<ServedService>& services,
                       const std::function<absl::Status(grpc::Server&, int port)>& on_started,
                       const std::function<void()>& on_stopping) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  // The factory is owned by the server; the raw pointer stays valid while it lives.
  auto counter_owner = std::make_unique<CallCounter>();
  CallCounter* call_counter = counter_owner.get();
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::move(counter_owner));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  int port = 0;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    auto read = [](const std::string& path) -> absl::StatusOr<std::string> {
      std::ifstream in(path, std::ios::binary);
      if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
      return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    absl::StatusOr<std::string> cert = read(options.tls_cert_file);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = read(options.tls_key_file);
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(ssl);
  }
  if (!options.auth_tokens_file.empty()) {
    if (options.tls_cert_file.empty()) {
      return absl::InvalidArgumentError(
          "--auth_tokens requires TLS (--tls_cert and --tls_key): tokens must not travel in clear");
    }
    absl::StatusOr<TokenTable> tokens = LoadTokenFile(options.auth_tokens_file);
    if (!tokens.ok()) return tokens.status();
    credentials->SetAuthMetadataProcessor(std::make_shared<TokenAuthProcessor>(*std::move(tokens)));
  }
  builder.AddListeningPort(options.listen_address, credentials, &port);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  // Sync-server polling threads notice shutdown only when their poll times
  // out (10 s by default), which would stall every graceful stop.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::CQ_TIMEOUT_MSEC, 200);
  builder.SetMaxSendMessageSize(options.max_receive_message_bytes);
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
  if (started.ok() && !options.port_file.empty()) {
    started = WritePortFile(options.port_file, port);
  }
  if (!started.ok()) {
    if (on_stopping) on_stopping();
    server->Shutdown(std::chrono::system_clock::now());
    return started;
  }

  const std::string host = options.listen_address.substr(0, options.listen_address.rfind(':'));
  LogInfo(options.process_name, absl::StrCat("serving ", absl::StrJoin(names, ", "), " on ", host,
                                             ":", port, "; data in ", options.data_description));

  const int signal_number = WaitForTerminationSignal();
  LogInfo(options.process_name,
          absl::StrCat("received ", signal_number == SIGINT ? "SIGINT" : "SIGTERM",
                       ": draining in-flight calls"));
  health->Shutdown();
  if (on_stopping) on_stopping();
  // Stop accepting calls and let in-flight ones finish, up to the grace
  // period. Shutdown also waits for clients to close idle connections, so
  // once no call is left those are closed from this side.
  const auto deadline =
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(absl::ToInt64Milliseconds(options.shutdown_grace));
  std::thread shutdown([&] { server->Shutdown(deadline); });
  absl::SleepFor(absl::Milliseconds(50));
  while (call_counter->active() > 0 && std::chrono::system_clock::now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  grpc_server_cancel_all_calls(server->c_server());
  shutdown.join();
  server->Wait();
  LogInfo(options.process_name, "stopped");
  return absl::OkStatus();
}

}  // namespace newsgraph
