#include "services/ingest/ingest_core.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/mutex.h"
#include "base/page_size.h"
#include "base/page_token.h"
#include "base/status_macros.h"
#include "base/stop_poller.h"
#include "base/time_util.h"
#include "services/common/log.h"
#include "services/ingest/group_writer.h"
#include "services/ingest/ingest_keyspace.h"
#include "services/ingest/minhash.h"
#include "storage/key_codec.h"
#include "storage/page_token_key.h"

namespace newsgraph::ingest {
namespace {

using newsgraph::v1::Document;
using newsgraph::v1::DocumentView;
using newsgraph::v1::IngestJob;
using newsgraph::v1::IngestOutcome;
using newsgraph::v1::PipelineState;
using storage::Durability;
using storage::KeyBuilder;
using storage::WriteBatch;

constexpr char kDocumentPrefix[] = "documents/";
constexpr char kJobPrefix[] = "jobs/";
constexpr char kNextDocumentKey[] = "next_document_id";
constexpr char kNextOutboxKey[] = "next_outbox_sequence";
constexpr char kNextJobKey[] = "next_job_id";
constexpr int kDefaultPageSize = 50;

using keys::IdKey;
using keys::BandEntryKey;
using keys::SourceLineKey;
using keys::StringKey;



absl::StatusOr<uint64_t> ParseResourceId(const std::string& name, absl::string_view prefix,
                                         absl::string_view field) {
  absl::string_view rest = name;
  if (!absl::ConsumePrefix(&rest, prefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " '", name, "' must have the form ", prefix, "{id}"));
  }
  uint64_t id = 0;
  if (rest.empty() || !absl::SimpleAtoi(rest, &id) || id == 0 ||
      rest.find_first_not_of("0123456789") != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " '", name, "' has an invalid id: expected a positive integer"));
  }
  return id;
}

void ApplyView(DocumentView view, Document* doc) {
  if (view == newsgraph::v1::METADATA) {
    doc->clear_text();
    doc->clear_paragraphs();
    doc->clear_passages();
  }
  if (view != newsgraph::v1::FULL) doc->clear_removed_boilerplate();
}

// Filter of ListDocuments: conjunction of field=value terms.
struct DocumentFilter {
  std::optional<PipelineState> state;
  std::optional<std::string> source;
  std::optional<std::string> external_id;

  bool Matches(const Document& doc) const {
    return (!state || doc.state() == *state) && (!source || doc.source() == *source) &&
           (!external_id || doc.external_id() == *external_id);
  }
};

absl::StatusOr<DocumentFilter> ParseFilter(absl::string_view filter) {
  DocumentFilter result;
  if (absl::StripAsciiWhitespace(filter).empty()) return result;
  size_t offset = 0;
  for (absl::string_view term : absl::StrSplit(filter, " AND ")) {
    const size_t term_offset = offset;
    offset += term.size() + 5;
    absl::string_view t = absl::StripAsciiWhitespace(term);
    const size_t eq = t.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("filter: expected field=value at position ",
                                                     term_offset, ", got '", t, "'"));
    }
    const absl::string_view field = absl::StripAsciiWhitespace(t.substr(0, eq));
    absl::string_view value = absl::StripAsciiWhitespace(t.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (field == "state") {
      PipelineState state;
      if (!newsgraph::v1::PipelineState_Parse(std::string(value), &state) ||
          state == newsgraph::v1::PIPELINE_STATE_UNSPECIFIED) {
        return absl::InvalidArgumentError(
            absl::StrCat("filter: unknown state '", value, "' at position ", term_offset,
                         "; use RECEIVED, ANNOTATED, INDEXED or FAILED"));
      }
      result.state = state;
    } else if (field == "source") {
      result.source = std::string(value);
    } else if (field == "external_id") {
      result.external_id = std::string(value);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("filter: unknown field '", field,
                                                     "' at position ", term_offset,
                                                     "; supported: state, source, external_id"));
    }
  }
  return result;
}

}  // namespace


std::string IngestCore::DocumentName(uint64_t id) { return absl::StrCat(kDocumentPrefix, id); }

absl::StatusOr<uint64_t> IngestCore::ParseDocumentName(const std::string& name) {
  return ParseResourceId(name, kDocumentPrefix, "document name");
}

