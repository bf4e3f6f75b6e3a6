#include "services/ingest/pipeline.h"

#include <algorithm>
#include <atomic>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/random/distributions.h"
#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/mutex.h"
#include "services/common/log.h"

namespace newsgraph::ingest {

bool IsTransient(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kCancelled:
    // A peer that rejects our credentials is a configuration fault of the
    // deployment, not of the document: retried until the token is fixed.
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return !IsOversized(status);
    default:
      return false;
  }
}

bool IsOversized(const absl::Status& status) {
  // gRPC's words for a message over the limit, on either side.
  return status.code() == absl::StatusCode::kResourceExhausted &&
         (absl::StrContains(status.message(), "larger than max") ||
          absl::StrContains(status.message(), "message too large"));
}

bool IsOutage(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kCancelled ||
         status.code() == absl::StatusCode::kUnauthenticated ||
         status.code() == absl::StatusCode::kPermissionDenied;
}

Pipeline::Pipeline(IngestCore* core, PipelineDownstream* downstream, PipelineOptions options)
    : core_(core), downstream_(downstream), options_(options) {}

Pipeline::~Pipeline() { Stop(); }

void Pipeline::Start() {
  if (options_.concurrency > 1) {
    chains_ = std::make_unique<WorkPool>(options_.concurrency,
                                         options_.batch_size + options_.concurrency);
  }
  core_->SetOutboxListener([this] { Wake(); });
  worker_ = std::thread([this] { Run(); });
}

void Pipeline::Stop() {
  {
    newsgraph::MutexLock lock(&mu_);
    stopping_ = true;
  }
  downstream_->CancelCalls();
  if (worker_.joinable()) worker_.join();
  chains_.reset();
  core_->SetOutboxListener(nullptr);
}

void Pipeline::Wake() {
  newsgraph::MutexLock lock(&mu_);
  woken_ = true;
}

bool Pipeline::Stopping() {
  newsgraph::MutexLock lock(&mu_);
  return stopping_;
}

bool Pipeline::SleepUnlessStopped(absl::Duration delay) {
  newsgraph::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(newsgraph::Condition(&stopping_), delay);
  return !stopping_;
}

void Pipeline::Run() {
  absl::Duration error_backoff = options_.initial_backoff;
  while (true) {
    {
      newsgraph::MutexLock lock(&mu_);
      if (stopping_) return;
      woken_ = false;
    }
    absl::StatusOr<std::vector<OutboxItem>> items = core_->PeekOutbox(options_.batch_size);
    if (!items.ok()) {
      LogError("pipeline", absl::StrCat("cannot read outbox: ", items.status().ToString()));
      if (!SleepUnlessStopped(error_backoff)) return;
      error_backoff = std::min(error_backoff * 2, options_.max_backoff);
      continue;
    }
    error_backoff = options_.initial_backoff;
    if (items->empty()) {
      newsgraph::MutexLock lock(&mu_);
      const auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || woken_; };
      mu_.AwaitWithTimeout(newsgraph::Condition(&wake), options_.idle_poll);
      continue;
    }
    if (!ProcessRound(*items)) return;
  }
}

bool Pipeline::ProcessRound(const std::vector<OutboxItem>& items) {
  // One chain per document, its items in outbox order.
  std::vector<std::vector<OutboxItem>> chains;
  absl::flat_hash_map<uint64_t, size_t> chain_of;
  for (const OutboxItem& item : items) {
    auto [it, added] = chain_of.try_emplace(item.document_id, chains.size());
    if (added) chains.emplace_back();
    chains[it->second].push_back(item);
  }
  if (chains.size() == 1 || options_.concurrency <= 1) {
    for (const OutboxItem& item : items) {
      if (!Process(item)) return false;
    }
    return true;
  }
  // Shared with the chains: a chain may still be unlocking it after the
  // round is over, so it lives as long as the last of them.
  struct RoundState {
    newsgraph::Mutex mu;
    size_t running ABSL_GUARDED_BY(mu) = 0;
    std::atomic<bool> interrupted{false};
  };
  auto state = std::make_shared<RoundState>();
  {
    newsgraph::MutexLock lock(&state->mu);
    state->running = chains.size();
  }
  for (const std::vector<OutboxItem>& chain : chains) {
    // `chains` outlives the round, which waits for every chain.
    auto run = [this, state, chain_ptr = &chain] {
      for (const OutboxItem& item : *chain_ptr) {
        if (state->interrupted.load() || !Process(item)) {
          state->interrupted = true;
          break;
        }
      }
      newsgraph::MutexLock lock(&state->mu);
      --state->running;
    };
    // The pool's queue holds a full round, so this succeeds; should it ever
    // not, the chain runs here.
    if (!chains_->TrySubmit(run)) run();
  }
  newsgraph::MutexLock lock(&state->mu);
  const auto finished = [&state]() { return state->running == 0; };
  state->mu.Await(newsgraph::Condition(&finished));
  return !state->interrupted.load();
}

