#include "services/search/search_index.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/page_token.h"
#include "base/parallel_for.h"
#include "base/span_order.h"
#include "base/status_macros.h"
#include "storage/page_token_key.h"
#include "base/time_util.h"
#include "services/search/analyzer.h"
#include "services/search/document_terms.h"
#include "services/search/search_index_layout.h"
#include "services/search/search_keyspace.h"
#include "services/text/normalizer.h"
#include "storage/key_codec.h"

namespace newsgraph::search {

using namespace layout;  // NOLINT: the index's own key layout
using newsgraph::v1::IndexDocumentRequest;
using storage::KeyBuilder;


absl::StatusOr<std::unique_ptr<SearchIndex>> SearchIndex::Open(storage::KvStore* store,
                                                               SearchIndexOptions options) {
  options.flush_documents = std::max<size_t>(1, options.flush_documents);
  std::unique_ptr<SearchIndex> index(new SearchIndex(store, options));
  NG_ASSIGN_OR_RETURN(std::string key, storage::LoadOrCreatePageTokenKey(store, cf::kMeta));
  index->page_tokens_ = std::make_unique<const PageTokens>(std::move(key));
  NG_RETURN_IF_ERROR(index->Load());
  if (options.idle_merge_after > absl::ZeroDuration()) {
    index->last_update_nanos_.store(absl::ToUnixNanos(options.clock->Now()));  // idle from now
    SearchIndex* raw = index.get();
    index->maintenance_ = std::thread([raw] { raw->IdleMaintenance(); });
  }
  return index;
}

void SearchIndex::IdleMaintenance() {
  const auto poll = std::chrono::milliseconds(
      options_.idle_check_every > absl::ZeroDuration()
          ? absl::ToInt64Milliseconds(options_.idle_check_every)
          : std::clamp<int64_t>(absl::ToInt64Milliseconds(options_.idle_merge_after) / 4, 10,
                                1000));
  // What the index looked like when last maintained; ~0 = never (an index
  // opened with several segments is merged once it is idle too).
  uint64_t maintained = ~uint64_t{0};
  std::unique_lock<std::mutex> lock(maintenance_mu_);
  while (!maintenance_cv_.wait_for(lock, poll, [this] { return stopping_; })) {
    const uint64_t seen = updates_.load();
    const absl::Time last_update = absl::FromUnixNanos(last_update_nanos_.load());
    if (seen == maintained || options_.clock->Now() - last_update < options_.idle_merge_after) {
      continue;
    }
    maintained = seen;
    lock.unlock();
    const bool small = Stats().document_count <= options_.max_merge_documents;
    const absl::Status status = small ? ForceMerge() : Flush();
    if (!status.ok()) {
      std::fprintf(stderr, "search index: idle %s failed: %s\n", small ? "merge" : "flush",
                   status.ToString().c_str());
    }
    lock.lock();
  }
}

void SearchIndex::NoteUpdate() {
  last_update_nanos_.store(absl::ToUnixNanos(options_.clock->Now()));
  updates_.fetch_add(1);
}

SearchIndex::~SearchIndex() {
  if (maintenance_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(maintenance_mu_);
      stopping_ = true;
    }
    maintenance_cv_.notify_all();
    maintenance_.join();
  }
  if (!options_.flush_on_close) return;
  newsgraph::MutexLock lock(&writer_mu_);
  (void)FlushLocked();
}

absl::Status SearchIndex::Load() {
  newsgraph::MutexLock writer(&writer_mu_);
  uint64_t format = 0;
  NG_RETURN_IF_ERROR(LoadCounters(&format));
  NG_RETURN_IF_ERROR(CheckFormat(format));
  NG_RETURN_IF_ERROR(LoadSegments());
  return RecoverUnflushed();
}

