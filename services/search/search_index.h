// SearchIndex: the persistent inverted index in the search service's RocksDB.
//
// Segmented, like Lucene: new documents go to an in-memory segment (searchable
// at once) after one synced write of their stored fields and norms; every
// `flush_documents` documents the in-memory segment is written as an
// immutable segment of block-compressed posting lists (posting_codec.h), and
// adjacent segments of similar size are merged, dropping deleted documents.
// A replaced or removed document is dead from the moment the call returns
// (its norms are gone) and its postings are skipped until a merge drops
// them. At start-up only the documents not yet in a segment (at most one
// in-memory segment's worth) are analyzed again. docs/search-index.md has
// the layout.
//
// Thread-safety: all methods are safe to call concurrently. Updates are
// serialized; queries run in parallel through Readers.
#ifndef NEWSGRAPH_SERVICES_SEARCH_SEARCH_INDEX_H_
#define NEWSGRAPH_SERVICES_SEARCH_SEARCH_INDEX_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "base/clock.h"
#include "base/parallel_for.h"
#include "base/mutex.h"
#include "base/page_token.h"
#include "newsgraph/v1/search_service.pb.h"
#include "services/search/document_terms.h"
#include "services/search/posting_cache.h"
#include "services/search/posting_codec.h"
#include "storage/kv_store.h"

namespace newsgraph::search {

struct CorpusStats {
  uint64_t document_count = 0;
  // Documents whose postings the index holds: the live ones and those
  // deleted or replaced but not yet merged away, which document
  // frequencies count too (SearchIndexReader fills it). IDF must compare a
  // term's frequency with this, or a mass replacement (a reindex) drives
  // every IDF to zero until the segments merge.
  uint64_t indexed_documents = 0;
  double average_title_length = 0;
  double average_body_length = 0;
};

struct SearchIndexOptions {
  // Documents in the in-memory segment before it is written out. Bounds the
  // work redone at start-up. Default 4096.
  size_t flush_documents = 4096;
  // Merges never build segments with more documents than this. Default 262144.
  size_t max_merge_documents = 262144;
  // More segments than this are merged, smallest adjacent pair first.
  // Default 6; bulk loads that end in ForceMerge can allow more.
  size_t max_segments = 6;
  // Bytes of posting lists kept in memory for queries. Default 256 MiB.
  size_t cache_bytes = size_t{256} << 20;
  // Bytes of hit fields (title, source, ...) kept in memory. Default 32 MiB.
  size_t hit_cache_bytes = size_t{32} << 20;
  // Write the in-memory segment out when the index is destroyed. Default
  // true; tests turn it off to simulate a crash.
  bool flush_on_close = true;
  // After this long without updates, a background thread writes the
  // in-memory segment out and, when the index holds at most
  // max_merge_documents documents, merges all segments into one (queries
  // then read one posting list per term). Zero turns it off. Default zero;
  // the daemons set it (--idle_merge_seconds).
  absl::Duration idle_merge_after = absl::ZeroDuration();
  // How often that thread looks; zero: a quarter of idle_merge_after,
  // between 10 ms and 1 s.
  absl::Duration idle_check_every = absl::ZeroDuration();
  // The time idle_merge_after is measured on (tests move a FakeClock).
  // Borrowed; default the system's.
  const Clock* clock = &Clock::Real();
  // Threads that analyze the documents of one IndexDocuments call; 0: one
  // per core. The index does not depend on it.
  size_t analysis_threads = 0;
  // Most documents one IndexDocuments call may carry (INVALID_ARGUMENT
  // beyond). Default 1,000.
  size_t max_batch_documents = 1000;
};

// The postings of one term across all segments, in document order, live
// documents only.
class TermPostings {
 public:
  uint64_t doc() const { return doc_; }
  // Documents holding the term, counting deleted ones not yet merged away.
  uint64_t document_frequency() const { return document_frequency_; }
  void Next();
  void Advance(uint64_t target);
  uint32_t title_tf() { return parts_[part_].title_tf(); }
  uint32_t body_tf() { return parts_[part_].body_tf(); }
  float salience() { return parts_[part_].salience(); }
  // Positions of the current posting (only when opened with positions).
  bool Positions(std::vector<uint32_t>* out) { return parts_[part_].Positions(out); }
  bool corrupt() const;

