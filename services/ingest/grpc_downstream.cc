#include "services/ingest/grpc_downstream.h"

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/grpc_status.h"
#include "services/common/log.h"
#include "services/common/request_id.h"

namespace newsgraph::ingest {

using newsgraph::v1::AnnotateDocumentResponse;
using newsgraph::v1::Document;

GrpcPipelineDownstream::GrpcPipelineDownstream(std::shared_ptr<grpc::Channel> entity_channel,
                                               std::shared_ptr<grpc::Channel> search_channel,
                                               absl::Duration call_timeout)
    : entity_(newsgraph::v1::EntityService::NewStub(entity_channel)),
      search_(newsgraph::v1::SearchService::NewStub(search_channel)),
      call_timeout_(call_timeout) {}

namespace {

absl::Status Stopping() { return absl::CancelledError("the pipeline is stopping"); }

}  // namespace

GrpcPipelineDownstream::TrackedContext::TrackedContext(GrpcPipelineDownstream* owner)
    : owner_(owner) {
  context_.set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(absl::ToInt64Milliseconds(owner->call_timeout_)));
  // The pipeline's batch (or document) id: the services' log lines about
  // the call carry it.
  context_.AddMetadata(kTraceparentKey, TraceparentFor(CurrentRequestId()));
  newsgraph::MutexLock lock(&owner_->mu_);
  if (owner_->cancelled_) return;
  owner_->in_flight_.insert(&context_);
  admitted_ = true;
}

GrpcPipelineDownstream::TrackedContext::~TrackedContext() {
  newsgraph::MutexLock lock(&owner_->mu_);
  owner_->in_flight_.erase(&context_);
}

void GrpcPipelineDownstream::CancelCalls() {
  newsgraph::MutexLock lock(&mu_);
  cancelled_ = true;
  for (grpc::ClientContext* context : in_flight_) context->TryCancel();
}

namespace {

// The AnnotateDocument request for a stored document.
void FillAnnotateRequest(const Document& document, bool reannotate,
                         newsgraph::v1::AnnotateDocumentRequest* request) {
  request->set_reannotate(reannotate);
  request->set_document(document.name());
  request->set_version(document.version());
  request->set_text(document.text());
  request->set_title(document.title());
  request->set_language(document.language());
  if (document.has_published_time()) *request->mutable_published_time() = document.published_time();
  *request->mutable_paragraphs() = document.paragraphs();
  *request->mutable_passages() = document.passages();
  // The index needs entities and counts, not every mention: the full
  // annotations of a long document can outgrow the message limit.
  request->set_view(newsgraph::v1::ANNOTATION_VIEW_ENTITIES);
}

// The IndexDocument request for a document and its annotations.
void FillIndexRequest(const Document& document, const AnnotateDocumentResponse& annotations,
                      bool reindex, newsgraph::v1::IndexDocumentRequest* request) {
  request->set_reindex(reindex);
  *request->mutable_document() = document;
  request->mutable_document()->clear_removed_boilerplate();
  *request->mutable_entities() = annotations.entities();
  *request->mutable_mentions() = annotations.mentions();
}

}  // namespace

absl::StatusOr<AnnotateDocumentResponse> GrpcPipelineDownstream::Annotate(
    const Document& document) {
  return AnnotateOne(document, /*reannotate=*/false);
}

absl::StatusOr<AnnotateDocumentResponse> GrpcPipelineDownstream::Reannotate(
    const Document& document) {
  return AnnotateOne(document, /*reannotate=*/true);
}

absl::Status GrpcPipelineDownstream::Index(const Document& document,
                                           const AnnotateDocumentResponse& annotations) {
  return IndexOne(document, annotations, /*reindex=*/false);
}

absl::Status GrpcPipelineDownstream::Reindex(const Document& document,
                                             const AnnotateDocumentResponse& annotations) {
  return IndexOne(document, annotations, /*reindex=*/true);
}

absl::StatusOr<std::vector<absl::StatusOr<AnnotateDocumentResponse>>>
GrpcPipelineDownstream::AnnotateBatch(absl::Span<const Document* const> documents) {
  return AnnotateMany(documents, /*reannotate=*/false);
}

absl::StatusOr<std::vector<absl::StatusOr<AnnotateDocumentResponse>>>
GrpcPipelineDownstream::ReannotateBatch(absl::Span<const Document* const> documents) {
  return AnnotateMany(documents, /*reannotate=*/true);
}

absl::Status GrpcPipelineDownstream::IndexBatch(
    absl::Span<const Document* const> documents,
    absl::Span<const AnnotateDocumentResponse* const> annotations) {
  return IndexMany(documents, annotations, /*reindex=*/false);
}

absl::Status GrpcPipelineDownstream::ReindexBatch(
    absl::Span<const Document* const> documents,
    absl::Span<const AnnotateDocumentResponse* const> annotations) {
  return IndexMany(documents, annotations, /*reindex=*/true);
}