bool Pipeline::Process(const OutboxItem& item) {
  const std::string name = IngestCore::DocumentName(item.document_id);
  absl::Duration backoff = options_.initial_backoff;
  int32_t attempts = 0;
  // Retries `attempt` while it fails transiently, with capped exponential
  // backoff and full jitter; returns its last status, or std::nullopt when
  // the pipeline is stopping.
  auto with_retries = [&](const char* what, newsgraph::v1::PipelineState state,
                          auto attempt) -> std::optional<absl::Status> {
    int32_t failures = 0;
    while (true) {
      ++attempts;
      absl::Status status = attempt();
      if (status.ok() || !IsTransient(status)) return status;
      // Timeouts and overload that persist are the document's own: it ends
      // FAILED after max_attempts instead of holding up the items behind it.
      if (!IsOutage(status) && ++failures >= options_.max_attempts) {
        return absl::Status(status.code(),
                            absl::StrCat(what, " failed ", failures, " times, giving up: ",
                                         status.message()));
      }
      // Cancelled by Stop (or failing while stopping): the item waits in the
      // outbox for the next start.
      if (Stopping()) return std::nullopt;
      const absl::Duration delay = backoff * absl::Uniform(absl::BitGen(), 0.5, 1.0);
      LogWarning("pipeline", absl::StrCat(what, " ", name, " v", item.version, " attempt ",
                                          attempts, " failed transiently, retrying in ",
                                          absl::FormatDuration(delay), ": ", status.ToString()));
      if (attempts % 8 == 1) {
        (void)core_->RecordProgress(
            item, state, attempts,
            absl::StrCat(what, " attempt ", attempts, " failed, retrying: ", status.ToString()));
      }
      if (!SleepUnlessStopped(delay)) return std::nullopt;
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  };

  absl::Status final_status;
  newsgraph::v1::PipelineState final_state = newsgraph::v1::INDEXED;
  if (item.action == OutboxItem::Action::kRemove) {
    std::optional<absl::Status> removed =
        with_retries("remove", newsgraph::v1::RECEIVED, [&] { return downstream_->Remove(name); });
    if (!removed.has_value()) return false;
    final_status = *removed;
  } else {
    absl::StatusOr<std::optional<newsgraph::v1::Document>> doc = core_->DocumentForItem(item);
    if (!doc.ok()) {
      final_status = doc.status();
    } else if (!doc->has_value()) {
      // Superseded by a newer version or deleted: nothing to do.
      final_status = absl::OkStatus();
    } else {
      newsgraph::v1::AnnotateDocumentResponse annotations;
      std::optional<absl::Status> annotated =
          with_retries("annotate", newsgraph::v1::RECEIVED, [&] {
            absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> response =
                downstream_->Annotate(**doc);
            if (response.ok()) annotations = *std::move(response);
            return response.status();
          });
      if (!annotated.has_value()) return false;
      final_status = *annotated;
      if (final_status.ok()) {
        absl::Status progress = core_->RecordProgress(item, newsgraph::v1::ANNOTATED, attempts, "");
        if (!progress.ok()) LogWarning("pipeline", progress.ToString());
        std::optional<absl::Status> indexed = with_retries("index", newsgraph::v1::ANNOTATED, [&] {
          return downstream_->Index(**doc, annotations);
        });
        if (!indexed.has_value()) return false;
        final_status = *indexed;
      }
    }
  }
  if (!final_status.ok()) {
    final_state = newsgraph::v1::FAILED;
    LogError("pipeline",
             absl::StrCat(name, " v", item.version, " failed: ", final_status.ToString()));
  }
  while (true) {
    absl::Status completed = core_->CompleteItem(
        item, final_state, final_status.ok() ? "" : final_status.ToString(), attempts);
    if (completed.ok()) return true;
    LogError("pipeline", absl::StrCat("cannot complete outbox item: ", completed.ToString()));
    if (!SleepUnlessStopped(options_.max_backoff)) return false;
  }
}

}  // namespace newsgraph::ingest
