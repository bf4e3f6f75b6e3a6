// RunServer and its helpers, in process: the checks made before anything
// listens, start-up failures, what a started server offers (port file,
// health, message limit) and the stop on SIGTERM (drain, grace). Reflection
// is checked by the end-to-end tests: the probe's reflection descriptors
// clash with those of gRPC's reflection library linked here.
//
// As in the daemons, SIGINT and SIGTERM are blocked in every thread of this
// test from before main(), so a test stops RunServer by sending SIGTERM to
// its own process; it does so only once RunServer is serving, so no signal
// is left pending for the next test.
#include "services/common/server_runner.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/mutex.h"
#include "health.grpc.pb.h"
#include "newsgraph/v1/entity_service.grpc.pb.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::StatusIs;
using ::testing::HasSubstr;

const bool kTerminationSignalsBlocked = [] {
  BlockTerminationSignals();
  return true;
}();

constexpr char kEntityHealthName[] = "newsgraph.v1.EntityService";

// AnnotateDocument answers with one entity named after the document; when
// holding, it waits (up to 20 s) for Release or the call's cancellation.
class HoldingEntityService final : public newsgraph::v1::EntityService::Service {
 public:
  grpc::Status AnnotateDocument(grpc::ServerContext* context,
                                const newsgraph::v1::AnnotateDocumentRequest* request,
                                newsgraph::v1::AnnotateDocumentResponse* response) override {
    bool hold = false;
    {
      newsgraph::MutexLock lock(&mu_);
      ++entered_;
      hold = hold_;
    }
    if (hold) {
      const absl::Time give_up = absl::Now() + absl::Seconds(20);
      while (absl::Now() < give_up) {
        if (context->IsCancelled()) {
          newsgraph::MutexLock lock(&mu_);
          saw_cancellation_ = true;
          return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled while held");
        }
        {
          newsgraph::MutexLock lock(&mu_);
          if (released_) break;
        }
        absl::SleepFor(absl::Milliseconds(2));
      }
    }
    response->add_entities()->set_entity("entities/for-" + request->document());
    return grpc::Status::OK;
  }

  void Hold() {
    newsgraph::MutexLock lock(&mu_);
    hold_ = true;
  }
  void Release() {
    newsgraph::MutexLock lock(&mu_);
    released_ = true;
  }
  int entered() {
    newsgraph::MutexLock lock(&mu_);
    return entered_;
  }
  bool saw_cancellation() {
    newsgraph::MutexLock lock(&mu_);
    return saw_cancellation_;
  }

 private:
  newsgraph::Mutex mu_;
  bool hold_ = false;
  bool released_ = false;
  bool saw_cancellation_ = false;
  int entered_ = 0;
};

template <typename Predicate>
bool WaitUntil(Predicate done, absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time give_up = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// RunServer on a thread of its own, with hooks that record what they saw.
class RunningServer {
 public:
  RunningServer(ServerRunnerOptions options, grpc::Service* service) {
    std::vector<ServedService> services = {{service, kEntityHealthName}};
    thread_ = std::thread([this, options, services] {
      absl::Status status = RunServer(
          options, services,
          [this](grpc::Server&, int port) {
            newsgraph::MutexLock lock(&mu_);
            port_ = port;
            return absl::OkStatus();
          },
          [this] {
            newsgraph::MutexLock lock(&mu_);
            ++stopping_calls_;
          });
      newsgraph::MutexLock lock(&mu_);
      status_ = status;
      done_ = true;
    });
  }
  ~RunningServer() {
    if (thread_.joinable()) Stop();
  }

  // The port once on_started ran, 0 when RunServer ended without starting.
  int WaitForPort() {
    WaitUntil([&] {
      newsgraph::MutexLock lock(&mu_);
      return port_ != 0 || done_;
    });
    newsgraph::MutexLock lock(&mu_);
    return port_;
  }
  // Sends SIGTERM (only to a server that started and still runs) and
  // returns RunServer's status.
  absl::Status Stop() {
    if (WaitForPort() != 0 && !done()) kill(getpid(), SIGTERM);
    thread_.join();
    newsgraph::MutexLock lock(&mu_);
    return status_;
  }
  int stopping_calls() {
    newsgraph::MutexLock lock(&mu_);
    return stopping_calls_;
  }
  bool done() {
    newsgraph::MutexLock lock(&mu_);
    return done_;
  }

 private:
  newsgraph::Mutex mu_;
  int port_ = 0;
  int stopping_calls_ = 0;
  bool done_ = false;
  absl::Status status_;
  std::thread thread_;
};

std::shared_ptr<grpc::Channel> ChannelTo(int port) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
}

