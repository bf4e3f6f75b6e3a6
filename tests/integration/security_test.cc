// TLS, mutual TLS and scoped bearer tokens: who may do what on daemons
// started with --tls_cert, --tls_key, --tls_client_ca and --auth_tokens, and
// the safe defaults that refuse an unprotected public listener.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "absl/strings/str_split.h"
#include "health.grpc.pb.h"
#include "newsgraph/client.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::newsgraph::testing::StatusIs;
using ::newsgraph::testing::TempDir;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[512];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  pclose(pipe);
  return output;
}

// A throwaway CA, a server certificate for 127.0.0.1 and a client
// certificate, all signed by the CA.
void MakeCertificates(const TempDir& dir) {
  const std::string d = dir.path() + "/";
  const std::string script =
      "set -e; cd " + d +
      "; openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-ca "
      "-keyout ca.key -out ca.pem"
      "; openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr"
      "; printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > server.ext"
      "; openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 "
      "-extfile server.ext -out server.pem"
      "; openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout client.key -out client.csr"
      "; openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 "
      "-out client.pem";
  ASSERT_EQ(std::system(("(" + script + ") >/dev/null 2>&1").c_str()), 0)
      << "openssl could not make certificates";
}

// Runs `newsgraph token new NAME SCOPES`; returns {token, token-file line}.
std::pair<std::string, std::string> NewToken(const std::string& name, const std::string& scopes) {
  const std::string out =
      RunCommand(std::string(NEWSGRAPH_CLI_PATH) + " token new " + name + " " + scopes);
  std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
  EXPECT_EQ(lines.size(), 3u) << out;
  if (lines.size() != 3) return {"", ""};
  EXPECT_EQ(lines[0].rfind("token: ngt_", 0), 0u) << out;
  EXPECT_EQ(lines[2].rfind("sha256:", 0), 0u) << out;
  EXPECT_EQ(lines[2].find(lines[0].substr(7)), std::string::npos)
      << "the line must not hold the token";
  return {lines[0].substr(7), lines[2]};
}

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override { MakeCertificates(dir_); }

  std::unique_ptr<Client> ClientWith(const std::string& address, const std::string& token,
                                     bool tls = true, bool client_cert = false) {
    ClientOptions options;
    options.target = address;
    options.max_attempts = 2;
    options.read_timeout = options.write_timeout = absl::Seconds(5);
    if (tls) options.tls_ca_pem = ReadFile(dir_.Sub("ca.pem"));
    if (client_cert) {
      options.tls_cert_pem = ReadFile(dir_.Sub("client.pem"));
      options.tls_key_pem = ReadFile(dir_.Sub("client.key"));
    }
    options.bearer_token = token;
    absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return *std::move(client);
  }

  std::vector<std::string> TlsFlags() const {
    return {"--tls_cert=" + dir_.Sub("server.pem"), "--tls_key=" + dir_.Sub("server.key")};
  }

  TempDir dir_;
};

