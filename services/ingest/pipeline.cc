#include "services/ingest/pipeline.h"

#include <algorithm>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/random/distributions.h"
#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/mutex.h"
#include "base/status_macros.h"
#include "services/common/log.h"
#include "services/common/request_id.h"

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

absl::StatusOr<std::vector<absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse>>>
PipelineDownstream::AnnotateBatch(absl::Span<const newsgraph::v1::Document* const> documents) {
  std::vector<absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse>> results;
  for (const newsgraph::v1::Document* document : documents) {
    results.push_back(Annotate(*document));
    if (!results.back().ok() && IsOutage(results.back().status())) return results.back().status();
  }
  return results;
}

absl::Status PipelineDownstream::IndexBatch(
    absl::Span<const newsgraph::v1::Document* const> documents,
    absl::Span<const newsgraph::v1::AnnotateDocumentResponse* const> annotations) {
  for (size_t i = 0; i < documents.size(); ++i) {
    NG_RETURN_IF_ERROR(Index(*documents[i], *annotations[i]));
  }
  return absl::OkStatus();
}

void Pipeline::Start() {
  {
    newsgraph::MutexLock lock(&mu_);
    started_ = true;
  }
  core_->SetOutboxListener([this] { Wake(); });
  index_stage_ = std::thread([this] { IndexStage(); });
  worker_ = std::thread([this] { Run(); });
}

void Pipeline::Stop() {
  {
    newsgraph::MutexLock lock(&mu_);
    stopping_ = true;
  }
  downstream_->CancelCalls();
  if (worker_.joinable()) worker_.join();
  if (index_stage_.joinable()) index_stage_.join();
  core_->SetOutboxListener(nullptr);
}

bool Pipeline::HoldWhilePaused() {
  {
    newsgraph::MutexLock lock(&mu_);
    if (stopping_) return false;
    woken_ = false;
    if (pause_requests_ == 0) return true;
  }
  // What the index stage's last job ended in does not matter: the next
  // round starts from the oldest item anyway.
  if (WaitForIndexStage() == Outcome::kStopped) return false;
  {
    newsgraph::MutexLock lock(&mu_);
    paused_ = true;
  }  // unlocking wakes Pause
  newsgraph::MutexLock lock(&mu_);
  const auto resumed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || pause_requests_ == 0;
  };
  mu_.Await(newsgraph::Condition(&resumed));
  paused_ = false;
  return !stopping_;
}

bool Pipeline::Pause(absl::Time deadline) {
  {
    newsgraph::MutexLock lock(&mu_);
    if (!started_) return !stopping_;
    ++pause_requests_;
    woken_ = true;  // out of WaitForWork at once
  }                 // unlocking wakes the worker
  newsgraph::MutexLock lock(&mu_);
  const auto held = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return paused_ || stopping_; };
  if (mu_.AwaitWithDeadline(newsgraph::Condition(&held), deadline) && !stopping_) return true;
  --pause_requests_;
  return false;
}

