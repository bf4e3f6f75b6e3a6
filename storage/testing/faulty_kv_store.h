// FaultyKvStore: a KvStore wrapper for tests that fails chosen operations,
// so the storage-error paths of the service cores can be exercised: every
// Get, Write and iterator is counted, and the n-th of a kind (or every one
// from it on) returns an injected error.
#ifndef NEWSGRAPH_STORAGE_TESTING_FAULTY_KV_STORE_H_
#define NEWSGRAPH_STORAGE_TESTING_FAULTY_KV_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "storage/kv_store.h"

namespace newsgraph::storage::testing {

class FaultyKvStore : public KvStore {
 public:
  // `base` is borrowed and must outlive the wrapper.
  explicit FaultyKvStore(KvStore* base) : base_(base) {}

  // The `n`-th Get from now on (1 = the next) fails with `error`; with
  // `sticky`, every later one fails too. n = 0 turns failures off.
  void FailGet(uint64_t n, absl::Status error = absl::UnavailableError("injected read error"),
               bool sticky = false) {
    gets_ = 0;
    fail_get_ = n;
    get_error_ = std::move(error);
    sticky_get_ = sticky;
  }
  // The same for Write.
  void FailWrite(uint64_t n, absl::Status error = absl::UnavailableError("injected write error")) {
    writes_ = 0;
    fail_write_ = n;
    write_error_ = std::move(error);
  }
  // Operations counted since the last FailGet / FailWrite.
  uint64_t gets() const { return gets_; }
  uint64_t writes() const { return writes_; }

  absl::StatusOr<ColumnFamily> FindColumnFamily(absl::string_view name) const override {
    return base_->FindColumnFamily(name);
  }
  absl::StatusOr<std::optional<std::string>> Get(ColumnFamily cf, absl::string_view key,
                                                 const ReadOptions& options = {}) override {
    ++gets_;
    if (fail_get_ != 0 && (gets_ == fail_get_ || (sticky_get_ && gets_ > fail_get_))) {
      return get_error_;
    }
    return base_->Get(cf, key, options);
  }
  absl::Status Write(const WriteBatch& batch, Durability durability) override {
    ++writes_;
    if (fail_write_ != 0 && writes_ == fail_write_) return write_error_;
    return base_->Write(batch, durability);
  }
  // Counts as a write (FailWrite can fail it).
  absl::Status Sync() override {
    ++writes_;
    if (fail_write_ != 0 && writes_ == fail_write_) return write_error_;
    return base_->Sync();
  }
  std::unique_ptr<Iterator> NewIterator(ColumnFamily cf, const ReadOptions& options = {}) override {
    return base_->NewIterator(cf, options);
  }
  std::unique_ptr<Snapshot> GetSnapshot() override { return base_->GetSnapshot(); }
  absl::Status Flush() override { return base_->Flush(); }
  absl::Status Compact() override { return base_->Compact(); }
  absl::Status Compact(ColumnFamily cf) override { return base_->Compact(cf); }
  absl::StatusOr<uint64_t> ApproximateDiskBytes() override { return base_->ApproximateDiskBytes(); }
  StoreStats Stats() override { return base_->Stats(); }
  absl::Status CreateCheckpoint(const std::string& directory) override {
    return base_->CreateCheckpoint(directory);
  }
  absl::StatusOr<uint64_t> ColumnFamilyDiskBytes(ColumnFamily cf) override {
    return base_->ColumnFamilyDiskBytes(cf);
  }
  const std::string& path() const override { return base_->path(); }

 private:
  KvStore* const base_;
  uint64_t gets_ = 0;
  uint64_t fail_get_ = 0;
  bool sticky_get_ = false;
  absl::Status get_error_;
  uint64_t writes_ = 0;
  uint64_t fail_write_ = 0;
  absl::Status write_error_;
};

}  // namespace newsgraph::storage::testing

#endif  // NEWSGRAPH_STORAGE_TESTING_FAULTY_KV_STORE_H_
