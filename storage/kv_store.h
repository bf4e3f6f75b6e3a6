// KvStore: the storage interface every service uses. No RocksDB types appear
// here; rocksdb_kv_store.h is the one implementation and the only place that
// includes RocksDB headers.
//
// A store holds named column families (keyspaces), fixed when it is opened.
// Callers refer to them by ColumnFamily handles obtained from the store.
//
// Thread-safety: all KvStore methods are safe to call concurrently.
// Iterators and snapshots must be destroyed before the store.
#ifndef NEWSGRAPH_STORAGE_KV_STORE_H_
#define NEWSGRAPH_STORAGE_KV_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace newsgraph::storage {

// Identifies a column family of one store: its index in the list of names
// the store was opened with.
struct ColumnFamily {
  int index = 0;
};

// A set of writes applied atomically by KvStore::Write.
class WriteBatch {
 public:
  enum class OpType { kPut, kDelete, kDeleteRange };
  struct Op {
    OpType type;
    ColumnFamily cf;
    std::string key;    // For kDeleteRange: the first key removed.
    std::string value;  // For kDeleteRange: the first key kept (exclusive end).
  };

  void Put(ColumnFamily cf, absl::string_view key, absl::string_view value) {
    ops_.push_back({OpType::kPut, cf, std::string(key), std::string(value)});
  }
  void Delete(ColumnFamily cf, absl::string_view key) {
    ops_.push_back({OpType::kDelete, cf, std::string(key), {}});
  }
  // Removes every key in [begin, end).
  void DeleteRange(ColumnFamily cf, absl::string_view begin, absl::string_view end) {
    ops_.push_back({OpType::kDeleteRange, cf, std::string(begin), std::string(end)});
  }

  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  void Clear() { ops_.clear(); }

 private:
  std::vector<Op> ops_;
};

// How durable a write must be before Write returns.
enum class Durability {
  // Written to the write-ahead log in the OS page cache: survives a process
  // crash (SIGKILL), not a power loss. Use for derived state that can be
  // recomputed.
  kProcessCrashSafe,
  // The write-ahead log is fsync'ed before Write returns: survives power
  // loss. Use before acknowledging client data.
  kSynced,
};

// A consistent point-in-time view of the whole store.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
};

// Iterates over one column family in key order.
class Iterator {
 public:
  virtual ~Iterator() = default;
  // Positions at the first key >= `key`.
  virtual void Seek(absl::string_view key) = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // Positions at the last key <= `key`.
  virtual void SeekForPrev(absl::string_view key) = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  // Valid() must be true. The views stay valid until the iterator moves.
  virtual absl::string_view key() const = 0;
  virtual absl::string_view value() const = 0;
  // Non-OK when iteration stopped because of an error (e.g. corruption).
  virtual absl::Status status() const = 0;
};

// Read options for Get and NewIterator.
struct ReadOptions {
  // Read as of this snapshot; nullptr reads the latest state. Borrowed.
  const Snapshot* snapshot = nullptr;
  // Only keys below this bound are visited by an iterator; empty = no bound.
  std::string upper_bound;
  // Whether blocks read should be kept in the block cache. Default true;
  // false for one-off scans.
  bool fill_cache = true;
};

// Figures of a store for monitoring. Counts marked "since open" restart at
// zero when the store is opened; a figure a store cannot give stays 0.
struct StoreStats {
  // Estimated size of the live data, in bytes.
  uint64_t live_data_bytes = 0;
  // Size of all table files, in bytes.
  uint64_t table_files_bytes = 0;
  // Memory of the write buffers (memtables), in bytes.
  uint64_t memtable_bytes = 0;
  // Bytes compaction estimates it has to rewrite to reach its target shape.
  uint64_t pending_compaction_bytes = 0;
  uint64_t running_compactions = 0;
  // Whether writes are stopped (write stall) right now.
  bool writes_stopped = false;
  uint64_t block_cache_usage_bytes = 0;
  uint64_t block_cache_capacity_bytes = 0;
  // Since open.
  uint64_t block_cache_hits = 0;
  uint64_t block_cache_misses = 0;
  double write_stall_seconds = 0;
  uint64_t compaction_read_bytes = 0;
  uint64_t compaction_written_bytes = 0;
  uint64_t flush_written_bytes = 0;
  uint64_t wal_syncs = 0;
};

class KvStore {
 public:
  virtual ~KvStore() = default;

  // Returns the handle of the column family named `name`, or NOT_FOUND.
  virtual absl::StatusOr<ColumnFamily> FindColumnFamily(absl::string_view name) const = 0;

  // Returns the value of `key`, std::nullopt when absent, or an error.
  virtual absl::StatusOr<std::optional<std::string>> Get(ColumnFamily cf, absl::string_view key,
                                                         const ReadOptions& options = {}) = 0;

  // Applies `batch` atomically with the given durability.
  virtual absl::Status Write(const WriteBatch& batch, Durability durability) = 0;

  // Makes every write that returned before this call as durable as a
  // kSynced one (the write-ahead log is fsync'ed). Several
  // kProcessCrashSafe writes and one Sync cost one fsync: group commit.
  virtual absl::Status Sync() = 0;

  // A new iterator over `cf`; unpositioned until a Seek*.
  virtual std::unique_ptr<Iterator> NewIterator(ColumnFamily cf,
                                                const ReadOptions& options = {}) = 0;

  // A snapshot of the current state.
  virtual std::unique_ptr<Snapshot> GetSnapshot() = 0;

  // Flushes memtables to SST files and syncs the WAL.
  virtual absl::Status Flush() = 0;

  // Rewrites all data into the most compact form (full compaction): for
  // bulk loads that are done. Slow; reads and writes continue meanwhile.
  virtual absl::Status Compact() = 0;
  // The same for one column family.
  virtual absl::Status Compact(ColumnFamily cf) = 0;

  // Approximate total size of the store's files on disk, in bytes.
  virtual absl::StatusOr<uint64_t> ApproximateDiskBytes() = 0;

  // Bytes of one column family's table files (not counting the shared log).
  virtual absl::StatusOr<uint64_t> ColumnFamilyDiskBytes(ColumnFamily cf) = 0;

  // Writes a consistent copy of the whole store to `directory`, which must
  // not exist (its parent must): a store opened there holds every write
  // that returned before the call. Table files are hard-linked where the
  // file system allows. Default: UNIMPLEMENTED.
  virtual absl::Status CreateCheckpoint(const std::string& directory) {
    return absl::UnimplementedError("this store cannot write checkpoints: " + directory);
  }

  // Monitoring figures (cheap: no scan). Default: all zero.
  virtual StoreStats Stats() { return {}; }

  // Path of the directory the store lives in.
  virtual const std::string& path() const = 0;
};

}  // namespace newsgraph::storage

#endif  // NEWSGRAPH_STORAGE_KV_STORE_H_