TEST_F(SecurityTest, ScopedTokensGateEveryCallButHealth) {
  auto [writer, writer_line] = NewToken("ingest-job", "ingest.write,ingest.read");
  auto [reader, reader_line] = NewToken("dashboard", "read");
  auto [curator, curator_line] = NewToken("curator", "entity.admin,entity.read");
  std::ofstream(dir_.Sub("tokens")) << "# digest name scopes\n"
                                    << writer_line << "\n"
                                    << reader_line << "\n"
                                    << curator_line << "\n";
  std::vector<std::string> args = TlsFlags();
  args.push_back("--data_dir=" + dir_.path());
  args.push_back("--auth_tokens=" + dir_.Sub("tokens"));
  NG_ASSERT_OK_AND_ASSIGN(DaemonProcess daemon,
                          DaemonProcess::Start(NEWSGRAPHD_PATH, args, dir_.path()));
  newsgraph::v1::DocumentInput doc;
  doc.set_content("Ferry traffic between Turku and Stockholm resumed on Friday, Viking Line said.");
  newsgraph::v1::SearchRequest search;
  search.set_query("ferry");

  EXPECT_THAT(ClientWith(daemon.address(), "")->Search(search),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("missing bearer token")));
  EXPECT_THAT(ClientWith(daemon.address(), "ngt_forged0123456789abcdef")->Search(search),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("invalid or revoked")));
  EXPECT_THAT(ClientWith(daemon.address(), writer_line.substr(7, 64))->Search(search),
              StatusIs(absl::StatusCode::kUnauthenticated))
      << "the stored digest is not a credential";

  auto ingest_job = ClientWith(daemon.address(), writer);
  NG_ASSERT_OK_AND_ASSIGN(auto ingested, ingest_job->IngestDocument(doc));
  NG_ASSERT_OK_AND_ASSIGN(
      auto indexed, ingest_job->WaitUntilProcessed(ingested.document().name(), absl::Seconds(30)));
  EXPECT_EQ(indexed.state(), newsgraph::v1::INDEXED) << "the in-process pipeline works under auth";
  EXPECT_THAT(ingest_job->Search(search),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("lacks scope search.read")));

  auto dashboard = ClientWith(daemon.address(), reader);
  NG_ASSERT_OK_AND_ASSIGN(auto found, dashboard->Search(search));
  EXPECT_EQ(found.hits_size(), 1);
  NG_ASSERT_OK_AND_ASSIGN(auto entities, dashboard->ListEntities({}));
  ASSERT_GE(entities.entities_size(), 2);
  EXPECT_THAT(dashboard->IngestDocument(doc),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("ingest.write")));
  EXPECT_THAT(dashboard->DeleteDocument(ingested.document().name()),
              StatusIs(absl::StatusCode::kPermissionDenied));

  // Curation needs entity.admin, which neither "read" nor "write" grants.
  newsgraph::v1::UpdateEntityRequest update;
  update.mutable_entity()->set_name(entities.entities(0).name());
  update.mutable_entity()->add_aliases()->set_text("Viking");
  update.mutable_update_mask()->add_paths("aliases");
  {
    grpc::ClientContext context;
    newsgraph::v1::Entity updated;
    EXPECT_EQ(dashboard->entity_stub().UpdateEntity(&context, update, &updated).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    auto curation = ClientWith(daemon.address(), curator);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    newsgraph::v1::Entity updated;
    grpc::Status status = curation->entity_stub().UpdateEntity(&context, update, &updated);
    EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
    EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  }

  // Plaintext clients cannot talk to a TLS port; the client library refuses
  // to send a token in clear.
  EXPECT_FALSE(ClientWith(daemon.address(), "", /*tls=*/false)->Search(search).ok());
  ClientOptions clear;
  clear.target = daemon.address();
  clear.bearer_token = reader;
  EXPECT_THAT(Client::Create(clear), StatusIs(absl::StatusCode::kInvalidArgument));

  // Health checks need TLS but no token.
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFile(dir_.Sub("ca.pem"));
  auto channel = grpc::CreateChannel(daemon.address(), grpc::SslCredentials(ssl));
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("newsgraph.v1.SearchService");
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  ASSERT_TRUE(StopsCleanly(daemon));
}