absl::StatusOr<std::unique_ptr<IngestCore>> IngestCore::Open(storage::KvStore* store,
                                                             IngestOptions options) {
  std::unique_ptr<IngestCore> core(new IngestCore(store, options));
  NG_ASSIGN_OR_RETURN(std::string key, storage::LoadOrCreatePageTokenKey(store, cf::kMeta));
  core->page_tokens_ = std::make_unique<const PageTokens>(std::move(key));
  NG_RETURN_IF_ERROR(core->LoadCounters());
  return core;
}

absl::Status IngestCore::LoadCounters() {
  newsgraph::MutexLock lock(&write_mu_);
  for (auto [key, counter] :
       {std::pair{kNextDocumentKey, &next_document_id_},
        std::pair{kNextOutboxKey, &next_outbox_sequence_}, std::pair{kNextJobKey, &next_job_id_}}) {
    NG_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(cf::kMeta, key));
    if (!value.has_value()) continue;
    if (value->size() != 8) {
      return absl::DataLossError(absl::StrCat("ingest meta counter ", key, " is corrupted"));
    }
    *counter = storage::DecodeBigEndian64(value->data());
  }
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kOutbox);
  outbox_size_ = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++outbox_size_;
  return it->status();
}

void IngestCore::PutCounters(WriteBatch* batch) {
  batch->Put(cf::kMeta, kNextDocumentKey, storage::EncodeBigEndian64(next_document_id_));
  batch->Put(cf::kMeta, kNextOutboxKey, storage::EncodeBigEndian64(next_outbox_sequence_));
  batch->Put(cf::kMeta, kNextJobKey, storage::EncodeBigEndian64(next_job_id_));
}

void IngestCore::PutDocument(WriteBatch* batch, uint64_t id, const Document& doc) {
  batch->Put(cf::kDocuments, IdKey(id), doc.SerializeAsString());
  batch->Put(cf::kDocumentStates, IdKey(id), std::string(1, static_cast<char>(doc.state())));
}

void IngestCore::DeleteDocumentRecord(WriteBatch* batch, uint64_t id) {
  batch->Delete(cf::kDocuments, IdKey(id));
  batch->Delete(cf::kDocumentStates, IdKey(id));
}

absl::StatusOr<std::optional<PipelineState>> IngestCore::ReadState(uint64_t id) const {
  NG_ASSIGN_OR_RETURN(std::optional<std::string> state,
                      store_->Get(cf::kDocumentStates, IdKey(id)));
  if (state.has_value() && state->size() == 1 &&
      newsgraph::v1::PipelineState_IsValid(static_cast<unsigned char>((*state)[0]))) {
    return static_cast<PipelineState>(static_cast<unsigned char>((*state)[0]));
  }
  NG_ASSIGN_OR_RETURN(std::optional<Document> doc, ReadDocument(id));
  if (!doc.has_value()) return std::nullopt;
  return doc->state();
}

absl::StatusOr<std::optional<Document>> IngestCore::ReadDocument(uint64_t id) const {
  NG_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(cf::kDocuments, IdKey(id)));
  if (!value.has_value()) return std::nullopt;
  Document doc;
  if (!doc.ParseFromString(*value)) {
    return absl::DataLossError(absl::StrCat("stored document ", id, " cannot be parsed"));
  }
  return doc;
}

absl::StatusOr<IngestJob> IngestCore::ReadJob(uint64_t job_id) const {
  NG_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(cf::kJobs, IdKey(job_id)));
  if (!value.has_value()) {
    return absl::NotFoundError(absl::StrCat("job '", kJobPrefix, job_id, "' does not exist"));
  }
  IngestJob job;
  if (!job.ParseFromString(*value)) {
    return absl::DataLossError(absl::StrCat("stored job ", job_id, " cannot be parsed"));
  }
  return job;
}

absl::StatusOr<std::optional<uint64_t>> IngestCore::ReadIdIndex(storage::ColumnFamily family,
                                                                const std::string& key) const {
  NG_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(family, StringKey(key)));
  if (!value.has_value()) return std::nullopt;
  if (value->size() != 8) return absl::DataLossError("ingest id index entry is corrupted");
  return storage::DecodeBigEndian64(value->data());
}