void Pipeline::Resume() {
  newsgraph::MutexLock lock(&mu_);
  if (pause_requests_ > 0) --pause_requests_;
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

namespace {

// `delay` scaled by a random factor in [0.5, 1): retries of many documents
// after one event spread out instead of arriving together.
absl::Duration Jittered(absl::Duration delay) {
  return delay * absl::Uniform(absl::BitGen(), 0.5, 1.0);
}

}  // namespace

void Pipeline::Run() {
  absl::Duration error_backoff = options_.initial_backoff;
  absl::Duration round_backoff = options_.initial_backoff;
  while (true) {
    if (!HoldWhilePaused()) return;
    // Documents that have failed take no room from the documents not yet
    // tried (they go last in a round).
    const absl::flat_hash_set<uint64_t> have_failed = DocumentsThatFailed();
    absl::StatusOr<std::vector<OutboxItem>> items =
        core_->PeekOutbox(options_.batch_size + have_failed.size(), WaitingDocuments());
    if (!items.ok()) {
      LogError("pipeline", absl::StrCat("cannot read outbox: ", items.status().ToString()));
      if (!SleepUnlessStopped(error_backoff)) return;
      error_backoff = std::min(error_backoff * 2, options_.max_backoff);
      continue;
    }
    error_backoff = options_.initial_backoff;
    if (items->empty()) {
      WaitForWork();
      continue;
    }
    Outcome outcome = ProcessRound(*items, have_failed);
    if (outcome == Outcome::kDone) outcome = TakeStageOutcome();
    if (outcome == Outcome::kStopped) return;
    if (outcome == Outcome::kRetryRound) {
      if (!SleepUnlessStopped(Jittered(round_backoff))) return;
      round_backoff = std::min(round_backoff * 2, options_.max_backoff);
    } else {
      round_backoff = options_.initial_backoff;
    }
  }
}

Pipeline::Service Pipeline::ServiceOf(const char* stage) {
  return absl::string_view(stage) == "annotate" ? kEntityService : kSearchService;
}

void Pipeline::NoteSuccess(Service service) {
  newsgraph::MutexLock lock(&mu_);
  failed_since_success_[service].clear();
}

Pipeline::Verdict Pipeline::JudgeFailure(uint64_t document_id, Service service,
                                         bool others_succeeded) {
  const absl::Time now = options_.clock->Now();
  newsgraph::MutexLock lock(&mu_);
  Deferral& deferral = deferred_[document_id];
  if (deferral.failing_since == absl::InfinitePast()) deferral.failing_since = now;
  absl::flat_hash_set<uint64_t>& failed = failed_since_success_[service];
  failed.insert(document_id);
  if (now - deferral.failing_since >= options_.give_up_after) return Verdict::kGiveUp;
  return others_succeeded || failed.size() == 1 ? Verdict::kCount : Verdict::kSuspect;
}

void Pipeline::WaitForWork() {
  newsgraph::MutexLock lock(&mu_);
  const absl::Time now = options_.clock->Now();
  absl::Duration wait = options_.idle_poll;
  for (const auto& [id, deferral] : deferred_) wait = std::min(wait, deferral.not_before - now);
  const auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || woken_; };
  mu_.AwaitWithTimeout(newsgraph::Condition(&wake), std::max(wait, absl::ZeroDuration()));
}

absl::flat_hash_set<uint64_t> Pipeline::WaitingDocuments() {
  const absl::Time now = options_.clock->Now();
  newsgraph::MutexLock lock(&mu_);
  absl::flat_hash_set<uint64_t> waiting = in_flight_;
  for (const auto& [id, deferral] : deferred_) {
    if (deferral.not_before > now) waiting.insert(id);
  }
  return waiting;
}

Pipeline::Outcome Pipeline::ProcessRound(const std::vector<OutboxItem>& items,
                                         const absl::flat_hash_set<uint64_t>& have_failed) {
  // Documents with an item deferred in this round: their later items wait
  // too, so each document's items stay in outbox order. (Documents set aside
  // in earlier rounds were left out of `items`.)
  absl::flat_hash_set<uint64_t> held;
  // Items of distinct documents and one kind (kProcess, kReindex or
  // kReannotate), sent together once a removal, another kind or a document's
  // second item needs them done first.
  std::vector<OutboxItem> pending;
  absl::flat_hash_set<uint64_t> pending_documents;
  auto flush = [&] {
    const Outcome outcome = ProcessBatch(pending, &held);
    pending.clear();
    pending_documents.clear();
    return outcome;
  };
  // Items of documents that have failed before: they go last, one at a
  // time, so a poison document delays the others by its own calls only.
  std::vector<OutboxItem> failed_before;
  for (const OutboxItem& item : items) {
    if (have_failed.contains(item.document_id)) {
      failed_before.push_back(item);
      continue;
    }
    if (held.contains(item.document_id)) continue;
    const bool removal = item.action == OutboxItem::Action::kRemove;
    const bool other_kind = !pending.empty() && pending.front().action != item.action;
    if (removal || other_kind || pending_documents.contains(item.document_id)) {
      if (const Outcome outcome = flush(); outcome != Outcome::kDone) return outcome;
      if (held.contains(item.document_id)) continue;
    }
    if (!removal) {
      pending.push_back(item);
      pending_documents.insert(item.document_id);
      continue;
    }
    // A removal must reach the services after the document's batch.
    if (const Outcome stage = WaitForIndexStage(); stage != Outcome::kDone) return stage;
    if (const Outcome outcome = ProcessAlone(item, &held); outcome != Outcome::kDone) {
      return outcome;
    }
  }
  if (const Outcome outcome = flush(); outcome != Outcome::kDone) return outcome;
  if (failed_before.empty()) return Outcome::kDone;
  if (const Outcome stage = WaitForIndexStage(); stage != Outcome::kDone) return stage;
  for (const OutboxItem& item : failed_before) {
    if (held.contains(item.document_id)) continue;
    if (const Outcome outcome = ProcessAlone(item, &held); outcome != Outcome::kDone) {
      return outcome;
    }
  }
  return Outcome::kDone;
}

