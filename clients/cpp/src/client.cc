#include "newsgraph/client.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/common/grpc_status.h"
#include "services/common/request_id.h"

namespace newsgraph {
namespace {

using newsgraph::v1::BatchIngestDocumentsRequest;
using newsgraph::v1::BatchIngestDocumentsResponse;

// Sets the call's deadline and a new W3C traceparent: the servers' log lines
// about the call carry its trace id, and a retry of the call keeps it.
void SetTimeout(grpc::ClientContext* context, absl::Duration timeout) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)));
  context->AddMetadata(kTraceparentKey, TraceparentFor(""));
}

// Runs one unary call with a deadline and converts the result.
template <typename Response, typename Call>
absl::StatusOr<Response> Unary(absl::Duration timeout, Call&& call) {
  grpc::ClientContext context;
  SetTimeout(&context, timeout);
  Response response;
  grpc::Status status = call(&context, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target,
                                           const ClientOptions& options) {
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(ClientServiceConfigJson(options.max_attempts));
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options.tls_ca_pem.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_ca_pem;
    ssl.pem_cert_chain = options.tls_cert_pem;
    ssl.pem_private_key = options.tls_key_pem;
    credentials = grpc::SslCredentials(ssl);
    if (!options.tls_server_name.empty()) {
      args.SetSslTargetNameOverride(options.tls_server_name);
    }
    if (!options.bearer_token.empty()) {
      credentials = grpc::CompositeChannelCredentials(
          credentials, grpc::AccessTokenCredentials(options.bearer_token));
    }
  }
  return grpc::CreateCustomChannel(target, credentials, args);
}

}  // namespace

std::string ClientServiceConfigJson(int max_attempts) {
  // Calls whose repeat answers as the first would have (reads; ingest, which
  // acknowledges the same content again as UNCHANGED; the search service's
  // idempotent index updates). Not DeleteDocument or RetryDocument: after a
  // lost response, a repeat would report NOT_FOUND or FAILED_PRECONDITION
  // for a call that worked.
  const std::vector<std::pair<const char*, std::vector<const char*>>> idempotent = {
      {"newsgraph.v1.IngestService",
       {"IngestDocument", "GetDocument", "ListDocuments", "GetIngestJob"}},
      {"newsgraph.v1.EntityService",
       {"AnalyzeText", "GetEntity", "ListEntities", "ResolveEntities", "ListMentions",
        "ListRelatedEntities", "ListQuotes"}},
      {"newsgraph.v1.SearchService",
       {"Search", "GetIndexStats", "IndexDocument", "RemoveDocument"}},
  };
  std::vector<std::string> names;
  for (const auto& [service, methods] : idempotent) {
    for (const char* method : methods) {
      names.push_back(absl::StrCat(R"({"service":")", service, R"(","method":")", method, R"("})"));
    }
  }
  return absl::StrCat(R"({"methodConfig":[{"name":[)", absl::StrJoin(names, ","),
                      R"(],"retryPolicy":{"maxAttempts":)", std::max(2, std::min(max_attempts, 5)),
                      R"(,"initialBackoff":"0.1s","maxBackoff":"2s","backoffMultiplier":2,)",
                      R"("retryableStatusCodes":["UNAVAILABLE"]}}]})");
}

absl::StatusOr<std::unique_ptr<Client>> Client::Create(const ClientOptions& options) {
  if (options.target.empty()) return absl::InvalidArgumentError("ClientOptions.target is empty");
  if (!options.bearer_token.empty() && options.tls_ca_pem.empty()) {
    return absl::InvalidArgumentError(
        "ClientOptions.bearer_token requires TLS (tls_ca_pem): tokens must not travel in clear");
  }
  auto pick = [&](const std::string& t) { return t.empty() ? options.target : t; };
  std::shared_ptr<grpc::Channel> shared = MakeChannel(options.target, options);
  auto channel_for = [&](const std::string& t) {
    return t.empty() || t == options.target ? shared : MakeChannel(pick(t), options);
  };
  return std::make_unique<Client>(channel_for(options.ingest_target),
                                  channel_for(options.entity_target),
                                  channel_for(options.search_target), options);
}

Client::Client(std::shared_ptr<grpc::Channel> ingest, std::shared_ptr<grpc::Channel> entity,
               std::shared_ptr<grpc::Channel> search, const ClientOptions& options)
    : ingest_(newsgraph::v1::IngestService::NewStub(ingest)),
      entity_(newsgraph::v1::EntityService::NewStub(entity)),
      search_(newsgraph::v1::SearchService::NewStub(search)),
      options_(options) {}