uint64_t IngestCore::RecurringLineCount(const std::string& source, uint64_t line_hash) const {
  absl::StatusOr<std::optional<std::string>> value =
      store_->Get(cf::kSourceLines, SourceLineKey(source, line_hash));
  if (!value.ok() || !value->has_value() || (*value)->size() != 8) return 0;
  return storage::DecodeBigEndian64((*value)->data());
}

absl::StatusOr<IngestResult> IngestCore::Ingest(const newsgraph::v1::DocumentInput& input,
                                                bool repair_invalid_utf8, const std::string& job,
                                                const std::function<bool()>& stop) {
  std::vector<absl::StatusOr<IngestResult>> results =
      IngestMany({Request{&input, repair_invalid_utf8}}, job, stop);
  return std::move(results[0]);
}

std::vector<absl::StatusOr<IngestResult>> IngestCore::IngestMany(
    const std::vector<Request>& requests, const std::string& job,
    const std::function<bool()>& stop) {
  std::vector<absl::StatusOr<IngestResult>> results(requests.size(),
                                                    absl::InternalError("not ingested"));
  uint64_t job_id = 0;
  if (!job.empty()) {
    absl::StatusOr<uint64_t> parsed = ParseResourceId(job, kJobPrefix, "job");
    if (!parsed.ok()) {
      for (auto& r : results) r = parsed.status();
      return results;
    }
    job_id = *parsed;
  }
  if (OutboxSize() >= options_.max_backlog) {
    for (auto& r : results) {
      r = absl::ResourceExhaustedError(
          absl::StrCat("ingest backlog is full (", options_.max_backlog,
                       " documents waiting for the pipeline); retry in a few seconds"));
    }
    return results;
  }
  // Normalization is pure and runs outside any lock, in the caller's thread.
  std::vector<Pending> pendings(requests.size());
  std::vector<Pending*> queued;
  for (size_t i = 0; i < requests.size(); ++i) {
    Pending& pending = pendings[i];
    pending.job_id = job_id;
    pending.input = requests[i].input;
    pending.repair_invalid_utf8 = requests[i].repair_invalid_utf8;
    pending.request_id = CurrentRequestId();
    const std::string& source = requests[i].input->source();
    // A first answer from the committed counts; the group writer checks it
    // in commit order (GroupWriter::DecideBoilerplateInOrder).
    auto is_recurring = [&](absl::string_view line) {
      const uint64_t hash = LineHash(line);
      const bool recurring =
          !source.empty() && RecurringLineCount(source, hash) >= options_.recurring_line_threshold;
      pending.line_hashes.push_back(hash);
      pending.line_decisions.push_back(recurring);
      return recurring;
    };
    absl::StatusOr<Document> built = BuildDocument(
        *requests[i].input, requests[i].repair_invalid_utf8, options_.limits, is_recurring, stop);
    if (!built.ok()) {
      results[i] = built.status();
      continue;
    }
    pending.built = *std::move(built);
    pending.minhash = ComputeMinHash(pending.built.text(), /*min_words=*/20, stop);
    if (stop && stop()) {
      results[i] = absl::CancelledError("normalizing the document stopped: the call ended");
      continue;
    }
    queued.push_back(&pending);
  }

  // Group commit: the first caller to find no commit running writes the
  // queue (its own documents and any other caller's); the others wait.
  if (!queued.empty()) {
    newsgraph::MutexLock lock(&queue_mu_);
    queue_.insert(queue_.end(), queued.begin(), queued.end());
    const auto all_done = [&]() {
      for (const Pending* p : queued) {
        if (!p->done) return false;
      }
      return true;
    };
    while (!all_done()) {
      if (!committing_) {
        committing_ = true;
        std::vector<Pending*> group;
        const size_t take = std::min(queue_.size(), options_.max_group);
        group.assign(queue_.begin(), queue_.begin() + static_cast<long>(take));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(take));
        queue_mu_.Unlock();
        CommitGroup(group);
        queue_mu_.Lock();
        for (Pending* p : group) p->done = true;
        committing_ = false;
      } else {
        const auto finished_or_free = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
          return all_done() || !committing_;
        };
        queue_mu_.Await(newsgraph::Condition(&finished_or_free));
      }
    }
  }
  bool changed = false;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!pendings[i].done) continue;
    changed |= pendings[i].changed;
    results[i] = std::move(pendings[i].result);
  }
  if (changed) NotifyOutbox();
  return results;
}

