// Sentence-level co-occurrence of entities: which entities are mentioned in
// the same sentence, when, and where (the evidence sentences).
//
// Records (entity_keyspace.h):
//   pair_evidence  a b -time doc sentence -> ""               (both orders)
//   sentences      doc sentence                   -> CooccurrenceEvidence
//   entity_days    entity day                     -> sentences mentioning it that day
//                  (entity 0 = all sentences with a named entity; day 2^64-1 = all time)
// Only sentences with two or more distinct entities are kept as evidence.
#ifndef NEWSGRAPH_SERVICES_ENTITY_COOCCURRENCE_H_
#define NEWSGRAPH_SERVICES_ENTITY_COOCCURRENCE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "base/stop_poller.h"
#include "newsgraph/v1/entity_service.pb.h"
#include "services/text/utf8.h"
#include "storage/kv_store.h"

namespace newsgraph::entity {

// Maps an entity id recorded in an annotation to the id it lives under now
// (following merges).
using IdResolver = std::function<absl::StatusOr<uint64_t>(uint64_t)>;

// Collects the co-occurrence records a write adds and removes; WriteTo
// turns them into batch operations (reading the counters it changes).
class CooccurrenceUpdate {
 public:
  // Records of a document's new annotations. `sentences` are the byte spans
  // the mentions' sentence indexes refer to, in `text`.
  absl::Status AddDocument(const std::string& document,
                           const newsgraph::v1::AnnotateDocumentResponse& annotations,
                           absl::string_view text,
                           const std::vector<std::pair<size_t, size_t>>& sentences,
                           const text::CodePointOffsets& offsets);
  // Records a document's previous annotations contributed (ids resolved
  // through `resolve`, since entities may have been merged since).
  absl::Status RemoveDocument(const std::string& document,
                              const newsgraph::v1::AnnotateDocumentResponse& annotations,
                              const IdResolver& resolve);

  absl::Status WriteTo(storage::KvStore& store, storage::WriteBatch* batch) const;

 private:
  // Each sentence's distinct entity ids, by sentence index.
  static absl::StatusOr<std::vector<std::pair<uint32_t, std::vector<uint64_t>>>> EntitiesBySentence(
      const newsgraph::v1::AnnotateDocumentResponse& annotations, const IdResolver& resolve);

  storage::WriteBatch records_;
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, int64_t> day_deltas_;  // (entity, day)
};

// Moves every co-occurrence record of entity `source` to `target`
// (MergeEntities); each record is a step of `poller`, whose CANCELLED ends
// the move with nothing written.
absl::Status MoveCooccurrence(storage::KvStore& store, uint64_t source, uint64_t target,
                              StopPoller* poller, storage::WriteBatch* batch);

// One related entity, before it is turned into the response message.
struct RelatedCounts {
  int64_t sentences = 0;
  int64_t documents = 0;
  // Evidence (document, sentence index) pairs, newest first.
  std::vector<std::pair<std::string, uint32_t>> evidence;
};

// Scans the evidence of `entity` within [start_seconds, end_seconds) and
// counts, per other entity (resolved through `resolve`), the sentences and
// documents, keeping the newest `max_evidence` sentences. `stop` (may be
// empty) is asked every 1,024 evidence keys; when it returns true the scan
// ends with CANCELLED.
absl::StatusOr<absl::flat_hash_map<uint64_t, RelatedCounts>> CountRelated(
    storage::KvStore& store, uint64_t entity, int64_t start_seconds, int64_t end_seconds,
    int max_evidence, const IdResolver& resolve, const std::function<bool()>& stop = {});

// Sentences mentioning `entity` (0 = any entity) in [start_seconds, end_seconds).
absl::StatusOr<int64_t> SentenceCount(storage::KvStore& store, uint64_t entity,
                                      int64_t start_seconds, int64_t end_seconds);

// The stored evidence sentence, or NOT_FOUND.
absl::StatusOr<newsgraph::v1::CooccurrenceEvidence> ReadEvidence(storage::KvStore& store,
                                                                  const std::string& document,
                                                                  uint32_t sentence);

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_COOCCURRENCE_H_
