#include "services/search/search_index.h"

#include <algorithm>
#include <limits>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/mutex.h"
#include "base/page_token.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "services/search/analyzer.h"
#include "services/search/posting_codec.h"
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

std::string DocKey(uint64_t doc) { return KeyBuilder().AddUint64(doc).key(); }
std::string PostingKey(absl::string_view term, uint64_t doc) {
  return KeyBuilder().AddString(term).AddUint64(doc).key();
}
std::string EncodeU64(uint64_t v) {
  std::string out;
  storage::AppendBigEndian64(&out, v);
  return out;
}

// Adds a keyword term for `name` and each of its word suffixes.
void AddNameTerms(const std::string& prefix, const std::string& folded_name,
                  absl::btree_map<std::string, Posting>* postings) {
  size_t from = 0;
  while (from < folded_name.size()) {
    (*postings)[prefix + folded_name.substr(from)].body_tf = 1;
    const size_t space = folded_name.find(' ', from);
    if (space == std::string::npos) break;
    from = space + 1;
  }
}

// All the postings one document contributes, keyed by term.
absl::btree_map<std::string, Posting> CollectPostings(const IndexDocumentRequest& request,
                                                      DocNorms* norms) {
  absl::btree_map<std::string, Posting> postings;
  const newsgraph::v1::Document& doc = request.document();
  const std::vector<AnalyzedToken> title = Analyze(doc.title(), doc.language());
  const std::vector<AnalyzedToken> body = Analyze(doc.text(), doc.language());
  for (const AnalyzedToken& t : title) {
    Posting& p = postings[t.term];
    ++p.title_tf;
    p.positions.push_back(t.position);
  }
  for (const AnalyzedToken& t : body) {
    Posting& p = postings[t.term];
    ++p.body_tf;
    p.positions.push_back(kBodyOffset + t.position);
  }
  if (!doc.source().empty()) postings[SourceTerm(doc.source())].body_tf = 1;
  postings[LanguageTerm(doc.language().empty() ? "en" : doc.language())].body_tf = 1;
  for (const newsgraph::v1::DocumentEntity& e : request.entities()) {
    Posting& p = postings[EntityTerm(e.entity())];
    p.body_tf = std::max<uint32_t>(1, e.mention_count());
    p.salience = std::clamp(e.salience(), 0.0f, 1.0f);
    Posting& type = postings[EntityTypeTerm(newsgraph::v1::EntityType_Name(e.type()))];
    type.body_tf += std::max<uint32_t>(1, e.mention_count());
  }
  for (const newsgraph::v1::Passage& passage : doc.passages()) {
    if (!passage.answered_by().empty()) {
      AddNameTerms("\x01a", text::FoldForMatching(passage.answered_by()), &postings);
    }
    if (!passage.asked_by().empty()) {
      AddNameTerms("\x01q", text::FoldForMatching(passage.asked_by()), &postings);
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
  return postings;
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

absl::StatusOr<std::unique_ptr<SearchIndex>> SearchIndex::Open(storage::KvStore* store) {
  std::unique_ptr<SearchIndex> index(new SearchIndex(store));
  NG_RETURN_IF_ERROR(index->Load());
  return index;
}

absl::Status SearchIndex::Load() {
  newsgraph::MutexLock lock(&mu_);
  for (auto [key, counter] :
       {std::pair{kNextDocKey, &next_doc_}, std::pair{kDocCountKey, &document_count_},
        std::pair{kTitleTokensKey, &title_tokens_}, std::pair{kBodyTokensKey, &body_tokens_}}) {
    NG_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(cf::kMeta, key));
    if (!value.has_value()) continue;
    if (value->size() != 8)
      return absl::DataLossError(absl::StrCat("search counter ", key, " corrupted"));
    *counter = storage::DecodeBigEndian64(value->data());
  }
  newsgraph::WriterMutexLock norms_lock(&norms_mu_);
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kNorms);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8) continue;
    const uint64_t doc = storage::DecodeBigEndian64(it->key().data());
    DocNorms norms;
    if (!DecodeNorms(it->value(), doc, &norms)) return absl::DataLossError("norms entry corrupted");
    norms_.emplace(doc, norms);
  }
  return it->status();
}

void SearchIndex::PutCounters(storage::WriteBatch* batch) {
  batch->Put(cf::kMeta, kNextDocKey, EncodeU64(next_doc_));
  batch->Put(cf::kMeta, kDocCountKey, EncodeU64(document_count_));
  batch->Put(cf::kMeta, kTitleTokensKey, EncodeU64(title_tokens_));
  batch->Put(cf::kMeta, kBodyTokensKey, EncodeU64(body_tokens_));
}