void IngestCore::CommitGroup(const std::vector<Pending*>& group) {
  newsgraph::MutexLock lock(&write_mu_);
  const uint64_t saved[] = {next_document_id_, next_outbox_sequence_, next_job_id_, outbox_size_};
  GroupWriter writer(this, NowTimestamp());
  for (Pending* p : group) p->result = writer.Apply(*p);
  WriteBatch& batch = writer.Finish();
  if (batch.empty()) return;
  PutCounters(&batch);
  absl::Status written = store_->Write(batch, Durability::kSynced);
  if (!written.ok()) {
    // Nothing was applied: every member of the group fails, and the
    // in-memory counters return to their values before the group.
    next_document_id_ = saved[0];
    next_outbox_sequence_ = saved[1];
    next_job_id_ = saved[2];
    outbox_size_ = saved[3];
    for (Pending* p : group) {
      if (p->result.ok()) p->result = written;
      p->changed = false;
    }
  }
}

absl::StatusOr<Document> IngestCore::GetDocument(const std::string& name, DocumentView view) const {
  NG_ASSIGN_OR_RETURN(uint64_t id, ParseDocumentName(name));
  NG_ASSIGN_OR_RETURN(std::optional<Document> doc, ReadDocument(id));
  if (!doc.has_value()) {
    return absl::NotFoundError(absl::StrCat("document '", name, "' does not exist"));
  }
  ApplyView(view, &*doc);
  return *std::move(doc);
}

absl::StatusOr<Document> IngestCore::WaitUntilProcessed(const std::string& name, int64_t version,
                                                        absl::Time deadline,
                                                        const std::function<bool()>& stop) const {
  NG_ASSIGN_OR_RETURN(uint64_t id, ParseDocumentName(name));
  while (true) {
    uint64_t generation;
    {
      newsgraph::MutexLock lock(&state_mu_);
      generation = state_generation_;
    }
    NG_ASSIGN_OR_RETURN(std::optional<Document> doc, ReadDocument(id));
    if (!doc.has_value()) {
      return absl::NotFoundError(absl::StrCat("document '", name, "' was deleted"));
    }
    if (doc->version() != version || doc->state() == newsgraph::v1::INDEXED ||
        doc->state() == newsgraph::v1::FAILED) {
      return *std::move(doc);
    }
    newsgraph::MutexLock lock(&state_mu_);
    const auto changed = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_) {
      return state_generation_ != generation;
    };
    // Wakes at least every 100 ms to ask `stop`.
    const absl::Time wake = std::min(deadline, absl::Now() + absl::Milliseconds(100));
    if (state_mu_.AwaitWithDeadline(newsgraph::Condition(&changed), wake)) continue;
    if (stop && stop()) {
      return absl::CancelledError(
          absl::StrCat("waiting for ", name, " to be indexed stopped: the call ended"));
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(name, " is stored but not yet indexed (state ",
                       newsgraph::v1::PipelineState_Name(doc->state()), ") at the deadline"));
    }
  }
}

bool IngestCore::WaitForBacklogRoom(absl::Time deadline) const {
  newsgraph::MutexLock lock(&write_mu_);
  const auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    return outbox_size_ < options_.max_backlog;
  };
  return write_mu_.AwaitWithDeadline(newsgraph::Condition(&room), deadline);
}

void IngestCore::NotifyStateChange() const {
  newsgraph::MutexLock lock(&state_mu_);
  ++state_generation_;
}

