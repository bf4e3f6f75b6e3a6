#include "services/ingest/ingest_grpc_service.h"

#include <algorithm>
#include <deque>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/mutex.h"
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
      core_->Ingest(request->document(), request->repair_invalid_utf8(), /*job=*/"",
                    CallStopPredicate(context));
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
  // A reader thread keeps up to kReadAhead messages ready, so that every
  // round commits all waiting documents with one WAL sync. While the
  // pipeline backlog is full it stops reading, and gRPC flow control slows
  // the client down.
  constexpr size_t kReadAhead = 256;
  newsgraph::Mutex mu;
  // Guarded by mu:
  std::deque<BatchIngestDocumentsRequest> inbox;
  bool reader_done = false;
  bool stop_reading = false;
  std::thread reader([&] {
    while (true) {
      {
        newsgraph::MutexLock lock(&mu);
        const auto room = [&]() { return inbox.size() < kReadAhead || stop_reading; };
        mu.Await(newsgraph::Condition(&room));
        if (stop_reading) break;
      }
      while (!core_->WaitForBacklogRoom(absl::Now() + absl::Seconds(1))) {
        if (context->IsCancelled()) break;
      }
      BatchIngestDocumentsRequest request;
      if (context->IsCancelled() || !stream->Read(&request)) break;
      newsgraph::MutexLock lock(&mu);
      inbox.push_back(std::move(request));
    }
    newsgraph::MutexLock lock(&mu);
    reader_done = true;
  });
  // Ends the reader. A reader still blocked in Read can only be woken by
  // cancelling the call, which happens only when the stream ends early.
  auto stop_reader = [&] {
    bool blocked;
    {
      newsgraph::MutexLock lock(&mu);
      stop_reading = true;
      blocked = !reader_done;
    }
    if (blocked) context->TryCancel();
    reader.join();
  };

  std::string job;
  grpc::Status final_status = grpc::Status::OK;
  while (true) {
    std::vector<BatchIngestDocumentsRequest> round;
    {
      newsgraph::MutexLock lock(&mu);
      const auto ready = [&]() { return !inbox.empty() || reader_done; };
      mu.Await(newsgraph::Condition(&ready));
      if (inbox.empty()) break;
      round.assign(std::make_move_iterator(inbox.begin()), std::make_move_iterator(inbox.end()));
      inbox.clear();
    }
    // The stream attaches to one job: the first message's, or a new one.
    if (job.empty()) {
      if (round.front().job().empty()) {
        absl::StatusOr<std::string> created = core_->CreateJob();
        if (!created.ok()) {
          final_status = ToGrpcStatus(created.status());
          break;
        }
        job = *created;
      } else {
        absl::StatusOr<newsgraph::v1::IngestJob> existing = core_->GetJob(round.front().job());
        if (!existing.ok()) {
          final_status = ToGrpcStatus(existing.status());
          break;
        }
        job = round.front().job();
      }
    }
    std::vector<IngestCore::Request> requests;
    std::vector<size_t> positions;  // round index of each request
    std::vector<BatchIngestDocumentsResponse> acks(round.size());
    for (size_t i = 0; i < round.size(); ++i) {
      const BatchIngestDocumentsRequest& request = round[i];
      acks[i].set_job(job);
      acks[i].set_sequence(request.sequence());
      if (!request.job().empty() && request.job() != job) {
        final_status =
            grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                         absl::StrCat("message ", request.sequence(), " names job '", request.job(),
                                      "' but the stream is attached to '", job, "'"));
        break;
      }
      if (!request.has_document()) {
        acks[i].set_error_code(static_cast<int>(absl::StatusCode::kInvalidArgument));
        acks[i].set_error_message("document is required");
        continue;
      }
      requests.push_back({&request.document(), request.repair_invalid_utf8()});
      positions.push_back(i);
    }
    if (!final_status.ok()) break;
    std::vector<absl::StatusOr<IngestResult>> results =
        core_->IngestMany(requests, job, CallStopPredicate(context));
    for (size_t k = 0; k < results.size(); ++k) {
      BatchIngestDocumentsResponse& ack = acks[positions[k]];
      if (results[k].ok()) {
        ack.set_document(results[k]->document.name());
        ack.set_outcome(results[k]->outcome);
        ack.set_version(results[k]->document.version());
        ack.set_duplicate_of(results[k]->document.duplicate_of());
        ack.set_near_duplicate_of(results[k]->document.near_duplicate_of());
      } else if (results[k].status().code() == absl::StatusCode::kInvalidArgument) {
        ack.set_error_code(static_cast<int>(results[k].status().code()));
        ack.set_error_message(std::string(results[k].status().message()));
      } else if (final_status.ok()) {
        // A storage failure or full backlog is not the document's fault: end
        // the stream after the acks before it, so the client resends the rest.
        final_status = ToGrpcStatus(results[k].status());
      }
    }
    bool write_failed = false;
    for (size_t i = 0; i < round.size() && !write_failed; ++i) {
      const BatchIngestDocumentsResponse& ack = acks[i];
      if (ack.error_code() == 0 && ack.document().empty()) break;  // Not processed.
      if (ack.error_code() != 0) {
        absl::Status counted = core_->RecordRejection(
            job, ack.sequence(), round[i].document().external_id(),
            absl::Status(static_cast<absl::StatusCode>(ack.error_code()), ack.error_message()));
        if (!counted.ok()) {
          final_status = ToGrpcStatus(counted);
          break;
        }
      }
      write_failed = !stream->Write(ack);
    }
    if (!final_status.ok() || write_failed) break;
  }
  stop_reader();
  if (!final_status.ok()) return final_status;
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

grpc::Status IngestGrpcService::RetryDocument(grpc::ServerContext*,
                                              const newsgraph::v1::RetryDocumentRequest* request,
                                              newsgraph::v1::Document* response) {
  absl::StatusOr<newsgraph::v1::Document> doc = core_->RetryDocument(request->name());
  if (!doc.ok()) return ToGrpcStatus(doc.status());
  *response = *std::move(doc);
  return grpc::Status::OK;
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