absl::StatusOr<AnnotateDocumentResponse> GrpcPipelineDownstream::AnnotateOne(
    const Document& document, bool reannotate) {
  newsgraph::v1::AnnotateDocumentRequest request;
  FillAnnotateRequest(document, reannotate, &request);
  TrackedContext context(this);
  if (!context.admitted()) return Stopping();
  AnnotateDocumentResponse response;
  grpc::Status status = entity_->AnnotateDocument(context.get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::Status GrpcPipelineDownstream::IndexOne(const Document& document,
                                              const AnnotateDocumentResponse& annotations,
                                              bool reindex) {
  newsgraph::v1::IndexDocumentRequest request;
  FillIndexRequest(document, annotations, reindex, &request);
  TrackedContext context(this);
  if (!context.admitted()) return Stopping();
  newsgraph::v1::IndexDocumentResponse response;
  return FromGrpcStatus(search_->IndexDocument(context.get(), request, &response));
}

absl::StatusOr<std::vector<absl::StatusOr<AnnotateDocumentResponse>>>
GrpcPipelineDownstream::AnnotateMany(absl::Span<const Document* const> documents, bool reannotate) {
  newsgraph::v1::BatchAnnotateDocumentsRequest request;
  for (const Document* document : documents) {
    FillAnnotateRequest(*document, reannotate, request.add_requests());
  }
  TrackedContext context(this);
  if (!context.admitted()) return Stopping();
  newsgraph::v1::BatchAnnotateDocumentsResponse response;
  grpc::Status status = entity_->BatchAnnotateDocuments(context.get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  if (response.results_size() != static_cast<int>(documents.size())) {
    return absl::InternalError(absl::StrCat("BatchAnnotateDocuments answered ",
                                            response.results_size(), " results for ",
                                            documents.size(), " documents"));
  }
  std::vector<absl::StatusOr<AnnotateDocumentResponse>> results;
  for (newsgraph::v1::AnnotateDocumentResult& result : *response.mutable_results()) {
    if (result.error_code() != 0) {
      results.push_back(absl::Status(static_cast<absl::StatusCode>(result.error_code()),
                                     result.error_message()));
    } else {
      results.push_back(std::move(*result.mutable_response()));
    }
  }
  return results;
}

absl::Status GrpcPipelineDownstream::IndexMany(
    absl::Span<const Document* const> documents,
    absl::Span<const AnnotateDocumentResponse* const> annotations, bool reindex) {
  newsgraph::v1::BatchIndexDocumentsRequest request;
  for (size_t i = 0; i < documents.size(); ++i) {
    FillIndexRequest(*documents[i], *annotations[i], reindex, request.add_requests());
  }
  TrackedContext context(this);
  if (!context.admitted()) return Stopping();
  newsgraph::v1::BatchIndexDocumentsResponse response;
  return FromGrpcStatus(search_->BatchIndexDocuments(context.get(), request, &response));
}

absl::Status GrpcPipelineDownstream::Remove(const std::string& document_name) {
  {
    newsgraph::v1::DeleteDocumentAnnotationsRequest request;
    request.set_document(document_name);
    TrackedContext context(this);
    if (!context.admitted()) return Stopping();
    newsgraph::v1::DeleteDocumentAnnotationsResponse response;
    grpc::Status status = entity_->DeleteDocumentAnnotations(context.get(), request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
  }
  newsgraph::v1::RemoveDocumentRequest request;
  request.set_document(document_name);
  TrackedContext context(this);
  if (!context.admitted()) return Stopping();
  newsgraph::v1::RemoveDocumentResponse response;
  return FromGrpcStatus(search_->RemoveDocument(context.get(), request, &response));
}

absl::StatusOr<newsgraph::v1::Checkpoint> GrpcPipelineDownstream::CheckpointEntities(
    const std::string& backup_id) {
  return CallCreateCheckpoint(backup_id, [this](auto* context, auto& request, auto* response) {
    return entity_->CreateCheckpoint(context, request, response);
  });
}

absl::StatusOr<newsgraph::v1::Checkpoint> GrpcPipelineDownstream::CheckpointSearch(
    const std::string& backup_id) {
  return CallCreateCheckpoint(backup_id, [this](auto* context, auto& request, auto* response) {
    return search_->CreateCheckpoint(context, request, response);
  });
}

absl::StatusOr<newsgraph::v1::Checkpoint> GrpcPipelineDownstream::CallCreateCheckpoint(
    const std::string& backup_id, const CheckpointCall& call) {
  newsgraph::v1::CreateCheckpointRequest request;
  request.set_backup_id(backup_id);
  TrackedContext context(this);
  if (!context.admitted()) return Stopping();
  newsgraph::v1::Checkpoint response;
  grpc::Status status = call(context.get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

}  // namespace newsgraph::ingest