std::chrono::system_clock::time_point In(absl::Duration d) {
  return std::chrono::system_clock::now() + absl::ToChronoMilliseconds(d);
}

grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                         grpc::health::v1::HealthCheckResponse* response) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  return stub->Check(&context, request, response);
}

grpc::Status Annotate(const std::shared_ptr<grpc::Channel>& channel, const std::string& text,
                      newsgraph::v1::AnnotateDocumentResponse* response) {
  auto stub = newsgraph::v1::EntityService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(30)));
  newsgraph::v1::AnnotateDocumentRequest request;
  request.set_document("documents/1");
  request.set_version(1);
  request.set_text(text);
  return stub->AnnotateDocument(&context, request, response);
}

ServerRunnerOptions LocalOptions() {
  ServerRunnerOptions options;
  options.process_name = "server_runner_test";
  options.listen_address = "127.0.0.1:0";
  options.shutdown_grace = absl::Seconds(10);
  return options;
}

// --- IsLoopbackAddress ---

TEST(IsLoopbackAddressTest, LoopbackAddressesAndNames) {
  for (const char* address :
       {"127.0.0.1:7700", "127.0.0.1:0", "127.1.2.3:80", "127.255.255.255:1", "localhost:7700",
        "[::1]:7700", "[::ffff:127.0.0.1]:7700", "[::ffff:127.9.9.9]:1"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
}

TEST(IsLoopbackAddressTest, EverythingElseIsNot) {
  for (const char* address :
       {"0.0.0.0:7700", "10.0.0.1:7700", "128.0.0.1:7700", "126.255.255.255:1", "[::]:7700",
        "[::2]:7700", "[::ffff:10.0.0.1]:7700", "127.example.com:7700", "localhost.example:7700",
        "my-host:7700", ":7700", ""}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

// --- Checks before listening ---

struct ExposureCase {
  std::string listen_address;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  std::string auth_tokens_file;
  std::string expected_message;
};

TEST(RunServerTest, RefusesToStartExposedOrWithTokensInClear) {
  const std::vector<ExposureCase> cases = {
      {"0.0.0.0:0", "", "", "", "", "refusing to listen on 0.0.0.0:0"},
      {"10.1.2.3:0", "/no/cert.pem", "/no/key.pem", "", "", "refusing to listen on 10.1.2.3:0"},
      {"[::]:0", "", "", "", "/no/tokens", "--auth_tokens requires TLS"},
      {"127.0.0.1:0", "", "", "", "/no/tokens", "--auth_tokens requires TLS"},
      {"127.0.0.1:0", "", "", "/no/ca.pem", "", "--tls_client_ca requires"},
  };
  HoldingEntityService service;
  for (const ExposureCase& c : cases) {
    SCOPED_TRACE(c.listen_address + " " + c.expected_message);
    ServerRunnerOptions options = LocalOptions();
    options.listen_address = c.listen_address;
    options.tls_cert_file = c.tls_cert_file;
    options.tls_key_file = c.tls_key_file;
    options.tls_client_ca_file = c.tls_client_ca_file;
    options.auth_tokens_file = c.auth_tokens_file;
    bool started = false;
    const absl::Status status = RunServer(
        options, {{&service, kEntityHealthName}},
        [&](grpc::Server&, int) {
          started = true;
          return absl::OkStatus();
        },
        [] {});
    EXPECT_THAT(status,
                StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(c.expected_message)));
    EXPECT_FALSE(started);
  }
}

TEST(RunServerTest, UnreadableTlsFilesFailTheStart) {
  ::newsgraph::testing::TempDir dir;
  ServerRunnerOptions options = LocalOptions();
  options.tls_cert_file = dir.Sub("missing-cert.pem");
  options.tls_key_file = dir.Sub("missing-key.pem");
  HoldingEntityService service;
  EXPECT_THAT(RunServer(options, {{&service, kEntityHealthName}}, nullptr, nullptr),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing-cert.pem")));
}

// A directory given as the certificate is a start-up error like a missing
// file.
TEST(RunServerTest, ADirectoryAsTheCertificateFailsTheStart) {
  ::newsgraph::testing::TempDir dir;
  ServerRunnerOptions options = LocalOptions();
  options.tls_cert_file = dir.path();
  options.tls_key_file = dir.path();
  HoldingEntityService service;
  absl::Status status;
  try {
    status = RunServer(options, {{&service, kEntityHealthName}}, nullptr, nullptr);
  } catch (const std::exception& e) {
    FAIL() << "RunServer threw: " << e.what();
  }
  EXPECT_FALSE(status.ok());
}

TEST(RunServerTest, AnAddressInUseIsUnavailable) {
  HoldingEntityService service;
  ServerRunnerOptions options = LocalOptions();
  // A port held by another socket (without SO_REUSEPORT, so gRPC cannot share it).
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  options.listen_address = absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
  EXPECT_THAT(RunServer(options, {{&service, kEntityHealthName}}, nullptr, nullptr),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("cannot listen on " + options.listen_address)));
  close(fd);
}

// A port number past 65535 is not a port: the start should fail rather than
// listen somewhere else.
TEST(RunServerTest, AnOutOfRangePortIsRefused) {
  HoldingEntityService service;
  ServerRunnerOptions options = LocalOptions();
  options.listen_address = "127.0.0.1:99999";
  RunningServer server(options, &service);
  const int port = server.WaitForPort();
  EXPECT_EQ(port, 0) << "listening on port " << port;
  EXPECT_THAT(server.Stop(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("99999")));
}

// A failing on_started stops the server at once: its status is returned,
// on_stopping runs, and no port file is written.
TEST(RunServerTest, AFailingOnStartedShutsDownWithItsStatus) {
  ::newsgraph::testing::TempDir dir;
  ServerRunnerOptions options = LocalOptions();
  options.port_file = dir.Sub("port");
  HoldingEntityService service;
  int seen_port = 0;
  int stopping = 0;
  const absl::Status status = RunServer(
      options, {{&service, kEntityHealthName}},
      [&](grpc::Server&, int port) {
        seen_port = port;
        return absl::InternalError("the model could not be loaded");
      },
      [&] { ++stopping; });
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kInternal, HasSubstr("model could not be loaded")));
  EXPECT_GT(seen_port, 0);
  EXPECT_EQ(stopping, 1);
  EXPECT_FALSE(std::filesystem::exists(options.port_file));
}

TEST(RunServerTest, AnUnwritablePortFileFailsTheStart) {
  ::newsgraph::testing::TempDir dir;
  ServerRunnerOptions options = LocalOptions();
  options.port_file = dir.Sub("no-such-dir/port");
  HoldingEntityService service;
  int stopping = 0;
  EXPECT_THAT(RunServer(options, {{&service, kEntityHealthName}}, nullptr, [&] { ++stopping; }),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("port file")));
  EXPECT_EQ(stopping, 1);
}