Pipeline::Outcome Pipeline::ProcessAlone(const OutboxItem& item,
                                         absl::flat_hash_set<uint64_t>* held) {
  const Outcome outcome = Process(item);
  if (outcome == Outcome::kStopped || outcome == Outcome::kRetryRound) return outcome;
  if (outcome == Outcome::kDeferred) held->insert(item.document_id);
  return Outcome::kDone;
}

absl::flat_hash_set<uint64_t> Pipeline::DocumentsThatFailed() {
  newsgraph::MutexLock lock(&mu_);
  absl::flat_hash_set<uint64_t> failed;
  for (const auto& [id, deferral] : deferred_) failed.insert(id);
  return failed;
}

Pipeline::Outcome Pipeline::ProcessBatch(const std::vector<OutboxItem>& items,
                                         absl::flat_hash_set<uint64_t>* held) {
  std::vector<Work> work;
  size_t bytes = 0;
  for (const OutboxItem& item : items) {
    absl::StatusOr<std::optional<newsgraph::v1::Document>> doc = core_->DocumentForItem(item);
    // Unreadable, or superseded by a newer version or deleted (nothing to do).
    if (!doc.ok() || !doc->has_value()) {
      if (!Complete(item, doc.status(), 0)) return Outcome::kStopped;
      if (doc.ok()) Count(&PipelineStats::superseded);
      continue;
    }
    const size_t size = (*doc)->text().size();
    if (!work.empty() && bytes + size > options_.max_batch_bytes) {
      if (const Outcome outcome = AnnotateAndIndexBatch(std::move(work), held);
          outcome != Outcome::kDone) {
        return outcome;
      }
      work.clear();
      bytes = 0;
    }
    work.push_back({item, **std::move(doc)});
    bytes += size;
  }
  return work.empty() ? Outcome::kDone : AnnotateAndIndexBatch(std::move(work), held);
}

std::string Pipeline::BatchRequestId(const std::vector<Work>& work) {
  absl::flat_hash_set<std::string> requests;
  for (const Work& w : work) {
    if (!w.item.request_id.empty()) requests.insert(w.item.request_id);
  }
  // The usual case: one batch ingest (or one reindex) acknowledged them all.
  if (requests.size() == 1 && !work.front().item.request_id.empty()) return *requests.begin();
  std::string id = NewTraceId();
  if (!requests.empty()) {
    std::vector<std::string> sorted(requests.begin(), requests.end());
    std::sort(sorted.begin(), sorted.end());
    LogInfo("pipeline",
            absl::StrCat("batch ", id, " of ", work.size(), " documents acknowledged by requests ",
                         absl::StrJoin(sorted, ", ")));
  }
  return id;
}

