// TLS and bearer tokens: who may do what on a daemon started with
// --tls_cert, --tls_key and --auth_tokens.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "health.grpc.pb.h"
#include "newsgraph/client.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::newsgraph::testing::StatusIs;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(SecurityTest, TlsAndBearerTokensGateEveryCallButHealth) {
  ::newsgraph::testing::TempDir dir;
  // A throwaway self-signed certificate for 127.0.0.1.
  const std::string make_cert =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
      dir.Sub("key.pem") + " -out " + dir.Sub("cert.pem") + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(make_cert.c_str()), 0) << "openssl could not make a certificate";
  std::ofstream(dir.Sub("tokens")) << "# token name role\n"
                                      "writer-0123456789abcdef alice write\n"
                                      "reader-0123456789abcdef bob read\n";
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess daemon,
      DaemonProcess::Start(
          NEWSGRAPHD_PATH,
          {"--data_dir=" + dir.path(), "--tls_cert=" + dir.Sub("cert.pem"),
           "--tls_key=" + dir.Sub("key.pem"), "--auth_tokens=" + dir.Sub("tokens")},
          dir.path()));
  const std::string ca = ReadFile(dir.Sub("cert.pem"));
  auto client_with = [&](const std::string& token, bool tls = true) {
    ClientOptions options;
    options.target = daemon.address();
    options.max_attempts = 2;
    options.read_timeout = options.write_timeout = absl::Seconds(5);
    if (tls) options.tls_ca_pem = ca;
    options.bearer_token = token;
    absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return *std::move(client);
  };
  newsgraph::v1::DocumentInput doc;
  doc.set_content("Ferry traffic between Turku and Stockholm resumed on Friday.");
  newsgraph::v1::SearchRequest search;
  search.set_query("ferry");

  EXPECT_THAT(client_with("")->Search(search), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(client_with("nope-0123456789abcdef")->Search(search),
              StatusIs(absl::StatusCode::kUnauthenticated));
  auto writer = client_with("writer-0123456789abcdef");
  NG_ASSERT_OK_AND_ASSIGN(auto ingested, writer->IngestDocument(doc));
  NG_ASSERT_OK_AND_ASSIGN(
      auto indexed, writer->WaitUntilProcessed(ingested.document().name(), absl::Seconds(30)));
  EXPECT_EQ(indexed.state(), newsgraph::v1::INDEXED) << "the in-process pipeline works under auth";
  auto reader = client_with("reader-0123456789abcdef");
  NG_ASSERT_OK_AND_ASSIGN(auto found, reader->Search(search));
  EXPECT_EQ(found.hits_size(), 1);
  EXPECT_THAT(reader->IngestDocument(doc), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(reader->DeleteDocument(ingested.document().name()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // Plaintext clients cannot talk to a TLS port.
  EXPECT_FALSE(client_with("", /*tls=*/false)->Search(search).ok());
  // A token without TLS is refused by the client library itself.
  ClientOptions clear;
  clear.target = daemon.address();
  clear.bearer_token = "writer-0123456789abcdef";
  EXPECT_THAT(Client::Create(clear), StatusIs(absl::StatusCode::kInvalidArgument));

  // Health checks need TLS but no token.
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca;
  auto channel = grpc::CreateChannel(daemon.address(), grpc::SslCredentials(ssl));
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("newsgraph.v1.SearchService");
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  ASSERT_EQ(*daemon.Stop(SIGTERM), 0) << daemon.Log();
}

TEST(SecurityTest, TokensWithoutTlsAreRefusedAtStartup) {
  ::newsgraph::testing::TempDir dir;
  std::ofstream(dir.Sub("tokens")) << "writer-0123456789abcdef alice\n";
  absl::StatusOr<DaemonProcess> daemon = DaemonProcess::Start(
      NEWSGRAPHD_PATH, {"--data_dir=" + dir.path(), "--auth_tokens=" + dir.Sub("tokens")},
      dir.path(), absl::Seconds(10));
  EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kFailedPrecondition,
                               ::testing::HasSubstr("requires TLS")));
}

}  // namespace
}  // namespace newsgraph
