// IngestCore's side of a reindex: outbox items for stored documents, queued
// a chunk at a time so that a reindex never floods the outbox.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "services/common/log.h"
#include "services/ingest/group_writer.h"
#include "services/ingest/ingest_core.h"
#include "services/ingest/ingest_keyspace.h"
#include "storage/key_codec.h"

namespace newsgraph::ingest {

using keys::IdKey;

absl::StatusOr<IngestCore::ReindexChunk> IngestCore::QueueReindex(uint64_t after_id,
                                                                  size_t max_documents,
                                                                  bool reannotate) {
  const OutboxItem::Action action =
      reannotate ? OutboxItem::Action::kReannotate : OutboxItem::Action::kReindex;
  ReindexChunk chunk;
  {
    newsgraph::MutexLock lock(&write_mu_);
    const uint64_t saved_sequence = next_outbox_sequence_;
    storage::WriteBatch batch;
    std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kDocuments);
    const absl::Time now = absl::Now();
    const std::string& request_id = CurrentRequestId();  // the Reindex call's
    for (it->Seek(IdKey(after_id + 1)); it->Valid() && chunk.queued < max_documents; it->Next()) {
      if (it->key().size() != 8) return absl::DataLossError("document key is corrupted");
      newsgraph::v1::Document doc;
      if (!doc.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return absl::DataLossError(absl::StrCat(
            "stored document ", storage::DecodeBigEndian64(it->key().data()), " cannot be parsed"));
      }
      chunk.last_id = storage::DecodeBigEndian64(it->key().data());
      chunk.last_sequence = next_outbox_sequence_;
      batch.Put(cf::kOutbox, IdKey(next_outbox_sequence_++),
                EncodeOutboxValue(chunk.last_id, doc.version(), action, now, request_id));
      ++chunk.queued;
    }
    NG_RETURN_IF_ERROR(it->status());
    if (chunk.queued == 0) return chunk;
    PutCounters(&batch);
    if (absl::Status written = store_->Write(batch, storage::Durability::kSynced); !written.ok()) {
      next_outbox_sequence_ = saved_sequence;
      return written;
    }
    outbox_size_ += chunk.queued;
  }
  NotifyOutbox();
  return chunk;
}

absl::StatusOr<std::optional<uint64_t>> IngestCore::OldestOutboxSequence() const {
  NG_ASSIGN_OR_RETURN(std::vector<OutboxItem> oldest, PeekOutbox(1));
  if (oldest.empty()) return std::nullopt;
  return oldest[0].sequence;
}

}  // namespace newsgraph::ingest