// SIGHUP reloads the token file: a removed token stops working, a new one
// starts, and a file that does not load keeps the tokens in use.
TEST_F(SecurityTest, SighupReloadsTheTokenFile) {
  auto [old_token, old_line] = NewToken("old-dashboard", "read");
  auto [new_token, new_line] = NewToken("new-dashboard", "read");
  std::ofstream(dir_.Sub("tokens")) << old_line << "\n";
  std::vector<std::string> args = TlsFlags();
  args.push_back("--data_dir=" + dir_.path());
  args.push_back("--auth_tokens=" + dir_.Sub("tokens"));
  NG_ASSERT_OK_AND_ASSIGN(DaemonProcess daemon,
                          DaemonProcess::Start(NEWSGRAPHD_PATH, args, dir_.path()));
  newsgraph::v1::SearchRequest search;
  search.set_query("ferry");
  auto old_client = ClientWith(daemon.address(), old_token);
  auto new_client = ClientWith(daemon.address(), new_token);
  NG_ASSERT_OK(old_client->Search(search).status());
  EXPECT_THAT(new_client->Search(search), StatusIs(absl::StatusCode::kUnauthenticated));

  std::ofstream(dir_.Sub("tokens"), std::ios::trunc) << new_line << "\n";
  ASSERT_EQ(kill(daemon.pid(), SIGHUP), 0);
  for (int i = 0; i < 100 && !new_client->Search(search).ok(); ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  NG_EXPECT_OK(new_client->Search(search).status());
  EXPECT_THAT(old_client->Search(search),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("invalid or revoked")));

  std::ofstream(dir_.Sub("tokens"), std::ios::trunc) << "not a token line\n";
  ASSERT_EQ(kill(daemon.pid(), SIGHUP), 0);
  for (int i = 0; i < 100 && daemon.Log().find("kept the tokens") == std::string::npos; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_THAT(daemon.Log(), HasSubstr("SIGHUP: kept the tokens in use"));
  NG_EXPECT_OK(new_client->Search(search).status());
  ASSERT_TRUE(StopsCleanly(daemon));
}

TEST_F(SecurityTest, SplitServicesAuthenticateToEachOtherWithMutualTls) {
  auto [pipeline, pipeline_line] = NewToken("ingestd", "internal");
  auto [searcher, searcher_line] = NewToken("searchd", "entity.read");
  auto [user, user_line] = NewToken("user", "write");
  std::ofstream(dir_.Sub("tokens")) << pipeline_line << "\n" << searcher_line << "\n" << user_line;
  std::vector<std::string> common = TlsFlags();
  common.push_back("--data_dir=" + dir_.path());
  common.push_back("--auth_tokens=" + dir_.Sub("tokens"));
  common.push_back("--tls_client_ca=" + dir_.Sub("ca.pem"));
  const std::vector<std::string> peer = {"--peer_tls_ca=" + dir_.Sub("ca.pem"),
                                         "--peer_tls_cert=" + dir_.Sub("client.pem"),
                                         "--peer_tls_key=" + dir_.Sub("client.key")};
  auto with = [](std::vector<std::string> a, const std::vector<std::string>& more) {
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  NG_ASSERT_OK_AND_ASSIGN(DaemonProcess entity,
                          DaemonProcess::Start(ENTITYD_PATH, common, dir_.path()));
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess search,
      DaemonProcess::Start(SEARCHD_PATH,
                           with(with(common, peer), {"--peer_token=" + searcher,
                                                     "--entity_address=" + entity.address()}),
                           dir_.path()));
  NG_ASSERT_OK_AND_ASSIGN(
      DaemonProcess ingest,
      DaemonProcess::Start(INGESTD_PATH,
                           with(with(common, peer),
                                {"--peer_token=" + pipeline, "--entity_address=" + entity.address(),
                                 "--search_address=" + search.address()}),
                           dir_.path()));

  // Without a client certificate the TLS handshake fails.
  EXPECT_FALSE(ClientWith(ingest.address(), user)->IngestDocument({}).ok());

  ClientOptions options;
  options.target = options.ingest_target = ingest.address();
  options.entity_target = entity.address();
  options.search_target = search.address();
  options.tls_ca_pem = ReadFile(dir_.Sub("ca.pem"));
  options.tls_cert_pem = ReadFile(dir_.Sub("client.pem"));
  options.tls_key_pem = ReadFile(dir_.Sub("client.key"));
  options.bearer_token = user;
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(options));
  newsgraph::v1::DocumentInput doc;
  doc.set_content("Helsinki harbour reopened after the storm, the Finnish Transport Agency said.");
  NG_ASSERT_OK_AND_ASSIGN(auto ingested, client->IngestDocument(doc));
  NG_ASSERT_OK_AND_ASSIGN(
      auto indexed, client->WaitUntilProcessed(ingested.document().name(), absl::Seconds(30)));
  EXPECT_EQ(indexed.state(), newsgraph::v1::INDEXED)
      << "ingestd reaches entityd and searchd with its own certificate and token: "
      << indexed.pipeline_error() << ingest.Log();
  newsgraph::v1::SearchRequest query;
  query.set_query("harbour");
  NG_ASSERT_OK_AND_ASSIGN(auto found, client->Search(query));
  EXPECT_EQ(found.hits_size(), 1);
  for (DaemonProcess* p : {&ingest, &search, &entity}) ASSERT_TRUE(StopsCleanly(*p));
}