absl::Status SearchIndex::LoadCounters(uint64_t* format) {
  newsgraph::WriterMutexLock state(&state_mu_);
  for (auto [key, counter] :
       {std::pair{kNextDocKey, &next_doc_}, std::pair{kDocCountKey, &document_count_},
        std::pair{kTitleTokensKey, &title_tokens_}, std::pair{kBodyTokensKey, &body_tokens_},
        std::pair{kNextSegmentKey, &next_segment_}, std::pair{kFlushedBelowKey, &flushed_below_},
        std::pair{kFormatKey, format}}) {
    NG_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(cf::kMeta, key));
    if (!value.has_value()) continue;
    if (value->size() != 8) return Corrupted(absl::StrCat("counter ", key));
    *counter = storage::DecodeBigEndian64(value->data());
  }
  norms_.assign(next_doc_, DocNorms());
  ranking_.assign(next_doc_, {});
  live_.assign(next_doc_, false);
  {
    std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kNorms);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() != 8) continue;
      const uint64_t doc = storage::DecodeBigEndian64(it->key().data());
      if (doc >= next_doc_) return Corrupted("norms entry beyond the next document number");
      if (!DecodeNorms(it->value(), doc, &norms_[doc])) return Corrupted("norms entry");
      ranking_[doc] = {norms_[doc].title_length, norms_[doc].body_length, norms_[doc].cluster};
      live_[doc] = true;
      ++cluster_sizes_[norms_[doc].cluster];
    }
    NG_RETURN_IF_ERROR(it->status());
  }
  return absl::OkStatus();
}

absl::Status SearchIndex::CheckFormat(uint64_t format) {
  if (format == kFormat) return absl::OkStatus();
  if (format == 0 && next_doc_ <= 1) {
    // A new store: mark its format.
    storage::WriteBatch batch;
    batch.Put(cf::kMeta, kFormatKey, storage::EncodeBigEndian64(kFormat));
    return store_->Write(batch, storage::Durability::kSynced);
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "the search index in ", store_->path(), " has format ", format, "; this build reads format ",
      kFormat, " only: rebuild it (remove the directory and re-index the documents)"));
}

absl::Status SearchIndex::LoadSegments() {
  newsgraph::WriterMutexLock state(&state_mu_);
  segments_.clear();
  storage::ReadOptions options;
  options.upper_bound = storage::PrefixSuccessor(kSegmentPrefix);
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kMeta, options);
  for (it->Seek(kSegmentPrefix); it->Valid(); it->Next()) {
    const absl::string_view key = it->key();
    const absl::string_view value = it->value();
    if (key.size() != sizeof(kSegmentPrefix) - 1 + 8 || value.size() != 24) {
      return Corrupted("segment registry entry");
    }
    Segment segment;
    segment.id = storage::DecodeBigEndian64(key.data() + key.size() - 8);
    segment.first_doc = storage::DecodeBigEndian64(value.data());
    segment.last_doc = storage::DecodeBigEndian64(value.data() + 8);
    segment.documents = storage::DecodeBigEndian64(value.data() + 16);
    segments_.push_back(segment);
  }
  NG_RETURN_IF_ERROR(it->status());
  std::sort(segments_.begin(), segments_.end(),
            [](const Segment& a, const Segment& b) { return a.first_doc < b.first_doc; });
  return absl::OkStatus();
}

absl::Status SearchIndex::RecoverUnflushed() {
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kDocs);
  for (it->Seek(DocKey(flushed_below_)); it->Valid(); it->Next()) {
    storage::KeyReader reader(it->key());
    absl::StatusOr<uint64_t> doc = reader.ReadUint64();
    if (!doc.ok() || !reader.AtEnd()) return Corrupted("stored document key");
    IndexDocumentRequest stored;
    if (!stored.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return Corrupted(absl::StrCat("stored document ", *doc));
    }
    Analyzed analyzed;
    analyzed.doc = *doc;
    analyzed.terms = CollectPostings(stored, &analyzed.norms);
    {
      newsgraph::WriterMutexLock state(&state_mu_);
      if (*doc >= live_.size() || !live_[*doc]) continue;
      AddToMemory(analyzed);
    }
    ++recovered_at_open_;
    if (MemoryDocuments() >= options_.flush_documents) NG_RETURN_IF_ERROR(FlushLocked());
  }
  return it->status();
}

// ---------------------------------------------------------------------------
// Updates

void SearchIndex::AddToMemory(const Analyzed& analyzed) {
  const std::vector<uint32_t>& positions = analyzed.terms.positions;
  for (const DocumentTerms::Term& t : analyzed.terms.terms) {
    MemoryPostings& m = memory_[t.term];
    m.positions.insert(m.positions.end(), positions.begin() + t.positions_begin,
                       positions.begin() + t.positions_end);
    m.postings.push_back({.doc = analyzed.doc,
                          .title_tf = t.title_tf,
                          .body_tf = t.body_tf,
                          .position_end = static_cast<uint32_t>(m.positions.size()),
                          .salience = static_cast<uint16_t>(std::lround(t.salience * 1000))});
  }
  ++memory_documents_;
}

