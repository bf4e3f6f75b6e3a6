#include "newsgraph/batch_ingester.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/grpc_status.h"
#include "services/common/request_id.h"

namespace newsgraph {

using newsgraph::v1::BatchIngestDocumentsRequest;
using newsgraph::v1::BatchIngestDocumentsResponse;

struct BatchIngester::Stream {
  grpc::ClientContext context;
  std::unique_ptr<
      grpc::ClientReaderWriter<BatchIngestDocumentsRequest, BatchIngestDocumentsResponse>>
      rw;
  bool writes_done = false;
};

BatchIngester::BatchIngester(Client* client, BatchIngesterOptions options)
    : client_(client), options_(std::move(options)), start_(absl::Now()) {
  absl::MutexLock lock(&mu_);
  last_progress_ = start_;
}

BatchIngester::~BatchIngester() {
  if (stream_ != nullptr) stream_->context.TryCancel();
  if (reader_.joinable()) reader_.join();
}

bool BatchIngester::Broken() {
  absl::MutexLock lock(&mu_);
  return broken_;
}

void BatchIngester::ReadAcks(Stream* stream) {
  BatchIngestDocumentsResponse ack;
  while (stream->rw->Read(&ack)) {
    BatchItemResult result;
    {
      absl::MutexLock lock(&mu_);
      auto it = unacked_.find(ack.sequence());
      if (it == unacked_.end()) continue;  // A resend's duplicate ack.
      unacked_.erase(it);
      summary_.job = ack.job();
      last_progress_ = absl::Now();
      backoff_ = absl::Milliseconds(100);
      if (ack.error_code() == 0) {
        ++summary_.accepted;
        if (ack.outcome() == newsgraph::v1::UNCHANGED ||
            ack.outcome() == newsgraph::v1::DUPLICATE) {
          ++summary_.unchanged;
        }
        if (!ack.duplicate_of().empty()) ++summary_.exact_duplicates;
        if (!ack.near_duplicate_of().empty()) ++summary_.near_duplicates;
      } else {
        ++summary_.rejected;
      }
      result.index = ack.sequence();
      result.ack = ack;
    }
    if (options_.on_result) options_.on_result(result);
  }
  absl::MutexLock lock(&mu_);
  broken_ = true;  // The stream is over; Finish tells a clean end from a break.
}

absl::Status BatchIngester::EnsureStream() {
  if (stream_ != nullptr && !Broken()) return absl::OkStatus();
  return Reconnect();
}

absl::Status BatchIngester::Reconnect() {
  if (stream_ != nullptr) {
    stream_->context.TryCancel();
    if (reader_.joinable()) reader_.join();
    absl::Duration backoff;
    {
      absl::MutexLock lock(&mu_);
      if (absl::Now() - last_progress_ > options_.reconnect_timeout) {
        return absl::UnavailableError(
            absl::StrCat("ingest stream broke and no document was acknowledged for ",
                         absl::FormatDuration(options_.reconnect_timeout), "; ", unacked_.size(),
                         " documents were not acknowledged"));
      }
      ++summary_.reconnects;
      backoff = backoff_;
      backoff_ = std::min(backoff_ * 2, absl::Seconds(2));
    }
    absl::SleepFor(backoff);
  }
  stream_ = std::make_unique<Stream>();
  stream_->context.AddMetadata(kTraceparentKey, TraceparentFor(""));
  stream_->rw = client_->ingest_stub().BatchIngestDocuments(&stream_->context);
  std::map<int64_t, newsgraph::v1::DocumentInput> resend;
  std::string job;
  {
    absl::MutexLock lock(&mu_);
    broken_ = false;
    job = summary_.job;
    resend = unacked_;
  }
  reader_ = std::thread([this, stream = stream_.get()] { ReadAcks(stream); });
  // Resend every unacknowledged document; a failed write shows up as a
  // broken stream, handled by the next Add or Finish.
  for (const auto& [index, document] : resend) {
    BatchIngestDocumentsRequest request;
    request.set_job(job);
    request.set_sequence(index);
    *request.mutable_document() = document;
    if (!stream_->rw->Write(request)) break;
  }
  return absl::OkStatus();
}

absl::Status BatchIngester::Add(newsgraph::v1::DocumentInput document) {
  if (absl::Status status = EnsureStream(); !status.ok()) return status;
  int64_t index;
  {
    absl::MutexLock lock(&mu_);
    const auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return unacked_.size() < options_.max_in_flight || broken_;
    };
    mu_.Await(absl::Condition(&room));
    index = next_index_++;
    unacked_.emplace(index, document);
  }
  if (Broken()) return Reconnect();  // Resends everything unacknowledged, this one included.
  BatchIngestDocumentsRequest request;
  request.set_sequence(index);
  {
    absl::MutexLock lock(&mu_);
    request.set_job(summary_.job);  // Empty until the server named the job.
  }
  *request.mutable_document() = std::move(document);
  (void)stream_->rw->Write(request);  // A failure breaks the stream; handled next time.
  return absl::OkStatus();
}

absl::StatusOr<BatchSummary> BatchIngester::Finish() {
  while (true) {
    if (absl::Status status = EnsureStream(); !status.ok()) return status;
    if (!stream_->writes_done) {
      stream_->writes_done = stream_->rw->WritesDone();
    }
    {
      absl::MutexLock lock(&mu_);
      const auto settled = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return unacked_.empty() || broken_;
      };
      mu_.Await(absl::Condition(&settled));
      if (unacked_.empty()) break;
    }
    // The stream broke with documents unacknowledged: reconnect and resend.
    if (absl::Status status = Reconnect(); !status.ok()) return status;
  }
  if (reader_.joinable()) reader_.join();
  grpc::Status finished = stream_->rw->Finish();
  BatchSummary summary;
  {
    absl::MutexLock lock(&mu_);
    summary = summary_;
  }
  if (!finished.ok() && summary.job.empty()) return FromGrpcStatus(finished);
  if (options_.wait_until_indexed && !summary.job.empty()) {
    const absl::Time deadline = absl::Now() + options_.index_timeout;
    while (true) {
      absl::StatusOr<newsgraph::v1::IngestJob> job = client_->GetIngestJob(summary.job);
      if (absl::IsUnavailable(job.status()) && absl::Now() < deadline) {
        // The daemon is restarting; its pipeline resumes from the outbox.
        absl::SleepFor(absl::Milliseconds(500));
        continue;
      }
      if (!job.ok()) return job.status();
      if (options_.on_progress) options_.on_progress(*job);
      if (job->received_count() + job->annotated_count() == 0) {
        summary.indexed = job->indexed_count();
        summary.failed = job->failed_count();
        break;
      }
      if (absl::Now() > deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            summary.job, ": ", job->received_count() + job->annotated_count(),
            " documents still not indexed after ", absl::FormatDuration(options_.index_timeout)));
      }
      absl::SleepFor(absl::Milliseconds(500));
    }
  }
  summary.elapsed = absl::Now() - start_;
  return summary;
}

}  // namespace newsgraph
