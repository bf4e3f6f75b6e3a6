// SearchIndex's write-out: the in-memory segment flushed to RocksDB, the
// term dictionary kept up to date, and segments merged (smallest adjacent
// pair first, or all of them after an idle period).
#include <algorithm>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "services/search/search_index.h"
#include "services/search/search_index_layout.h"
#include "services/search/search_keyspace.h"
#include "storage/key_codec.h"

namespace newsgraph::search {

using namespace layout;  // NOLINT: the index's own key layout
using storage::KeyBuilder;

absl::Status SearchIndex::UpdateDictionary(const std::vector<std::string>& added,
                                          const std::vector<std::string>& emptied,
                                          const std::vector<uint64_t>& dropped_segments,
                                          storage::WriteBatch* batch) {
  for (const std::string& term : added) batch->Put(cf::kTerms, term, "");
  // A term whose postings a merge dropped stays if another segment has it.
  std::vector<Segment> others;
  {
    newsgraph::ReaderMutexLock state(&state_mu_);
    for (const Segment& s : segments_) {
      if (std::find(dropped_segments.begin(), dropped_segments.end(), s.id) ==
          dropped_segments.end()) {
        others.push_back(s);
      }
    }
  }
  for (const std::string& term : emptied) {
    bool elsewhere = false;
    for (const Segment& s : others) {
      NG_ASSIGN_OR_RETURN(std::optional<std::string> value,
                          store_->Get(cf::kSegments, SegmentKey(s.id, kPostingsKind, term)));
      if ((elsewhere = value.has_value())) break;
    }
    if (!elsewhere) batch->Delete(cf::kTerms, term);
  }
  return absl::OkStatus();
}

absl::Status SearchIndex::FlushLocked() {
  storage::WriteBatch batch;
  std::vector<std::string> added_terms;
  Segment segment;
  {
    // Writers are held off by writer_mu_; queries keep reading meanwhile.
    newsgraph::ReaderMutexLock state(&state_mu_);
    if (memory_documents_ == 0) return absl::OkStatus();
    segment.id = next_segment_;
    segment.first_doc = flushed_below_;
    segment.last_doc = next_doc_ - 1;
    for (uint64_t d = segment.first_doc; d <= segment.last_doc && d < live_.size(); ++d) {
      segment.documents += live_[d] ? 1 : 0;
    }
    // Terms in order: the batch then inserts in key order.
    std::vector<const std::pair<const std::string, MemoryPostings>*> sorted;
    sorted.reserve(memory_.size());
    for (const auto& entry : memory_) sorted.push_back(&entry);
    std::sort(sorted.begin(), sorted.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    PostingListWriter writer;
    std::string postings;
    std::string positions;
    for (const auto* entry : sorted) {
      const std::string& term = entry->first;
      const MemoryPostings& m = entry->second;
      for (size_t i = 0; i < m.postings.size(); ++i) {
        const MemoryPosting& p = m.postings[i];
        if (!live_[p.doc]) continue;
        const uint32_t begin = i == 0 ? 0 : m.postings[i - 1].position_end;
        writer.Add(p.doc, p.title_tf, p.body_tf, static_cast<float>(p.salience) / 1000.0f,
                   m.positions.data() + begin, p.position_end - begin);
      }
      if (writer.count() == 0) continue;
      added_terms.push_back(term);
      writer.Finish(&postings, &positions);
      batch.Put(cf::kSegments, SegmentKey(segment.id, kPostingsKind, term), postings);
      if (!positions.empty()) {
        batch.Put(cf::kSegments, SegmentKey(segment.id, kPositionsKind, term), positions);
      }
    }
  }
  const bool empty = added_terms.empty();
  if (!empty) {
    std::string registry = storage::EncodeBigEndian64(segment.first_doc);
    storage::AppendBigEndian64(&registry, segment.last_doc);
    storage::AppendBigEndian64(&registry, segment.documents);
    batch.Put(cf::kMeta, SegmentRegistryKey(segment.id), registry);
    batch.Put(cf::kMeta, kNextSegmentKey, storage::EncodeBigEndian64(segment.id + 1));
  }
  batch.Put(cf::kMeta, kFlushedBelowKey, storage::EncodeBigEndian64(next_doc_));
  NG_RETURN_IF_ERROR(UpdateDictionary(added_terms, {}, {}, &batch));
  NG_RETURN_IF_ERROR(store_->Write(batch, storage::Durability::kSynced));
  flushed_below_ = next_doc_;
  if (!empty) next_segment_ = segment.id + 1;
  {
    newsgraph::WriterMutexLock state(&state_mu_);
    if (!empty) segments_.push_back(segment);
    memory_.clear();
    memory_documents_ = 0;
  }
  return MaybeMerge();
}

absl::Status SearchIndex::MaybeMerge() {
  while (true) {
    size_t best = 0;
    uint64_t best_documents = std::numeric_limits<uint64_t>::max();
    {
      newsgraph::ReaderMutexLock state(&state_mu_);
      if (segments_.size() <= options_.max_segments) return absl::OkStatus();
      for (size_t i = 0; i + 1 < segments_.size(); ++i) {
        const uint64_t documents = segments_[i].documents + segments_[i + 1].documents;
        if (documents < best_documents && documents <= options_.max_merge_documents) {
          best = i;
          best_documents = documents;
        }
      }
    }
    if (best_documents == std::numeric_limits<uint64_t>::max()) return absl::OkStatus();
    NG_RETURN_IF_ERROR(MergeSegments(best, best + 1));
  }
}

absl::Status SearchIndex::MergeSegments(size_t first, size_t last) {
  std::vector<Segment> inputs;
  Segment merged;
  storage::WriteBatch batch;
  std::vector<std::string> emptied_terms;
  {
    newsgraph::ReaderMutexLock state(&state_mu_);
    inputs.assign(segments_.begin() + static_cast<long>(first),
                  segments_.begin() + static_cast<long>(last) + 1);
    merged.id = next_segment_;
    merged.first_doc = inputs.front().first_doc;
    merged.last_doc = inputs.back().last_doc;
    for (uint64_t d = merged.first_doc; d <= merged.last_doc && d < live_.size(); ++d) {
      merged.documents += live_[d] ? 1 : 0;
    }
    // One iterator per input over its posting lists, walked in term order.
    std::vector<std::unique_ptr<storage::Iterator>> lists;
    std::vector<std::string> list_prefixes;
    for (const Segment& s : inputs) {
      std::string prefix = SegmentKey(s.id, kPostingsKind, "");
      storage::ReadOptions options;
      options.upper_bound = storage::PrefixSuccessor(prefix);
      options.fill_cache = false;
      lists.push_back(store_->NewIterator(cf::kSegments, options));
      lists.back()->Seek(prefix);
      list_prefixes.push_back(std::move(prefix));
    }
    PostingListWriter writer;
    std::vector<uint32_t> positions_buffer;
    std::string postings_out;
    std::string positions_out;
    while (true) {
      std::optional<std::string> term;
      for (size_t k = 0; k < lists.size(); ++k) {
        if (!lists[k]->Valid()) continue;
        std::string t(lists[k]->key().substr(list_prefixes[k].size()));
        if (!term.has_value() || t < *term) term = std::move(t);
      }
      if (!term.has_value()) break;
      for (size_t k = 0; k < lists.size(); ++k) {
        if (!lists[k]->Valid() || lists[k]->key().substr(list_prefixes[k].size()) != *term) {
          continue;
        }
        const std::string value(lists[k]->value());
        NG_ASSIGN_OR_RETURN(std::optional<std::string> positions,
                            store_->Get(cf::kSegments,
                                        SegmentKey(inputs[k].id, kPositionsKind, *term)));
        PostingCursor cursor;
        const absl::string_view positions_value =
            positions.has_value() ? absl::string_view(*positions) : absl::string_view();
        if (!cursor.Init(value, positions_value)) {
          return Corrupted(absl::StrCat("posting list in segment ", inputs[k].id));
        }
        for (; cursor.doc() != kNoMoreDocs; cursor.Next()) {
          if (!live_[cursor.doc()]) continue;
          positions_buffer.clear();
          if (positions.has_value() && !cursor.Positions(&positions_buffer)) {
            return Corrupted(absl::StrCat("positions of '", absl::CHexEscape(*term),
                                          "' in segment ", inputs[k].id));
          }
          writer.Add(cursor.doc(), cursor.title_tf(), cursor.body_tf(), cursor.salience(),
                     positions_buffer.data(), positions_buffer.size());
        }
        if (cursor.corrupt()) return Corrupted(absl::StrCat("posting list in segment ", inputs[k].id));
        lists[k]->Next();
      }
      if (writer.count() == 0) {
        emptied_terms.push_back(*term);
        continue;
      }
      writer.Finish(&postings_out, &positions_out);
      batch.Put(cf::kSegments, SegmentKey(merged.id, kPostingsKind, *term), postings_out);
      if (!positions_out.empty()) {
        batch.Put(cf::kSegments, SegmentKey(merged.id, kPositionsKind, *term), positions_out);
      }
    }
    for (const auto& list : lists) NG_RETURN_IF_ERROR(list->status());
  }
  std::string registry = storage::EncodeBigEndian64(merged.first_doc);
  storage::AppendBigEndian64(&registry, merged.last_doc);
  storage::AppendBigEndian64(&registry, merged.documents);
  batch.Put(cf::kMeta, SegmentRegistryKey(merged.id), registry);
  for (const Segment& s : inputs) {
    batch.Delete(cf::kMeta, SegmentRegistryKey(s.id));
    batch.DeleteRange(cf::kSegments, SegmentPrefix(s.id), SegmentPrefix(s.id + 1));
  }
  batch.Put(cf::kMeta, kNextSegmentKey, storage::EncodeBigEndian64(merged.id + 1));
  std::vector<uint64_t> dropped;
  for (const Segment& s : inputs) dropped.push_back(s.id);
  NG_RETURN_IF_ERROR(UpdateDictionary({}, emptied_terms, dropped, &batch));
  NG_RETURN_IF_ERROR(store_->Write(batch, storage::Durability::kSynced));
  next_segment_ = merged.id + 1;
  {
    newsgraph::WriterMutexLock state(&state_mu_);
    segments_.erase(segments_.begin() + static_cast<long>(first),
                    segments_.begin() + static_cast<long>(last) + 1);
    segments_.insert(segments_.begin() + static_cast<long>(first), merged);
  }
  for (const Segment& s : inputs) cache_.EraseWithPrefix(SegmentPrefix(s.id));
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Reads

}  // namespace newsgraph::search
