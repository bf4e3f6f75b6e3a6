#include "services/ingest/ingest_core.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/page_token.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "services/ingest/ingest_keyspace.h"
#include "storage/key_codec.h"

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
constexpr int kMaxPageSize = 1000;

std::string IdKey(uint64_t id) { return KeyBuilder().AddUint64(id).key(); }
std::string StringKey(absl::string_view s) { return KeyBuilder().AddString(s).key(); }

std::string EncodeU64(uint64_t v) {
  std::string out;
  storage::AppendBigEndian64(&out, v);
  return out;
}

// Outbox entry value: doc_id(8) version(8) action(1).
std::string EncodeOutboxValue(uint64_t doc, int64_t version, OutboxItem::Action action) {
  std::string out = EncodeU64(doc);
  storage::AppendBigEndian64(&out, static_cast<uint64_t>(version));
  out.push_back(static_cast<char>(action));
  return out;
}

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
                         "; use STORED, ANNOTATED, INDEXED or FAILED"));
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
                                                             DocumentLimits limits) {
  std::unique_ptr<IngestCore> core(new IngestCore(store, limits));
  NG_RETURN_IF_ERROR(core->LoadCounters());
  return core;
}

absl::Status IngestCore::LoadCounters() {
  absl::MutexLock lock(&write_mu_);
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
  batch->Put(cf::kMeta, kNextDocumentKey, EncodeU64(next_document_id_));
  batch->Put(cf::kMeta, kNextOutboxKey, EncodeU64(next_outbox_sequence_));
  batch->Put(cf::kMeta, kNextJobKey, EncodeU64(next_job_id_));
}

