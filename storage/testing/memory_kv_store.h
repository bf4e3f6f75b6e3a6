// MemoryKvStore: a KvStore held in memory, for unit tests of the service
// cores that need a store but not its durability. It keeps KvStore's
// contract (atomic batches, ordered iteration with an upper bound,
// point-in-time snapshots and iterators) so a test written against it holds
// on RocksDB too; kv_store_contract_test runs the same cases on both.
//
// Each Write copies the state it changes (copy on write), so iterators and
// snapshots keep the state they were made on. Meant for test-sized data.
// Thread-safe.
#ifndef NEWSGRAPH_STORAGE_TESTING_MEMORY_KV_STORE_H_
#define NEWSGRAPH_STORAGE_TESTING_MEMORY_KV_STORE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "base/mutex.h"
#include "storage/kv_store.h"

namespace newsgraph::storage::testing {

class MemoryKvStore final : public KvStore {
 public:
  // A store with these column families (handles are their positions).
  explicit MemoryKvStore(std::vector<std::string> column_families);

  absl::StatusOr<ColumnFamily> FindColumnFamily(absl::string_view name) const override;
  absl::StatusOr<std::optional<std::string>> Get(ColumnFamily cf, absl::string_view key,
                                                 const ReadOptions& options = {}) override;
  // INVALID_ARGUMENT for a column family this store does not have; nothing
  // of the batch is applied then.
  absl::Status Write(const WriteBatch& batch, Durability durability) override;
  std::unique_ptr<Iterator> NewIterator(ColumnFamily cf, const ReadOptions& options = {}) override;
  std::unique_ptr<Snapshot> GetSnapshot() override;
  // Nothing to make durable: the store lives in memory.
  absl::Status Sync() override { return absl::OkStatus(); }
  absl::Status Flush() override { return absl::OkStatus(); }
  absl::Status Compact() override { return absl::OkStatus(); }
  absl::Status Compact(ColumnFamily) override { return absl::OkStatus(); }
  // Bytes of keys and values held.
  absl::StatusOr<uint64_t> ApproximateDiskBytes() override;
  absl::StatusOr<uint64_t> ColumnFamilyDiskBytes(ColumnFamily cf) override;
  const std::string& path() const override { return path_; }

 private:
  using Table = std::map<std::string, std::string, std::less<>>;
  // One table per column family; never changed once published.
  using State = std::vector<std::shared_ptr<const Table>>;
  class MemorySnapshot;
  class MemoryIterator;

  // The state a read sees: the snapshot's, else the latest.
  std::shared_ptr<const State> StateFor(const ReadOptions& options) const;
  bool Known(ColumnFamily cf) const;

  const std::vector<std::string> names_;
  const std::string path_ = "memory";
  mutable newsgraph::Mutex mu_;
  std::shared_ptr<const State> state_ ABSL_GUARDED_BY(mu_);
};

}  // namespace newsgraph::storage::testing

#endif  // NEWSGRAPH_STORAGE_TESTING_MEMORY_KV_STORE_H_