 private:
  friend class SearchIndexReader;
  void Settle();

  std::vector<std::shared_ptr<const std::string>> blobs_;
  std::vector<PostingCursor> parts_;
  size_t part_ = 0;
  uint64_t doc_ = kNoMoreDocs;
  uint64_t document_frequency_ = 0;
  // live_[doc] is true for indexed, not deleted documents.
  const std::vector<bool>* live_ = nullptr;
};

class SearchIndex;

// A consistent view of the index for one query: holds a shared lock, so
// keep it short-lived.
class SearchIndexReader {
 public:
  explicit SearchIndexReader(const SearchIndex* index);
  SearchIndexReader(const SearchIndexReader&) = delete;
  SearchIndexReader& operator=(const SearchIndexReader&) = delete;

  // Postings of `term`; positions are loaded only when asked for.
  absl::StatusOr<TermPostings> Postings(const std::string& term, bool with_positions) const;
  // Documents holding the term (deleted ones count until merged away).
  absl::StatusOr<uint64_t> DocumentFrequency(const std::string& term) const;
  // Dictionary terms starting with `prefix`, at most `max_terms`, in order.
  absl::StatusOr<std::vector<std::string>> ExpandPrefix(const std::string& prefix,
                                                        size_t max_terms) const;
  bool Live(uint64_t doc) const;
  // Norms of a live document.
  const DocNorms& Norms(uint64_t doc) const;
  // What ranking and collapsing read for every match, in one dense array (a
  // single cache line per document): title and body length and story
  // cluster of a live document.
  struct RankingNorms {
    uint32_t title = 0;
    uint32_t body = 0;
    uint64_t cluster = 0;
  };
  const RankingNorms& Ranking(uint64_t doc) const;
  // Document numbers are below this.
  uint64_t DocumentLimit() const;
  // Live documents of the story cluster.
  uint32_t ClusterSize(uint64_t cluster) const;
  const CorpusStats& stats() const { return stats_; }
  absl::StatusOr<newsgraph::v1::IndexDocumentRequest> StoredDocument(uint64_t doc) const;
  // The fields a hit shows (name, version, title, source, published_time),
  // read without the text.
  absl::StatusOr<std::shared_ptr<const newsgraph::v1::Document>> HitFields(uint64_t doc) const;

 private:
  const SearchIndex* const index_;
  newsgraph::ReaderMutexLock lock_;
  // The corpus statistics, read under the reader's lock.
  static CorpusStats StatsOf(const SearchIndex& index) ABSL_NO_THREAD_SAFETY_ANALYSIS;
  const CorpusStats stats_;
};

class SearchIndex {
 public:
  // `store` (opened with SearchColumnFamilies()) is borrowed. Re-analyzes
  // the documents not yet written to a segment. Errors: FAILED_PRECONDITION
  // for an index written in another format (it must be rebuilt).
  static absl::StatusOr<std::unique_ptr<SearchIndex>> Open(storage::KvStore* store,
                                                           SearchIndexOptions options = {});
  // Writes the in-memory segment out (best effort) so the next start is fast.
  ~SearchIndex();

  // See SearchService.IndexDocument. Errors: INVALID_ARGUMENT for a missing
  // name or version, storage errors.
  absl::StatusOr<newsgraph::v1::IndexDocumentResponse> IndexDocument(
      const newsgraph::v1::IndexDocumentRequest& request);
  // Several documents with one synced write; same result as indexing them
  // one after the other. On error nothing is applied.
  absl::StatusOr<std::vector<newsgraph::v1::IndexDocumentResponse>> IndexDocuments(
      absl::Span<const newsgraph::v1::IndexDocumentRequest> requests);
  // The same over borrowed requests (the elements of a repeated field).
  absl::StatusOr<std::vector<newsgraph::v1::IndexDocumentResponse>> IndexDocuments(
      absl::Span<const newsgraph::v1::IndexDocumentRequest* const> requests);