Pipeline::Outcome Pipeline::AnnotateAndIndexBatch(std::vector<Work> work,
                                                  absl::flat_hash_set<uint64_t>* held) {
  // One id for the batch's calls and the log lines about them.
  const ScopedRequestId batch_id(BatchRequestId(work));
  const OutboxItem::Action mode = work.front().item.action;
  std::vector<const newsgraph::v1::Document*> documents;
  std::vector<const Work*> all;
  for (const Work& w : work) {
    documents.push_back(&w.document);
    all.push_back(&w);
  }
  absl::StatusOr<std::vector<absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse>>> results;
  absl::Status called = CallRetryingOutages(
      "annotate",
      [&] {
        const absl::Time start = absl::Now();
        results = mode == OutboxItem::Action::kReannotate ? downstream_->ReannotateBatch(documents)
                                                          : downstream_->AnnotateBatch(documents);
        CountCall(&PipelineStats::annotate, documents.size(), start);
        return results.status();
      },
      [&](int attempt, const absl::Status& status) {
        RecordOutage(all, "annotate", newsgraph::v1::RECEIVED, attempt, status);
      });
  if (Stopping()) return Outcome::kStopped;
  if (!called.ok()) return ProcessEachAlone(all, held);
  // The annotated documents go to the index stage first; then the failures
  // are judged, knowing whether the service answered others of the batch.
  // (Not recorded as ANNOTATED: the document is INDEXED a moment later, an
  // index outage records ANNOTATED with its error, and each record rewrites
  // the whole stored document.)
  IndexJob job;
  job.request_id = CurrentRequestId();
  job.mode = mode;
  std::vector<size_t> failed;
  for (size_t i = 0; i < work.size(); ++i) {
    if (!(*results)[i].ok()) {
      failed.push_back(i);
      continue;
    }
    job.annotations.push_back(*std::move((*results)[i]));
    job.work.push_back(std::move(work[i]));
  }
  const bool others_succeeded = !job.work.empty();
  if (others_succeeded) {
    NoteSuccess(kEntityService);
    if (!HandOff(std::move(job))) return Outcome::kStopped;
  }
  std::vector<const Work*> alone;
  for (size_t i : failed) {
    const absl::Status& status = (*results)[i].status();
    if (IsTransient(status) && !IsOutage(status)) {
      const Outcome outcome = SetAside(work[i].item, "annotate", status, others_succeeded, held);
      if (outcome != Outcome::kDone) return outcome;
    } else if (IsTransient(status)) {
      alone.push_back(&work[i]);
    } else if (!Complete(work[i].item, status, 1)) {
      return Outcome::kStopped;
    }
  }
  return ProcessEachAlone(alone, held);
}

void Pipeline::RunIndexJob(IndexJob& job) {
  const ScopedRequestId batch_id(job.request_id);
  std::vector<const Work*> annotated;
  std::vector<const newsgraph::v1::Document*> documents;
  std::vector<const newsgraph::v1::AnnotateDocumentResponse*> annotations;
  for (size_t i = 0; i < job.work.size(); ++i) {
    annotated.push_back(&job.work[i]);
    documents.push_back(&job.work[i].document);
    annotations.push_back(&job.annotations[i]);
  }
  absl::Status indexed = CallRetryingOutages(
      "index",
      [&] {
        const absl::Time start = absl::Now();
        absl::Status status = job.mode == OutboxItem::Action::kProcess
                                  ? downstream_->IndexBatch(documents, annotations)
                                  : downstream_->ReindexBatch(documents, annotations);
        CountCall(&PipelineStats::index, documents.size(), start);
        return status;
      },
      [&](int attempt, const absl::Status& status) {
        RecordOutage(annotated, "index", newsgraph::v1::ANNOTATED, attempt, status);
      });
  Outcome outcome = Outcome::kDone;
  if (Stopping()) {
    outcome = Outcome::kStopped;
  } else if (indexed.ok()) {
    NoteSuccess(kSearchService);
    for (const Work* w : annotated) {
      if (!Complete(w->item, absl::OkStatus(), 2)) {
        outcome = Outcome::kStopped;
        break;
      }
      Count(&PipelineStats::indexed);
    }
  } else {
    // Later items of these documents wait in the outbox behind them (they
    // are in flight until this returns), so nothing needs holding here.
    absl::flat_hash_set<uint64_t> held;
    outcome = ProcessEachAlone(annotated, &held, /*on_index_stage=*/true);
  }
  newsgraph::MutexLock lock(&mu_);
  if (outcome != Outcome::kDone) stage_outcome_ = outcome;
}

bool Pipeline::HandOff(IndexJob job) {
  newsgraph::MutexLock lock(&mu_);
  const auto free = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !stage_job_.has_value();
  };
  mu_.Await(newsgraph::Condition(&free));
  if (stopping_) return false;
  for (const Work& w : job.work) in_flight_.insert(w.item.document_id);
  stage_job_ = std::move(job);
  return true;
}

