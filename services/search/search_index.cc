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
#include "base/status_macros.h"
#include "storage/page_token_key.h"
#include "base/time_util.h"
#include "services/search/analyzer.h"
#include "services/search/search_keyspace.h"
#include "services/text/normalizer.h"
#include "storage/key_codec.h"

namespace newsgraph::search {
namespace {

using newsgraph::v1::IndexDocumentRequest;
using storage::KeyBuilder;

constexpr char kNextDocKey[] = "next_doc";
constexpr char kDocCountKey[] = "document_count";
constexpr char kTitleTokensKey[] = "title_tokens";
constexpr char kBodyTokensKey[] = "body_tokens";
constexpr char kNextSegmentKey[] = "next_segment";
constexpr char kFlushedBelowKey[] = "flushed_below";
constexpr char kFormatKey[] = "index_format";
constexpr char kSegmentPrefix[] = "segment:";
// 2: segments of block-compressed posting lists. 1 (no key): one RocksDB
// entry per (term, document).
constexpr uint64_t kFormat = 2;
constexpr char kPostingsKind = 'd';
constexpr char kPositionsKind = 'p';

std::string DocKey(uint64_t doc) { return KeyBuilder().AddUint64(doc).key(); }
std::string SegmentPrefix(uint64_t segment) { return storage::EncodeBigEndian64(segment); }
std::string SegmentKey(uint64_t segment, char kind, absl::string_view term) {
  std::string key = storage::EncodeBigEndian64(segment);
  key.push_back(kind);
  key.append(term.data(), term.size());
  return key;
}
std::string SegmentRegistryKey(uint64_t segment) {
  return absl::StrCat(kSegmentPrefix, storage::EncodeBigEndian64(segment));
}

// Builds a document's DocumentTerms: word terms with their positions, then
// keyword terms (no positions).
class DocumentTermsBuilder {
 public:
  using Term = DocumentTerms::Term;

  // Title and body words: counts the terms, then lays their positions out
  // term after term (title positions first, so each term's are ascending).
  void AddWords(const std::vector<AnalyzedToken>& title, const std::vector<AnalyzedToken>& body) {
    // Distinct terms run at about half the tokens in news text.
    const size_t expected_terms = (title.size() + body.size()) / 2 + 8;
    ids_.reserve(expected_terms);
    out_.terms.reserve(expected_terms);
    std::vector<uint32_t> ids;
    ids.reserve(title.size() + body.size());
    for (const AnalyzedToken& t : title) {
      ids.push_back(Id(t.term));
      ++out_.terms[ids.back()].title_tf;
    }
    for (const AnalyzedToken& t : body) {
      ids.push_back(Id(t.term));
      ++out_.terms[ids.back()].body_tf;
    }
    uint32_t offset = 0;
    for (Term& term : out_.terms) {
      term.positions_begin = term.positions_end = offset;
      offset += term.title_tf + term.body_tf;
    }
    out_.positions.resize(offset);
    size_t k = 0;
    for (const AnalyzedToken& t : title) {
      out_.positions[out_.terms[ids[k++]].positions_end++] = t.position;
    }
    for (const AnalyzedToken& t : body) {
      out_.positions[out_.terms[ids[k++]].positions_end++] = kBodyOffset + t.position;
    }
  }

  // A keyword term (no positions); added once, later calls return it again.
  Term& Keyword(std::string term) {
    Term& added = out_.terms[Id(std::move(term))];
    added.positions_begin = added.positions_end = static_cast<uint32_t>(out_.positions.size());
    return added;
  }

  // A keyword term for `folded_name` and each of its word suffixes.
  void AddNameTerms(absl::string_view prefix, absl::string_view folded_name) {
    size_t from = 0;
    while (from < folded_name.size()) {
      Keyword(absl::StrCat(prefix, folded_name.substr(from))).body_tf = 1;
      const size_t space = folded_name.find(' ', from);
      if (space == absl::string_view::npos) break;
      from = space + 1;
    }
  }

  DocumentTerms Take() { return std::move(out_); }

 private:
  uint32_t Id(std::string term) {
    auto [it, added] = ids_.try_emplace(term, static_cast<uint32_t>(out_.terms.size()));
    if (added) out_.terms.push_back(Term{.term = std::move(term)});
    return it->second;
  }