absl::StatusOr<newsgraph::v1::ListDocumentsResponse> IngestCore::ListDocuments(
    const newsgraph::v1::ListDocumentsRequest& request, const std::function<bool()>& stop) const {
  NG_ASSIGN_OR_RETURN(const int page_size, ResolvePageSize(request.page_size(), kDefaultPageSize,
                                                           options_.max_page_size));
  NG_ASSIGN_OR_RETURN(DocumentFilter filter, ParseFilter(request.filter()));
  uint64_t start_id = 0;
  if (!request.page_token().empty()) {
    NG_ASSIGN_OR_RETURN(std::string position,
                        page_tokens_->Decode(request.page_token(), "documents", request.filter()));
    if (position.size() != 8) return absl::InvalidArgumentError("page_token is malformed");
    start_id = storage::DecodeBigEndian64(position.data());
  }
  const DocumentView view = request.view() == newsgraph::v1::DOCUMENT_VIEW_UNSPECIFIED
                                ? newsgraph::v1::METADATA
                                : request.view();

  newsgraph::v1::ListDocumentsResponse response;
  storage::ReadOptions scan;
  scan.fill_cache = false;
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kDocuments, scan);
  StopPoller poller(stop, "ListDocuments", /*interval=*/256);
  size_t scanned = 0;
  for (it->Seek(IdKey(start_id)); it->Valid(); it->Next()) {
    NG_RETURN_IF_ERROR(poller.Step());
    // A selective filter returns what it found so far; the client pages on.
    if (++scanned > options_.max_scanned_per_page) {
      response.set_next_page_token(page_tokens_->Encode(
          "documents", request.filter(), std::string(it->key())));
      break;
    }
    Document doc;
    if (!doc.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("stored document cannot be parsed during listing");
    }
    if (!filter.Matches(doc)) continue;
    if (response.documents_size() == page_size) {
      // The position is the next document's key (its id, big-endian).
      response.set_next_page_token(
          page_tokens_->Encode("documents", request.filter(), std::string(it->key())));
      break;
    }
    ApplyView(view, &doc);
    *response.add_documents() = std::move(doc);
  }
  NG_RETURN_IF_ERROR(it->status());
  return response;
}

absl::Status IngestCore::DeleteDocument(const std::string& name) {
  NG_ASSIGN_OR_RETURN(uint64_t id, ParseDocumentName(name));
  {
    newsgraph::MutexLock lock(&write_mu_);
    NG_ASSIGN_OR_RETURN(std::optional<Document> doc, ReadDocument(id));
    if (!doc.has_value()) {
      return absl::NotFoundError(absl::StrCat("document '", name, "' does not exist"));
    }
    WriteBatch batch;
    DeleteDocumentRecord(&batch, id);
    if (!doc->external_id().empty()) batch.Delete(cf::kExternalIds, StringKey(doc->external_id()));
    NG_ASSIGN_OR_RETURN(std::optional<uint64_t> holder,
                        ReadIdIndex(cf::kFingerprints, doc->content_fingerprint()));
    if (holder.has_value() && *holder == id) {
      batch.Delete(cf::kFingerprints, StringKey(doc->content_fingerprint()));
    }
    NG_ASSIGN_OR_RETURN(std::optional<std::string> signature,
                        store_->Get(cf::kMinHashes, IdKey(id)));
    if (signature.has_value()) {
      if (std::optional<MinHashSignature> decoded = DecodeMinHash(*signature)) {
        for (int band = 0; band < kMinHashBands; ++band) {
          batch.Delete(cf::kMinHashBands, BandEntryKey(band, MinHashBandKey(*decoded, band), id));
        }
      }
      batch.Delete(cf::kMinHashes, IdKey(id));
    }
    NG_RETURN_IF_ERROR(CommitWithOutboxItem(&batch, id, doc->version(),
                                            OutboxItem::Action::kRemove));
  }
  NotifyOutbox();
  NotifyStateChange();
  return absl::OkStatus();
}

absl::Status IngestCore::CommitWithOutboxItem(WriteBatch* batch, uint64_t id, int64_t version,
                                              OutboxItem::Action action) {
  batch->Put(cf::kOutbox, IdKey(next_outbox_sequence_++),
             EncodeOutboxValue(id, version, action, absl::Now(), CurrentRequestId()));
  ++outbox_size_;
  PutCounters(batch);
  absl::Status written = store_->Write(*batch, Durability::kSynced);
  if (!written.ok()) {
    --next_outbox_sequence_;
    --outbox_size_;
  }
  return written;
}

