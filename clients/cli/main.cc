// newsgraph: command-line client for the newsgraph services. The verbs
// and flags are defined in cli_flags.cc; the commands in cli.h.
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/backup_restore.h"
#include "clients/cli/cli.h"
#include "clients/cli/cli_flags.h"
#include "clients/cli/verb_help.h"
#include "newsgraph/client.h"
#include "services/common/auth.h"

namespace newsgraph::cli {
namespace {

// `newsgraph admin restore BACKUP DATA_DIR`.
int RestoreFromBackup(const std::string& backup, const std::string& data_dir) {
  absl::StatusOr<std::vector<std::string>> restored = RestoreBackup(backup, data_dir);
  if (!restored.ok()) {
    std::fprintf(stderr, "newsgraph: restore: %s\n",
                 std::string(restored.status().message()).c_str());
    return 1;
  }
  for (const std::string& service : *restored) {
    std::printf("restored %s into %s/%s\n", service.c_str(), data_dir.c_str(), service.c_str());
  }
  std::printf("start the daemons with --data_dir=%s; unfinished documents are replayed\n",
              data_dir.c_str());
  return 0;
}

// `newsgraph token new NAME SCOPES`: 32 random bytes, URL-safe base64.
int PrintNewToken(const std::string& name, const std::string& scopes) {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    std::fprintf(stderr, "newsgraph: no secure random bytes available\n");
    return 1;
  }
  const std::string token =
      "ngt_" + absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<char*>(bytes), 32));
  std::printf("token: %s\n", token.c_str());
  std::printf("line for --auth_tokens:\nsha256:%s %s %s\n", newsgraph::HashToken(token).c_str(),
              name.c_str(), scopes.c_str());
  return 0;
}

}  // namespace
}  // namespace newsgraph::cli

int main(int argc, char** argv) {
  using namespace newsgraph::cli;
  ParsedCommandLine parsed = ParseCommandLine(argc, argv);
  if (parsed.done) {
    std::fprintf(parsed.exit_code == 0 ? stdout : stderr, "%s", parsed.output.c_str());
    return parsed.exit_code;
  }
  Args& args = parsed.args;
  if (args.positional.empty()) {
    std::printf("%s", UsageText());
    return args.Has("help") ? 0 : 2;
  }
  if (args.positional[0] == "completion") {
    if (args.positional.size() != 2 || args.positional[1] != "bash") {
      std::fprintf(stderr, "newsgraph: usage: newsgraph completion bash\n");
      return 2;
    }
    std::printf("%s", BashCompletion().c_str());
    return 0;
  }
  if (args.positional[0] == "admin" && args.positional.size() > 1 &&
      args.positional[1] == "restore") {
    // Offline: the daemons are stopped, nothing to connect to.
    if (args.Has("help") || args.positional.size() != 4) {
      std::printf("%s", VerbHelp().at("admin").c_str());
      return args.Has("help") ? 0 : 2;
    }
    return RestoreFromBackup(args.positional[2], args.positional[3]);
  }
  if (args.positional[0] == "token") {
    if (args.Has("help") || args.positional.size() != 4 || args.positional[1] != "new") {
      std::printf("%s", VerbHelp().at("token").c_str());
      return args.Has("help") ? 0 : 2;
    }
    return PrintNewToken(args.positional[2], args.positional[3]);
  }
  newsgraph::ClientOptions options;
  const char* env_target = getenv("NEWSGRAPH_TARGET");
  options.target = args.Get("target", env_target != nullptr ? env_target : options.target);
  if (args.Has("timeout")) {
    double seconds = 0;
    if (!absl::SimpleAtod(args.Get("timeout"), &seconds) || seconds <= 0) {
      std::fprintf(stderr, "newsgraph: --timeout must be a positive number of seconds\n");
      return 2;
    }
    options.read_timeout = options.write_timeout = absl::Seconds(seconds);
  }
  if (args.Has("tls-ca")) {
    std::ifstream ca(args.Get("tls-ca"), std::ios::binary);
    if (!ca) {
      std::fprintf(stderr, "newsgraph: cannot read --tls-ca file %s\n", args.Get("tls-ca").c_str());
      return 2;
    }
    options.tls_ca_pem.assign(std::istreambuf_iterator<char>(ca), std::istreambuf_iterator<char>());
    options.tls_server_name = args.Get("tls-server-name");
  }
  if (args.Has("tls-cert") != args.Has("tls-key")) {
    std::fprintf(stderr, "newsgraph: --tls-cert and --tls-key go together\n");
    return 2;
  }
  if (args.Has("tls-cert")) {
    std::ifstream cert(args.Get("tls-cert"), std::ios::binary);
    std::ifstream key(args.Get("tls-key"), std::ios::binary);
    if (!cert || !key) {
      std::fprintf(stderr, "newsgraph: cannot read --tls-cert or --tls-key\n");
      return 2;
    }
    options.tls_cert_pem.assign(std::istreambuf_iterator<char>(cert),
                                std::istreambuf_iterator<char>());
    options.tls_key_pem.assign(std::istreambuf_iterator<char>(key),
                               std::istreambuf_iterator<char>());
  }
  const char* env_token = getenv("NEWSGRAPH_TOKEN");
  options.bearer_token = args.Get("token", env_token != nullptr ? env_token : "");
  absl::StatusOr<std::unique_ptr<newsgraph::Client>> client = newsgraph::Client::Create(options);
  if (!client.ok()) {
    std::fprintf(stderr, "newsgraph: %s\n", std::string(client.status().message()).c_str());
    return 2;
  }
  Cli cli(std::move(args), *std::move(client), options.target);
  return cli.Run();
}
