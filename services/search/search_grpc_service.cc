#include "services/search/search_grpc_service.h"

#include "absl/strings/str_cat.h"
#include "services/common/grpc_status.h"
#include "services/common/log.h"

namespace newsgraph::search {

grpc::Status SearchGrpcService::IndexDocument(grpc::ServerContext*,
                                              const newsgraph::v1::IndexDocumentRequest* request,
                                              newsgraph::v1::IndexDocumentResponse* response) {
  absl::StatusOr<newsgraph::v1::IndexDocumentResponse> result = index_->IndexDocument(*request);
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status SearchGrpcService::BatchIndexDocuments(
    grpc::ServerContext*, const newsgraph::v1::BatchIndexDocumentsRequest* request,
    newsgraph::v1::BatchIndexDocumentsResponse* response) {
  std::vector<const newsgraph::v1::IndexDocumentRequest*> requests(
      request->requests().pointer_begin(), request->requests().pointer_end());
  absl::StatusOr<std::vector<newsgraph::v1::IndexDocumentResponse>> result =
      index_->IndexDocuments(absl::MakeConstSpan(requests));
  if (!result.ok()) return ToGrpcStatus(result.status());
  for (newsgraph::v1::IndexDocumentResponse& one : *result) {
    *response->add_responses() = std::move(one);
  }
  return grpc::Status::OK;
}

grpc::Status SearchGrpcService::RemoveDocument(grpc::ServerContext*,
                                               const newsgraph::v1::RemoveDocumentRequest* request,
                                               newsgraph::v1::RemoveDocumentResponse* response) {
  absl::StatusOr<bool> removed = index_->RemoveDocument(request->document());
  if (!removed.ok()) return ToGrpcStatus(removed.status());
  response->set_removed(*removed);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* SearchGrpcService::Search(grpc::CallbackServerContext* context,
                                                     const newsgraph::v1::SearchRequest* request,
                                                     newsgraph::v1::SearchResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // The call's id, which the interceptor set on this thread; the search may
  // run on a pool thread, whose log lines and entity calls must carry it.
  auto run = [this, context, reactor, request, response, request_id = CurrentRequestId()] {
    const ScopedRequestId scoped(request_id);
    // The search stops soon after the call is cancelled or its deadline passes.
    auto stop = [context] { return CallStopStatus(*context); };
    absl::StatusOr<newsgraph::v1::SearchResponse> result = searcher_->Search(*request, stop);
    if (!result.ok()) {
      reactor->Finish(ToGrpcStatus(result.status(), *context));
      return;
    }
    *response = *std::move(result);
    reactor->Finish(grpc::Status::OK);
  };
  if (!searcher_->MayCallEntityService(*request)) {
    run();
  } else if (!blocking_pool_.TrySubmit(run)) {
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 "too many searches are waiting on the entity service; retry "
                                 "with backoff"));
  }
  return reactor;
}

grpc::Status SearchGrpcService::GetIndexStats(grpc::ServerContext*,
                                              const newsgraph::v1::GetIndexStatsRequest*,
                                              newsgraph::v1::IndexStats* response) {
  absl::StatusOr<newsgraph::v1::IndexStats> stats = index_->GetIndexStats();
  if (!stats.ok()) return ToGrpcStatus(stats.status());
  *response = *std::move(stats);
  return grpc::Status::OK;
}

grpc::Status SearchGrpcService::CreateCheckpoint(
    grpc::ServerContext*, const newsgraph::v1::CreateCheckpointRequest* request,
    newsgraph::v1::Checkpoint* response) {
  absl::StatusOr<newsgraph::v1::Checkpoint> checkpoint =
      CheckpointFor(checkpointer_, request->backup_id());
  if (!checkpoint.ok()) return ToGrpcStatus(checkpoint.status());
  *response = *std::move(checkpoint);
  return grpc::Status::OK;
}

}  // namespace newsgraph::search