  DocumentTerms out_;
  absl::flat_hash_map<std::string, uint32_t> ids_;
};

// All the postings one document contributes.
DocumentTerms CollectPostings(const IndexDocumentRequest& request, DocNorms* norms) {
  const newsgraph::v1::Document& doc = request.document();
  const std::vector<AnalyzedToken> title = Analyze(doc.title(), doc.language());
  const std::vector<AnalyzedToken> body = Analyze(doc.text(), doc.language());
  DocumentTermsBuilder terms;
  terms.AddWords(title, body);
  if (!doc.source().empty()) terms.Keyword(SourceTerm(doc.source())).body_tf = 1;
  terms.Keyword(LanguageTerm(doc.language().empty() ? "en" : doc.language())).body_tf = 1;
  for (const newsgraph::v1::DocumentEntity& e : request.entities()) {
    DocumentTermsBuilder::Term& entity = terms.Keyword(EntityTerm(e.entity()));
    entity.body_tf = std::max<uint32_t>(1, e.mention_count());
    entity.salience = std::clamp(e.salience(), 0.0f, 1.0f);
    terms.Keyword(EntityTypeTerm(newsgraph::v1::EntityType_Name(e.type()))).body_tf +=
        std::max<uint32_t>(1, e.mention_count());
  }
  for (const newsgraph::v1::Passage& passage : doc.passages()) {
    if (!passage.answered_by().empty()) {
      terms.AddNameTerms("\x01a", text::FoldName(passage.answered_by()));
    }
    if (!passage.asked_by().empty()) {
      terms.AddNameTerms("\x01q", text::FoldName(passage.asked_by()));
    }
  }
  const std::string& story = !doc.duplicate_of().empty()        ? doc.duplicate_of()
                             : !doc.near_duplicate_of().empty() ? doc.near_duplicate_of()
                                                                : doc.name();
  norms->cluster = Fingerprint64(story);
  norms->title_length = static_cast<uint32_t>(title.size());
  norms->body_length = static_cast<uint32_t>(body.size());
  norms->published =
      doc.has_published_time() ? FromTimestamp(doc.published_time()) : absl::InfinitePast();
  return terms.Take();
}

absl::Status Corrupted(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("search index: ", what, " is corrupted"));
}

}  // namespace

std::string SourceTerm(absl::string_view source) {
  return absl::StrCat("\x01s", text::FoldForMatching(source));
}
std::string LanguageTerm(absl::string_view language) {
  return absl::StrCat("\x01l", text::FoldForMatching(language));
}
std::string EntityTerm(absl::string_view entity_name) { return absl::StrCat("\x01e", entity_name); }
std::string EntityTypeTerm(absl::string_view type_name) { return absl::StrCat("\x01t", type_name); }
std::string SpeakerTerm(absl::string_view folded_name) {
  return absl::StrCat("\x01a", folded_name);
}
std::string AskerTerm(absl::string_view folded_name) { return absl::StrCat("\x01q", folded_name); }

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

namespace {
CorpusStats ComputeStats(uint64_t documents, uint64_t title_tokens, uint64_t body_tokens) {
  CorpusStats stats;
  stats.document_count = documents;
  if (documents > 0) {
    stats.average_title_length = static_cast<double>(title_tokens) / documents;
    stats.average_body_length = static_cast<double>(body_tokens) / documents;
  }
  return stats;
}
}  // namespace

SearchIndexReader::SearchIndexReader(const SearchIndex* index)
    : index_(index),
      lock_(&index->state_mu_),
      stats_(ComputeStats(index->document_count_, index->title_tokens_, index->body_tokens_)) {}

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

absl::StatusOr<std::unique_ptr<SearchIndex>> SearchIndex::Open(storage::KvStore* store,
                                                               SearchIndexOptions options) {
  options.flush_documents = std::max<size_t>(1, options.flush_documents);
  std::unique_ptr<SearchIndex> index(new SearchIndex(store, options));
  NG_ASSIGN_OR_RETURN(std::string key, storage::LoadOrCreatePageTokenKey(store, cf::kMeta));
  index->page_tokens_ = std::make_unique<const PageTokens>(std::move(key));
  NG_RETURN_IF_ERROR(index->Load());
  if (options.idle_merge_after > absl::ZeroDuration()) {
    SearchIndex* raw = index.get();
    index->maintenance_ = std::thread([raw] { raw->IdleMaintenance(); });
  }
  return index;
}

