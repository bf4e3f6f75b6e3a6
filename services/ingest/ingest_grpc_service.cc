#include "services/ingest/ingest_grpc_service.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/grpc_status.h"
#include "services/ingest/batch_session.h"
#include "services/ingest/reindex.h"

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
      core_->Ingest(request->document(), request->repair_invalid_utf8(), /*job=*/"",
                    CallStopPredicate(context));
  if (!result.ok()) return ToGrpcStatus(result.status(), *context);
  if (request->wait_until_indexed()) {
    absl::StatusOr<newsgraph::v1::Document> processed = core_->WaitUntilProcessed(
        result->document.name(), result->document.version(),
        DeadlineOf(*context, absl::Seconds(60)), CallStopPredicate(context));
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
  // Up to this many messages wait, so every round commits all of them with
  // one WAL sync.
  constexpr size_t kReadAhead = 256;
  ReadAhead reader(
      {.read = [stream](BatchIngestDocumentsRequest* request) { return stream->Read(request); },
       .wait_for_room =
           [this, context] {
             while (!core_->WaitForBacklogRoom(absl::Now() + absl::Seconds(1))) {
               if (context->IsCancelled()) return false;
             }
             return !context->IsCancelled();
           },
       .interrupt = [context] { context->TryCancel(); }},
      kReadAhead);
  BatchSession session(core_);
  const std::function<bool()> stop = CallStopPredicate(context);
  auto write = [stream](const BatchIngestDocumentsResponse& ack) { return stream->Write(ack); };
  absl::Status ended;
  while (ended.ok() && session.stream_open()) {
    const std::vector<BatchIngestDocumentsRequest> round = reader.NextRound();
    if (round.empty()) break;
    ended = session.IngestRound(round, stop, write);
  }
  reader.Stop();
  if (!ended.ok()) return ToGrpcStatus(ended, *context);
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

grpc::Status IngestGrpcService::ListDocuments(grpc::ServerContext* context,
                                              const newsgraph::v1::ListDocumentsRequest* request,
                                              newsgraph::v1::ListDocumentsResponse* response) {
  absl::StatusOr<newsgraph::v1::ListDocumentsResponse> list =
      core_->ListDocuments(*request, CallStopPredicate(context));
  if (!list.ok()) return ToGrpcStatus(list.status());
  *response = std::move(*list);
  return grpc::Status::OK;
}

grpc::Status IngestGrpcService::DeleteDocument(grpc::ServerContext*,
                                               const newsgraph::v1::DeleteDocumentRequest* request,
                                               newsgraph::v1::DeleteDocumentResponse*) {
  return ToGrpcStatus(core_->DeleteDocument(request->name()));
}

grpc::Status IngestGrpcService::RetryDocument(grpc::ServerContext*,
                                              const newsgraph::v1::RetryDocumentRequest* request,
                                              newsgraph::v1::Document* response) {
  absl::StatusOr<newsgraph::v1::Document> doc = core_->RetryDocument(request->name());
  if (!doc.ok()) return ToGrpcStatus(doc.status());
  *response = *std::move(doc);
  return grpc::Status::OK;
}

grpc::Status IngestGrpcService::GetIngestJob(grpc::ServerContext* context,
                                             const newsgraph::v1::GetIngestJobRequest* request,
                                             newsgraph::v1::IngestJob* response) {
  absl::StatusOr<newsgraph::v1::IngestJob> job =
      core_->GetJob(request->name(), CallStopPredicate(context));
  if (!job.ok()) return ToGrpcStatus(job.status());
  *response = std::move(*job);
  return grpc::Status::OK;
}

grpc::Status IngestGrpcService::CreateBackup(grpc::ServerContext* context,
                                             const newsgraph::v1::CreateBackupRequest* request,
                                             newsgraph::v1::Backup* response) {
  if (!backup_taker_) {
    return ToGrpcStatus(absl::FailedPreconditionError("this server cannot take backups"));
  }
  // The pause waits at most until the call's deadline (or a minute).
  const absl::Time deadline =
      std::min(absl::FromChrono(context->deadline()), absl::Now() + absl::Minutes(1));
  absl::StatusOr<newsgraph::v1::Backup> backup = backup_taker_(request->backup_id(), deadline);
  if (!backup.ok()) return ToGrpcStatus(backup.status());
  *response = *std::move(backup);
  return grpc::Status::OK;
}

grpc::Status IngestGrpcService::Reindex(
    grpc::ServerContext* context, const newsgraph::v1::ReindexRequest* request,
    grpc::ServerWriter<newsgraph::v1::ReindexProgress>* writer) {
  ReindexOptions options{.reannotate = request->reannotate(),
                         .max_outbox = core_->options().max_backlog / 2};
  if (!request->start_after().empty()) {
    absl::StatusOr<uint64_t> after = IngestCore::ParseDocumentName(request->start_after());
    if (!after.ok()) {
      return ToGrpcStatus(
          absl::InvalidArgumentError(absl::StrCat("start_after: ", after.status().message())));
    }
    options.start_after = *after;
  }
  return ToGrpcStatus(RunReindex(
      *core_, options,
      [writer](const newsgraph::v1::ReindexProgress& progress) { return writer->Write(progress); },
      [context] { return context->IsCancelled(); }));
}

}  // namespace newsgraph::ingest