TEST_F(SecurityTest, UnsafeConfigurationsAreRefusedAtStartup) {
  auto [token, line] = NewToken("someone", "read");
  std::ofstream(dir_.Sub("tokens")) << line << "\n";
  std::ofstream(dir_.Sub("plain-tokens")) << token << " someone read\n";
  const std::string data = "--data_dir=" + dir_.path();
  struct Case {
    std::vector<std::string> args;
    std::string listen;
    std::string message;
  };
  std::vector<std::string> tls_and_plain_tokens = TlsFlags();
  tls_and_plain_tokens.push_back("--auth_tokens=" + dir_.Sub("plain-tokens"));
  const std::vector<Case> cases = {
      {{"--auth_tokens=" + dir_.Sub("tokens")}, "127.0.0.1:0", "requires TLS"},
      {{}, "0.0.0.0:0", "refusing to listen on 0.0.0.0:0 without TLS and bearer tokens"},
      {TlsFlags(), "0.0.0.0:0", "without TLS and bearer tokens"},
      {tls_and_plain_tokens, "127.0.0.1:0", "never the token"},
      {{"--tls_client_ca=" + dir_.Sub("ca.pem")}, "127.0.0.1:0", "requires --tls_cert"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    args.push_back(data);
    absl::StatusOr<DaemonProcess> daemon =
        DaemonProcess::Start(NEWSGRAPHD_PATH, args, dir_.path(), absl::Seconds(10), c.listen);
    EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(c.message)))
        << c.listen;
  }
  // A peer CA that cannot be read stops the split daemons at start-up
  // instead of leaving them with channels that can never verify a peer.
  for (const char* binary : {SEARCHD_PATH, INGESTD_PATH}) {
    absl::StatusOr<DaemonProcess> daemon = DaemonProcess::Start(
        binary, {data, "--peer_tls_ca=" + dir_.Sub("no-such-ca.pem")}, dir_.path(),
        absl::Seconds(10));
    EXPECT_THAT(daemon, StatusIs(absl::StatusCode::kFailedPrecondition,
                                 HasSubstr("--peer_tls_ca=" + dir_.Sub("no-such-ca.pem"))))
        << binary;
  }
  // A name that only starts like a loopback address is not one.
  EXPECT_THAT(DaemonProcess::Start(NEWSGRAPHD_PATH, {data}, dir_.path(), absl::Seconds(10),
                                   "127.0.0.1.nip.io:0"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("refusing to listen")));
  // An explicit opt-in allows a public plaintext listener (TLS terminated in front).
  NG_ASSERT_OK_AND_ASSIGN(DaemonProcess open,
                          DaemonProcess::Start(NEWSGRAPHD_PATH, {data, "--insecure_listen"},
                                               dir_.path(), absl::Seconds(30), "0.0.0.0:0"));
  ASSERT_TRUE(StopsCleanly(open));
}

}  // namespace
}  // namespace newsgraph
