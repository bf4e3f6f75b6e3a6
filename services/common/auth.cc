#include "services/common/auth.h"

#include <openssl/evp.h>

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace newsgraph {
namespace {

constexpr const char* kKnownScopes[] = {
    "ingest.read", "ingest.write", "entity.read", "entity.write", "entity.admin",
    "search.read", "search.write", "internal",    "read",         "write", "*"};

bool IsKnownScope(absl::string_view scope) {
  for (const char* known : kKnownScopes) {
    if (scope == known) return true;
  }
  return false;
}

bool IsHexDigest(absl::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c)) return false;
  }
  return true;
}

}  // namespace

std::string HashToken(const std::string& token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(token.data(), token.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

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
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": ", why,
                       " (expected 'sha256:<hex digest of the token> NAME SCOPE[,SCOPE...]'; "
                       "`newsgraph token new NAME SCOPES` prints one)"));
    };
    if (fields.size() != 3) return bad("wrong number of fields");
    absl::string_view digest = fields[0];
    if (!absl::ConsumePrefix(&digest, "sha256:") || !IsHexDigest(digest)) {
      return bad("the first field must be a lower-case hex SHA-256 digest, never the token");
    }
    TokenGrant grant{fields[1], {}};
    for (absl::string_view scope : absl::StrSplit(fields[2], ',', absl::SkipEmpty())) {
      if (!IsKnownScope(scope)) return bad(absl::StrCat("unknown scope '", scope, "'"));
      grant.scopes.insert(std::string(scope));
    }
    if (grant.scopes.empty()) return bad("no scopes");
    tokens[std::string(digest)] = std::move(grant);
  }
  if (tokens.empty()) return absl::InvalidArgumentError(absl::StrCat(path, " holds no tokens"));
  return tokens;
}

std::string RequiredScope(const std::string& path) {
  absl::string_view rest = path;
  if (!absl::ConsumePrefix(&rest, "/newsgraph.v1.")) return "";
  const size_t slash = rest.find('/');
  if (slash == absl::string_view::npos) return "*";
  const absl::string_view service = rest.substr(0, slash);
  const absl::string_view method = rest.substr(slash + 1);
  auto starts = [&](std::initializer_list<const char*> prefixes) {
    for (const char* p : prefixes) {
      if (absl::StartsWith(method, p)) return true;
    }
    return false;
  };
  if (service == "IngestService") {
    if (method == "CreateBackup" || method == "Reindex") return "admin";
    return starts({"Get", "List"}) ? "ingest.read" : "ingest.write";
  }
  // The pipeline's calls between services (and a backup's checkpoints):
  // only peers hold "internal".
  if (method == "CreateCheckpoint" ||
      (service == "EntityService" &&
       (method == "AnnotateDocument" || method == "BatchAnnotateDocuments" ||
        method == "DeleteDocumentAnnotations")) ||
      (service == "SearchService" &&
       (method == "IndexDocument" || method == "BatchIndexDocuments" ||
        method == "RemoveDocument"))) {
    return "internal";
  }
  if (service == "EntityService") {
    if (starts({"Get", "List", "Analyze", "Resolve"})) return "entity.read";
    if (starts({"Merge", "Update"})) return "entity.admin";
    return "entity.write";
  }
  if (service == "SearchService") {
    return starts({"Search", "Get"}) ? "search.read" : "search.write";
  }
  return "*";  // Unknown newsgraph service: only a full-access token.
}

bool Allows(const TokenGrant& grant, const std::string& scope) {
  if (scope.empty() || grant.scopes.contains("*") || grant.scopes.contains(scope)) return true;
  if (absl::EndsWith(scope, ".read") && grant.scopes.contains("read")) return true;
  return scope != "entity.admin" && scope != "admin" && scope != "internal" && scope != "*" &&
         grant.scopes.contains("write");
}

void TokenAuthProcessor::Replace(TokenTable tokens) {
  auto replacement = std::make_shared<const TokenTable>(std::move(tokens));
  newsgraph::WriterMutexLock lock(&mu_);
  tokens_ = std::move(replacement);
}

std::shared_ptr<const TokenTable> TokenAuthProcessor::Tokens() const {
  newsgraph::ReaderMutexLock lock(&mu_);
  return tokens_;
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
  const std::shared_ptr<const TokenTable> tokens = Tokens();
  auto grant = tokens->find(HashToken(std::string(value)));
  if (grant == tokens->end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "invalid or revoked token");
  }
  const std::string scope = RequiredScope(path);
  if (!Allows(grant->second, scope)) {
    return grpc::Status(
        grpc::StatusCode::PERMISSION_DENIED,
        absl::StrCat("token '", grant->second.name, "' lacks scope ", scope, " needed for ", path));
  }
  context->AddProperty("newsgraph_token_name", grant->second.name);
  consumed_auth_metadata->insert(
      std::make_pair("authorization", std::string(header->second.data(), header->second.size())));
  return grpc::Status::OK;
}

}  // namespace newsgraph