void SearchIndex::IdleMaintenance() {
  const auto poll = std::chrono::milliseconds(
      std::clamp<int64_t>(absl::ToInt64Milliseconds(options_.idle_merge_after) / 4, 10, 1000));
  uint64_t seen = updates_.load();
  // What the index looked like when last maintained; ~0 = never (an index
  // opened with several segments is merged once it is idle too).
  uint64_t maintained = ~uint64_t{0};
  absl::Time changed = absl::Now();
  std::unique_lock<std::mutex> lock(maintenance_mu_);
  while (!maintenance_cv_.wait_for(lock, poll, [this] { return stopping_; })) {
    const uint64_t updates = updates_.load();
    if (updates != seen) {
      seen = updates;
      changed = absl::Now();
      continue;
    }
    if (seen == maintained || absl::Now() - changed < options_.idle_merge_after) continue;
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

absl::StatusOr<std::vector<newsgraph::v1::IndexDocumentResponse>> SearchIndex::IndexDocuments(
    absl::Span<const IndexDocumentRequest> requests) {
  updates_.fetch_add(1);  // activity, for idle maintenance
  for (const IndexDocumentRequest& request : requests) {
    const newsgraph::v1::Document& doc = request.document();
    if (doc.name().empty()) return absl::InvalidArgumentError("document.name is required");
    if (doc.version() <= 0) {
      return absl::InvalidArgumentError(absl::StrCat("document.version must be positive (got ",
                                                     doc.version(), ") for ", doc.name()));
    }
  }
  // Analysis (the expensive part) runs before any lock is taken. Mentions
  // and removed boilerplate are not stored.
  std::vector<Analyzed> analyzed(requests.size());
  std::vector<std::string> stored(requests.size());
  std::vector<std::string> hit_fields(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    analyzed[i].terms = CollectPostings(requests[i], &analyzed[i].norms);
    const newsgraph::v1::Document& doc = requests[i].document();
    newsgraph::v1::Document fields;
    fields.set_name(doc.name());
    fields.set_external_id(doc.external_id());
    fields.set_url(doc.url());
    fields.set_version(doc.version());
    fields.set_title(doc.title());
    fields.set_source(doc.source());
    if (doc.has_published_time()) *fields.mutable_published_time() = doc.published_time();
    hit_fields[i] = fields.SerializeAsString();
    if (requests[i].mentions().empty() && requests[i].document().removed_boilerplate().empty()) {
      stored[i] = requests[i].SerializeAsString();
    } else {
      IndexDocumentRequest trimmed = requests[i];
      trimmed.clear_mentions();
      trimmed.mutable_document()->clear_removed_boilerplate();
      stored[i] = trimmed.SerializeAsString();
    }
  }

  newsgraph::MutexLock writer(&writer_mu_);
  std::vector<newsgraph::v1::IndexDocumentResponse> responses(requests.size());
  storage::WriteBatch batch;
  // Names indexed earlier in this batch: document number and version.
  absl::flat_hash_map<std::string, std::pair<uint64_t, int64_t>> in_batch;
  // (new document, replaced document or 0) per applied request.
  std::vector<std::pair<size_t, uint64_t>> applied;
  const uint64_t saved_next_doc = next_doc_;
  for (size_t i = 0; i < requests.size(); ++i) {
    const newsgraph::v1::Document& doc = requests[i].document();
    std::optional<std::pair<uint64_t, int64_t>> existing;
    if (auto it = in_batch.find(doc.name()); it != in_batch.end()) {
      existing = it->second;
    } else {
      absl::StatusOr<std::optional<std::string>> value = store_->Get(cf::kNames, doc.name());
      if (!value.ok()) {
        next_doc_ = saved_next_doc;
        return value.status();
      }
      if (value->has_value()) {
        if ((*value)->size() != 16) {
          next_doc_ = saved_next_doc;
          return Corrupted(absl::StrCat("name entry of ", doc.name()));
        }
        existing.emplace(storage::DecodeBigEndian64((*value)->data()),
                         static_cast<int64_t>(storage::DecodeBigEndian64((*value)->data() + 8)));
      }
    }
    if (existing.has_value() && existing->second >= doc.version()) {
      responses[i].set_applied(false);
      responses[i].set_indexed_version(existing->second);
      continue;
    }
    const uint64_t docnum = next_doc_++;
    analyzed[i].doc = docnum;
    const uint64_t replaced = existing.has_value() ? existing->first : 0;
    if (replaced != 0) {
      batch.Delete(cf::kDocs, DocKey(replaced));
      batch.Delete(cf::kHits, DocKey(replaced));
      batch.Delete(cf::kNorms, DocKey(replaced));
    }
    batch.Put(cf::kDocs, DocKey(docnum), stored[i]);
    batch.Put(cf::kHits, DocKey(docnum), hit_fields[i]);
    batch.Put(cf::kNorms, DocKey(docnum), EncodeNorms(analyzed[i].norms));
    std::string name_value = storage::EncodeBigEndian64(docnum);
    storage::AppendBigEndian64(&name_value, static_cast<uint64_t>(doc.version()));
    batch.Put(cf::kNames, doc.name(), name_value);
    in_batch[doc.name()] = {docnum, doc.version()};
    applied.emplace_back(i, replaced);
    responses[i].set_applied(true);
    responses[i].set_indexed_version(doc.version());
  }
  if (applied.empty()) return responses;

  // The counters after this batch, computed on a copy of the state.
  uint64_t documents = 0, title_tokens = 0, body_tokens = 0;
  {
    newsgraph::ReaderMutexLock state(&state_mu_);
    documents = document_count_;
    title_tokens = title_tokens_;
    body_tokens = body_tokens_;
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
          --documents;
          title_tokens -= std::min<uint64_t>(title_tokens, old->title_length);
          body_tokens -= std::min<uint64_t>(body_tokens, old->body_length);
        }
      }
      ++documents;
      title_tokens += analyzed[i].norms.title_length;
      body_tokens += analyzed[i].norms.body_length;
      batch_norms[analyzed[i].doc] = &analyzed[i].norms;
    }
  }
  PutCounters(&batch, documents, title_tokens, body_tokens);
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

absl::StatusOr<bool> SearchIndex::RemoveDocument(const std::string& name) {
  if (name.empty()) return absl::InvalidArgumentError("document is required");
  updates_.fetch_add(1);
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