void Pipeline::IndexStage() {
  while (true) {
    IndexJob* job = nullptr;
    {
      newsgraph::MutexLock lock(&mu_);
      const auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || stage_job_.has_value();
      };
      mu_.Await(newsgraph::Condition(&ready));
      if (!stage_job_.has_value()) return;  // stopping with nothing handed over
      job = &*stage_job_;
    }
    // The job stays in stage_job_ (the main thread only reads whether it is
    // there) until it is done.
    RunIndexJob(*job);
    newsgraph::MutexLock lock(&mu_);
    for (const Work& w : job->work) in_flight_.erase(w.item.document_id);
    stage_job_.reset();
    woken_ = true;  // the documents' later items may go now
  }
}

Pipeline::Outcome Pipeline::TakeStageOutcome() {
  newsgraph::MutexLock lock(&mu_);
  const Outcome outcome = stage_outcome_;
  stage_outcome_ = Outcome::kDone;
  return outcome;
}

Pipeline::Outcome Pipeline::WaitForIndexStage() {
  newsgraph::MutexLock lock(&mu_);
  const auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !stage_job_.has_value();
  };
  mu_.Await(newsgraph::Condition(&idle));
  if (stopping_) return Outcome::kStopped;
  const Outcome outcome = stage_outcome_;
  stage_outcome_ = Outcome::kDone;
  return outcome;
}

Pipeline::Outcome Pipeline::SetAside(const OutboxItem& item, const char* what,
                                     const absl::Status& status, bool others_succeeded,
                                     absl::flat_hash_set<uint64_t>* held) {
  int32_t attempts = 1;
  {
    newsgraph::MutexLock lock(&mu_);
    auto it = deferred_.find(item.document_id);
    if (it != deferred_.end()) attempts += it->second.attempts;
  }
  const Verdict verdict = JudgeFailure(item.document_id, ServiceOf(what), others_succeeded);
  if (verdict == Verdict::kSuspect) {
    return Suspect(item, what, newsgraph::v1::RECEIVED, status, attempts).outcome;
  }
  const StageResult deferred =
      Defer(item, what, newsgraph::v1::RECEIVED, status, attempts, verdict);
  if (deferred.outcome == Outcome::kDeferred) {
    held->insert(item.document_id);
    return Outcome::kDone;
  }
  return Complete(item, deferred.status, attempts) ? Outcome::kDone : Outcome::kStopped;
}

Pipeline::Outcome Pipeline::ProcessEachAlone(const std::vector<const Work*>& work,
                                             absl::flat_hash_set<uint64_t>* held,
                                             bool on_index_stage) {
  if (work.empty()) return Outcome::kDone;
  // The one-document path may call the services about any document: the
  // batch on the index stage must be done first.
  if (!on_index_stage) {
    if (const Outcome stage = WaitForIndexStage(); stage != Outcome::kDone) return stage;
  }
  for (const Work* w : work) {
    if (const Outcome outcome = ProcessAlone(w->item, held); outcome != Outcome::kDone) {
      return outcome;
    }
  }
  return Outcome::kDone;
}

void Pipeline::RecordOutage(const std::vector<const Work*>& work, const char* what,
                            newsgraph::v1::PipelineState state, int attempt,
                            const absl::Status& status) {
  if (attempt % 8 != 1) return;
  const std::string message =
      absl::StrCat(what, " attempt ", attempt, " failed, retrying: ", status.ToString());
  for (const Work* w : work) (void)core_->RecordProgress(w->item, state, attempt, message);
}

