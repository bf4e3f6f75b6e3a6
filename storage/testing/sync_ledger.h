// Simulated power loss for crash tests.
//
// A file system that records, in an append-only ledger file, how many bytes
// of every file RocksDB has made durable (Sync/Fsync), plus creations,
// renames and deletions. The ledger itself only has to survive the death of
// the process (plain write(2)), not of the machine. After the process is
// SIGKILLed, ApplySimulatedPowerLoss cuts every file the process wrote back
// to its last synced length, discarding exactly the bytes a power cut would
// have discarded from the page cache.
//
// Modelled: loss of unsynced file contents (the WAL tail, unfinished tables).
// Not modelled: loss of directory entries that were never fsynced; renames
// and deletions are treated as durable once made.
#ifndef NEWSGRAPH_STORAGE_TESTING_SYNC_LEDGER_H_
#define NEWSGRAPH_STORAGE_TESTING_SYNC_LEDGER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace newsgraph::storage {

// An Env over the default file system that appends to `ledger_path`
// (created when missing; several stores and processes may share it).
absl::StatusOr<std::unique_ptr<rocksdb::Env>> NewSyncLedgerEnv(const std::string& ledger_path);

struct PowerLossReport {
  int files_truncated = 0;
  int files_emptied = 0;
  uint64_t bytes_dropped = 0;
};

// Replays the ledger and truncates every file it names to the length last
// synced (0 for files created but never synced), then clears the ledger so a
// restarted process starts a fresh one. Call only while no process writes
// the files. Errors: NOT_FOUND without a ledger, DATA_LOSS for a malformed
// line (naming it), INTERNAL when a file cannot be truncated.
absl::StatusOr<PowerLossReport> ApplySimulatedPowerLoss(const std::string& ledger_path);

}  // namespace newsgraph::storage

#endif  // NEWSGRAPH_STORAGE_TESTING_SYNC_LEDGER_H_