void SearchIndex::SetLive(uint64_t doc, const DocNorms& norms) {
  if (doc >= live_.size()) {
    live_.resize(doc + 1, false);
    norms_.resize(doc + 1);
    ranking_.resize(doc + 1);
  }
  norms_[doc] = norms;
  ranking_[doc] = {norms.title_length, norms.body_length, norms.cluster};
  live_[doc] = true;
  ++cluster_sizes_[norms.cluster];
  ++document_count_;
  title_tokens_ += norms.title_length;
  body_tokens_ += norms.body_length;
}

void SearchIndex::MarkDead(uint64_t doc) {
  if (doc >= live_.size() || !live_[doc]) return;
  live_[doc] = false;
  const DocNorms& norms = norms_[doc];
  auto it = cluster_sizes_.find(norms.cluster);
  if (it != cluster_sizes_.end() && --it->second == 0) cluster_sizes_.erase(it);
  --document_count_;
  title_tokens_ -= std::min<uint64_t>(title_tokens_, norms.title_length);
  body_tokens_ -= std::min<uint64_t>(body_tokens_, norms.body_length);
}

void SearchIndex::PutCounters(storage::WriteBatch* batch, uint64_t documents,
                              uint64_t title_tokens, uint64_t body_tokens) const {
  batch->Put(cf::kMeta, kNextDocKey, storage::EncodeBigEndian64(next_doc_));
  batch->Put(cf::kMeta, kDocCountKey, storage::EncodeBigEndian64(documents));
  batch->Put(cf::kMeta, kTitleTokensKey, storage::EncodeBigEndian64(title_tokens));
  batch->Put(cf::kMeta, kBodyTokensKey, storage::EncodeBigEndian64(body_tokens));
}

absl::StatusOr<newsgraph::v1::IndexDocumentResponse> SearchIndex::IndexDocument(
    const IndexDocumentRequest& request) {
  NG_ASSIGN_OR_RETURN(std::vector<newsgraph::v1::IndexDocumentResponse> responses,
                      IndexDocuments(absl::MakeConstSpan(&request, 1)));
  return responses[0];
}

namespace {

absl::Status ValidateIndexRequest(const IndexDocumentRequest& request) {
  const newsgraph::v1::Document& doc = request.document();
  if (doc.name().empty()) return absl::InvalidArgumentError("document.name is required");
  if (doc.version() <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("document.version must be positive (got ",
                                                   doc.version(), ") for ", doc.name()));
  }
  // The times a filter compares and a hit shows; the spans snippets and
  // passages walk in one pass.
  for (const auto& [field, time] :
       {std::pair{"document.published_time", &doc.published_time()},
        std::pair{"document.create_time", &doc.create_time()},
        std::pair{"document.update_time", &doc.update_time()}}) {
    NG_RETURN_IF_ERROR(ValidateTimestamp(field, *time));
  }
  NG_RETURN_IF_ERROR(
      CheckSpansInOrder(doc.paragraphs(), doc.text().size(), "document.paragraphs"));
  return CheckSpansInOrder(doc.passages(), doc.text().size(), "document.passages");
}

// The fields a hit shows, stored apart from the document so that hits read
// little.
std::string HitFieldsOf(const newsgraph::v1::Document& doc) {
  newsgraph::v1::Document fields;
  fields.set_name(doc.name());
  fields.set_external_id(doc.external_id());
  fields.set_url(doc.url());
  fields.set_version(doc.version());
  fields.set_title(doc.title());
  fields.set_source(doc.source());
  if (doc.has_published_time()) *fields.mutable_published_time() = doc.published_time();
  return fields.SerializeAsString();
}

// The request as stored for passages and snippets: mentions and removed
// boilerplate are left out.
std::string StoredRequestOf(const IndexDocumentRequest& request) {
  if (request.mentions().empty() && request.document().removed_boilerplate().empty()) {
    return request.SerializeAsString();
  }
  IndexDocumentRequest trimmed = request;
  trimmed.clear_mentions();
  trimmed.mutable_document()->clear_removed_boilerplate();
  return trimmed.SerializeAsString();
}

}  // namespace

