// SearchIndex: the persistent inverted index in the search service's RocksDB.
//
// One posting per (term, document) with title and body frequencies and word
// positions (title positions first, body positions offset by kBodyOffset so
// phrases never span fields). Keyword fields (source, language, entities,
// entity types) are terms of their own. Document frequencies, field lengths
// and stored fields sit beside the postings, so queries never scan
// documents. See docs/search-index.md for the design and its limits.
//
// Thread-safety: all methods are safe to call concurrently; updates are
// serialized and each is one atomic, synced write.
#ifndef NEWSGRAPH_SERVICES_SEARCH_SEARCH_INDEX_H_
#define NEWSGRAPH_SERVICES_SEARCH_SEARCH_INDEX_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/mutex.h"
#include "newsgraph/v1/search_service.pb.h"
#include "storage/kv_store.h"

namespace newsgraph::search {

// Position of the first body word; title words come before it.
inline constexpr uint32_t kBodyOffset = 1u << 20;

std::string SourceTerm(absl::string_view source);
std::string LanguageTerm(absl::string_view language);
std::string EntityTerm(absl::string_view entity_name);
std::string EntityTypeTerm(absl::string_view type_name);
// Who answered / who asked in a document's Q&A passages; indexed for the
// full (folded) name and each of its word suffixes ("zhang ming", "ming").
std::string SpeakerTerm(absl::string_view folded_name);
std::string AskerTerm(absl::string_view folded_name);

struct Posting {
  uint64_t doc = 0;
  uint32_t title_tf = 0;
  uint32_t body_tf = 0;
  // Ascending; title positions < kBodyOffset <= body positions.
  std::vector<uint32_t> positions;
  // For entity terms: the entity's salience in the document, in [0, 1].
  float salience = 0;
};

struct DocNorms {
  uint32_t title_length = 0;
  uint32_t body_length = 0;
  // Publication time; InfinitePast when unknown.
  absl::Time published = absl::InfinitePast();
  // Story cluster: a fingerprint of the document this one duplicates (or
  // nearly duplicates), else of the document itself.
  uint64_t cluster = 0;
};

struct CorpusStats {
  uint64_t document_count = 0;
  double average_title_length = 0;
  double average_body_length = 0;
};

class SearchIndex {
 public:
  // `store` (opened with SearchColumnFamilies()) is borrowed.
  static absl::StatusOr<std::unique_ptr<SearchIndex>> Open(storage::KvStore* store);

  // See SearchService.IndexDocument. Errors: INVALID_ARGUMENT for a missing
  // name or version, storage errors.
  absl::StatusOr<newsgraph::v1::IndexDocumentResponse> IndexDocument(
      const newsgraph::v1::IndexDocumentRequest& request);

  // Returns whether the document was indexed. Idempotent.
  absl::StatusOr<bool> RemoveDocument(const std::string& name);

  // Postings of `term` in document order; positions are decoded only when
  // asked for (phrase matching).
  absl::StatusOr<std::vector<Posting>> ReadPostings(const std::string& term,
                                                    bool with_positions = true) const;
  // Dictionary terms starting with `prefix`, at most `max_terms`, in order.
  absl::StatusOr<std::vector<std::string>> ExpandPrefix(const std::string& prefix,
                                                        size_t max_terms) const;
  // Documents containing `term`.
  absl::StatusOr<uint64_t> DocumentFrequency(const std::string& term) const;
  absl::StatusOr<DocNorms> Norms(uint64_t doc) const;
  absl::StatusOr<newsgraph::v1::IndexDocumentRequest> StoredDocument(uint64_t doc) const;
  CorpusStats Stats() const;
  absl::StatusOr<newsgraph::v1::IndexStats> GetIndexStats() const;

 private:
  explicit SearchIndex(storage::KvStore* store) : store_(store) {}
  absl::Status Load();
  // Adds (sign +1) or removes (-1) the document's postings and counters.
  // Document-frequency changes are accumulated in `df_deltas` and applied
  // once per batch by ApplyDocumentFrequencies.
  // Norms written (or removed, nullopt) are recorded in `norm_updates` and
  // reach the in-memory cache once the batch is written.
  void ApplyDocument(const newsgraph::v1::IndexDocumentRequest& doc, uint64_t docnum, int sign,
                     storage::WriteBatch* batch,
                     absl::flat_hash_map<std::string, int64_t>* df_deltas,
                     std::vector<std::pair<uint64_t, std::optional<DocNorms>>>* norm_updates)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyNormUpdates(const std::vector<std::pair<uint64_t, std::optional<DocNorms>>>& updates);
  absl::Status ApplyDocumentFrequencies(const absl::flat_hash_map<std::string, int64_t>& df_deltas,
                                        storage::WriteBatch* batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PutCounters(storage::WriteBatch* batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  storage::KvStore* const store_;
  mutable newsgraph::Mutex mu_;
  uint64_t next_doc_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t document_count_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t title_tokens_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t body_tokens_ ABSL_GUARDED_BY(mu_) = 0;

  // Every document's norms, in memory: ranking reads them for each
  // candidate (24 bytes per document; loaded at Open).
  mutable newsgraph::SharedMutex norms_mu_;
  absl::flat_hash_map<uint64_t, DocNorms> norms_ ABSL_GUARDED_BY(norms_mu_);
};

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_SEARCH_INDEX_H_
