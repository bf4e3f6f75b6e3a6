#include "storage/testing/memory_kv_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace newsgraph::storage::testing {

class MemoryKvStore::MemorySnapshot final : public Snapshot {
 public:
  explicit MemorySnapshot(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  const std::shared_ptr<const State>& state() const { return state_; }

 private:
  const std::shared_ptr<const State> state_;
};

// Walks one table of a fixed state; keys at or above the bound are not seen.
class MemoryKvStore::MemoryIterator final : public Iterator {
 public:
  MemoryIterator(std::shared_ptr<const State> state, std::shared_ptr<const Table> table,
                 std::string upper_bound)
      : state_(std::move(state)),
        table_(std::move(table)),
        upper_bound_(std::move(upper_bound)),
        it_(table_->end()) {}

  void Seek(absl::string_view key) override { it_ = table_->lower_bound(key); }
  void SeekToFirst() override { it_ = table_->begin(); }
  void SeekToLast() override {
    it_ = upper_bound_.empty() ? table_->end() : table_->lower_bound(upper_bound_);
    StepBack();
  }
  void SeekForPrev(absl::string_view key) override {
    it_ = table_->upper_bound(key);
    StepBack();
  }
  bool Valid() const override {
    return it_ != table_->end() && (upper_bound_.empty() || it_->first < upper_bound_);
  }
  void Next() override { ++it_; }
  void Prev() override { StepBack(); }
  absl::string_view key() const override { return it_->first; }
  absl::string_view value() const override { return it_->second; }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  // Moves to the entry before the current one; end() when there is none.
  void StepBack() { it_ = it_ == table_->begin() ? table_->end() : std::prev(it_); }

  const std::shared_ptr<const State> state_;  // keeps the table alive
  const std::shared_ptr<const Table> table_;
  const std::string upper_bound_;
  Table::const_iterator it_;
};

MemoryKvStore::MemoryKvStore(std::vector<std::string> column_families)
    : names_(std::move(column_families)) {
  auto state = std::make_shared<State>();
  for (size_t i = 0; i < names_.size(); ++i) state->push_back(std::make_shared<const Table>());
  state_ = std::move(state);
}

absl::StatusOr<ColumnFamily> MemoryKvStore::FindColumnFamily(absl::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return ColumnFamily{static_cast<int>(i)};
  }
  return absl::NotFoundError(absl::StrCat("no column family '", name, "'"));
}

bool MemoryKvStore::Known(ColumnFamily cf) const {
  return cf.index >= 0 && static_cast<size_t>(cf.index) < names_.size();
}

std::shared_ptr<const MemoryKvStore::State> MemoryKvStore::StateFor(
    const ReadOptions& options) const {
  if (options.snapshot != nullptr) {
    return static_cast<const MemorySnapshot*>(options.snapshot)->state();
  }
  newsgraph::MutexLock lock(&mu_);
  return state_;
}

absl::StatusOr<std::optional<std::string>> MemoryKvStore::Get(ColumnFamily cf,
                                                              absl::string_view key,
                                                              const ReadOptions& options) {
  if (!Known(cf)) return absl::InvalidArgumentError(absl::StrCat("no column family ", cf.index));
  const std::shared_ptr<const State> state = StateFor(options);
  const Table& table = *(*state)[static_cast<size_t>(cf.index)];
  auto it = table.find(key);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

absl::Status MemoryKvStore::Write(const WriteBatch& batch, Durability) {
  for (const WriteBatch::Op& op : batch.ops()) {
    if (!Known(op.cf)) return absl::InvalidArgumentError(absl::StrCat("no column family ", op.cf.index));
  }
  newsgraph::MutexLock lock(&mu_);
  auto next = std::make_shared<State>(*state_);
  std::vector<std::shared_ptr<Table>> copies(names_.size());
  auto writable = [&](ColumnFamily cf) -> Table& {
    std::shared_ptr<Table>& copy = copies[static_cast<size_t>(cf.index)];
    if (copy == nullptr) {
      copy = std::make_shared<Table>(*(*next)[static_cast<size_t>(cf.index)]);
      (*next)[static_cast<size_t>(cf.index)] = copy;
    }
    return *copy;
  };
  for (const WriteBatch::Op& op : batch.ops()) {
    Table& table = writable(op.cf);
    switch (op.type) {
      case WriteBatch::OpType::kPut:
        table[op.key] = op.value;
        break;
      case WriteBatch::OpType::kDelete:
        table.erase(op.key);
        break;
      case WriteBatch::OpType::kDeleteRange:
        if (op.key < op.value) table.erase(table.lower_bound(op.key), table.lower_bound(op.value));
        break;
    }
  }
  state_ = std::move(next);
  return absl::OkStatus();
}

std::unique_ptr<Iterator> MemoryKvStore::NewIterator(ColumnFamily cf, const ReadOptions& options) {
  std::shared_ptr<const State> state = StateFor(options);
  std::shared_ptr<const Table> table =
      Known(cf) ? (*state)[static_cast<size_t>(cf.index)] : std::make_shared<const Table>();
  return std::make_unique<MemoryIterator>(std::move(state), std::move(table), options.upper_bound);
}

std::unique_ptr<Snapshot> MemoryKvStore::GetSnapshot() {
  newsgraph::MutexLock lock(&mu_);
  return std::make_unique<MemorySnapshot>(state_);
}

absl::StatusOr<uint64_t> MemoryKvStore::ApproximateDiskBytes() {
  uint64_t bytes = 0;
  for (size_t i = 0; i < names_.size(); ++i) {
    NG_ASSIGN_OR_RETURN(uint64_t cf_bytes, ColumnFamilyDiskBytes(ColumnFamily{static_cast<int>(i)}));
    bytes += cf_bytes;
  }
  return bytes;
}

absl::StatusOr<uint64_t> MemoryKvStore::ColumnFamilyDiskBytes(ColumnFamily cf) {
  if (!Known(cf)) return absl::InvalidArgumentError(absl::StrCat("no column family ", cf.index));
  const std::shared_ptr<const State> state = StateFor({});
  uint64_t bytes = 0;
  for (const auto& [key, value] : *(*state)[static_cast<size_t>(cf.index)]) {
    bytes += key.size() + value.size();
  }
  return bytes;
}

}  // namespace newsgraph::storage::testing