  // Returns whether the document was indexed. Idempotent.
  absl::StatusOr<bool> RemoveDocument(const std::string& name);

  // Writes the in-memory segment as a segment now.
  absl::Status Flush();
  // Flushes and merges every segment into one (after a bulk load; queries
  // then read one posting list per term). Blocks updates while it runs.
  absl::Status ForceMerge();

  // Conveniences over a short-lived reader (tests and tools).
  absl::StatusOr<std::vector<Posting>> ReadPostings(const std::string& term,
                                                    bool with_positions = true) const;
  absl::StatusOr<newsgraph::v1::IndexDocumentRequest> StoredDocument(uint64_t doc) const;
  CorpusStats Stats() const;
  absl::StatusOr<newsgraph::v1::IndexStats> GetIndexStats() const;

  // Signs Search page tokens with this store's key.
  const PageTokens& page_tokens() const { return *page_tokens_; }
  // Segments on disk (not counting the in-memory one).
  size_t SegmentCount() const;
  // Changes since the index was opened: grows with every IndexDocument(s)
  // and RemoveDocument call, before the change is applied.
  uint64_t UpdateCount() const { return updates_.load(); }
  // Documents analyzed again when the index was opened (those not yet in a
  // segment).
  uint64_t RecoveredAtOpen() const { return recovered_at_open_; }

 private:
  friend class SearchIndexReader;

  struct Segment {
    uint64_t id = 0;
    uint64_t first_doc = 0;
    uint64_t last_doc = 0;
    uint64_t documents = 0;
  };
  // Postings of one term in the in-memory segment.
  struct MemoryPostings {
    std::vector<MemoryPosting> postings;
    std::vector<uint32_t> positions;
  };
  // A document ready to be applied: its postings and norms.
  struct Analyzed {
    uint64_t doc = 0;
    DocNorms norms;
    DocumentTerms terms;
    // IndexDocuments: the stored request and the hit fields, serialized.
    std::string stored;
    std::string hit_fields;
  };

