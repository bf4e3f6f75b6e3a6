#include "services/ingest/group_writer.h"

#include <xxhash.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "services/ingest/document_builder.h"
#include "services/ingest/ingest_keyspace.h"
#include "services/text/normalizer.h"
#include "storage/key_codec.h"

namespace newsgraph::ingest {

using keys::IdKey;
using keys::StringKey;
using newsgraph::v1::Document;
using newsgraph::v1::IngestJob;

std::string EncodeOutboxValue(uint64_t doc, int64_t version, OutboxItem::Action action,
                              absl::Time acknowledged, absl::string_view request_id) {
  std::string out = storage::EncodeBigEndian64(doc);
  storage::AppendBigEndian64(&out, static_cast<uint64_t>(version));
  out.push_back(static_cast<char>(action));
  storage::AppendBigEndian64(&out, static_cast<uint64_t>(absl::ToUnixMicros(acknowledged)));
  if (!request_id.empty() && request_id.size() <= 255) {
    out.push_back(static_cast<char>(request_id.size()));
    out.append(request_id.data(), request_id.size());
  }
  return out;
}

absl::StatusOr<OutboxItem> DecodeOutboxEntry(absl::string_view key, absl::string_view value) {
  constexpr size_t kWithoutTime = 17;
  constexpr size_t kWithTime = 25;
  const bool with_id = value.size() > kWithTime &&
                       value.size() == kWithTime + 1 + static_cast<uint8_t>(value[kWithTime]);
  if (key.size() != 8 || (value.size() != kWithoutTime && value.size() != kWithTime && !with_id)) {
    return absl::DataLossError("outbox entry is corrupted");
  }
  OutboxItem item;
  item.sequence = storage::DecodeBigEndian64(key.data());
  item.document_id = storage::DecodeBigEndian64(value.data());
  item.version = static_cast<int64_t>(storage::DecodeBigEndian64(value.data() + 8));
  item.action = static_cast<OutboxItem::Action>(value[16]);
  if (value.size() >= kWithTime) {
    item.acknowledged = absl::FromUnixMicros(
        static_cast<int64_t>(storage::DecodeBigEndian64(value.data() + kWithoutTime)));
  }
  if (with_id) item.request_id = std::string(value.substr(kWithTime + 1));
  return item;
}

uint64_t LineHash(absl::string_view line) {
  const std::string folded = text::FoldForMatching(line);
  return XXH64(folded.data(), folded.size(), 0x4C494E45);
}

bool IngestCore::GroupWriter::RecursNow(const std::string& source, uint64_t hash) {
  if (source.empty()) return false;
  auto it = line_counts_.find(keys::SourceLineKey(source, hash));
  const uint64_t count =
      it != line_counts_.end() ? it->second : core_->RecurringLineCount(source, hash);
  return count >= core_->options_.recurring_line_threshold;
}

absl::Status IngestCore::GroupWriter::DecideBoilerplateInOrder(Pending& pending) {
  const std::string& source = pending.built.source();
  if (source.empty() || pending.input == nullptr) return absl::OkStatus();
  bool differs = false;
  for (size_t k = 0; k < pending.line_hashes.size() && !differs; ++k) {
    differs = RecursNow(source, pending.line_hashes[k]) != pending.line_decisions[k];
  }
  if (!differs) return absl::OkStatus();
  std::vector<uint64_t> hashes;
  std::vector<bool> decisions;
  auto is_recurring = [&](absl::string_view line) {
    const uint64_t hash = LineHash(line);
    hashes.push_back(hash);
    decisions.push_back(RecursNow(source, hash));
    return decisions.back();
  };
  NG_ASSIGN_OR_RETURN(pending.built, BuildDocument(*pending.input, pending.repair_invalid_utf8,
                                                   core_->options_.limits, is_recurring));
  pending.minhash = ComputeMinHash(pending.built.text(), /*min_words=*/20);
  pending.line_hashes = std::move(hashes);
  pending.line_decisions = std::move(decisions);
  return absl::OkStatus();
}

absl::StatusOr<IngestResult> IngestCore::GroupWriter::Apply(Pending& pending) {
  NG_RETURN_IF_ERROR(DecideBoilerplateInOrder(pending));
  Document built = pending.built;
  IngestJob* job = nullptr;
  if (pending.job_id != 0) {
    NG_ASSIGN_OR_RETURN(job, Job(pending.job_id));
  }
  IngestResult result;
  NG_ASSIGN_OR_RETURN(const Identity identity, Identify(built, &result));
  const bool changed =
      result.outcome == newsgraph::v1::CREATED || result.outcome == newsgraph::v1::NEW_VERSION;
  if (changed) {
    NG_RETURN_IF_ERROR(RecordChange(pending, identity, built));
    if (result.outcome == newsgraph::v1::CREATED && !built.external_id().empty()) {
      batch_.Put(cf::kExternalIds, StringKey(built.external_id()),
                 storage::EncodeBigEndian64(identity.doc_id));
      external_ids_[built.external_id()] = identity.doc_id;
    }
    result.document = std::move(built);
  }
  if (job != nullptr) {
    job->set_accepted_count(job->accepted_count() + 1);
    if (!changed) job->set_duplicate_count(job->duplicate_count() + 1);
    *job->mutable_update_time() = now_;
    batch_.Put(cf::kJobDocuments, keys::JobDocumentKey(pending.job_id, identity.doc_id), "");
  }
  pending.changed = changed;
  return result;
}

// A known external id is a new version (or, with the same input, an
// unchanged document); the same text without an external id is a
// duplicate; anything else is a new document.
absl::StatusOr<IngestCore::GroupWriter::Identity> IngestCore::GroupWriter::Identify(
    Document& built, IngestResult* result) {
  std::optional<uint64_t> existing_id;
  if (!built.external_id().empty()) {
    NG_ASSIGN_OR_RETURN(existing_id,
                        LookUpIndex(cf::kExternalIds, external_ids_, built.external_id()));
  }
  Identity identity;
  NG_ASSIGN_OR_RETURN(identity.same_text_id,
                      LookUpIndex(cf::kFingerprints, fingerprints_, built.content_fingerprint()));
  if (existing_id.has_value()) {
    NG_ASSIGN_OR_RETURN(std::optional<Document> stored, LookUpDocument(*existing_id));
    if (!stored.has_value()) {
      return absl::DataLossError(absl::StrCat("external_id '", built.external_id(),
                                              "' points to missing document ", *existing_id));
    }
    identity.doc_id = *existing_id;
    if (stored->input_fingerprint() == built.input_fingerprint()) {
      result->outcome = newsgraph::v1::UNCHANGED;
      result->document = *std::move(stored);
    } else {
      built.set_name(DocumentName(identity.doc_id));
      built.set_version(stored->version() + 1);
      *built.mutable_create_time() = stored->create_time();
      result->outcome = newsgraph::v1::NEW_VERSION;
    }
  } else if (identity.same_text_id.has_value() && built.external_id().empty()) {
    NG_ASSIGN_OR_RETURN(std::optional<Document> stored, LookUpDocument(*identity.same_text_id));
    if (!stored.has_value()) {
      return absl::DataLossError(absl::StrCat("fingerprint index points to missing document ",
                                              *identity.same_text_id));
    }
    identity.doc_id = *identity.same_text_id;
    result->outcome = newsgraph::v1::DUPLICATE;
    result->document = *std::move(stored);
    result->document.set_duplicate_of(DocumentName(identity.doc_id));
  } else {
    identity.doc_id = core_->next_document_id_++;
    built.set_name(DocumentName(identity.doc_id));
    built.set_version(1);
    *built.mutable_create_time() = now_;
    result->outcome = newsgraph::v1::CREATED;
  }
  return identity;
}

// A created or changed document: marks its duplicates, indexes its text,
// signature and lines, and queues it for the pipeline.
absl::Status IngestCore::GroupWriter::RecordChange(const Pending& pending,
                                                   const Identity& identity, Document& built) {
  const uint64_t doc_id = identity.doc_id;
  built.set_state(newsgraph::v1::RECEIVED);
  *built.mutable_update_time() = now_;
  if (identity.same_text_id.has_value() && *identity.same_text_id != doc_id) {
    built.set_duplicate_of(DocumentName(*identity.same_text_id));
  } else if (pending.minhash.has_value()) {
    NG_ASSIGN_OR_RETURN(std::optional<uint64_t> near, NearDuplicate(*pending.minhash));
    if (near.has_value() && *near != doc_id) built.set_near_duplicate_of(DocumentName(*near));
  }
  if (!identity.same_text_id.has_value()) {
    batch_.Put(cf::kFingerprints, StringKey(built.content_fingerprint()),
               storage::EncodeBigEndian64(doc_id));
    fingerprints_[built.content_fingerprint()] = doc_id;
  }
  if (pending.minhash.has_value()) {
    for (int band = 0; band < kMinHashBands; ++band) {
      batch_.Put(cf::kMinHashBands,
                 keys::BandEntryKey(band, MinHashBandKey(*pending.minhash, band), doc_id), "");
    }
    batch_.Put(cf::kMinHashes, IdKey(doc_id), EncodeMinHash(*pending.minhash));
    signatures_.emplace_back(doc_id, *pending.minhash);
  }
  CountLines(built, pending.line_hashes);
  PutDocument(&batch_, doc_id, built);
  batch_.Put(cf::kOutbox, IdKey(core_->next_outbox_sequence_++),
             EncodeOutboxValue(doc_id, built.version(), OutboxItem::Action::kProcess,
                               FromTimestamp(now_), pending.request_id));
  ++core_->outbox_size_;
  documents_[doc_id] = built;
  return absl::OkStatus();
}

// Each distinct line of the document counts once more for its source
// (boilerplate detection).
void IngestCore::GroupWriter::CountLines(const Document& built,
                                         const std::vector<uint64_t>& hashes) {
  if (built.source().empty()) return;
  const absl::flat_hash_set<uint64_t> distinct(hashes.begin(), hashes.end());
  for (uint64_t hash : distinct) {
    const std::string key = keys::SourceLineKey(built.source(), hash);
    auto it = line_counts_.find(key);
    if (it == line_counts_.end()) {
      it = line_counts_.emplace(key, core_->RecurringLineCount(built.source(), hash)).first;
    }
    ++it->second;
  }
}

absl::StatusOr<IngestJob*> IngestCore::GroupWriter::Job(uint64_t job_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    NG_ASSIGN_OR_RETURN(IngestJob record, core_->ReadJob(job_id));
    it = jobs_.emplace(job_id, std::move(record)).first;
  }
  return &it->second;
}

