// newsgraph C++ client: one object for the ingest, entity and search services.
//
//   newsgraph::ClientOptions options;
//   options.target = "127.0.0.1:7700";
//   auto client = newsgraph::Client::Create(options);
//   auto ingested = (*client)->IngestDocument(input);
//   auto hits = (*client)->Search(request);
//
// Every call has a deadline (ClientOptions) and returns absl::Status /
// absl::StatusOr with the server's code and message. Idempotent calls
// (reads, and ingest, which the server deduplicates) are retried on
// UNAVAILABLE through the gRPC service config.
//
// Thread-safety: a Client is safe to use from many threads at once.
#ifndef NEWSGRAPH_CLIENT_H_
#define NEWSGRAPH_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "newsgraph/v1/entity_service.grpc.pb.h"
#include "newsgraph/v1/ingest_service.grpc.pb.h"
#include "newsgraph/v1/search_service.grpc.pb.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace newsgraph {

struct ClientOptions {
  // host:port of newsgraphd, or of one service in a split deployment (see
  // ingest_target etc.). Default: the local daemon.
  std::string target = "127.0.0.1:7700";
  // Per-service targets for a split deployment; empty uses `target`.
  std::string ingest_target;
  std::string entity_target;
  std::string search_target;
  // Deadline of read calls (Get, List, Search, Analyze). Default 10 s.
  absl::Duration read_timeout = absl::Seconds(10);
  // Deadline of write calls (Ingest, Delete). Default 60 s.
  absl::Duration write_timeout = absl::Seconds(60);
  // Attempts for idempotent calls failing with UNAVAILABLE. Default 4.
  int max_attempts = 4;
  // TLS: PEM CA certificate(s) to verify the server with; empty = plaintext.
  std::string tls_ca_pem;
  // Client certificate chain and key (PEM) for servers that require mutual
  // TLS (--tls_client_ca). Both or neither.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  // Name to verify in the server certificate instead of the target's host.
  std::string tls_server_name;
  // Bearer token sent with every call (requires TLS). Empty = none.
  std::string bearer_token;
};

// Summary of a BatchIngest call.
struct BatchIngestSummary {
  std::string job;
  int64_t accepted = 0;
  int64_t rejected = 0;
  // UNCHANGED or DUPLICATE acknowledgements: nothing new was stored.
  int64_t duplicates = 0;
  // Acknowledgements naming an exact duplicate (duplicate_of) or a near
  // duplicate (near_duplicate_of) of an earlier document.
  int64_t exact_duplicates = 0;
  int64_t near_duplicates = 0;
  // Distinct document names acknowledged.
  std::vector<std::string> documents;
};

// Calls that are safe to repeat are retried on UNAVAILABLE (up to
// ClientOptions' attempts, with backoff): every read, IngestDocument (the
// same content is acknowledged again as UNCHANGED), AnalyzeText and
// ResolveEntities. DeleteDocument and RetryDocument are never retried: after
// a lost response a repeat would report NOT_FOUND or FAILED_PRECONDITION for
// a call that worked, so their UNAVAILABLE reaches the caller, who can check
// with GetDocument.
class Client {
 public:
  // Creates a client; connects lazily on the first call.
  static absl::StatusOr<std::unique_ptr<Client>> Create(const ClientOptions& options);
  // A client over existing channels (e.g. in-process or custom credentials).
  Client(std::shared_ptr<grpc::Channel> ingest, std::shared_ptr<grpc::Channel> entity,
         std::shared_ptr<grpc::Channel> search, const ClientOptions& options);
  ~Client();

  // --- Ingest ---
  absl::StatusOr<newsgraph::v1::IngestDocumentResponse> IngestDocument(
      const newsgraph::v1::DocumentInput& document, bool repair_invalid_utf8 = false);
  // Streams `documents` over BatchIngestDocuments; `on_ack` (optional) runs
  // for each acknowledgement in order. Returns when every document is
  // acknowledged.
  absl::StatusOr<BatchIngestSummary> BatchIngest(
      const std::vector<newsgraph::v1::DocumentInput>& documents,
      const std::function<void(const newsgraph::v1::BatchIngestDocumentsResponse&)>& on_ack = {});
  absl::StatusOr<newsgraph::v1::Document> GetDocument(
      const std::string& name, newsgraph::v1::DocumentView view = newsgraph::v1::BASIC);
  absl::StatusOr<newsgraph::v1::ListDocumentsResponse> ListDocuments(
      const newsgraph::v1::ListDocumentsRequest& request);
  absl::Status DeleteDocument(const std::string& name);
  // Sends a FAILED document through the pipeline again; returns it (RECEIVED).
  absl::StatusOr<newsgraph::v1::Document> RetryDocument(const std::string& name);
  absl::StatusOr<newsgraph::v1::IngestJob> GetIngestJob(const std::string& name);
  // A consistent backup of the deployment under each service's --backup_dir
  // (IngestService.CreateBackup); not retried.
  absl::StatusOr<newsgraph::v1::Backup> CreateBackup(const std::string& backup_id);
  // Rebuilds the entity and search state from the stored documents
  // (IngestService.Reindex); `on_progress` (optional) sees each report.
  // Returns the last report (done) or the error; not retried.
  absl::StatusOr<newsgraph::v1::ReindexProgress> Reindex(
      const newsgraph::v1::ReindexRequest& request,
      const std::function<void(const newsgraph::v1::ReindexProgress&)>& on_progress = {},
      absl::Duration timeout = absl::Hours(24));
  // Polls GetDocument until the document reaches INDEXED or FAILED, or
  // `timeout` passes (DEADLINE_EXCEEDED).
  absl::StatusOr<newsgraph::v1::Document> WaitUntilProcessed(const std::string& name,
                                                             absl::Duration timeout);

  // --- Entity ---
  absl::StatusOr<newsgraph::v1::AnalyzeTextResponse> AnalyzeText(const std::string& text);
  absl::StatusOr<newsgraph::v1::Entity> GetEntity(const std::string& name);
  absl::StatusOr<newsgraph::v1::ListEntitiesResponse> ListEntities(
      const newsgraph::v1::ListEntitiesRequest& request);
  absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> ResolveEntities(const std::string& text);
  absl::StatusOr<newsgraph::v1::ListMentionsResponse> ListMentions(
      const newsgraph::v1::ListMentionsRequest& request);

  // --- Search ---
  absl::StatusOr<newsgraph::v1::SearchResponse> Search(const newsgraph::v1::SearchRequest& request);
  absl::StatusOr<newsgraph::v1::IndexStats> GetIndexStats();

  // The generated stubs, for calls the client does not wrap.
  newsgraph::v1::IngestService::Stub& ingest_stub() { return *ingest_; }
  newsgraph::v1::EntityService::Stub& entity_stub() { return *entity_; }
  newsgraph::v1::SearchService::Stub& search_stub() { return *search_; }

 private:
  std::unique_ptr<newsgraph::v1::IngestService::Stub> ingest_;
  std::unique_ptr<newsgraph::v1::EntityService::Stub> entity_;
  std::unique_ptr<newsgraph::v1::SearchService::Stub> search_;
  ClientOptions options_;
};

// The gRPC service config (JSON) the client uses: retry policy for the
// idempotent methods. Exposed for teams that build their own channels.
std::string ClientServiceConfigJson(int max_attempts);

}  // namespace newsgraph

#endif  // NEWSGRAPH_CLIENT_H_