absl::StatusOr<Document> IngestCore::RetryDocument(const std::string& name) {
  NG_ASSIGN_OR_RETURN(uint64_t id, ParseDocumentName(name));
  Document doc;
  {
    newsgraph::MutexLock lock(&write_mu_);
    NG_ASSIGN_OR_RETURN(std::optional<Document> stored, ReadDocument(id));
    if (!stored.has_value()) {
      return absl::NotFoundError(absl::StrCat("document '", name, "' does not exist"));
    }
    doc = *std::move(stored);
    if (doc.state() != newsgraph::v1::FAILED) {
      return absl::FailedPreconditionError(
          absl::StrCat("document '", name, "' is ", newsgraph::v1::PipelineState_Name(doc.state()),
                       "; only FAILED documents are retried"));
    }
    doc.set_state(newsgraph::v1::RECEIVED);
    doc.clear_pipeline_error();
    doc.set_pipeline_attempts(0);
    *doc.mutable_update_time() = NowTimestamp();
    WriteBatch batch;
    PutDocument(&batch, id, doc);
    NG_RETURN_IF_ERROR(
        CommitWithOutboxItem(&batch, id, doc.version(), OutboxItem::Action::kProcess));
  }
  NotifyOutbox();
  NotifyStateChange();
  return doc;
}

absl::StatusOr<std::string> IngestCore::CreateJob() {
  newsgraph::MutexLock lock(&write_mu_);
  const uint64_t id = next_job_id_++;
  IngestJob job;
  job.set_name(absl::StrCat(kJobPrefix, id));
  *job.mutable_create_time() = NowTimestamp();
  *job.mutable_update_time() = job.create_time();
  WriteBatch batch;
  batch.Put(cf::kJobs, IdKey(id), job.SerializeAsString());
  PutCounters(&batch);
  absl::Status written = store_->Write(batch, Durability::kSynced);
  if (!written.ok()) {
    --next_job_id_;
    return written;
  }
  return job.name();
}

absl::Status IngestCore::RecordRejection(const std::string& job, int64_t sequence,
                                         const std::string& external_id,
                                         const absl::Status& error) {
  NG_ASSIGN_OR_RETURN(uint64_t id, ParseResourceId(job, kJobPrefix, "job"));
  newsgraph::MutexLock lock(&write_mu_);
  NG_ASSIGN_OR_RETURN(IngestJob record, ReadJob(id));
  record.set_rejected_count(record.rejected_count() + 1);
  *record.mutable_update_time() = NowTimestamp();
  constexpr int kMaxRecordedErrors = 10;
  if (record.first_errors_size() < kMaxRecordedErrors) {
    newsgraph::v1::JobError* recorded = record.add_first_errors();
    recorded->set_sequence(sequence);
    recorded->set_external_id(external_id);
    recorded->set_error_code(static_cast<int32_t>(error.code()));
    recorded->set_error_message(std::string(error.message()));
  }
  WriteBatch batch;
  batch.Put(cf::kJobs, IdKey(id), record.SerializeAsString());
  return store_->Write(batch, Durability::kProcessCrashSafe);
}

absl::StatusOr<IngestJob> IngestCore::GetJob(const std::string& name,
                                             const std::function<bool()>& stop) const {
  NG_ASSIGN_OR_RETURN(uint64_t id, ParseResourceId(name, kJobPrefix, "job name"));
  NG_ASSIGN_OR_RETURN(IngestJob job, ReadJob(id));
  // Pipeline counts are derived from the documents' current states.
  const std::string prefix = KeyBuilder().AddUint64(id).key();
  storage::ReadOptions scan;
  scan.upper_bound = storage::PrefixSuccessor(prefix);
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kJobDocuments, scan);
  int64_t by_state[newsgraph::v1::PipelineState_ARRAYSIZE] = {};
  StopPoller poller(stop, "GetIngestJob", /*interval=*/256);
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    NG_RETURN_IF_ERROR(poller.Step());
    const uint64_t doc_id = storage::DecodeBigEndian64(it->key().data() + 8);
    NG_ASSIGN_OR_RETURN(std::optional<PipelineState> state, ReadState(doc_id));
    if (!state.has_value()) continue;
    ++by_state[*state];
  }
  NG_RETURN_IF_ERROR(it->status());
  job.set_received_count(by_state[newsgraph::v1::RECEIVED]);
  job.set_annotated_count(by_state[newsgraph::v1::ANNOTATED]);
  job.set_indexed_count(by_state[newsgraph::v1::INDEXED]);
  job.set_failed_count(by_state[newsgraph::v1::FAILED]);
  const double seconds =
      absl::ToDoubleSeconds(FromTimestamp(job.update_time()) - FromTimestamp(job.create_time()));
  if (seconds > 0) job.set_accepted_per_second(static_cast<double>(job.accepted_count()) / seconds);
  return job;
}

