// An in-process gRPC server for tests that need the ServerContext of a real
// call (cancellation, deadlines, interceptors): grpc.health.v1.Health/Check
// runs a function the test supplies. Link newsgraph_probe_protos.
#ifndef NEWSGRAPH_TESTS_TESTING_HOOK_SERVER_H_
#define NEWSGRAPH_TESTS_TESTING_HOOK_SERVER_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "health.grpc.pb.h"

namespace newsgraph::testing {

class HookServer {
 public:
  // Runs in the server's thread for each call; its status is the call's.
  using Hook = std::function<grpc::Status(grpc::ServerContext*)>;
  using Interceptors =
      std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>;

  // Listens on a free loopback port; `interceptors` wrap every call.
  explicit HookServer(Interceptors interceptors = {}) : service_(this) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    if (!interceptors.empty()) {
      builder.experimental().SetInterceptorCreators(std::move(interceptors));
    }
    server_ = builder.BuildAndStart();
    if (server_ == nullptr) return;
    stub_ = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port_), grpc::InsecureChannelCredentials()));
  }
  ~HookServer() {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  }
  HookServer(const HookServer&) = delete;
  HookServer& operator=(const HookServer&) = delete;

  bool started() const { return server_ != nullptr; }

  void set_hook(Hook hook) {
    std::lock_guard<std::mutex> lock(mu_);
    hook_ = std::move(hook);
  }

  // Calls Check with `context`. Returns the call's status once the handler,
  // if it started, has returned too (a cancelled call can end for the
  // client while its handler still runs).
  grpc::Status Call(grpc::ClientContext* context) {
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    const grpc::Status status = stub_->Check(context, request, &response);
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return running_ == 0; });
    return status;
  }

  // Polls `context` until it reports cancelled or `timeout` passes; returns
  // whether it did.
  static bool WaitUntilCancelled(const grpc::ServerContext* context, absl::Duration timeout) {
    const absl::Time give_up = absl::Now() + timeout;
    while (!context->IsCancelled()) {
      if (absl::Now() > give_up) return false;
      absl::SleepFor(absl::Milliseconds(1));
    }
    return true;
  }

 private:
  class Service final : public grpc::health::v1::Health::Service {
   public:
    explicit Service(HookServer* owner) : owner_(owner) {}
    grpc::Status Check(grpc::ServerContext* context, const grpc::health::v1::HealthCheckRequest*,
                       grpc::health::v1::HealthCheckResponse*) override {
      return owner_->Run(context);
    }

   private:
    HookServer* const owner_;
  };

  grpc::Status Run(grpc::ServerContext* context) {
    Hook hook;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++running_;
      hook = hook_;
    }
    const grpc::Status status = hook ? hook(context) : grpc::Status::OK;
    {
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
    }
    idle_.notify_all();
    return status;
  }

  Service service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::health::v1::Health::Stub> stub_;
  std::mutex mu_;
  std::condition_variable idle_;
  Hook hook_;
  int running_ = 0;
};

}  // namespace newsgraph::testing

#endif  // NEWSGRAPH_TESTS_TESTING_HOOK_SERVER_H_
