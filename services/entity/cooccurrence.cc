#include "services/entity/cooccurrence.h"

#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/stop_poller.h"
#include "services/entity/entity_keyspace.h"
#include "storage/key_codec.h"

namespace newsgraph::entity {
namespace {

using newsgraph::v1::AnnotateDocumentResponse;
using storage::KeyBuilder;

constexpr uint64_t kAllTime = std::numeric_limits<uint64_t>::max();
// Entities of one sentence that form pairs (bounded cost: 12 * 11 records).
constexpr size_t kMaxEntitiesPerSentence = 12;

uint64_t DayOf(int64_t seconds) { return seconds <= 0 ? 0 : static_cast<uint64_t>(seconds / 86400); }

std::string EvidenceKey(uint64_t a, uint64_t b, int64_t seconds, absl::string_view doc,
                        uint32_t sentence) {
  return KeyBuilder().AddUint64(a).AddUint64(b).AddInt64(-seconds).AddString(doc).AddUint64(sentence).key();
}
std::string SentenceKey(absl::string_view doc, uint32_t sentence) {
  return KeyBuilder().AddString(doc).AddUint64(sentence).key();
}
std::string DayKey(uint64_t entity, uint64_t day) {
  return KeyBuilder().AddUint64(entity).AddUint64(day).key();
}

absl::StatusOr<uint64_t> IdOf(const std::string& name) {
  constexpr absl::string_view kPrefix = "entities/";
  uint64_t id = 0;
  if (!absl::StartsWith(name, kPrefix) || !absl::SimpleAtoi(name.substr(kPrefix.size()), &id)) {
    return absl::DataLossError(absl::StrCat("stored mention names a malformed entity '", name, "'"));
  }
  return id;
}

}  // namespace

absl::StatusOr<std::vector<std::pair<uint32_t, std::vector<uint64_t>>>>
CooccurrenceUpdate::EntitiesBySentence(const AnnotateDocumentResponse& annotations,
                                       const IdResolver& resolve) {
  std::vector<std::pair<uint32_t, std::vector<uint64_t>>> sentences;
  for (const newsgraph::v1::Mention& m : annotations.mentions()) {
    if (m.entity().empty()) continue;
    NG_ASSIGN_OR_RETURN(uint64_t id, IdOf(m.entity()));
    if (resolve) {
      NG_ASSIGN_OR_RETURN(id, resolve(id));
    }
    if (sentences.empty() || sentences.back().first != m.sentence_index()) {
      sentences.push_back({m.sentence_index(), {}});
    }
    std::vector<uint64_t>& ids = sentences.back().second;
    if (std::find(ids.begin(), ids.end(), id) == ids.end() && ids.size() < kMaxEntitiesPerSentence) {
      ids.push_back(id);
    }
  }
  return sentences;
}

absl::Status CooccurrenceUpdate::AddDocument(const std::string& document,
                                             const AnnotateDocumentResponse& annotations,
                                             absl::string_view text,
                                             const std::vector<std::pair<size_t, size_t>>& sentences,
                                             const text::CodePointOffsets& offsets) {
  NG_ASSIGN_OR_RETURN(auto by_sentence, EntitiesBySentence(annotations, nullptr));
  const int64_t seconds = annotations.published_time().seconds();
  const uint64_t day = DayOf(seconds);
  for (const auto& [sentence, ids] : by_sentence) {
    for (uint64_t id : ids) {
      day_deltas_[{id, day}] += 1;
      day_deltas_[{id, kAllTime}] += 1;
    }
    day_deltas_[{0, day}] += 1;
    day_deltas_[{0, kAllTime}] += 1;
    if (ids.size() < 2 || sentence >= sentences.size()) continue;
    for (uint64_t a : ids) {
      for (uint64_t b : ids) {
        if (a != b) records_.Put(cf::kPairEvidence, EvidenceKey(a, b, seconds, document, sentence), "");
      }
    }
    const auto [begin, end] = sentences[sentence];
    newsgraph::v1::CooccurrenceEvidence evidence;
    evidence.set_document(document);
    evidence.set_sentence_index(sentence);
    evidence.mutable_span()->set_begin(offsets.FromByte(begin));
    evidence.mutable_span()->set_end(offsets.FromByte(end));
    evidence.mutable_span()->set_byte_begin(static_cast<uint32_t>(begin));
    evidence.mutable_span()->set_byte_end(static_cast<uint32_t>(end));
    evidence.set_text(std::string(text.substr(begin, end - begin)));
    *evidence.mutable_published_time() = annotations.published_time();
    records_.Put(cf::kSentences, SentenceKey(document, sentence), evidence.SerializeAsString());
  }
  return absl::OkStatus();
}

absl::Status CooccurrenceUpdate::RemoveDocument(const std::string& document,
                                                const AnnotateDocumentResponse& annotations,
                                                const IdResolver& resolve) {
  NG_ASSIGN_OR_RETURN(auto by_sentence, EntitiesBySentence(annotations, resolve));
  const int64_t seconds = annotations.published_time().seconds();
  const uint64_t day = DayOf(seconds);
  for (const auto& [sentence, ids] : by_sentence) {
    for (uint64_t id : ids) {
      day_deltas_[{id, day}] -= 1;
      day_deltas_[{id, kAllTime}] -= 1;
    }
    day_deltas_[{0, day}] -= 1;
    day_deltas_[{0, kAllTime}] -= 1;
    // Even when merges left fewer than two entities, the sentence was stored
    // as evidence when it was added.
    records_.Delete(cf::kSentences, SentenceKey(document, sentence));
    if (ids.size() < 2) continue;
    for (uint64_t a : ids) {
      for (uint64_t b : ids) {
        if (a != b) records_.Delete(cf::kPairEvidence, EvidenceKey(a, b, seconds, document, sentence));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CooccurrenceUpdate::WriteTo(storage::KvStore& store,
                                         storage::WriteBatch* batch) const {
  for (const storage::WriteBatch::Op& op : records_.ops()) {
    if (op.type == storage::WriteBatch::OpType::kPut) {
      batch->Put(op.cf, op.key, op.value);
    } else {
      batch->Delete(op.cf, op.key);
    }
  }
  for (const auto& [entity_day, delta] : day_deltas_) {
    if (delta == 0) continue;
    const std::string key = DayKey(entity_day.first, entity_day.second);
    NG_ASSIGN_OR_RETURN(std::optional<std::string> value, store.Get(cf::kEntityDays, key));
    int64_t count = value.has_value() && value->size() == 8
                        ? static_cast<int64_t>(storage::DecodeBigEndian64(value->data()))
                        : 0;
    count = std::max<int64_t>(0, count + delta);
    if (count == 0) {
      batch->Delete(cf::kEntityDays, key);
    } else {
      batch->Put(cf::kEntityDays, key, storage::EncodeBigEndian64(static_cast<uint64_t>(count)));
    }
  }
  return absl::OkStatus();
}

absl::Status MoveCooccurrence(storage::KvStore& store, uint64_t source, uint64_t target,
                              StopPoller* poller, storage::WriteBatch* batch) {
  const std::string prefix = KeyBuilder().AddUint64(source).key();
  storage::ReadOptions scan;
  scan.upper_bound = storage::PrefixSuccessor(prefix);
  std::unique_ptr<storage::Iterator> it = store.NewIterator(cf::kPairEvidence, scan);
  // Sentences naming both source and target, by day: counted for each
  // before, they mention the merged entity once.
  absl::flat_hash_map<uint64_t, uint64_t> shared;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    NG_RETURN_IF_ERROR(poller->Step());
    storage::KeyReader reader(it->key());
    NG_ASSIGN_OR_RETURN(uint64_t a, reader.ReadUint64());
    NG_ASSIGN_OR_RETURN(uint64_t b, reader.ReadUint64());
    NG_ASSIGN_OR_RETURN(int64_t negative_seconds, reader.ReadInt64());
    NG_ASSIGN_OR_RETURN(std::string doc, reader.ReadString());
    NG_ASSIGN_OR_RETURN(uint64_t sentence, reader.ReadUint64());
    (void)a;
    const uint32_t s = static_cast<uint32_t>(sentence);
    batch->Delete(cf::kPairEvidence, std::string(it->key()));
    batch->Delete(cf::kPairEvidence, EvidenceKey(b, source, -negative_seconds, doc, s));
    if (b == target) {  // the pair becomes the entity with itself
      ++shared[DayOf(-negative_seconds)];
      ++shared[kAllTime];
      continue;
    }
    batch->Put(cf::kPairEvidence, EvidenceKey(target, b, -negative_seconds, doc, s), "");
    batch->Put(cf::kPairEvidence, EvidenceKey(b, target, -negative_seconds, doc, s), "");
  }
  NG_RETURN_IF_ERROR(it->status());
  std::unique_ptr<storage::Iterator> days = store.NewIterator(cf::kEntityDays, scan);
  for (days->Seek(prefix); days->Valid(); days->Next()) {
    NG_RETURN_IF_ERROR(poller->Step());
    if (days->key().size() != 16 || days->value().size() != 8) continue;
    const uint64_t day = storage::DecodeBigEndian64(days->key().data() + 8);
    const uint64_t count = storage::DecodeBigEndian64(days->value().data());
    const std::string target_key = DayKey(target, day);
    NG_ASSIGN_OR_RETURN(std::optional<std::string> existing, store.Get(cf::kEntityDays, target_key));
    const uint64_t before =
        existing.has_value() && existing->size() == 8 ? storage::DecodeBigEndian64(existing->data()) : 0;
    const auto overlap = shared.find(day);
    const uint64_t twice = overlap == shared.end() ? 0 : std::min(overlap->second, before + count);
    batch->Put(cf::kEntityDays, target_key, storage::EncodeBigEndian64(before + count - twice));
    batch->Delete(cf::kEntityDays, std::string(days->key()));
  }
  return days->status();
}

absl::StatusOr<absl::flat_hash_map<uint64_t, RelatedCounts>> CountRelated(
    storage::KvStore& store, uint64_t entity, int64_t start_seconds, int64_t end_seconds,
    int max_evidence, const IdResolver& resolve, const std::function<bool()>& stop) {
  absl::flat_hash_map<uint64_t, RelatedCounts> related;
  absl::flat_hash_map<uint64_t, absl::flat_hash_set<std::string>> documents;
  absl::flat_hash_map<uint64_t, uint64_t> resolved;  // raw id -> current id
  const std::string prefix = KeyBuilder().AddUint64(entity).key();
  storage::ReadOptions scan;
  scan.upper_bound = storage::PrefixSuccessor(prefix);
  std::unique_ptr<storage::Iterator> it = store.NewIterator(cf::kPairEvidence, scan);
  it->Seek(prefix);
  StopPoller poller(stop, "ListRelatedEntities");
  while (it->Valid()) {
    NG_RETURN_IF_ERROR(poller.Step());
    storage::KeyReader reader(it->key());
    NG_ASSIGN_OR_RETURN(uint64_t a, reader.ReadUint64());
    NG_ASSIGN_OR_RETURN(uint64_t b, reader.ReadUint64());
    NG_ASSIGN_OR_RETURN(int64_t negative_seconds, reader.ReadInt64());
    (void)a;
    const int64_t seconds = -negative_seconds;
    // Keys of one pair run newest first: skip to the window's end, stop at its start.
    if (seconds >= end_seconds) {
      it->Seek(KeyBuilder().AddUint64(entity).AddUint64(b).AddInt64(-(end_seconds - 1)).key());
      continue;
    }
    if (seconds < start_seconds) {
      if (b == std::numeric_limits<uint64_t>::max()) break;
      it->Seek(KeyBuilder().AddUint64(entity).AddUint64(b + 1).key());
      continue;
    }
    NG_ASSIGN_OR_RETURN(std::string doc, reader.ReadString());
    NG_ASSIGN_OR_RETURN(uint64_t sentence, reader.ReadUint64());
    auto [slot, fresh] = resolved.try_emplace(b, b);
    if (fresh && resolve) {
      NG_ASSIGN_OR_RETURN(slot->second, resolve(b));
    }
    const uint64_t other = slot->second;
    if (other != entity) {
      RelatedCounts& counts = related[other];
      ++counts.sentences;
      if (documents[other].insert(doc).second) ++counts.documents;
      if (static_cast<int>(counts.evidence.size()) < max_evidence) {
        counts.evidence.emplace_back(doc, static_cast<uint32_t>(sentence));
      }
    }
    it->Next();
  }
  NG_RETURN_IF_ERROR(it->status());
  return related;
}

absl::StatusOr<int64_t> SentenceCount(storage::KvStore& store, uint64_t entity,
                                      int64_t start_seconds, int64_t end_seconds) {
  const bool all_time = start_seconds == std::numeric_limits<int64_t>::min() &&
                        end_seconds == std::numeric_limits<int64_t>::max();
  if (all_time) {
    NG_ASSIGN_OR_RETURN(std::optional<std::string> value,
                        store.Get(cf::kEntityDays, DayKey(entity, kAllTime)));
    return value.has_value() && value->size() == 8
               ? static_cast<int64_t>(storage::DecodeBigEndian64(value->data()))
               : 0;
  }
  // Days overlapping the window (day granularity for the marginals).
  const uint64_t first = DayOf(start_seconds);
  const uint64_t last = end_seconds == std::numeric_limits<int64_t>::max()
                            ? kAllTime - 1
                            : DayOf(end_seconds - 1);
  storage::ReadOptions scan;
  scan.upper_bound = DayKey(entity, last + 1);
  std::unique_ptr<storage::Iterator> it = store.NewIterator(cf::kEntityDays, scan);
  int64_t total = 0;
  for (it->Seek(DayKey(entity, first)); it->Valid(); it->Next()) {
    if (it->value().size() == 8) total += static_cast<int64_t>(storage::DecodeBigEndian64(it->value().data()));
  }
  NG_RETURN_IF_ERROR(it->status());
  return total;
}

absl::StatusOr<newsgraph::v1::CooccurrenceEvidence> ReadEvidence(storage::KvStore& store,
                                                                  const std::string& document,
                                                                  uint32_t sentence) {
  NG_ASSIGN_OR_RETURN(std::optional<std::string> value,
                      store.Get(cf::kSentences, SentenceKey(document, sentence)));
  if (!value.has_value()) {
    return absl::NotFoundError(absl::StrCat("no evidence sentence ", sentence, " of ", document));
  }
  newsgraph::v1::CooccurrenceEvidence evidence;
  if (!evidence.ParseFromString(*value)) return absl::DataLossError("stored sentence is corrupted");
  return evidence;
}

}  // namespace newsgraph::entity
