#include "services/ingest/ingest_grpc_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/grpc_status.h"

namespace newsgraph::ingest {

using newsgraph::v1::BatchIngestDocumentsRequest;
using newsgraph::v1::BatchIngestDocumentsResponse;

namespace {

// The call's deadline, capped at `cap` from now.
absl::Time DeadlineOf(const grpc::ServerContext& context, absl::Duration cap) {
  const absl::Time capped = absl::Now() + cap;
  const absl::Time call = absl::FromChrono(context.deadline());
  return std::min(call, capped);
}

}  // namespace

grpc::Status IngestGrpcService::IngestDocument(grpc::ServerContext* context,
                                               const newsgraph::v1::IngestDocumentRequest* request,
                                               newsgraph::v1::IngestDocumentResponse* response) {
  if (!request->has_document()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "document is required");
  }
  absl::StatusOr<IngestResult> result =
      core_->Ingest(request->document(), request->repair_invalid_utf8());
  if (!result.ok()) return ToGrpcStatus(result.status());
  if (request->wait_until_indexed()) {
    absl::StatusOr<newsgraph::v1::Document> processed =
        core_->WaitUntilProcessed(result->document.name(), result->document.version(),
                                  DeadlineOf(*context, absl::Seconds(60)));
    if (!processed.ok()) return ToGrpcStatus(processed.status());
    result->document = *std::move(processed);
    if (result->outcome == newsgraph::v1::DUPLICATE) {
      result->document.set_duplicate_of(result->document.name());
    }
  }
  *response->mutable_document() = std::move(result->document);
  response->set_outcome(result->outcome);
  return grpc::Status::OK;
}

grpc::Status IngestGrpcService::BatchIngestDocuments(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<BatchIngestDocumentsResponse, BatchIngestDocumentsRequest>* stream) {
  std::string job;
  BatchIngestDocumentsRequest request;
  while (true) {
    // Backpressure: while the pipeline backlog is full, stop reading, so
    // gRPC flow control slows the client down.
    while (!core_->WaitForBacklogRoom(absl::Now() + absl::Seconds(1))) {
      if (context->IsCancelled()) break;
    }
    if (context->IsCancelled() || !stream->Read(&request)) break;
    if (job.empty()) {
      if (request.job().empty()) {
        absl::StatusOr<std::string> created = core_->CreateJob();
        if (!created.ok()) return ToGrpcStatus(created.status());
        job = *created;
      } else {
        absl::StatusOr<newsgraph::v1::IngestJob> existing = core_->GetJob(request.job());
        if (!existing.ok()) return ToGrpcStatus(existing.status());
        job = request.job();
      }
    } else if (!request.job().empty() && request.job() != job) {
      return grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("message ", request.sequence(), " names job '", request.job(),
                       "' but the stream is attached to '", job, "'"));
    }
    BatchIngestDocumentsResponse ack;
    ack.set_job(job);
    ack.set_sequence(request.sequence());
    absl::StatusOr<IngestResult> result =
        request.has_document()
            ? core_->Ingest(request.document(), request.repair_invalid_utf8(), job)
            : absl::InvalidArgumentError("document is required");
    if (result.ok()) {
      ack.set_document(result->document.name());
      ack.set_outcome(result->outcome);
      ack.set_version(result->document.version());
      ack.set_duplicate_of(result->document.duplicate_of());
      ack.set_near_duplicate_of(result->document.near_duplicate_of());
    } else {
      ack.set_error_code(static_cast<int>(result.status().code()));
      ack.set_error_message(std::string(result.status().message()));
      // A storage failure or a full backlog is not the document's fault: end
      // the stream so the client resends instead of counting a rejection.
      if (result.status().code() != absl::StatusCode::kInvalidArgument) {
        return ToGrpcStatus(result.status());
      }
      absl::Status counted = core_->RecordRejection(
          job, request.sequence(), request.document().external_id(), result.status());
      if (!counted.ok()) return ToGrpcStatus(counted);
    }
    if (!stream->Write(ack)) break;
  }
  if (context->IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled the batch stream");
  }
  return grpc::Status::OK;
}

grpc::Status IngestGrpcService::GetDocument(grpc::ServerContext*,
                                            const newsgraph::v1::GetDocumentRequest* request,
                                            newsgraph::v1::Document* response) {
  absl::StatusOr<newsgraph::v1::Document> doc =
      core_->GetDocument(request->name(), request->view());
  if (!doc.ok()) return ToGrpcStatus(doc.status());
  *response = std::move(*doc);
  return grpc::Status::OK;
}

grpc::Status IngestGrpcService::ListDocuments(grpc::ServerContext*,
                                              const newsgraph::v1::ListDocumentsRequest* request,
                                              newsgraph::v1::ListDocumentsResponse* response) {
  absl::StatusOr<newsgraph::v1::ListDocumentsResponse> list = core_->ListDocuments(*request);
  if (!list.ok()) return ToGrpcStatus(list.status());
  *response = std::move(*list);
  return grpc::Status::OK;
}

grpc::Status IngestGrpcService::DeleteDocument(grpc::ServerContext*,
                                               const newsgraph::v1::DeleteDocumentRequest* request,
                                               newsgraph::v1::DeleteDocumentResponse*) {
  return ToGrpcStatus(core_->DeleteDocument(request->name()));
}

grpc::Status IngestGrpcService::GetIngestJob(grpc::ServerContext*,
                                             const newsgraph::v1::GetIngestJobRequest* request,
                                             newsgraph::v1::IngestJob* response) {
  absl::StatusOr<newsgraph::v1::IngestJob> job = core_->GetJob(request->name());
  if (!job.ok()) return ToGrpcStatus(job.status());
  *response = std::move(*job);
  return grpc::Status::OK;
}

}  // namespace newsgraph::ingest
