// The RocksDB implementation of KvStore.
#ifndef NEWSGRAPH_STORAGE_ROCKSDB_KV_STORE_H_
#define NEWSGRAPH_STORAGE_ROCKSDB_KV_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/kv_store.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace newsgraph::storage {

struct RocksDbOptions {
  // Directory of the database; created with its parents when missing. Required.
  std::string path;
  // Column families to open or create, in the order ColumnFamily::index
  // refers to them. "default" is always opened and need not be listed.
  // Required: at least one.
  std::vector<std::string> column_families;
  // Size of the LRU block cache shared by all column families, in bytes.
  // Default 64 MiB.
  uint64_t block_cache_bytes = 64ull << 20;
  // Memtable size per column family before it is flushed, in bytes.
  // Default 32 MiB.
  uint64_t write_buffer_bytes = 32ull << 20;
  // Column families compressed with ZSTD at every level (default: LZ4, and
  // ZSTD only at the bottom level): for data that is written once and read
  // through a cache of its own, where size matters more than write speed.
  std::vector<std::string> zstd_column_families;
  // Background flush and compaction threads. Default 2.
  int background_jobs = 2;
  // Writes fail with UNAVAILABLE ("the disk is full") while the file system
  // holding `path` has less free space than this, checked at most every
  // 100 ms: RocksDB then never meets a full disk in the middle of a write
  // (Debian's RocksDB 7.8 aborts on the next write to a log whose append
  // failed), and writes resume by themselves once space is freed. 0 turns the
  // check off. Default 0.
  uint64_t min_free_disk_bytes = 0;
  // Environment to run on; nullptr uses the real file system. Borrowed; must
  // outlive the store. It must keep the files at their paths on the local
  // file system (the data directory is created and its free space checked
  // there), as the crash tests' sync-recording Env does
  // (storage/testing/sync_ledger.h).
  rocksdb::Env* env = nullptr;
  // How to replay the write-ahead log after an unclean shutdown.
  enum class WalRecovery {
    // Default. A torn last record (a write cut off by the crash, never
    // acknowledged) is dropped; damage anywhere else fails the open with
    // DATA_LOSS naming the store, so no acknowledged write is skipped silently.
    kTolerateTornTail,
    // Operator's choice after DATA_LOSS: replay up to the first damaged record
    // and drop everything after it, leaving a consistent prefix.
    kPointInTime,
  };
  WalRecovery wal_recovery = WalRecovery::kTolerateTornTail;
};

// Opens (creating when missing) the RocksDB database described by `options`.
// Errors: INVALID_ARGUMENT for bad options, FAILED_PRECONDITION when the
// directory is locked by another process, DATA_LOSS on corruption, INTERNAL
// for other RocksDB failures; each message names the path.
//
// Settings chosen for newsgraph: WAL always on; WAL recovery as chosen in
// `wal_recovery` (after a crash the store holds a prefix of the writes, every
// synced one included, never a hole); LZ4 compression, ZSTD for the bottommost level; 10-bit
// bloom filters; dynamic level sizing.
absl::StatusOr<std::unique_ptr<KvStore>> OpenRocksDbStore(const RocksDbOptions& options);

}  // namespace newsgraph::storage

#endif  // NEWSGRAPH_STORAGE_ROCKSDB_KV_STORE_H_