// --- A running server ---

TEST(RunServerTest, ServesHealthAndItsServicesUntilSigterm) {
  ::newsgraph::testing::TempDir dir;
  ServerRunnerOptions options = LocalOptions();
  options.port_file = dir.Sub("port");
  HoldingEntityService service;
  RunningServer server(options, &service);
  const int port = server.WaitForPort();
  ASSERT_GT(port, 0);
  ASSERT_TRUE(WaitUntil([&] { return std::filesystem::exists(options.port_file); }));
  EXPECT_EQ(ReadFile(options.port_file), absl::StrCat(port, "\n"));
  EXPECT_FALSE(std::filesystem::exists(options.port_file + ".tmp"));

  const std::shared_ptr<grpc::Channel> channel = ChannelTo(port);
  grpc::health::v1::HealthCheckResponse health;
  ASSERT_TRUE(CheckHealth(channel, "", &health).ok());
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  ASSERT_TRUE(CheckHealth(channel, kEntityHealthName, &health).ok());
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(CheckHealth(channel, "newsgraph.v1.NoSuchService", &health).error_code(),
            grpc::StatusCode::NOT_FOUND);

  newsgraph::v1::AnnotateDocumentResponse response;
  ASSERT_TRUE(Annotate(channel, "Some text.", &response).ok());
  ASSERT_EQ(response.entities_size(), 1);
  EXPECT_EQ(response.entities(0).entity(), "entities/for-documents/1");

  EXPECT_EQ(server.stopping_calls(), 0);
  NG_EXPECT_OK(server.Stop());
  EXPECT_EQ(server.stopping_calls(), 1);
  EXPECT_FALSE(CheckHealth(ChannelTo(port), "", &health).ok()) << "still answering after stop";
}

