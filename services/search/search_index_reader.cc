// SearchIndex's read side: TermPostings across segments and the
// SearchIndexReader view one query holds.
#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "services/search/search_index.h"
#include "services/search/search_index_layout.h"
#include "services/search/search_keyspace.h"
#include "storage/key_codec.h"

namespace newsgraph::search {

using namespace layout;  // NOLINT: the index's own key layout
using newsgraph::v1::IndexDocumentRequest;

// ---------------------------------------------------------------------------
// TermPostings

void TermPostings::Settle() {
  while (part_ < parts_.size()) {
    const uint64_t d = parts_[part_].doc();
    if (d == kNoMoreDocs) {
      ++part_;
      continue;
    }
    if (d < live_->size() && (*live_)[d]) {
      doc_ = d;
      return;
    }
    parts_[part_].Next();
  }
  doc_ = kNoMoreDocs;
}

void TermPostings::Next() {
  if (doc_ == kNoMoreDocs) return;
  parts_[part_].Next();
  Settle();
}

void TermPostings::Advance(uint64_t target) {
  if (doc_ >= target) return;
  while (part_ < parts_.size()) {
    parts_[part_].Advance(target);
    if (parts_[part_].doc() != kNoMoreDocs) break;
    ++part_;
  }
  Settle();
}

bool TermPostings::corrupt() const {
  for (const PostingCursor& c : parts_) {
    if (c.corrupt()) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// SearchIndexReader

SearchIndexReader::SearchIndexReader(const SearchIndex* index)
    : index_(index), lock_(&index->state_mu_), stats_(StatsOf(*index)) {}

CorpusStats SearchIndexReader::StatsOf(const SearchIndex& index) {
  CorpusStats stats = ComputeStats(index.document_count_, index.title_tokens_, index.body_tokens_);
  stats.indexed_documents = index.memory_documents_;
  for (const SearchIndex::Segment& segment : index.segments_) {
    stats.indexed_documents += segment.documents;
  }
  return stats;
}

absl::StatusOr<TermPostings> SearchIndexReader::Postings(const std::string& term,
                                                         bool with_positions) const {
  TermPostings postings;
  postings.live_ = &index_->live_;
  postings.parts_.reserve(index_->segments_.size() + 1);
  for (const SearchIndex::Segment& segment : index_->segments_) {
    NG_ASSIGN_OR_RETURN(std::shared_ptr<const std::string> value,
                        index_->SegmentValue(segment.id, kPostingsKind, term));
    if (value == nullptr) continue;
    std::shared_ptr<const std::string> positions;
    if (with_positions) {
      NG_ASSIGN_OR_RETURN(positions, index_->SegmentValue(segment.id, kPositionsKind, term));
    }
    PostingCursor& cursor = postings.parts_.emplace_back();
    if (!cursor.Init(*value, positions ? absl::string_view(*positions) : absl::string_view())) {
      return Corrupted(absl::StrCat("posting list of a term in segment ", segment.id));
    }
    postings.document_frequency_ += cursor.count();
    postings.blobs_.push_back(std::move(value));
    if (positions) postings.blobs_.push_back(std::move(positions));
  }
  auto it = index_->memory_.find(term);
  if (it != index_->memory_.end() && !it->second.postings.empty()) {
    const SearchIndex::MemoryPostings& m = it->second;
    PostingCursor& cursor = postings.parts_.emplace_back();
    cursor.InitMemory(m.postings.data(), m.positions.data(), m.postings.size());
    postings.document_frequency_ += m.postings.size();
  }
  postings.Settle();
  return postings;
}

absl::StatusOr<uint64_t> SearchIndexReader::DocumentFrequency(const std::string& term) const {
  NG_ASSIGN_OR_RETURN(TermPostings postings, Postings(term, /*with_positions=*/false));
  return postings.document_frequency();
}

absl::StatusOr<std::vector<std::string>> SearchIndexReader::ExpandPrefix(const std::string& prefix,
                                                                         size_t max_terms) const {
  // The in-memory segment's terms with the prefix, sorted, merged with the
  // dictionary's.
  std::vector<absl::string_view> memory;
  for (const auto& [term, postings] : index_->memory_) {
    if (absl::StartsWith(term, prefix)) memory.push_back(term);
  }
  std::sort(memory.begin(), memory.end());
  std::vector<std::string> terms;
  storage::ReadOptions options;
  options.upper_bound = storage::PrefixSuccessor(prefix);
  std::unique_ptr<storage::Iterator> it = index_->store_->NewIterator(cf::kTerms, options);
  auto next_memory = memory.begin();
  it->Seek(prefix);
  while (terms.size() < max_terms) {
    const bool disk = it->Valid();
    const bool mem = next_memory != memory.end();
    if (!disk && !mem) break;
    if (disk && (!mem || it->key() <= *next_memory)) {
      if (mem && it->key() == *next_memory) ++next_memory;
      terms.emplace_back(it->key());
      it->Next();
    } else {
      terms.emplace_back(*next_memory);
      ++next_memory;
    }
  }
  NG_RETURN_IF_ERROR(it->status());
  return terms;
}

bool SearchIndexReader::Live(uint64_t doc) const {
  return doc < index_->live_.size() && index_->live_[doc];
}

const DocNorms& SearchIndexReader::Norms(uint64_t doc) const { return index_->norms_[doc]; }

const SearchIndexReader::RankingNorms& SearchIndexReader::Ranking(uint64_t doc) const {
  return index_->ranking_[doc];
}

uint64_t SearchIndexReader::DocumentLimit() const { return index_->live_.size(); }

uint32_t SearchIndexReader::ClusterSize(uint64_t cluster) const {
  auto it = index_->cluster_sizes_.find(cluster);
  return it == index_->cluster_sizes_.end() ? 1 : it->second;
}

absl::StatusOr<IndexDocumentRequest> SearchIndexReader::StoredDocument(uint64_t doc) const {
  return index_->StoredDocument(doc);
}

absl::StatusOr<std::shared_ptr<const newsgraph::v1::Document>> SearchIndexReader::HitFields(
    uint64_t doc) const {
  const std::string key = DocKey(doc);
  std::shared_ptr<const newsgraph::v1::Document> fields;
  if (index_->hit_cache_.Lookup(key, &fields) && fields != nullptr) return fields;
  NG_ASSIGN_OR_RETURN(std::optional<std::string> stored, index_->store_->Get(cf::kHits, key));
  if (!stored.has_value()) {
    // Indexed before hit fields were kept apart.
    NG_ASSIGN_OR_RETURN(IndexDocumentRequest full, StoredDocument(doc));
    return std::make_shared<const newsgraph::v1::Document>(std::move(*full.mutable_document()));
  }
  auto parsed = std::make_shared<newsgraph::v1::Document>();
  if (!parsed->ParseFromString(*stored)) return Corrupted(absl::StrCat("hit fields of ", doc));
  fields = std::move(parsed);
  index_->hit_cache_.Insert(key, fields);
  return fields;
}

// ---------------------------------------------------------------------------
// SearchIndex: opening and recovery

}  // namespace newsgraph::search
