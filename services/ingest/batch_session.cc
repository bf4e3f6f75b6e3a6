#include "services/ingest/batch_session.h"

#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace newsgraph::ingest {

using newsgraph::v1::BatchIngestDocumentsRequest;
using newsgraph::v1::BatchIngestDocumentsResponse;

ReadAhead::ReadAhead(Source source, size_t capacity)
    : source_(std::move(source)), capacity_(capacity), reader_([this] { ReadLoop(); }) {}

ReadAhead::~ReadAhead() { Stop(); }

void ReadAhead::ReadLoop() {
  while (true) {
    {
      newsgraph::MutexLock lock(&mu_);
      const auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return inbox_.size() < capacity_ || stop_reading_;
      };
      mu_.Await(newsgraph::Condition(&room));
      if (stop_reading_) break;
    }
    BatchIngestDocumentsRequest request;
    if (!source_.wait_for_room() || !source_.read(&request)) break;
    newsgraph::MutexLock lock(&mu_);
    inbox_.push_back(std::move(request));
  }
  newsgraph::MutexLock lock(&mu_);
  reader_done_ = true;
}

std::vector<BatchIngestDocumentsRequest> ReadAhead::NextRound() {
  newsgraph::MutexLock lock(&mu_);
  const auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !inbox_.empty() || reader_done_;
  };
  mu_.Await(newsgraph::Condition(&ready));
  std::vector<BatchIngestDocumentsRequest> round(std::make_move_iterator(inbox_.begin()),
                                                 std::make_move_iterator(inbox_.end()));
  inbox_.clear();
  return round;
}

void ReadAhead::Stop() {
  if (!reader_.joinable()) return;
  bool blocked;
  {
    newsgraph::MutexLock lock(&mu_);
    stop_reading_ = true;
    blocked = !reader_done_;
  }
  // A reader blocked in `read` can only be woken by interrupting the call,
  // which happens only when the stream ends early.
  if (blocked) source_.interrupt();
  reader_.join();
}

absl::Status BatchSession::Attach(const BatchIngestDocumentsRequest& first) {
  if (first.job().empty()) {
    NG_ASSIGN_OR_RETURN(job_, core_->CreateJob());
    return absl::OkStatus();
  }
  NG_RETURN_IF_ERROR(core_->GetJob(first.job()).status());
  job_ = first.job();
  return absl::OkStatus();
}

std::vector<BatchIngestDocumentsResponse> BatchSession::Acknowledge(
    const std::vector<BatchIngestDocumentsRequest>& round, const std::function<bool()>& stop,
    absl::Status* end) {
  std::vector<IngestCore::Request> requests;
  std::vector<size_t> positions;  // round index of each request
  std::vector<BatchIngestDocumentsResponse> acks(round.size());
  for (size_t i = 0; i < round.size(); ++i) {
    const BatchIngestDocumentsRequest& request = round[i];
    acks[i].set_job(job_);
    acks[i].set_sequence(request.sequence());
    if (!request.has_document()) {
      acks[i].set_error_code(static_cast<int>(absl::StatusCode::kInvalidArgument));
      acks[i].set_error_message("document is required");
      continue;
    }
    requests.push_back({&request.document(), request.repair_invalid_utf8()});
    positions.push_back(i);
  }
  std::vector<absl::StatusOr<IngestResult>> results = core_->IngestMany(requests, job_, stop);
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
    } else if (end->ok()) {
      *end = results[k].status();
    }
  }
  return acks;
}

absl::Status BatchSession::IngestRound(
    const std::vector<BatchIngestDocumentsRequest>& round, const std::function<bool()>& stop,
    const std::function<bool(const BatchIngestDocumentsResponse&)>& write) {
  if (round.empty()) return absl::OkStatus();
  if (job_.empty()) NG_RETURN_IF_ERROR(Attach(round.front()));
  for (const BatchIngestDocumentsRequest& request : round) {
    if (!request.job().empty() && request.job() != job_) {
      return absl::InvalidArgumentError(absl::StrCat("message ", request.sequence(), " names job '",
                                                     request.job(),
                                                     "' but the stream is attached to '", job_,
                                                     "'"));
    }
  }
  absl::Status end;
  const std::vector<BatchIngestDocumentsResponse> acks = Acknowledge(round, stop, &end);
  for (size_t i = 0; i < acks.size() && stream_open_; ++i) {
    const BatchIngestDocumentsResponse& ack = acks[i];
    if (ack.error_code() == 0 && ack.document().empty()) break;  // Not processed.
    if (ack.error_code() != 0) {
      NG_RETURN_IF_ERROR(core_->RecordRejection(
          job_, ack.sequence(), round[i].document().external_id(),
          absl::Status(static_cast<absl::StatusCode>(ack.error_code()), ack.error_message())));
    }
    stream_open_ = write(ack);
  }
  return end;
}

}  // namespace newsgraph::ingest