TEST(RunServerTest, RequestsOverTheMessageLimitAreRefused) {
  ServerRunnerOptions options = LocalOptions();
  options.max_receive_message_bytes = 4096;
  HoldingEntityService service;
  RunningServer server(options, &service);
  const int port = server.WaitForPort();
  ASSERT_GT(port, 0);
  const std::shared_ptr<grpc::Channel> channel = ChannelTo(port);
  newsgraph::v1::AnnotateDocumentResponse response;
  EXPECT_TRUE(Annotate(channel, std::string(1000, 'a'), &response).ok());
  EXPECT_EQ(Annotate(channel, std::string(8000, 'a'), &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(service.entered(), 1);
  NG_EXPECT_OK(server.Stop());
}

// On SIGTERM, on_stopping runs while calls are still in flight, and a call
// that finishes within the grace period completes normally.
TEST(RunServerTest, StopDrainsACallInFlight) {
  ServerRunnerOptions options = LocalOptions();
  HoldingEntityService service;
  service.Hold();
  RunningServer server(options, &service);
  const int port = server.WaitForPort();
  ASSERT_GT(port, 0);
  grpc::Status call_status;
  newsgraph::v1::AnnotateDocumentResponse response;
  std::thread call([&] { call_status = Annotate(ChannelTo(port), "Held text.", &response); });
  if (!WaitUntil([&] { return service.entered() == 1; })) {
    service.Release();
    call.join();
    FAIL() << "the call never reached the handler";
  }
  kill(getpid(), SIGTERM);
  EXPECT_TRUE(WaitUntil([&] { return server.stopping_calls() == 1; }));
  EXPECT_FALSE(server.done());
  service.Release();
  call.join();
  EXPECT_TRUE(call_status.ok()) << call_status.error_message();
  ASSERT_EQ(response.entities_size(), 1);
  ASSERT_TRUE(WaitUntil([&] { return server.done(); }));
  NG_EXPECT_OK(server.Stop());  // joins; no second signal for a finished server
  EXPECT_FALSE(service.saw_cancellation());
}

// A call still running when the grace period ends is cancelled, and the
// server stops.
TEST(RunServerTest, StopCancelsCallsThatOutliveTheGracePeriod) {
  ServerRunnerOptions options = LocalOptions();
  options.shutdown_grace = absl::Milliseconds(200);
  HoldingEntityService service;
  service.Hold();
  RunningServer server(options, &service);
  const int port = server.WaitForPort();
  ASSERT_GT(port, 0);
  grpc::Status call_status;
  newsgraph::v1::AnnotateDocumentResponse response;
  std::thread call([&] { call_status = Annotate(ChannelTo(port), "Held text.", &response); });
  if (!WaitUntil([&] { return service.entered() == 1; })) {
    service.Release();
    call.join();
    FAIL() << "the call never reached the handler";
  }
  kill(getpid(), SIGTERM);
  call.join();
  EXPECT_FALSE(call_status.ok());
  ASSERT_TRUE(WaitUntil([&] { return server.done(); }));
  EXPECT_TRUE(service.saw_cancellation());
  NG_EXPECT_OK(server.Stop());
}

}  // namespace
}  // namespace newsgraph
