#include "services/entity/entity_grpc_service.h"

#include <string>
#include <vector>

#include "services/common/grpc_status.h"

namespace newsgraph::entity {
namespace {

// Calls `method` and moves its value into `response`, or maps its error
// (as the stop of `context`'s call when that ended it; nullptr: no stop).
template <typename Response, typename Fn>
grpc::Status Respond(const grpc::ServerContextBase* context, Response* response, Fn&& method) {
  auto result = method();
  if (!result.ok()) {
    return context != nullptr ? ToGrpcStatus(result.status(), *context)
                              : ToGrpcStatus(result.status());
  }
  *response = *std::move(result);
  return grpc::Status::OK;
}

// ANNOTATION_VIEW_ENTITIES: no mentions, quotes or roles.
void TrimToEntities(newsgraph::v1::AnnotateDocumentResponse* annotations) {
  annotations->clear_mentions();
  annotations->clear_quotes();
  annotations->clear_roles();
}

}  // namespace

grpc::Status EntityGrpcService::AnalyzeText(grpc::ServerContext* context,
                                            const newsgraph::v1::AnalyzeTextRequest* request,
                                            newsgraph::v1::AnalyzeTextResponse* response) {
  return Respond(context, response, [&] {
    return core_->AnalyzeText(*request, CallStopPredicate(context));
  });
}

grpc::Status EntityGrpcService::AnnotateDocument(
    grpc::ServerContext* context, const newsgraph::v1::AnnotateDocumentRequest* request,
    newsgraph::v1::AnnotateDocumentResponse* response) {
  // A cancelled call (client gone, deadline passed, server shutting down)
  // stops recognizing instead of finishing work nobody will read.
  return Respond(context, response, [&]() -> absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> {
    absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> annotated =
        core_->AnnotateDocument(*request, CallStopPredicate(context));
    if (annotated.ok() && request->view() == newsgraph::v1::ANNOTATION_VIEW_ENTITIES) {
      TrimToEntities(&*annotated);
    }
    return annotated;
  });
}

grpc::Status EntityGrpcService::BatchAnnotateDocuments(
    grpc::ServerContext* context, const newsgraph::v1::BatchAnnotateDocumentsRequest* request,
    newsgraph::v1::BatchAnnotateDocumentsResponse* response) {
  std::vector<const newsgraph::v1::AnnotateDocumentRequest*> requests(
      request->requests().pointer_begin(), request->requests().pointer_end());
  auto results = core_->BatchAnnotateDocuments(requests, CallStopPredicate(context));
  if (!results.ok()) return ToGrpcStatus(results.status(), *context);
  for (size_t i = 0; i < results->size(); ++i) {
    absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse>& one = (*results)[i];
    newsgraph::v1::AnnotateDocumentResult* result = response->add_results();
    if (!one.ok()) {
      result->set_error_code(static_cast<int32_t>(one.status().code()));
      result->set_error_message(std::string(one.status().message()));
      continue;
    }
    if (requests[i]->view() == newsgraph::v1::ANNOTATION_VIEW_ENTITIES) TrimToEntities(&*one);
    *result->mutable_response() = *std::move(one);
  }
  return grpc::Status::OK;
}

grpc::Status EntityGrpcService::DeleteDocumentAnnotations(
    grpc::ServerContext*, const newsgraph::v1::DeleteDocumentAnnotationsRequest* request,
    newsgraph::v1::DeleteDocumentAnnotationsResponse* response) {
  absl::StatusOr<int64_t> removed = core_->DeleteDocumentAnnotations(request->document());
  if (!removed.ok()) return ToGrpcStatus(removed.status());
  response->set_removed_mention_count(*removed);
  return grpc::Status::OK;
}

grpc::Status EntityGrpcService::GetEntity(grpc::ServerContext*,
                                          const newsgraph::v1::GetEntityRequest* request,
                                          newsgraph::v1::Entity* response) {
  return Respond(nullptr, response, [&] { return core_->GetEntity(request->name()); });
}

grpc::Status EntityGrpcService::ListEntities(grpc::ServerContext* context,
                                             const newsgraph::v1::ListEntitiesRequest* request,
                                             newsgraph::v1::ListEntitiesResponse* response) {
  return Respond(context, response,
                 [&] { return core_->ListEntities(*request, CallStopPredicate(context)); });
}

grpc::Status EntityGrpcService::ResolveEntities(
    grpc::ServerContext* context, const newsgraph::v1::ResolveEntitiesRequest* request,
    newsgraph::v1::ResolveEntitiesResponse* response) {
  return Respond(context, response,
                 [&] { return core_->ResolveEntities(*request, CallStopPredicate(context)); });
}

grpc::Status EntityGrpcService::ListMentions(grpc::ServerContext* context,
                                             const newsgraph::v1::ListMentionsRequest* request,
                                             newsgraph::v1::ListMentionsResponse* response) {
  return Respond(context, response,
                 [&] { return core_->ListMentions(*request, CallStopPredicate(context)); });
}

grpc::Status EntityGrpcService::ListRelatedEntities(
    grpc::ServerContext* context, const newsgraph::v1::ListRelatedEntitiesRequest* request,
    newsgraph::v1::ListRelatedEntitiesResponse* response) {
  // A popular entity has millions of evidence keys: the scan stops with the call.
  return Respond(context, response, [&] {
    return core_->ListRelatedEntities(*request, CallStopPredicate(context));
  });
}

grpc::Status EntityGrpcService::ListQuotes(grpc::ServerContext* context,
                                           const newsgraph::v1::ListQuotesRequest* request,
                                           newsgraph::v1::ListQuotesResponse* response) {
  return Respond(context, response, [&] { return core_->ListQuotes(*request, CallStopPredicate(context)); });
}

grpc::Status EntityGrpcService::MergeEntities(grpc::ServerContext* context,
                                              const newsgraph::v1::MergeEntitiesRequest* request,
                                              newsgraph::v1::Entity* response) {
  return Respond(context, response,
                 [&] { return core_->MergeEntities(*request, CallStopPredicate(context)); });
}

grpc::Status EntityGrpcService::UpdateEntity(grpc::ServerContext*,
                                             const newsgraph::v1::UpdateEntityRequest* request,
                                             newsgraph::v1::Entity* response) {
  return Respond(nullptr, response, [&] { return core_->UpdateEntity(*request); });
}

grpc::Status EntityGrpcService::CreateCheckpoint(
    grpc::ServerContext*, const newsgraph::v1::CreateCheckpointRequest* request,
    newsgraph::v1::Checkpoint* response) {
  return Respond(nullptr, response,
                 [&] { return CheckpointFor(checkpointer_, request->backup_id()); });
}

}  // namespace newsgraph::entity
