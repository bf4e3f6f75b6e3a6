// Bearer-token access control for servers that listen with TLS.
//
// Token file: one "TOKEN NAME [read|write]" per line ('#' starts a comment;
// the role defaults to write). Read tokens may call Get*, List*, Search,
// Analyze*, Resolve* and reflection; write tokens may call everything.
// Health checks need no token, so orchestrators can probe.
#ifndef NEWSGRAPH_SERVICES_COMMON_AUTH_H_
#define NEWSGRAPH_SERVICES_COMMON_AUTH_H_

#include <grpcpp/security/auth_metadata_processor.h>

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace newsgraph {

struct TokenGrant {
  std::string name;
  bool can_write = true;
};

using TokenTable = absl::flat_hash_map<std::string, TokenGrant>;

// Errors: NOT_FOUND, INVALID_ARGUMENT naming the line.
absl::StatusOr<TokenTable> LoadTokenFile(const std::string& path);

// True for methods a read token may call ("/newsgraph.v1.SearchService/Search").
bool IsReadOnlyMethod(const std::string& path);

// Checks "authorization: Bearer TOKEN" on every call. Thread-safe.
class TokenAuthProcessor final : public grpc::AuthMetadataProcessor {
 public:
  explicit TokenAuthProcessor(TokenTable tokens) : tokens_(std::move(tokens)) {}
  bool IsBlocking() const override { return false; }
  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  const TokenTable tokens_;
};

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_AUTH_H_