  std::unique_ptr<const PageTokens> page_tokens_;
  SearchIndex(storage::KvStore* store, SearchIndexOptions options)
      : store_(store),
        options_(options),
        cache_(options.cache_bytes),
        hit_cache_(options.hit_cache_bytes),
        analysis_threads_(options.analysis_threads) {}
  absl::Status Load();
  // Background thread of idle_merge_after: flushes and merges once updates
  // have paused that long.
  void IdleMaintenance();
  absl::Status LoadCounters(uint64_t* format) ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  absl::Status LoadSegments() ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  absl::Status RecoverUnflushed() ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  absl::Status CheckFormat(uint64_t format) ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  // Counts an update (activity, for idle maintenance) at the clock's now.
  void NoteUpdate();
  // Adds a document's postings to the in-memory segment.
  void AddToMemory(const Analyzed& analyzed) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // Makes a document live with its norms / dead, keeping the counters.
  void SetLive(uint64_t doc, const DocNorms& norms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  void MarkDead(uint64_t doc) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  size_t MemoryDocuments() const;
  absl::Status FlushLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  absl::Status MaybeMerge() ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  absl::Status MergeSegments(size_t first, size_t last) ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  // The document number and version indexed under a name.
  struct IndexedVersion {
    uint64_t doc = 0;
    int64_t version = 0;
  };
  // `name`'s entry, from `in_batch` (this batch's) or the store.
  absl::StatusOr<std::optional<IndexedVersion>> FindIndexed(
      const std::string& name,
      const absl::flat_hash_map<std::string, IndexedVersion>& in_batch) const;
  // Puts the document's stored request, hit fields, norms and name entry,
  // deleting those of the document number it replaces (0: none).
  void PutDocument(const newsgraph::v1::IndexDocumentRequest& request, const Analyzed& analyzed,
                   uint64_t replaced, storage::WriteBatch* batch) const;
  struct CorpusCounters {
    uint64_t documents = 0;
    uint64_t title_tokens = 0;
    uint64_t body_tokens = 0;
  };
  // The counters once the `applied` documents (analyzed index, replaced
  // document number or 0) are in, computed on a copy of the state.
  CorpusCounters CountersAfter(const std::vector<std::pair<size_t, uint64_t>>& applied,
                               const std::vector<Analyzed>& analyzed) const;
  void PutCounters(storage::WriteBatch* batch, uint64_t documents, uint64_t title_tokens,
                   uint64_t body_tokens) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  // Adds terms to the dictionary; removes `emptied` ones unless a segment
  // other than `dropped_segments` still holds them.
  absl::Status UpdateDictionary(const std::vector<std::string>& added,
                                const std::vector<std::string>& emptied,
                                const std::vector<uint64_t>& dropped_segments,
                                storage::WriteBatch* batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  // Posting-list value of a segment, through the cache; null when absent.
  absl::StatusOr<std::shared_ptr<const std::string>> SegmentValue(uint64_t segment, char kind,
                                                                  const std::string& term) const;

  storage::KvStore* const store_;
  const SearchIndexOptions options_;
  mutable PostingCache cache_;
  // Parsed hit fields by document key (document numbers are never reused,
  // so entries never go stale).
  mutable LruCache<newsgraph::v1::Document> hit_cache_;
  // The threads that analyze the documents of one IndexDocuments call.
  const LoopThreads analysis_threads_;

  // Idle maintenance: updates so far, and the thread with its stop signal.
  std::atomic<uint64_t> updates_{0};
  // When the last update came, on options_.clock (Unix nanoseconds).
  std::atomic<int64_t> last_update_nanos_{0};
  std::mutex maintenance_mu_;
  std::condition_variable maintenance_cv_;
  bool stopping_ = false;  // guarded by maintenance_mu_
  std::thread maintenance_;

  // Serializes updates, flushes and merges.
  mutable newsgraph::Mutex writer_mu_;
  uint64_t next_doc_ ABSL_GUARDED_BY(writer_mu_) = 1;
  uint64_t next_segment_ ABSL_GUARDED_BY(writer_mu_) = 1;
  // Documents below this are in segments; the rest are in memory.
  uint64_t flushed_below_ ABSL_GUARDED_BY(writer_mu_) = 1;
  uint64_t recovered_at_open_ = 0;

  // What queries read; writers change it under an exclusive lock.
  mutable newsgraph::SharedMutex state_mu_;
  uint64_t document_count_ ABSL_GUARDED_BY(state_mu_) = 0;
  uint64_t title_tokens_ ABSL_GUARDED_BY(state_mu_) = 0;
  uint64_t body_tokens_ ABSL_GUARDED_BY(state_mu_) = 0;
  std::vector<Segment> segments_ ABSL_GUARDED_BY(state_mu_);
  absl::flat_hash_map<std::string, MemoryPostings> memory_ ABSL_GUARDED_BY(state_mu_);
  size_t memory_documents_ ABSL_GUARDED_BY(state_mu_) = 0;
  // Indexed by document number.
  std::vector<DocNorms> norms_ ABSL_GUARDED_BY(state_mu_);
  // Lengths and cluster again, 16 bytes per document, for cache-friendly
  // ranking.
  std::vector<SearchIndexReader::RankingNorms> ranking_ ABSL_GUARDED_BY(state_mu_);
  std::vector<bool> live_ ABSL_GUARDED_BY(state_mu_);
  // Live documents per story cluster, for clusters of two or more.
  absl::flat_hash_map<uint64_t, uint32_t> cluster_sizes_ ABSL_GUARDED_BY(state_mu_);
};

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_SEARCH_INDEX_H_