void SearchIndex::ApplyDocument(
    const IndexDocumentRequest& doc, uint64_t docnum, int sign, storage::WriteBatch* batch,
    absl::flat_hash_map<std::string, int64_t>* df_deltas,
    std::vector<std::pair<uint64_t, std::optional<DocNorms>>>* norm_updates) {
  DocNorms norms;
  const absl::btree_map<std::string, Posting> postings = CollectPostings(doc, &norms);
  for (const auto& [term, posting] : postings) {
    if (sign > 0) {
      batch->Put(cf::kPostings, PostingKey(term, docnum), EncodePosting(posting));
    } else {
      batch->Delete(cf::kPostings, PostingKey(term, docnum));
    }
    (*df_deltas)[term] += sign;
  }
  if (sign > 0) {
    batch->Put(cf::kNorms, DocKey(docnum), EncodeNorms(norms));
    norm_updates->emplace_back(docnum, norms);
    ++document_count_;
    title_tokens_ += norms.title_length;
    body_tokens_ += norms.body_length;
  } else {
    batch->Delete(cf::kNorms, DocKey(docnum));
    norm_updates->emplace_back(docnum, std::nullopt);
    --document_count_;
    title_tokens_ -= std::min<uint64_t>(title_tokens_, norms.title_length);
    body_tokens_ -= std::min<uint64_t>(body_tokens_, norms.body_length);
  }
}

absl::Status SearchIndex::ApplyDocumentFrequencies(
    const absl::flat_hash_map<std::string, int64_t>& df_deltas, storage::WriteBatch* batch) {
  for (const auto& [term, delta] : df_deltas) {
    if (delta == 0) continue;
    NG_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(cf::kTerms, term));
    int64_t df = value.has_value() && value->size() == 8
                     ? static_cast<int64_t>(storage::DecodeBigEndian64(value->data()))
                     : 0;
    df += delta;
    if (df <= 0) {
      batch->Delete(cf::kTerms, term);
    } else {
      batch->Put(cf::kTerms, term, EncodeU64(static_cast<uint64_t>(df)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<newsgraph::v1::IndexDocumentResponse> SearchIndex::IndexDocument(
    const IndexDocumentRequest& request) {
  const newsgraph::v1::Document& doc = request.document();
  if (doc.name().empty()) return absl::InvalidArgumentError("document.name is required");
  if (doc.version() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("document.version must be positive (got ", doc.version(), ")"));
  }
  IndexDocumentRequest stored = request;
  stored.clear_mentions();
  stored.mutable_document()->clear_removed_boilerplate();

  newsgraph::MutexLock lock(&mu_);
  newsgraph::v1::IndexDocumentResponse response;
  NG_ASSIGN_OR_RETURN(std::optional<std::string> existing, store_->Get(cf::kNames, doc.name()));
  storage::WriteBatch batch;
  absl::flat_hash_map<std::string, int64_t> df_deltas;
  std::vector<std::pair<uint64_t, std::optional<DocNorms>>> norm_updates;
  uint64_t docnum = 0;
  const uint64_t saved_counters[] = {next_doc_, document_count_, title_tokens_, body_tokens_};
  if (existing.has_value()) {
    if (existing->size() != 16) return absl::DataLossError("search name entry corrupted");
    docnum = storage::DecodeBigEndian64(existing->data());
    const int64_t version = static_cast<int64_t>(storage::DecodeBigEndian64(existing->data() + 8));
    if (version >= doc.version()) {
      response.set_applied(false);
      response.set_indexed_version(version);
      return response;
    }
    NG_ASSIGN_OR_RETURN(IndexDocumentRequest old, StoredDocument(docnum));
    ApplyDocument(old, docnum, -1, &batch, &df_deltas, &norm_updates);
  } else {
    docnum = next_doc_++;
  }
  ApplyDocument(stored, docnum, +1, &batch, &df_deltas, &norm_updates);
  absl::Status status = ApplyDocumentFrequencies(df_deltas, &batch);
  if (status.ok()) {
    batch.Put(cf::kDocs, DocKey(docnum), stored.SerializeAsString());
    std::string name_value = EncodeU64(docnum);
    storage::AppendBigEndian64(&name_value, static_cast<uint64_t>(doc.version()));
    batch.Put(cf::kNames, doc.name(), name_value);
    PutCounters(&batch);
    status = store_->Write(batch, storage::Durability::kSynced);
  }
  if (!status.ok()) {
    next_doc_ = saved_counters[0];
    document_count_ = saved_counters[1];
    title_tokens_ = saved_counters[2];
    body_tokens_ = saved_counters[3];
    return status;
  }
  ApplyNormUpdates(norm_updates);
  response.set_applied(true);
  response.set_indexed_version(doc.version());
  return response;
}

absl::StatusOr<bool> SearchIndex::RemoveDocument(const std::string& name) {
  if (name.empty()) return absl::InvalidArgumentError("document is required");
  newsgraph::MutexLock lock(&mu_);
  NG_ASSIGN_OR_RETURN(std::optional<std::string> existing, store_->Get(cf::kNames, name));
  if (!existing.has_value()) return false;
  if (existing->size() != 16) return absl::DataLossError("search name entry corrupted");
  const uint64_t docnum = storage::DecodeBigEndian64(existing->data());
  NG_ASSIGN_OR_RETURN(IndexDocumentRequest old, StoredDocument(docnum));
  const uint64_t saved_counters[] = {document_count_, title_tokens_, body_tokens_};
  storage::WriteBatch batch;
  absl::flat_hash_map<std::string, int64_t> df_deltas;
  std::vector<std::pair<uint64_t, std::optional<DocNorms>>> norm_updates;
  ApplyDocument(old, docnum, -1, &batch, &df_deltas, &norm_updates);
  absl::Status status = ApplyDocumentFrequencies(df_deltas, &batch);
  if (status.ok()) {
    batch.Delete(cf::kDocs, DocKey(docnum));
    batch.Delete(cf::kNames, name);
    PutCounters(&batch);
    status = store_->Write(batch, storage::Durability::kSynced);
  }
  if (!status.ok()) {
    document_count_ = saved_counters[0];
    title_tokens_ = saved_counters[1];
    body_tokens_ = saved_counters[2];
    return status;
  }
  ApplyNormUpdates(norm_updates);
  return true;
}

absl::StatusOr<std::vector<Posting>> SearchIndex::ReadPostings(const std::string& term,
                                                               bool with_positions) const {
  std::vector<Posting> postings;
  const std::string prefix = KeyBuilder().AddString(term).key();
  storage::ReadOptions options;
  options.upper_bound = storage::PrefixSuccessor(prefix);
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kPostings, options);
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    const absl::string_view key = it->key();
    if (key.size() != prefix.size() + 8) continue;
    Posting p;
    p.doc = storage::DecodeBigEndian64(key.data() + prefix.size());
    if (!DecodePosting(it->value(), with_positions, &p)) {
      return absl::DataLossError("posting is corrupted");
    }
    postings.push_back(std::move(p));
  }
  NG_RETURN_IF_ERROR(it->status());
  return postings;
}

absl::StatusOr<std::vector<std::string>> SearchIndex::ExpandPrefix(const std::string& prefix,
                                                                   size_t max_terms) const {
  std::vector<std::string> terms;
  storage::ReadOptions options;
  options.upper_bound = storage::PrefixSuccessor(prefix);
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kTerms, options);
  for (it->Seek(prefix); it->Valid() && terms.size() < max_terms; it->Next()) {
    terms.emplace_back(it->key());
  }
  NG_RETURN_IF_ERROR(it->status());
  return terms;
}

