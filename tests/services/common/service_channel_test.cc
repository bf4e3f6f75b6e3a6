// CreateServiceChannel: a plaintext channel that reaches a server, a TLS
// channel that will not talk to a plaintext one, and the start-up errors for
// peer TLS files.
#include "services/common/service_channel.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "health.grpc.pb.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::StatusIs;
using ::testing::HasSubstr;

// Not a usable certificate, but not empty: files are only read up front.
constexpr char kPem[] =
    "-----BEGIN CERTIFICATE-----\nbm90IGEgcmVhbCBjZXJ0aWZpY2F0ZQ==\n-----END CERTIFICATE-----\n";

// A plaintext Health server on a free loopback port whose Check answers
// NOT_FOUND "answered by the fake" and counts its calls.
class FakeHealthServer final : public grpc::health::v1::Health::Service {
 public:
  FakeHealthServer() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~FakeHealthServer() override {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  }
  grpc::Status Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest*,
                     grpc::health::v1::HealthCheckResponse*) override {
    ++calls_;
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "answered by the fake");
  }
  bool started() const { return server_ != nullptr && port_ > 0; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  int calls() const { return calls_.load(); }

 private:
  int port_ = 0;
  std::atomic<int> calls_{0};
  std::unique_ptr<grpc::Server> server_;
};

class ServiceChannelTest : public ::testing::Test {
 protected:
  // Writes `contents` to a file in the test's directory and returns its path.
  std::string File(const std::string& name, const std::string& contents) {
    const std::string path = dir_.Sub(name);
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  // Calls Health.Check over `channel` with a 5 s deadline.
  static grpc::Status Check(const std::shared_ptr<grpc::Channel>& channel) {
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    return stub->Check(&context, request, &response);
  }

  ::newsgraph::testing::TempDir dir_;
};

TEST_F(ServiceChannelTest, WithoutTlsTheChannelReachesAPlaintextServer) {
  FakeHealthServer server;
  ASSERT_TRUE(server.started());
  NG_ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> channel,
                          CreateServiceChannel(server.address(), PeerChannelOptions{}));
  const grpc::Status status = Check(channel);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "answered by the fake");
  EXPECT_EQ(server.calls(), 1);
}

// A TLS channel never falls back to plaintext: against a plaintext server
// the call fails and the server's handler never runs.
TEST_F(ServiceChannelTest, ATlsChannelDoesNotTalkToAPlaintextServer) {
  FakeHealthServer server;
  ASSERT_TRUE(server.started());
  PeerChannelOptions options;
  options.tls_ca_file = File("ca.pem", kPem);
  options.token = "secret-token";
  NG_ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> channel,
                          CreateServiceChannel(server.address(), options));
  EXPECT_EQ(Check(channel).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(server.calls(), 0);
}

TEST_F(ServiceChannelTest, UnreadableOrEmptyFilesAreStartUpErrors) {
  const std::string missing = dir_.Sub("missing.pem");
  const std::string empty = File("empty.pem", "");
  const std::string pem = File("good.pem", kPem);
  struct Case {
    PeerChannelOptions options;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{missing, "", "", ""}, absl::StrCat("--peer_tls_ca=", missing, ": cannot read")},
      {{empty, "", "", ""}, absl::StrCat("--peer_tls_ca=", empty, ": file is empty")},
      {{pem, missing, pem, ""}, absl::StrCat("--peer_tls_cert=", missing, ": cannot read")},
      {{pem, empty, pem, ""}, absl::StrCat("--peer_tls_cert=", empty, ": file is empty")},
      {{pem, pem, missing, ""}, absl::StrCat("--peer_tls_key=", missing, ": cannot read")},
      {{pem, pem, empty, ""}, absl::StrCat("--peer_tls_key=", empty, ": file is empty")},
      {{pem, pem, "", ""}, "--peer_tls_cert needs --peer_tls_key"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    EXPECT_THAT(CreateServiceChannel("127.0.0.1:1", c.options),
                StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(c.message)));
  }
}

// A directory where a PEM file is expected is a start-up error like any
// unreadable file.
TEST_F(ServiceChannelTest, ADirectoryInsteadOfAFileIsAStartUpError) {
  PeerChannelOptions options;
  options.tls_ca_file = dir_.path();
  EXPECT_THAT(CreateServiceChannel("127.0.0.1:1", options),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--peer_tls_ca=")));
}

TEST_F(ServiceChannelTest, ReadableFilesGiveAChannel) {
  PeerChannelOptions options;
  options.tls_ca_file = File("ca.pem", kPem);
  options.tls_cert_file = File("cert.pem", kPem);
  options.tls_key_file = File("key.pem", kPem);
  options.token = "secret-token";
  NG_ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> channel,
                          CreateServiceChannel("127.0.0.1:1", options));
  EXPECT_NE(channel, nullptr);
}

// The header promises a start-up error rather than "a silently insecure or
// unverified channel"; a client certificate, key or token without a CA
// asks for TLS but gets a plaintext channel (the token is dropped).
TEST_F(ServiceChannelTest, TlsSettingsWithoutACaAreAStartUpError) {
  const std::string pem = File("good.pem", kPem);
  PeerChannelOptions with_certificate;
  with_certificate.tls_cert_file = pem;
  with_certificate.tls_key_file = pem;
  EXPECT_THAT(CreateServiceChannel("127.0.0.1:1", with_certificate),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  PeerChannelOptions with_token;
  with_token.token = "secret-token";
  EXPECT_THAT(CreateServiceChannel("127.0.0.1:1", with_token),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace newsgraph