absl::StatusOr<std::vector<newsgraph::v1::IndexDocumentResponse>> SearchIndex::IndexDocuments(
    absl::Span<const IndexDocumentRequest> requests) {
  std::vector<const IndexDocumentRequest*> pointers;
  pointers.reserve(requests.size());
  for (const IndexDocumentRequest& request : requests) pointers.push_back(&request);
  return IndexDocuments(absl::MakeConstSpan(pointers));
}

absl::StatusOr<std::vector<newsgraph::v1::IndexDocumentResponse>> SearchIndex::IndexDocuments(
    absl::Span<const IndexDocumentRequest* const> requests) {
  if (requests.size() > options_.max_batch_documents) {
    return absl::InvalidArgumentError(absl::StrCat("requests holds ", requests.size(),
                                                   " documents; the limit is ",
                                                   options_.max_batch_documents));
  }
  NoteUpdate();
  for (size_t i = 0; i < requests.size(); ++i) {
    absl::Status valid = ValidateIndexRequest(*requests[i]);
    if (!valid.ok() && requests.size() > 1) {
      valid = absl::Status(valid.code(), absl::StrCat("requests[", i, "]: ", valid.message()));
    }
    NG_RETURN_IF_ERROR(valid);
  }
  // Analysis and serialization (the expensive parts) run before any lock is
  // taken.
  std::vector<Analyzed> analyzed(requests.size());
  analysis_threads_.For(requests.size(), [&](size_t i) {
    analyzed[i].terms = CollectPostings(*requests[i], &analyzed[i].norms);
    analyzed[i].stored = StoredRequestOf(*requests[i]);
    analyzed[i].hit_fields = HitFieldsOf(requests[i]->document());
  });

  newsgraph::MutexLock writer(&writer_mu_);
  std::vector<newsgraph::v1::IndexDocumentResponse> responses(requests.size());
  storage::WriteBatch batch;
  // Names indexed earlier in this batch: document number and version.
  absl::flat_hash_map<std::string, IndexedVersion> in_batch;
  // (new document, replaced document or 0) per applied request.
  std::vector<std::pair<size_t, uint64_t>> applied;
  const uint64_t saved_next_doc = next_doc_;
  for (size_t i = 0; i < requests.size(); ++i) {
    const newsgraph::v1::Document& doc = requests[i]->document();
    absl::StatusOr<std::optional<IndexedVersion>> existing = FindIndexed(doc.name(), in_batch);
    if (!existing.ok()) {
      next_doc_ = saved_next_doc;
      return existing.status();
    }
    // A reindex replaces the indexed version; otherwise only a newer one does.
    if (existing->has_value() &&
        ((*existing)->version > doc.version() ||
         ((*existing)->version == doc.version() && !requests[i]->reindex()))) {
      responses[i].set_applied(false);
      responses[i].set_indexed_version((*existing)->version);
      continue;
    }
    analyzed[i].doc = next_doc_++;
    const uint64_t replaced = existing->has_value() ? (*existing)->doc : 0;
    PutDocument(*requests[i], analyzed[i], replaced, &batch);
    in_batch[doc.name()] = {analyzed[i].doc, doc.version()};
    applied.emplace_back(i, replaced);
    responses[i].set_applied(true);
    responses[i].set_indexed_version(doc.version());
  }
  if (applied.empty()) return responses;
  const CorpusCounters counters = CountersAfter(applied, analyzed);
  PutCounters(&batch, counters.documents, counters.title_tokens, counters.body_tokens);
  if (absl::Status status = store_->Write(batch, storage::Durability::kSynced); !status.ok()) {
    next_doc_ = saved_next_doc;
    return status;
  }
  {
    newsgraph::WriterMutexLock state(&state_mu_);
    for (const auto& [i, replaced] : applied) {
      if (replaced != 0) MarkDead(replaced);
      SetLive(analyzed[i].doc, analyzed[i].norms);
      AddToMemory(analyzed[i]);
    }
  }
  if (MemoryDocuments() >= options_.flush_documents) {
    // The documents are durable already; a failed flush is retried by the next one.
    (void)FlushLocked();
  }
  return responses;
}