absl::StatusOr<uint64_t> SearchIndex::DocumentFrequency(const std::string& term) const {
  NG_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(cf::kTerms, term));
  if (!value.has_value()) return 0;
  if (value->size() != 8) return absl::DataLossError("document frequency corrupted");
  return storage::DecodeBigEndian64(value->data());
}

absl::StatusOr<DocNorms> SearchIndex::Norms(uint64_t doc) const {
  newsgraph::ReaderMutexLock lock(&norms_mu_);
  auto it = norms_.find(doc);
  if (it == norms_.end()) return absl::NotFoundError(absl::StrCat("no norms for document ", doc));
  return it->second;
}

void SearchIndex::ApplyNormUpdates(
    const std::vector<std::pair<uint64_t, std::optional<DocNorms>>>& updates) {
  newsgraph::WriterMutexLock lock(&norms_mu_);
  for (const auto& [doc, norms] : updates) {
    if (norms.has_value()) {
      norms_[doc] = *norms;
    } else {
      norms_.erase(doc);
    }
  }
}

absl::StatusOr<IndexDocumentRequest> SearchIndex::StoredDocument(uint64_t doc) const {
  NG_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(cf::kDocs, DocKey(doc)));
  if (!value.has_value()) return absl::NotFoundError(absl::StrCat("no stored document ", doc));
  IndexDocumentRequest stored;
  if (!stored.ParseFromString(*value)) return absl::DataLossError("stored document corrupted");
  return stored;
}

CorpusStats SearchIndex::Stats() const {
  newsgraph::MutexLock lock(&mu_);
  CorpusStats stats;
  stats.document_count = document_count_;
  if (document_count_ > 0) {
    stats.average_title_length = static_cast<double>(title_tokens_) / document_count_;
    stats.average_body_length = static_cast<double>(body_tokens_) / document_count_;
  }
  return stats;
}

absl::StatusOr<newsgraph::v1::IndexStats> SearchIndex::GetIndexStats() const {
  newsgraph::v1::IndexStats stats;
  {
    newsgraph::MutexLock lock(&mu_);
    stats.set_document_count(static_cast<int64_t>(document_count_));
    stats.set_token_count(static_cast<int64_t>(title_tokens_ + body_tokens_));
  }
  int64_t terms = 0;
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kTerms);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().empty() || it->key()[0] != '\x01') ++terms;
  }
  NG_RETURN_IF_ERROR(it->status());
  stats.set_term_count(terms);
  NG_ASSIGN_OR_RETURN(uint64_t bytes, store_->ApproximateDiskBytes());
  stats.set_disk_bytes(static_cast<int64_t>(bytes));
  return stats;
}

}  // namespace newsgraph::search
