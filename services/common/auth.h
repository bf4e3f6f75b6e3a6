// Bearer-token access control for servers that listen with TLS.
//
// Token file, one grant per line ('#' starts a comment):
//
//   sha256:<64 hex digits of SHA-256(token)>  <name>  <scope>[,<scope>...]
//
// Only hashes are stored; `newsgraph token new NAME SCOPES` prints a fresh
// token and its line. Scopes:
//   ingest.read   IngestService Get*/List*
//   ingest.write  IngestService IngestDocument, BatchIngestDocuments, Delete*
//   entity.read   EntityService Get*/List*/AnalyzeText/ResolveEntities
//   entity.write  EntityService AnnotateDocument, DeleteDocumentAnnotations
//   entity.admin  EntityService MergeEntities, UpdateEntity (curation)
//   search.read   SearchService Search, Get*
//   search.write  SearchService IndexDocument, RemoveDocument
//   admin         IngestService CreateBackup and Reindex (operations)
//   internal      calls between the services (pipeline, checkpoints)
//   read          every *.read scope; write: every scope but entity.admin,
//                 admin and internal;
//   *             everything.
// Reflection needs any valid token; health checks need none, so
// orchestrators can probe.
#ifndef NEWSGRAPH_SERVICES_COMMON_AUTH_H_
#define NEWSGRAPH_SERVICES_COMMON_AUTH_H_

#include <grpcpp/security/auth_metadata_processor.h>

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "base/mutex.h"

namespace newsgraph {

struct TokenGrant {
  std::string name;
  absl::flat_hash_set<std::string> scopes;
};

// Keyed by the hex SHA-256 of the token.
using TokenTable = absl::flat_hash_map<std::string, TokenGrant>;

// Lower-case hex SHA-256 of `token`.
std::string HashToken(const std::string& token);

// Errors: NOT_FOUND, INVALID_ARGUMENT naming the file, line and problem.
absl::StatusOr<TokenTable> LoadTokenFile(const std::string& path);

// The scope a method needs, e.g. "search.read" for
// "/newsgraph.v1.SearchService/Search"; "internal" for the pipeline's calls
// between services (AnnotateDocument, DeleteDocumentAnnotations,
// IndexDocument, RemoveDocument); "" for methods any valid token may call
// (reflection).
std::string RequiredScope(const std::string& method_path);

// True when `grant` holds `scope` (directly or through read/write/*);
// "write" grants neither "entity.admin" nor "internal".
bool Allows(const TokenGrant& grant, const std::string& scope);

// Checks "authorization: Bearer TOKEN" on every call. Thread-safe.
class TokenAuthProcessor final : public grpc::AuthMetadataProcessor {
 public:
  explicit TokenAuthProcessor(TokenTable tokens)
      : tokens_(std::make_shared<const TokenTable>(std::move(tokens))) {}
  // Calls checked from now on use `tokens` (the token file reloaded on
  // SIGHUP): revoked tokens stop working, new ones start.
  void Replace(TokenTable tokens);
  bool IsBlocking() const override { return false; }
  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  // The current table.
  std::shared_ptr<const TokenTable> Tokens() const;

  mutable newsgraph::SharedMutex mu_;
  std::shared_ptr<const TokenTable> tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_AUTH_H_