absl::StatusOr<std::vector<OutboxItem>> IngestCore::PeekOutbox(
    size_t max_items, const absl::flat_hash_set<uint64_t>& skip) const {
  std::vector<OutboxItem> items;
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kOutbox);
  for (it->SeekToFirst(); it->Valid() && items.size() < max_items; it->Next()) {
    NG_ASSIGN_OR_RETURN(const OutboxItem item, DecodeOutboxEntry(it->key(), it->value()));
    if (skip.contains(item.document_id)) continue;
    items.push_back(item);
  }
  NG_RETURN_IF_ERROR(it->status());
  return items;
}

absl::StatusOr<std::optional<Document>> IngestCore::DocumentForItem(const OutboxItem& item) const {
  NG_ASSIGN_OR_RETURN(std::optional<Document> doc, ReadDocument(item.document_id));
  if (!doc.has_value() || doc->version() != item.version) return std::nullopt;
  return doc;
}

absl::Status IngestCore::RecordProgress(const OutboxItem& item, PipelineState state,
                                        int32_t attempts, const std::string& last_error) {
  newsgraph::MutexLock lock(&write_mu_);
  NG_ASSIGN_OR_RETURN(std::optional<Document> doc, ReadDocument(item.document_id));
  if (!doc.has_value() || doc->version() != item.version) return absl::OkStatus();
  doc->set_state(state);
  doc->set_pipeline_attempts(attempts);
  doc->set_pipeline_error(last_error);
  *doc->mutable_update_time() = NowTimestamp();
  WriteBatch batch;
  PutDocument(&batch, item.document_id, *doc);
  return store_->Write(batch, Durability::kProcessCrashSafe);
}

absl::Status IngestCore::CompleteItem(const OutboxItem& item, PipelineState final_state,
                                      const std::string& error, int32_t attempts) {
  newsgraph::MutexLock lock(&write_mu_);
  WriteBatch batch;
  batch.Delete(cf::kOutbox, IdKey(item.sequence));
  if (item.action != OutboxItem::Action::kRemove) {
    NG_ASSIGN_OR_RETURN(std::optional<Document> doc, ReadDocument(item.document_id));
    if (doc.has_value() && doc->version() == item.version) {
      doc->set_state(final_state);
      doc->set_pipeline_error(error);
      doc->set_pipeline_attempts(attempts);
      *doc->mutable_update_time() = NowTimestamp();
      PutDocument(&batch, item.document_id, *doc);
    }
  }
  // Losing this write in a power cut only replays idempotent pipeline work.
  NG_RETURN_IF_ERROR(store_->Write(batch, Durability::kProcessCrashSafe));
  if (outbox_size_ > 0) --outbox_size_;
  NotifyStateChange();
  return absl::OkStatus();
}

uint64_t IngestCore::OutboxSize() const { return outbox_size_.load(); }

absl::StatusOr<std::optional<absl::Time>> IngestCore::OldestOutboxTime() const {
  NG_ASSIGN_OR_RETURN(std::vector<OutboxItem> oldest, PeekOutbox(1));
  if (oldest.empty() || oldest[0].acknowledged == absl::InfinitePast()) return std::nullopt;
  return oldest[0].acknowledged;
}

void IngestCore::SetOutboxListener(std::function<void()> listener) {
  newsgraph::MutexLock lock(&listener_mu_);
  outbox_listener_ = std::move(listener);
}

void IngestCore::NotifyOutbox() {
  std::function<void()> listener;
  {
    newsgraph::MutexLock lock(&listener_mu_);
    listener = outbox_listener_;
  }
  if (listener) listener();
}

}  // namespace newsgraph::ingest