Client::~Client() = default;

absl::StatusOr<newsgraph::v1::IngestDocumentResponse> Client::IngestDocument(
    const newsgraph::v1::DocumentInput& document, bool repair_invalid_utf8) {
  newsgraph::v1::IngestDocumentRequest request;
  *request.mutable_document() = document;
  request.set_repair_invalid_utf8(repair_invalid_utf8);
  return Unary<newsgraph::v1::IngestDocumentResponse>(
      options_.write_timeout,
      [&](auto* ctx, auto* resp) { return ingest_->IngestDocument(ctx, request, resp); });
}

absl::StatusOr<BatchIngestSummary> Client::BatchIngest(
    const std::vector<newsgraph::v1::DocumentInput>& documents,
    const std::function<void(const BatchIngestDocumentsResponse&)>& on_ack) {
  BatchIngestSummary summary;
  if (documents.empty()) return summary;
  grpc::ClientContext context;
  SetTimeout(&context, options_.write_timeout + absl::Seconds(2) * documents.size());
  auto stream = ingest_->BatchIngestDocuments(&context);
  // The writer runs beside the reader; gRPC flow control bounds what is in flight.
  std::thread writer([&] {
    for (size_t i = 0; i < documents.size(); ++i) {
      BatchIngestDocumentsRequest request;
      *request.mutable_document() = documents[i];
      request.set_sequence(static_cast<int64_t>(i));
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  BatchIngestDocumentsResponse ack;
  absl::flat_hash_set<std::string> seen;
  while (stream->Read(&ack)) {
    summary.job = ack.job();
    if (ack.error_code() == 0) {
      ++summary.accepted;
      if (ack.outcome() == newsgraph::v1::DUPLICATE || ack.outcome() == newsgraph::v1::UNCHANGED) {
        ++summary.duplicates;
      }
      if (!ack.duplicate_of().empty()) ++summary.exact_duplicates;
      if (!ack.near_duplicate_of().empty()) ++summary.near_duplicates;
      if (seen.insert(ack.document()).second) summary.documents.push_back(ack.document());
    } else {
      ++summary.rejected;
    }
    if (on_ack) on_ack(ack);
  }
  writer.join();
  grpc::Status status = stream->Finish();
  if (!status.ok()) return FromGrpcStatus(status);
  if (summary.accepted + summary.rejected != static_cast<int64_t>(documents.size())) {
    return absl::UnavailableError(absl::StrCat("batch stream ended after ",
                                               summary.accepted + summary.rejected, " of ",
                                               documents.size(), " acknowledgements"));
  }
  return summary;
}

absl::StatusOr<newsgraph::v1::Document> Client::GetDocument(const std::string& name,
                                                            newsgraph::v1::DocumentView view) {
  newsgraph::v1::GetDocumentRequest request;
  request.set_name(name);
  request.set_view(view);
  return Unary<newsgraph::v1::Document>(options_.read_timeout, [&](auto* ctx, auto* resp) {
    return ingest_->GetDocument(ctx, request, resp);
  });
}

absl::StatusOr<newsgraph::v1::ListDocumentsResponse> Client::ListDocuments(
    const newsgraph::v1::ListDocumentsRequest& request) {
  return Unary<newsgraph::v1::ListDocumentsResponse>(
      options_.read_timeout,
      [&](auto* ctx, auto* resp) { return ingest_->ListDocuments(ctx, request, resp); });
}

absl::Status Client::DeleteDocument(const std::string& name) {
  newsgraph::v1::DeleteDocumentRequest request;
  request.set_name(name);
  return Unary<newsgraph::v1::DeleteDocumentResponse>(
             options_.write_timeout,
             [&](auto* ctx, auto* resp) { return ingest_->DeleteDocument(ctx, request, resp); })
      .status();
}

absl::StatusOr<newsgraph::v1::Document> Client::RetryDocument(const std::string& name) {
  newsgraph::v1::RetryDocumentRequest request;
  request.set_name(name);
  return Unary<newsgraph::v1::Document>(
      options_.write_timeout,
      [&](auto* ctx, auto* resp) { return ingest_->RetryDocument(ctx, request, resp); });
}

absl::StatusOr<newsgraph::v1::Backup> Client::CreateBackup(const std::string& backup_id) {
  newsgraph::v1::CreateBackupRequest request;
  request.set_backup_id(backup_id);
  return Unary<newsgraph::v1::Backup>(options_.write_timeout, [&](auto* ctx, auto* resp) {
    return ingest_->CreateBackup(ctx, request, resp);
  });
}

absl::StatusOr<newsgraph::v1::ReindexProgress> Client::Reindex(
    const newsgraph::v1::ReindexRequest& request,
    const std::function<void(const newsgraph::v1::ReindexProgress&)>& on_progress,
    absl::Duration timeout) {
  grpc::ClientContext context;
  SetTimeout(&context, timeout);
  std::unique_ptr<grpc::ClientReader<newsgraph::v1::ReindexProgress>> reader =
      ingest_->Reindex(&context, request);
  newsgraph::v1::ReindexProgress progress, last;
  while (reader->Read(&progress)) {
    if (on_progress) on_progress(progress);
    last = progress;
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return FromGrpcStatus(status);
  return last;
}

absl::StatusOr<newsgraph::v1::IngestJob> Client::GetIngestJob(const std::string& name) {
  newsgraph::v1::GetIngestJobRequest request;
  request.set_name(name);
  return Unary<newsgraph::v1::IngestJob>(options_.read_timeout, [&](auto* ctx, auto* resp) {
    return ingest_->GetIngestJob(ctx, request, resp);
  });
}

absl::StatusOr<newsgraph::v1::Document> Client::WaitUntilProcessed(const std::string& name,
                                                                   absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::Duration pause = absl::Milliseconds(10);
  while (true) {
    absl::StatusOr<newsgraph::v1::Document> doc = GetDocument(name, newsgraph::v1::METADATA);
    if (!doc.ok()) return doc.status();
    if (doc->state() == newsgraph::v1::INDEXED || doc->state() == newsgraph::v1::FAILED) return doc;
    if (absl::Now() + pause > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(name, " is still ", newsgraph::v1::PipelineState_Name(doc->state()),
                       " after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(pause);
    pause = std::min(pause * 2, absl::Milliseconds(200));
  }
}

absl::StatusOr<newsgraph::v1::AnalyzeTextResponse> Client::AnalyzeText(const std::string& text) {
  newsgraph::v1::AnalyzeTextRequest request;
  request.set_text(text);
  return Unary<newsgraph::v1::AnalyzeTextResponse>(
      options_.read_timeout,
      [&](auto* ctx, auto* resp) { return entity_->AnalyzeText(ctx, request, resp); });
}

absl::StatusOr<newsgraph::v1::Entity> Client::GetEntity(const std::string& name) {
  newsgraph::v1::GetEntityRequest request;
  request.set_name(name);
  return Unary<newsgraph::v1::Entity>(options_.read_timeout, [&](auto* ctx, auto* resp) {
    return entity_->GetEntity(ctx, request, resp);
  });
}

absl::StatusOr<newsgraph::v1::ListEntitiesResponse> Client::ListEntities(
    const newsgraph::v1::ListEntitiesRequest& request) {
  return Unary<newsgraph::v1::ListEntitiesResponse>(
      options_.read_timeout,
      [&](auto* ctx, auto* resp) { return entity_->ListEntities(ctx, request, resp); });
}

absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> Client::ResolveEntities(
    const std::string& text) {
  newsgraph::v1::ResolveEntitiesRequest request;
  request.set_text(text);
  return Unary<newsgraph::v1::ResolveEntitiesResponse>(
      options_.read_timeout,
      [&](auto* ctx, auto* resp) { return entity_->ResolveEntities(ctx, request, resp); });
}

absl::StatusOr<newsgraph::v1::ListMentionsResponse> Client::ListMentions(
    const newsgraph::v1::ListMentionsRequest& request) {
  return Unary<newsgraph::v1::ListMentionsResponse>(
      options_.read_timeout,
      [&](auto* ctx, auto* resp) { return entity_->ListMentions(ctx, request, resp); });
}

absl::StatusOr<newsgraph::v1::SearchResponse> Client::Search(
    const newsgraph::v1::SearchRequest& request) {
  return Unary<newsgraph::v1::SearchResponse>(options_.read_timeout, [&](auto* ctx, auto* resp) {
    return search_->Search(ctx, request, resp);
  });
}

absl::StatusOr<newsgraph::v1::IndexStats> Client::GetIndexStats() {
  newsgraph::v1::GetIndexStatsRequest request;
  return Unary<newsgraph::v1::IndexStats>(options_.read_timeout, [&](auto* ctx, auto* resp) {
    return search_->GetIndexStats(ctx, request, resp);
  });
}

}  // namespace newsgraph