void IngestCore::AddOutboxItem(WriteBatch* batch, uint64_t doc, int64_t version,
                               OutboxItem::Action action) {
  batch->Put(cf::kOutbox, IdKey(next_outbox_sequence_++), EncodeOutboxValue(doc, version, action));
  ++outbox_size_;
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

absl::StatusOr<std::optional<uint64_t>> IngestCore::ReadIdIndex(storage::ColumnFamily cf,
                                                                const std::string& key) const {
  NG_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(cf, StringKey(key)));
  if (!value.has_value()) return std::nullopt;
  if (value->size() != 8) return absl::DataLossError("ingest id index entry is corrupted");
  return storage::DecodeBigEndian64(value->data());
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

absl::StatusOr<IngestResult> IngestCore::Ingest(const newsgraph::v1::DocumentInput& input,
                                                bool repair_invalid_utf8, const std::string& job) {
  uint64_t job_id = 0;
  if (!job.empty()) {
    NG_ASSIGN_OR_RETURN(job_id, ParseResourceId(job, kJobPrefix, "job"));
  }
  // Normalization is pure and runs outside the lock.
  NG_ASSIGN_OR_RETURN(Document built, BuildDocument(input, repair_invalid_utf8, limits_));
  const google::protobuf::Timestamp now = NowTimestamp();

  IngestResult result;
  {
    absl::MutexLock lock(&write_mu_);
    std::optional<IngestJob> job_record;
    if (job_id != 0) {
      NG_ASSIGN_OR_RETURN(job_record, ReadJob(job_id));
    }
    std::optional<uint64_t> existing_id;
    if (!built.external_id().empty()) {
      NG_ASSIGN_OR_RETURN(existing_id, ReadIdIndex(cf::kExternalIds, built.external_id()));
    }
    NG_ASSIGN_OR_RETURN(std::optional<uint64_t> same_text_id,
                        ReadIdIndex(cf::kFingerprints, built.content_fingerprint()));

    WriteBatch batch;
    uint64_t doc_id = 0;
    if (existing_id.has_value()) {
      NG_ASSIGN_OR_RETURN(std::optional<Document> stored, ReadDocument(*existing_id));
      if (!stored.has_value()) {
        return absl::DataLossError(absl::StrCat("external_id '", built.external_id(),
                                                "' points to missing document ", *existing_id));
      }
      doc_id = *existing_id;
      if (stored->content_fingerprint() == built.content_fingerprint() &&
          stored->title() == built.title()) {
        result.outcome = newsgraph::v1::UNCHANGED;
        result.document = std::move(*stored);
      } else {
        built.set_name(DocumentName(doc_id));
        built.set_version(stored->version() + 1);
        built.set_state(newsgraph::v1::STORED);
        *built.mutable_create_time() = stored->create_time();
        *built.mutable_update_time() = now;
        if (same_text_id.has_value() && *same_text_id != doc_id) {
          built.set_duplicate_of(DocumentName(*same_text_id));
        }
        result.outcome = newsgraph::v1::NEW_VERSION;
        result.document = std::move(built);
      }
    } else if (same_text_id.has_value() && built.external_id().empty()) {
      NG_ASSIGN_OR_RETURN(std::optional<Document> stored, ReadDocument(*same_text_id));
      if (!stored.has_value()) {
        return absl::DataLossError(
            absl::StrCat("fingerprint index points to missing document ", *same_text_id));
      }
      doc_id = *same_text_id;
      result.outcome = newsgraph::v1::DUPLICATE;
      result.document = std::move(*stored);
      result.document.set_duplicate_of(DocumentName(doc_id));
    } else {
      doc_id = next_document_id_++;
      built.set_name(DocumentName(doc_id));
      built.set_version(1);
      built.set_state(newsgraph::v1::STORED);
      *built.mutable_create_time() = now;
      *built.mutable_update_time() = now;
      if (same_text_id.has_value()) built.set_duplicate_of(DocumentName(*same_text_id));
      if (!built.external_id().empty()) {
        batch.Put(cf::kExternalIds, StringKey(built.external_id()), EncodeU64(doc_id));
      }
      result.outcome = newsgraph::v1::CREATED;
      result.document = std::move(built);
    }

    const bool changed =
        result.outcome == newsgraph::v1::CREATED || result.outcome == newsgraph::v1::NEW_VERSION;
    if (changed) {
      batch.Put(cf::kDocuments, IdKey(doc_id), result.document.SerializeAsString());
      if (!same_text_id.has_value()) {
        batch.Put(cf::kFingerprints, StringKey(result.document.content_fingerprint()),
                  EncodeU64(doc_id));
      }
      AddOutboxItem(&batch, doc_id, result.document.version(), OutboxItem::Action::kProcess);
    }
    if (job_record.has_value()) {
      job_record->set_accepted_count(job_record->accepted_count() + 1);
      if (!changed) job_record->set_duplicate_count(job_record->duplicate_count() + 1);
      *job_record->mutable_update_time() = now;
      batch.Put(cf::kJobs, IdKey(job_id), job_record->SerializeAsString());
      batch.Put(cf::kJobDocuments, KeyBuilder().AddUint64(job_id).AddUint64(doc_id).key(), "");
    }
    if (!batch.empty()) {
      PutCounters(&batch);
      absl::Status written = store_->Write(batch, Durability::kSynced);
      if (!written.ok()) {
        // Nothing was applied: undo the in-memory allocations.
        if (result.outcome == newsgraph::v1::CREATED) --next_document_id_;
        if (changed) {
          --next_outbox_sequence_;
          --outbox_size_;
        }
        return written;
      }
    }
  }
  if (result.outcome == newsgraph::v1::CREATED || result.outcome == newsgraph::v1::NEW_VERSION) {
    NotifyOutbox();
  }
  return result;
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

absl::StatusOr<newsgraph::v1::ListDocumentsResponse> IngestCore::ListDocuments(
    const newsgraph::v1::ListDocumentsRequest& request) const {
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size must not be negative (got ", request.page_size(), ")"));
  }
  const int page_size =
      request.page_size() == 0 ? kDefaultPageSize : std::min(request.page_size(), kMaxPageSize);
  NG_ASSIGN_OR_RETURN(DocumentFilter filter, ParseFilter(request.filter()));
  uint64_t start_id = 0;
  if (!request.page_token().empty()) {
    NG_ASSIGN_OR_RETURN(std::string position,
                        DecodePageToken(request.page_token(), "documents", request.filter()));
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
  for (it->Seek(IdKey(start_id)); it->Valid(); it->Next()) {
    Document doc;
    if (!doc.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("stored document cannot be parsed during listing");
    }
    if (!filter.Matches(doc)) continue;
    if (response.documents_size() == page_size) {
      const uint64_t next = storage::DecodeBigEndian64(it->key().data());
      response.set_next_page_token(EncodePageToken("documents", request.filter(), EncodeU64(next)));
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
    absl::MutexLock lock(&write_mu_);
    NG_ASSIGN_OR_RETURN(std::optional<Document> doc, ReadDocument(id));
    if (!doc.has_value()) {
      return absl::NotFoundError(absl::StrCat("document '", name, "' does not exist"));
    }
    WriteBatch batch;
    batch.Delete(cf::kDocuments, IdKey(id));
    if (!doc->external_id().empty()) batch.Delete(cf::kExternalIds, StringKey(doc->external_id()));
    NG_ASSIGN_OR_RETURN(std::optional<uint64_t> holder,
                        ReadIdIndex(cf::kFingerprints, doc->content_fingerprint()));
    if (holder.has_value() && *holder == id) {
      batch.Delete(cf::kFingerprints, StringKey(doc->content_fingerprint()));
    }
    AddOutboxItem(&batch, id, doc->version(), OutboxItem::Action::kRemove);
    PutCounters(&batch);
    absl::Status written = store_->Write(batch, Durability::kSynced);
    if (!written.ok()) {
      --next_outbox_sequence_;
      --outbox_size_;
      return written;
    }
  }
  NotifyOutbox();
  return absl::OkStatus();
}

absl::StatusOr<std::string> IngestCore::CreateJob() {
  absl::MutexLock lock(&write_mu_);
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

absl::Status IngestCore::RecordRejection(const std::string& job) {
  NG_ASSIGN_OR_RETURN(uint64_t id, ParseResourceId(job, kJobPrefix, "job"));
  absl::MutexLock lock(&write_mu_);
  NG_ASSIGN_OR_RETURN(IngestJob record, ReadJob(id));
  record.set_rejected_count(record.rejected_count() + 1);
  *record.mutable_update_time() = NowTimestamp();
  WriteBatch batch;
  batch.Put(cf::kJobs, IdKey(id), record.SerializeAsString());
  return store_->Write(batch, Durability::kProcessCrashSafe);
}

absl::StatusOr<IngestJob> IngestCore::GetJob(const std::string& name) const {
  NG_ASSIGN_OR_RETURN(uint64_t id, ParseResourceId(name, kJobPrefix, "job name"));
  NG_ASSIGN_OR_RETURN(IngestJob job, ReadJob(id));
  // Pipeline counts are derived from the documents' current states.
  const std::string prefix = KeyBuilder().AddUint64(id).key();
  storage::ReadOptions scan;
  scan.upper_bound = storage::PrefixSuccessor(prefix);
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kJobDocuments, scan);
  int64_t indexed = 0;
  int64_t failed = 0;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    const uint64_t doc_id = storage::DecodeBigEndian64(it->key().data() + 8);
    NG_ASSIGN_OR_RETURN(std::optional<Document> doc, ReadDocument(doc_id));
    if (!doc.has_value()) continue;
    indexed += doc->state() == newsgraph::v1::INDEXED;
    failed += doc->state() == newsgraph::v1::FAILED;
  }
  NG_RETURN_IF_ERROR(it->status());
  job.set_indexed_count(indexed);
  job.set_failed_count(failed);
  return job;
}

absl::StatusOr<std::vector<OutboxItem>> IngestCore::PeekOutbox(size_t max_items) const {
  std::vector<OutboxItem> items;
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kOutbox);
  for (it->SeekToFirst(); it->Valid() && items.size() < max_items; it->Next()) {
    if (it->key().size() != 8 || it->value().size() != 17) {
      return absl::DataLossError("outbox entry is corrupted");
    }
    OutboxItem item;
    item.sequence = storage::DecodeBigEndian64(it->key().data());
    item.document_id = storage::DecodeBigEndian64(it->value().data());
    item.version = static_cast<int64_t>(storage::DecodeBigEndian64(it->value().data() + 8));
    item.action = static_cast<OutboxItem::Action>(it->value()[16]);
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

absl::Status IngestCore::RecordProgress(const OutboxItem& item, PipelineState state) {
  absl::MutexLock lock(&write_mu_);
  NG_ASSIGN_OR_RETURN(std::optional<Document> doc, ReadDocument(item.document_id));
  if (!doc.has_value() || doc->version() != item.version) return absl::OkStatus();
  doc->set_state(state);
  *doc->mutable_update_time() = NowTimestamp();
  WriteBatch batch;
  batch.Put(cf::kDocuments, IdKey(item.document_id), doc->SerializeAsString());
  return store_->Write(batch, Durability::kProcessCrashSafe);
}

absl::Status IngestCore::CompleteItem(const OutboxItem& item, PipelineState final_state,
                                      const std::string& error) {
  absl::MutexLock lock(&write_mu_);
  WriteBatch batch;
  batch.Delete(cf::kOutbox, IdKey(item.sequence));
  if (item.action == OutboxItem::Action::kProcess) {
    NG_ASSIGN_OR_RETURN(std::optional<Document> doc, ReadDocument(item.document_id));
    if (doc.has_value() && doc->version() == item.version) {
      doc->set_state(final_state);
      doc->set_pipeline_error(error);
      *doc->mutable_update_time() = NowTimestamp();
      batch.Put(cf::kDocuments, IdKey(item.document_id), doc->SerializeAsString());
    }
  }
  // Losing this write in a power cut only replays idempotent pipeline work.
  NG_RETURN_IF_ERROR(store_->Write(batch, Durability::kProcessCrashSafe));
  if (outbox_size_ > 0) --outbox_size_;
  return absl::OkStatus();
}

uint64_t IngestCore::OutboxSize() const {
  absl::MutexLock lock(&write_mu_);
  return outbox_size_;
}

void IngestCore::SetOutboxListener(std::function<void()> listener) {
  absl::MutexLock lock(&listener_mu_);
  outbox_listener_ = std::move(listener);
}

void IngestCore::NotifyOutbox() {
  std::function<void()> listener;
  {
    absl::MutexLock lock(&listener_mu_);
    listener = outbox_listener_;
  }
  if (listener) listener();
}

}  // namespace newsgraph::ingest