absl::StatusOr<std::optional<SearchIndex::IndexedVersion>> SearchIndex::FindIndexed(
    const std::string& name,
    const absl::flat_hash_map<std::string, IndexedVersion>& in_batch) const {
  if (auto it = in_batch.find(name); it != in_batch.end()) return it->second;
  NG_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(cf::kNames, name));
  if (!value.has_value()) return std::nullopt;
  if (value->size() != 16) return Corrupted(absl::StrCat("name entry of ", name));
  return IndexedVersion{storage::DecodeBigEndian64(value->data()),
                        static_cast<int64_t>(storage::DecodeBigEndian64(value->data() + 8))};
}

void SearchIndex::PutDocument(const IndexDocumentRequest& request, const Analyzed& analyzed,
                              uint64_t replaced, storage::WriteBatch* batch) const {
  if (replaced != 0) {
    batch->Delete(cf::kDocs, DocKey(replaced));
    batch->Delete(cf::kHits, DocKey(replaced));
    batch->Delete(cf::kNorms, DocKey(replaced));
  }
  batch->Put(cf::kDocs, DocKey(analyzed.doc), analyzed.stored);
  batch->Put(cf::kHits, DocKey(analyzed.doc), analyzed.hit_fields);
  batch->Put(cf::kNorms, DocKey(analyzed.doc), EncodeNorms(analyzed.norms));
  std::string name_value = storage::EncodeBigEndian64(analyzed.doc);
  storage::AppendBigEndian64(&name_value, static_cast<uint64_t>(request.document().version()));
  batch->Put(cf::kNames, request.document().name(), name_value);
}

SearchIndex::CorpusCounters SearchIndex::CountersAfter(
    const std::vector<std::pair<size_t, uint64_t>>& applied,
    const std::vector<Analyzed>& analyzed) const {
  newsgraph::ReaderMutexLock state(&state_mu_);
  CorpusCounters counters{document_count_, title_tokens_, body_tokens_};
  absl::flat_hash_map<uint64_t, const DocNorms*> batch_norms;
  for (const auto& [i, replaced] : applied) {
    if (replaced != 0) {
      const DocNorms* old = nullptr;
      if (auto it = batch_norms.find(replaced); it != batch_norms.end()) {
        old = it->second;
      } else if (replaced < live_.size() && live_[replaced]) {
        old = &norms_[replaced];
      }
      if (old != nullptr) {
        --counters.documents;
        counters.title_tokens -= std::min<uint64_t>(counters.title_tokens, old->title_length);
        counters.body_tokens -= std::min<uint64_t>(counters.body_tokens, old->body_length);
      }
    }
    ++counters.documents;
    counters.title_tokens += analyzed[i].norms.title_length;
    counters.body_tokens += analyzed[i].norms.body_length;
    batch_norms[analyzed[i].doc] = &analyzed[i].norms;
  }
  return counters;
}

absl::StatusOr<bool> SearchIndex::RemoveDocument(const std::string& name) {
  if (name.empty()) return absl::InvalidArgumentError("document is required");
  NoteUpdate();
  newsgraph::MutexLock writer(&writer_mu_);
  NG_ASSIGN_OR_RETURN(std::optional<std::string> existing, store_->Get(cf::kNames, name));
  if (!existing.has_value()) return false;
  if (existing->size() != 16) return Corrupted(absl::StrCat("name entry of ", name));
  const uint64_t docnum = storage::DecodeBigEndian64(existing->data());
  storage::WriteBatch batch;
  batch.Delete(cf::kDocs, DocKey(docnum));
  batch.Delete(cf::kHits, DocKey(docnum));
  batch.Delete(cf::kNorms, DocKey(docnum));
  batch.Delete(cf::kNames, name);
  {
    newsgraph::ReaderMutexLock state(&state_mu_);
    uint64_t documents = document_count_, title_tokens = title_tokens_, body_tokens = body_tokens_;
    if (docnum < live_.size() && live_[docnum]) {
      --documents;
      title_tokens -= std::min<uint64_t>(title_tokens, norms_[docnum].title_length);
      body_tokens -= std::min<uint64_t>(body_tokens, norms_[docnum].body_length);
    }
    PutCounters(&batch, documents, title_tokens, body_tokens);
  }
  NG_RETURN_IF_ERROR(store_->Write(batch, storage::Durability::kSynced));
  newsgraph::WriterMutexLock state(&state_mu_);
  MarkDead(docnum);
  return true;
}

