#include "services/ingest/grpc_downstream.h"

#include <chrono>

#include "services/common/grpc_status.h"

namespace newsgraph::ingest {

using newsgraph::v1::AnnotateDocumentResponse;
using newsgraph::v1::Document;

GrpcPipelineDownstream::GrpcPipelineDownstream(std::shared_ptr<grpc::Channel> entity_channel,
                                               std::shared_ptr<grpc::Channel> search_channel,
                                               absl::Duration call_timeout)
    : entity_(newsgraph::v1::EntityService::NewStub(entity_channel)),
      search_(newsgraph::v1::SearchService::NewStub(search_channel)),
      call_timeout_(call_timeout) {}

void GrpcPipelineDownstream::SetDeadline(grpc::ClientContext* context) const {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(absl::ToInt64Milliseconds(call_timeout_)));
}

absl::StatusOr<AnnotateDocumentResponse> GrpcPipelineDownstream::Annotate(
    const Document& document) {
  newsgraph::v1::AnnotateDocumentRequest request;
  request.set_document(document.name());
  request.set_version(document.version());
  request.set_text(document.text());
  request.set_title(document.title());
  request.set_language(document.language());
  if (document.has_published_time()) *request.mutable_published_time() = document.published_time();
  *request.mutable_paragraphs() = document.paragraphs();
  *request.mutable_passages() = document.passages();
  grpc::ClientContext context;
  SetDeadline(&context);
  AnnotateDocumentResponse response;
  grpc::Status status = entity_->AnnotateDocument(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::Status GrpcPipelineDownstream::Index(const Document& document,
                                           const AnnotateDocumentResponse& annotations) {
  newsgraph::v1::IndexDocumentRequest request;
  *request.mutable_document() = document;
  request.mutable_document()->clear_removed_boilerplate();
  *request.mutable_entities() = annotations.entities();
  *request.mutable_mentions() = annotations.mentions();
  grpc::ClientContext context;
  SetDeadline(&context);
  newsgraph::v1::IndexDocumentResponse response;
  return FromGrpcStatus(search_->IndexDocument(&context, request, &response));
}

absl::Status GrpcPipelineDownstream::Remove(const std::string& document_name) {
  {
    newsgraph::v1::DeleteDocumentAnnotationsRequest request;
    request.set_document(document_name);
    grpc::ClientContext context;
    SetDeadline(&context);
    newsgraph::v1::DeleteDocumentAnnotationsResponse response;
    grpc::Status status = entity_->DeleteDocumentAnnotations(&context, request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
  }
  newsgraph::v1::RemoveDocumentRequest request;
  request.set_document(document_name);
  grpc::ClientContext context;
  SetDeadline(&context);
  newsgraph::v1::RemoveDocumentResponse response;
  return FromGrpcStatus(search_->RemoveDocument(&context, request, &response));
}

}  // namespace newsgraph::ingest
