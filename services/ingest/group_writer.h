// Internal to IngestCore: one caller's ingest waiting in the group-commit
// queue, and the writer that applies a group of them in one batch.
#ifndef NEWSGRAPH_SERVICES_INGEST_GROUP_WRITER_H_
#define NEWSGRAPH_SERVICES_INGEST_GROUP_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/ingest/ingest_core.h"
#include "services/ingest/minhash.h"
#include "storage/kv_store.h"

namespace newsgraph::ingest {

// Hash of a short paragraph (folded) for boilerplate counting.
uint64_t LineHash(absl::string_view line);

// Outbox entry value: doc_id(8) version(8) action(1) acknowledged(8, Unix
// microseconds), all big-endian, then the acknowledging call's request id
// (length(1) and bytes, at most 255) when it had one. Entries written
// before the time was added end after the action.
std::string EncodeOutboxValue(uint64_t doc, int64_t version, OutboxItem::Action action,
                              absl::Time acknowledged, absl::string_view request_id = "");
// The item of outbox entry (`key`, `value`); an entry without a time gets
// acknowledged = InfinitePast. Errors: DATA_LOSS for a malformed entry.
absl::StatusOr<OutboxItem> DecodeOutboxEntry(absl::string_view key, absl::string_view value);

// One caller's ingest waiting for (or done by) a group commit.
struct IngestCore::Pending {
  uint64_t job_id = 0;
  // The caller's input (borrowed until done), for a rebuild.
  const newsgraph::v1::DocumentInput* input = nullptr;
  bool repair_invalid_utf8 = false;
  // The caller's request id (log.h): the pipeline's calls for the document
  // carry it.
  std::string request_id;
  newsgraph::v1::Document built;
  std::optional<MinHashSignature> minhash;
  // The short paragraphs asked about while building, and whether each was
  // taken for boilerplate.
  std::vector<uint64_t> line_hashes;
  std::vector<bool> line_decisions;
  absl::StatusOr<IngestResult> result = absl::InternalError("ingest was not committed");
  bool changed = false;
  bool done = false;
};

// Applies the pending ingests of one group to one batch, in order: each
// sees what earlier members wrote (external ids, fingerprints, documents,
// MinHash signatures, job counts) before the store. Used under write_mu_.
class IngestCore::GroupWriter {
 public:
  GroupWriter(IngestCore* core, google::protobuf::Timestamp now) : core_(core), now_(now) {}

  // Identifies the document (new, new version, unchanged, duplicate) and
  // puts what changes in the batch; on error only this member fails.
  absl::StatusOr<IngestResult> Apply(Pending& pending);
  // Puts the jobs' and recurring lines' counts; returns the batch.
  storage::WriteBatch& Finish();

 private:
  struct Identity {
    uint64_t doc_id = 0;
    std::optional<uint64_t> same_text_id;  // a document with the same text
  };
  // Boilerplate is decided in commit order: a short paragraph recurs when
  // the documents of its source committed before this one (in the store or
  // earlier in this group) hold it often enough. Normalization answered
  // from the store before the group formed; where that differs, the
  // document is built again, so the stored text does not depend on how
  // documents fell into groups.
  absl::Status DecideBoilerplateInOrder(Pending& pending);
  bool RecursNow(const std::string& source, uint64_t hash);
  absl::StatusOr<Identity> Identify(newsgraph::v1::Document& built, IngestResult* result);
  absl::Status RecordChange(const Pending& pending, const Identity& identity,
                            newsgraph::v1::Document& built);
  void CountLines(const newsgraph::v1::Document& built, const std::vector<uint64_t>& hashes);
  absl::StatusOr<newsgraph::v1::IngestJob*> Job(uint64_t job_id);
  absl::StatusOr<std::optional<uint64_t>> LookUpIndex(
      storage::ColumnFamily family, const absl::flat_hash_map<std::string, uint64_t>& local,
      const std::string& key) const;
  absl::StatusOr<std::optional<newsgraph::v1::Document>> LookUpDocument(uint64_t id) const;
  // The earliest document whose signature is similar enough to `signature`.
  absl::StatusOr<std::optional<uint64_t>> NearDuplicate(const MinHashSignature& signature) const;

  IngestCore* const core_;
  const google::protobuf::Timestamp now_;
  storage::WriteBatch batch_;
  // State written by earlier members of this group.
  absl::flat_hash_map<std::string, uint64_t> external_ids_;
  absl::flat_hash_map<std::string, uint64_t> fingerprints_;
  absl::flat_hash_map<uint64_t, newsgraph::v1::Document> documents_;
  absl::flat_hash_map<uint64_t, newsgraph::v1::IngestJob> jobs_;
  std::vector<std::pair<uint64_t, MinHashSignature>> signatures_;
  absl::flat_hash_map<std::string, uint64_t> line_counts_;  // source_lines key -> new count
};

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_GROUP_WRITER_H_