size_t SearchIndex::MemoryDocuments() const {
  newsgraph::ReaderMutexLock state(&state_mu_);
  return memory_documents_;
}

// ---------------------------------------------------------------------------
// Flushes and merges

absl::Status SearchIndex::Flush() {
  newsgraph::MutexLock writer(&writer_mu_);
  return FlushLocked();
}

absl::Status SearchIndex::ForceMerge() {
  newsgraph::MutexLock writer(&writer_mu_);
  NG_RETURN_IF_ERROR(FlushLocked());
  const size_t segments = SegmentCount();
  if (segments <= 1) return absl::OkStatus();
  return MergeSegments(0, segments - 1);
}

absl::StatusOr<std::shared_ptr<const std::string>> SearchIndex::SegmentValue(
    uint64_t segment, char kind, const std::string& term) const {
  const std::string key = SegmentKey(segment, kind, term);
  std::shared_ptr<const std::string> value;
  if (cache_.Lookup(key, &value)) return value;
  NG_ASSIGN_OR_RETURN(std::optional<std::string> stored, store_->Get(cf::kSegments, key));
  if (stored.has_value()) value = std::make_shared<const std::string>(*std::move(stored));
  cache_.Insert(key, value);
  return value;
}

absl::StatusOr<std::vector<Posting>> SearchIndex::ReadPostings(const std::string& term,
                                                               bool with_positions) const {
  SearchIndexReader reader(this);
  NG_ASSIGN_OR_RETURN(TermPostings postings, reader.Postings(term, with_positions));
  std::vector<Posting> out;
  for (; postings.doc() != kNoMoreDocs; postings.Next()) {
    Posting& p = out.emplace_back();
    p.doc = postings.doc();
    p.title_tf = postings.title_tf();
    p.body_tf = postings.body_tf();
    p.salience = postings.salience();
    if (with_positions) (void)postings.Positions(&p.positions);
  }
  if (postings.corrupt()) return Corrupted(absl::StrCat("posting list of '", term, "'"));
  return out;
}

absl::StatusOr<IndexDocumentRequest> SearchIndex::StoredDocument(uint64_t doc) const {
  NG_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(cf::kDocs, DocKey(doc)));
  if (!value.has_value()) return absl::NotFoundError(absl::StrCat("no stored document ", doc));
  IndexDocumentRequest stored;
  if (!stored.ParseFromString(*value)) return Corrupted(absl::StrCat("stored document ", doc));
  return stored;
}

CorpusStats SearchIndex::Stats() const {
  newsgraph::ReaderMutexLock state(&state_mu_);
  return ComputeStats(document_count_, title_tokens_, body_tokens_);
}

size_t SearchIndex::SegmentCount() const {
  newsgraph::ReaderMutexLock state(&state_mu_);
  return segments_.size();
}

absl::StatusOr<newsgraph::v1::IndexStats> SearchIndex::GetIndexStats() const {
  newsgraph::v1::IndexStats stats;
  int64_t terms = 0;
  {
    newsgraph::ReaderMutexLock state(&state_mu_);
    stats.set_document_count(static_cast<int64_t>(document_count_));
    stats.set_token_count(static_cast<int64_t>(title_tokens_ + body_tokens_));
    for (const auto& [term, m] : memory_) {
      if (term.empty() || term[0] == '\x01') continue;
      NG_ASSIGN_OR_RETURN(std::optional<std::string> on_disk, store_->Get(cf::kTerms, term));
      if (!on_disk.has_value()) ++terms;
    }
  }
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kTerms);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().empty() || it->key()[0] != '\x01') ++terms;
  }
  NG_RETURN_IF_ERROR(it->status());
  stats.set_term_count(terms);
  stats.set_segment_count(static_cast<int64_t>(SegmentCount()));
  NG_ASSIGN_OR_RETURN(uint64_t bytes, store_->ApproximateDiskBytes());
  stats.set_disk_bytes(static_cast<int64_t>(bytes));
  return stats;
}

}  // namespace newsgraph::search