absl::Status Pipeline::CallRetryingOutages(
    const char* what, const std::function<absl::Status()>& call,
    const std::function<void(int attempt, const absl::Status&)>& on_outage) {
  absl::Duration backoff = options_.initial_backoff;
  for (int attempt = 1;; ++attempt) {
    absl::Status status = call();
    if (status.ok() || !IsOutage(status) || Stopping()) return status;
    const absl::Duration delay = Jittered(backoff);
    LogWarning("pipeline", absl::StrCat(what, " of a batch, attempt ", attempt,
                                        " failed, retrying in ", absl::FormatDuration(delay),
                                        ": ", status.ToString()));
    on_outage(attempt, status);
    if (!SleepUnlessStopped(delay)) return status;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

Pipeline::Outcome Pipeline::Process(const OutboxItem& item) {
  const ScopedRequestId item_id(item.request_id.empty() ? NewTraceId() : item.request_id);
  int32_t attempts = 0;
  {
    newsgraph::MutexLock lock(&mu_);
    auto it = deferred_.find(item.document_id);
    if (it != deferred_.end()) attempts = it->second.attempts;
  }
  StageResult result;
  if (item.action == OutboxItem::Action::kRemove) {
    const std::string name = IngestCore::DocumentName(item.document_id);
    result = RunStage(item, "remove", newsgraph::v1::RECEIVED,
                      [&] { return downstream_->Remove(name); }, &attempts);
  } else {
    result = AnnotateAndIndex(item, &attempts);
  }
  if (result.outcome != Outcome::kDone) return result.outcome;
  if (!Complete(item, result.status, attempts)) return Outcome::kStopped;
  if (!result.status.ok()) return Outcome::kDone;  // counted as failed by Complete
  if (result.superseded) {
    Count(&PipelineStats::superseded);
  } else if (item.action == OutboxItem::Action::kRemove) {
    Count(&PipelineStats::removed);
  } else {
    Count(&PipelineStats::indexed);
  }
  return Outcome::kDone;
}

Pipeline::StageResult Pipeline::AnnotateAndIndex(const OutboxItem& item, int32_t* attempts) {
  absl::StatusOr<std::optional<newsgraph::v1::Document>> doc = core_->DocumentForItem(item);
  if (!doc.ok()) return {Outcome::kDone, doc.status()};
  // Superseded by a newer version or deleted: nothing to do.
  if (!doc->has_value()) return {Outcome::kDone, absl::OkStatus(), /*superseded=*/true};
  newsgraph::v1::AnnotateDocumentResponse annotations;
  StageResult annotated = RunStage(
      item, "annotate", newsgraph::v1::RECEIVED,
      [&] {
        absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> response =
            item.action == OutboxItem::Action::kReannotate ? downstream_->Reannotate(**doc)
                                                           : downstream_->Annotate(**doc);
        if (response.ok()) annotations = *std::move(response);
        return response.status();
      },
      attempts);
  if (annotated.outcome != Outcome::kDone || !annotated.status.ok()) return annotated;
  absl::Status progress = core_->RecordProgress(item, newsgraph::v1::ANNOTATED, *attempts, "");
  if (!progress.ok()) LogWarning("pipeline", progress.ToString());
  return RunStage(
      item, "index", newsgraph::v1::ANNOTATED,
      [&] {
        return item.action == OutboxItem::Action::kProcess
                   ? downstream_->Index(**doc, annotations)
                   : downstream_->Reindex(**doc, annotations);
      },
      attempts);
}

Pipeline::StageResult Pipeline::RunStage(const OutboxItem& item, const char* what,
                                         newsgraph::v1::PipelineState state,
                                         const std::function<absl::Status()>& attempt,
                                         int32_t* attempts) {
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    ++*attempts;
    absl::Status status = attempt();
    if (status.ok()) NoteSuccess(ServiceOf(what));
    if (status.ok() || !IsTransient(status)) return {Outcome::kDone, status};
    // Cancelled by Stop (or failing while stopping): the item waits in the
    // outbox for the next start.
    if (Stopping()) return {Outcome::kStopped, status};
    if (!IsOutage(status)) {
      const Verdict verdict = JudgeFailure(item.document_id, ServiceOf(what), false);
      if (verdict == Verdict::kSuspect) return Suspect(item, what, state, status, *attempts);
      return Defer(item, what, state, status, *attempts, verdict);
    }
    // An outage holds up every document alike: retried here until it ends.
    const absl::Duration delay = Jittered(backoff);
    LogWarning("pipeline", absl::StrCat(what, " ", IngestCore::DocumentName(item.document_id),
                                        " v", item.version, " attempt ", *attempts,
                                        " failed, retrying in ", absl::FormatDuration(delay),
                                        ": ", status.ToString()));
    if (*attempts % 8 == 1) {
      (void)core_->RecordProgress(
          item, state, *attempts,
          absl::StrCat(what, " attempt ", *attempts, " failed, retrying: ", status.ToString()));
    }
    if (!SleepUnlessStopped(delay)) return {Outcome::kStopped, status};
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

Pipeline::StageResult Pipeline::Suspect(const OutboxItem& item, const char* what,
                                        newsgraph::v1::PipelineState state,
                                        const absl::Status& status, int32_t attempts) {
  {
    newsgraph::MutexLock lock(&mu_);
    deferred_[item.document_id].attempts = attempts;
  }
  (void)core_->RecordProgress(
      item, state, attempts,
      absl::StrCat(what, " attempt ", attempts, " failed, as did another document's; ",
                   "waiting for the service: ", status.ToString()));
  return {Outcome::kRetryRound, status};
}

Pipeline::StageResult Pipeline::Defer(const OutboxItem& item, const char* what,
                                      newsgraph::v1::PipelineState state,
                                      const absl::Status& status, int32_t attempts,
                                      Verdict verdict) {
  int32_t failures = 0;
  absl::Duration delay;
  {
    newsgraph::MutexLock lock(&mu_);
    Deferral& deferral = deferred_[item.document_id];
    failures = ++deferral.failures;
    deferral.attempts = attempts;
    absl::Duration backoff = options_.initial_backoff;
    for (int32_t k = 1; k < failures && backoff < options_.max_backoff; ++k) backoff *= 2;
    delay = Jittered(std::min(backoff, options_.max_backoff));
    deferral.not_before = options_.clock->Now() + delay;
  }
  // Timeouts and overload that persist are the document's own: it ends
  // FAILED after max_attempts.
  if (verdict == Verdict::kGiveUp) {
    return {Outcome::kDone,
            absl::Status(status.code(), absl::StrCat(what, " failing for over ",
                                                     absl::FormatDuration(options_.give_up_after),
                                                     ", giving up: ", status.message()))};
  }
  if (failures >= options_.max_attempts) {
    return {Outcome::kDone, absl::Status(status.code(),
                                         absl::StrCat(what, " failed ", failures,
                                                      " times, giving up: ", status.message()))};
  }
  const std::string message = absl::StrCat(what, " attempt ", attempts, " failed, retrying in ",
                                           absl::FormatDuration(delay), ": ", status.ToString());
  LogWarning("pipeline", absl::StrCat(IngestCore::DocumentName(item.document_id), " v",
                                      item.version, " ", message));
  (void)core_->RecordProgress(item, state, attempts, message);
  return {Outcome::kDeferred, status};
}

bool Pipeline::Complete(const OutboxItem& item, const absl::Status& status, int32_t attempts) {
  const newsgraph::v1::PipelineState final_state =
      status.ok() ? newsgraph::v1::INDEXED : newsgraph::v1::FAILED;
  if (!status.ok()) {
    LogError("pipeline", absl::StrCat(IngestCore::DocumentName(item.document_id), " v",
                                      item.version, " failed: ", status.ToString()));
  }
  while (true) {
    absl::Status completed =
        core_->CompleteItem(item, final_state, status.ok() ? "" : status.ToString(), attempts);
    if (completed.ok()) break;
    LogError("pipeline", absl::StrCat("cannot complete outbox item: ", completed.ToString()));
    if (!SleepUnlessStopped(options_.max_backoff)) return false;
  }
  newsgraph::MutexLock lock(&mu_);
  deferred_.erase(item.document_id);
  for (auto& failed : failed_since_success_) failed.erase(item.document_id);
  if (!status.ok()) ++stats_.failed;
  return true;
}

void Pipeline::Count(uint64_t PipelineStats::*counter, uint64_t n) {
  newsgraph::MutexLock lock(&mu_);
  stats_.*counter += n;
}

void Pipeline::CountCall(PipelineStats::Calls PipelineStats::*calls, size_t documents,
                         absl::Time start) {
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  newsgraph::MutexLock lock(&mu_);
  PipelineStats::Calls& counted = stats_.*calls;
  ++counted.calls;
  counted.documents += documents;
  counted.seconds += seconds;
}

PipelineStats Pipeline::Stats() {
  newsgraph::MutexLock lock(&mu_);
  PipelineStats stats = stats_;
  stats.deferred = deferred_.size();
  stats.indexing = in_flight_.size();
  return stats;
}

}  // namespace newsgraph::ingest
