#include "services/common/auth.h"

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace newsgraph {

absl::StatusOr<TokenTable> LoadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("token file not found: ", path));
  TokenTable tokens;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    absl::string_view text = line;
    if (const size_t hash = text.find('#'); hash != absl::string_view::npos)
      text = text.substr(0, hash);
    std::vector<std::string> fields =
        absl::StrSplit(text, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.empty()) continue;
    if (fields.size() < 2 || fields.size() > 3 ||
        (fields.size() == 3 && fields[2] != "read" && fields[2] != "write") ||
        fields[0].size() < 16) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number,
                       ": expected 'TOKEN NAME [read|write]' with a token of 16+ characters"));
    }
    tokens[fields[0]] = TokenGrant{fields[1], fields.size() == 2 || fields[2] == "write"};
  }
  if (tokens.empty()) return absl::InvalidArgumentError(absl::StrCat(path, " holds no tokens"));
  return tokens;
}

bool IsReadOnlyMethod(const std::string& path) {
  if (absl::StartsWith(path, "/grpc.reflection.")) return true;
  const size_t slash = path.rfind('/');
  const absl::string_view method =
      slash == std::string::npos ? path : absl::string_view(path).substr(slash + 1);
  for (const char* prefix : {"Get", "List", "Search", "Analyze", "Resolve"}) {
    if (absl::StartsWith(method, prefix)) return true;
  }
  return false;
}

grpc::Status TokenAuthProcessor::Process(const InputMetadata& auth_metadata,
                                         grpc::AuthContext* context,
                                         OutputMetadata* consumed_auth_metadata, OutputMetadata*) {
  std::string path;
  if (auto it = auth_metadata.find(":path"); it != auth_metadata.end()) {
    path.assign(it->second.data(), it->second.size());
  }
  if (absl::StartsWith(path, "/grpc.health.v1.Health/")) return grpc::Status::OK;
  auto header = auth_metadata.find("authorization");
  if (header == auth_metadata.end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "missing bearer token: send 'authorization: Bearer TOKEN'");
  }
  absl::string_view value(header->second.data(), header->second.size());
  if (!absl::ConsumePrefix(&value, "Bearer ")) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "authorization header must be 'Bearer TOKEN'");
  }
  auto grant = tokens_.find(std::string(value));
  if (grant == tokens_.end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "invalid or revoked token");
  }
  if (!grant->second.can_write && !IsReadOnlyMethod(path)) {
    return grpc::Status(
        grpc::StatusCode::PERMISSION_DENIED,
        absl::StrCat("token '", grant->second.name, "' may only read; ", path, " changes data"));
  }
  context->AddProperty("newsgraph_token_name", grant->second.name);
  consumed_auth_metadata->insert(
      std::make_pair("authorization", std::string(header->second.data(), header->second.size())));
  return grpc::Status::OK;
}

}  // namespace newsgraph