storage::WriteBatch& IngestCore::GroupWriter::Finish() {
  for (const auto& [id, job] : jobs_) batch_.Put(cf::kJobs, IdKey(id), job.SerializeAsString());
  for (const auto& [key, count] : line_counts_) {
    batch_.Put(cf::kSourceLines, key, storage::EncodeBigEndian64(count));
  }
  return batch_;
}

absl::StatusOr<std::optional<uint64_t>> IngestCore::GroupWriter::LookUpIndex(
    storage::ColumnFamily family, const absl::flat_hash_map<std::string, uint64_t>& local,
    const std::string& key) const {
  if (auto it = local.find(key); it != local.end()) return it->second;
  return core_->ReadIdIndex(family, key);
}

absl::StatusOr<std::optional<Document>> IngestCore::GroupWriter::LookUpDocument(
    uint64_t id) const {
  if (auto it = documents_.find(id); it != documents_.end()) return it->second;
  return core_->ReadDocument(id);
}

absl::StatusOr<std::optional<uint64_t>> IngestCore::GroupWriter::NearDuplicate(
    const MinHashSignature& signature) const {
  std::optional<uint64_t> best;
  auto consider = [&](uint64_t doc, const MinHashSignature& other) {
    if ((!best || doc < *best) && EstimateJaccard(signature, other) >= kNearDuplicateJaccard) {
      best = doc;
    }
  };
  for (const auto& [doc, other] : signatures_) consider(doc, other);
  absl::flat_hash_set<uint64_t> compared;
  for (int band = 0; band < kMinHashBands; ++band) {
    const std::string prefix = storage::KeyBuilder()
                                   .AddUint64(static_cast<uint64_t>(band))
                                   .AddUint64(MinHashBandKey(signature, band))
                                   .key();
    storage::ReadOptions scan;
    scan.upper_bound = storage::PrefixSuccessor(prefix);
    std::unique_ptr<storage::Iterator> it = core_->store_->NewIterator(cf::kMinHashBands, scan);
    // A bucket lists its documents oldest first; a flood of near-identical
    // documents fills it, so only its first kMaxBandCandidates are compared
    // (the oldest duplicate is the one named anyway).
    int read = 0;
    for (it->Seek(prefix); it->Valid() && read < kMaxBandCandidates; it->Next(), ++read) {
      if (it->key().size() != 24) continue;
      const uint64_t doc = storage::DecodeBigEndian64(it->key().data() + 16);
      if (!compared.insert(doc).second) continue;
      NG_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                          core_->store_->Get(cf::kMinHashes, IdKey(doc)));
      if (!stored.has_value()) continue;
      if (std::optional<MinHashSignature> other = DecodeMinHash(*stored)) consider(doc, *other);
    }
    NG_RETURN_IF_ERROR(it->status());
  }
  return best;
}

}  // namespace newsgraph::ingest
