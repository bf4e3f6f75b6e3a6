#include "services/common/server_runner.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/log.h"

namespace newsgraph {
namespace {

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
  int port = 0;
  builder.AddListeningPort(options.listen_address, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
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
  const auto deadline =
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(absl::ToInt64Milliseconds(options.shutdown_grace));
  server->Shutdown(deadline);
  server->Wait();
  LogInfo(options.process_name, "stopped");
  return absl::OkStatus();
}

}  // namespace newsgraph
