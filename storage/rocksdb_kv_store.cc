#include "storage/rocksdb_kv_store.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_file_manager.h"
#include "rocksdb/statistics.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/utilities/options_util.h"
#include "rocksdb/write_batch.h"

namespace newsgraph::storage {
namespace {

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(context, ": ", s.ToString());
  switch (s.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(message);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(message);
    case rocksdb::Status::kInvalidArgument:
    case rocksdb::Status::kNotSupported:
      return absl::InvalidArgumentError(message);
    case rocksdb::Status::kIOError:
      if (s.IsNoSpace() || s.ToString().find("No space left") != std::string::npos) {
        // The service cannot write until space is freed; it resumes by
        // itself then (RocksDbKvStore::Write), so callers retry.
        return absl::UnavailableError(
            absl::StrCat(context, ": the disk is full; free space on it (writes resume "
                                  "without a restart): ", s.ToString()));
      }
      if (s.ToString().find("lock") != std::string::npos) {
        return absl::FailedPreconditionError(message);
      }
      return absl::UnavailableError(message);
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kTimedOut:
      return absl::UnavailableError(message);
    case rocksdb::Status::kShutdownInProgress:
      return absl::CancelledError(message);
    default:
      return absl::InternalError(message);
  }
}

class RocksSnapshot final : public Snapshot {
 public:
  RocksSnapshot(rocksdb::DB* db, const rocksdb::Snapshot* snapshot)
      : db_(db), snapshot_(snapshot) {}
  ~RocksSnapshot() override { db_->ReleaseSnapshot(snapshot_); }
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

class RocksIterator final : public Iterator {
 public:
  // `upper_bound` must outlive the iterator: it is owned here.
  RocksIterator(std::unique_ptr<std::string> upper_bound, std::unique_ptr<rocksdb::Slice> slice,
                std::unique_ptr<rocksdb::Iterator> it)
      : upper_bound_(std::move(upper_bound)), slice_(std::move(slice)), it_(std::move(it)) {}

  void Seek(absl::string_view key) override { it_->Seek(rocksdb::Slice(key.data(), key.size())); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void SeekForPrev(absl::string_view key) override {
    it_->SeekForPrev(rocksdb::Slice(key.data(), key.size()));
  }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  absl::string_view key() const override {
    rocksdb::Slice k = it_->key();
    return {k.data(), k.size()};
  }
  absl::string_view value() const override {
    rocksdb::Slice v = it_->value();
    return {v.data(), v.size()};
  }
  absl::Status status() const override { return FromRocks(it_->status(), "iterator"); }

 private:
  std::unique_ptr<std::string> upper_bound_;
  std::unique_ptr<rocksdb::Slice> slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

class RocksDbKvStore final : public KvStore {
 public:
  RocksDbKvStore(std::string path, std::vector<std::string> names,
                 std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles)
      : path_(std::move(path)),
        names_(std::move(names)),
        db_(std::move(db)),
        handles_(handles) {}

  ~RocksDbKvStore() override {
    // Sync the WAL so a clean shutdown never depends on crash recovery.
    db_->FlushWAL(/*sync=*/true).PermitUncheckedError();
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
    handles_.clear();
    db_->Close().PermitUncheckedError();
  }

  void set_min_free_disk_bytes(uint64_t bytes) { min_free_disk_bytes_ = bytes; }
  void set_statistics(std::shared_ptr<rocksdb::Statistics> statistics) {
    statistics_ = std::move(statistics);
  }

  // UNAVAILABLE while the file system has less than min_free_disk_bytes
  // free (statvfs, cached for 100 ms).
  absl::Status CheckFreeSpace() {
    if (min_free_disk_bytes_ == 0) return absl::OkStatus();
    const absl::Time now = absl::Now();
    absl::MutexLock lock(&space_mu_);
    if (now - space_checked_ >= absl::Milliseconds(100)) {
      struct statvfs fs;
      if (statvfs(path_.c_str(), &fs) == 0) {
        free_bytes_ = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
      }
      space_checked_ = now;
    }
    if (free_bytes_ >= min_free_disk_bytes_) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat(
        "write to ", path_, ": the disk is full: ", free_bytes_ >> 20, " MiB free, below the ",
        min_free_disk_bytes_ >> 20,
        " MiB kept free; free space on it (writes resume without a restart)"));
  }

  // After a failed write: when RocksDB has stopped writes for a background
  // error (a full disk), asks it to resume, at most once a second; RocksDB
  // resumes only if the cause is gone (space was freed). True when it did.
  bool ResumeAfterError() {
    const absl::Time now = absl::Now();
    {
      absl::MutexLock lock(&resume_mu_);
      if (now - last_resume_ < absl::Seconds(1)) return false;
      last_resume_ = now;
    }
    return db_->Resume().ok();
  }

  absl::StatusOr<ColumnFamily> FindColumnFamily(absl::string_view name) const override {
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return ColumnFamily{static_cast<int>(i)};
    }
    return absl::NotFoundError(absl::StrCat("no column family '", name, "' in ", path_));
  }

  absl::StatusOr<std::optional<std::string>> Get(ColumnFamily cf, absl::string_view key,
                                                 const ReadOptions& options) override {
    rocksdb::ReadOptions ro = ToRocks(options);
    std::string value;
    rocksdb::Status s = db_->Get(ro, Handle(cf), rocksdb::Slice(key.data(), key.size()), &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) return FromRocks(s, absl::StrCat("get from ", path_));
    return value;
  }

  absl::Status Write(const WriteBatch& batch, Durability durability) override {
    rocksdb::WriteBatch rb;
    for (const WriteBatch::Op& op : batch.ops()) {
      rocksdb::Status s;
      switch (op.type) {
        case WriteBatch::OpType::kPut:
          s = rb.Put(Handle(op.cf), op.key, op.value);
          break;
        case WriteBatch::OpType::kDelete:
          s = rb.Delete(Handle(op.cf), op.key);
          break;
        case WriteBatch::OpType::kDeleteRange:
          s = rb.DeleteRange(Handle(op.cf), op.key, op.value);
          break;
      }
      if (!s.ok()) return FromRocks(s, "building write batch");
    }
    rocksdb::WriteOptions wo;
    wo.sync = durability == Durability::kSynced;
    NG_RETURN_IF_ERROR(CheckFreeSpace());
    rocksdb::Status written = db_->Write(wo, &rb);
    if (!written.ok() && ResumeAfterError()) written = db_->Write(wo, &rb);
    return FromRocks(written, absl::StrCat("write to ", path_));
  }

  absl::Status Sync() override {
    return FromRocks(db_->SyncWAL(), absl::StrCat("sync of ", path_));
  }

  std::unique_ptr<Iterator> NewIterator(ColumnFamily cf, const ReadOptions& options) override {
    rocksdb::ReadOptions ro = ToRocks(options);
    std::unique_ptr<std::string> bound;
    std::unique_ptr<rocksdb::Slice> slice;
    if (!options.upper_bound.empty()) {
      bound = std::make_unique<std::string>(options.upper_bound);
      slice = std::make_unique<rocksdb::Slice>(*bound);
      ro.iterate_upper_bound = slice.get();
    }
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, Handle(cf)));
    return std::make_unique<RocksIterator>(std::move(bound), std::move(slice), std::move(it));
  }

  std::unique_ptr<Snapshot> GetSnapshot() override {
    return std::make_unique<RocksSnapshot>(db_.get(), db_->GetSnapshot());
  }

  absl::Status Flush() override {
    rocksdb::FlushOptions fo;
    fo.wait = true;
    rocksdb::Status s = db_->Flush(fo, handles_);
    if (!s.ok()) return FromRocks(s, absl::StrCat("flush ", path_));
    return FromRocks(db_->FlushWAL(/*sync=*/true), absl::StrCat("sync WAL of ", path_));
  }

  absl::Status Compact() override {
    for (size_t i = 0; i < handles_.size(); ++i) {
      NG_RETURN_IF_ERROR(Compact(ColumnFamily{static_cast<int>(i)}));
    }
    return absl::OkStatus();
  }

  absl::Status Compact(ColumnFamily cf) override {
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
    return FromRocks(db_->CompactRange(co, Handle(cf), nullptr, nullptr),
                     absl::StrCat("compact ", path_));
  }

  absl::StatusOr<uint64_t> ColumnFamilyDiskBytes(ColumnFamily cf) override {
    uint64_t size = 0;
    if (!db_->GetIntProperty(Handle(cf), rocksdb::DB::Properties::kTotalSstFilesSize, &size)) {
      return absl::InternalError(absl::StrCat("no table size for a column family of ", path_));
    }
    return size;
  }

  absl::StatusOr<uint64_t> ApproximateDiskBytes() override {
    uint64_t total = 0;
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      uint64_t size = 0;
      if (db_->GetIntProperty(handle, rocksdb::DB::Properties::kTotalSstFilesSize, &size)) {
        total += size;
      }
    }
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(path_, ec)) {
      if (entry.path().extension() == ".log") total += entry.file_size(ec);
    }
    return total;
  }

  absl::Status CreateCheckpoint(const std::string& directory) override {
    rocksdb::Checkpoint* raw = nullptr;
    NG_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw),
                                 absl::StrCat("checkpoint of ", path_)));
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    // log_size_for_flush 0: memtables are flushed first, so the copy needs
    // no log replay beyond what it holds.
    return FromRocks(checkpoint->CreateCheckpoint(directory, /*log_size_for_flush=*/0),
                     absl::StrCat("checkpoint of ", path_, " to ", directory));
  }

  StoreStats Stats() override {
    StoreStats stats;
    auto property = [this](const std::string& name) {
      uint64_t value = 0;
      return db_->GetAggregatedIntProperty(name, &value) ? value : 0;
    };
    using P = rocksdb::DB::Properties;
    stats.live_data_bytes = property(P::kEstimateLiveDataSize);
    stats.table_files_bytes = property(P::kTotalSstFilesSize);
    stats.memtable_bytes = property(P::kCurSizeAllMemTables);
    stats.pending_compaction_bytes = property(P::kEstimatePendingCompactionBytes);
    uint64_t value = 0;
    if (db_->GetIntProperty(P::kNumRunningCompactions, &value)) stats.running_compactions = value;
    if (db_->GetIntProperty(P::kIsWriteStopped, &value)) stats.writes_stopped = value != 0;
    // The column families share one cache: any handle reports it.
    if (db_->GetIntProperty(P::kBlockCacheUsage, &value)) stats.block_cache_usage_bytes = value;
    if (db_->GetIntProperty(P::kBlockCacheCapacity, &value))
      stats.block_cache_capacity_bytes = value;
    if (statistics_ != nullptr) {
      stats.block_cache_hits = statistics_->getTickerCount(rocksdb::BLOCK_CACHE_HIT);
      stats.block_cache_misses = statistics_->getTickerCount(rocksdb::BLOCK_CACHE_MISS);
      stats.write_stall_seconds =
          static_cast<double>(statistics_->getTickerCount(rocksdb::STALL_MICROS)) / 1e6;
      stats.compaction_read_bytes = statistics_->getTickerCount(rocksdb::COMPACT_READ_BYTES);
      stats.compaction_written_bytes = statistics_->getTickerCount(rocksdb::COMPACT_WRITE_BYTES);
      stats.flush_written_bytes = statistics_->getTickerCount(rocksdb::FLUSH_WRITE_BYTES);
      stats.wal_syncs = statistics_->getTickerCount(rocksdb::WAL_FILE_SYNCED);
    }
    return stats;
  }

  const std::string& path() const override { return path_; }

 private:
  rocksdb::ColumnFamilyHandle* Handle(ColumnFamily cf) const {
    return handles_.at(static_cast<size_t>(cf.index));
  }

  static rocksdb::ReadOptions ToRocks(const ReadOptions& options) {
    rocksdb::ReadOptions ro;
    ro.fill_cache = options.fill_cache;
    if (options.snapshot != nullptr) {
      ro.snapshot = static_cast<const RocksSnapshot*>(options.snapshot)->get();
    }
    return ro;
  }

  const std::string path_;
  const std::vector<std::string> names_;
  std::unique_ptr<rocksdb::DB> db_;
  // Handles in the order of names_; destroyed before db_.
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  uint64_t min_free_disk_bytes_ = 0;
  // Ticker counts for Stats(); tickers only (no timers or histograms),
  // which cost next to nothing.
  std::shared_ptr<rocksdb::Statistics> statistics_;
  absl::Mutex space_mu_;
  absl::Time space_checked_ ABSL_GUARDED_BY(space_mu_) = absl::InfinitePast();
  uint64_t free_bytes_ ABSL_GUARDED_BY(space_mu_) = ~uint64_t{0};
  absl::Mutex resume_mu_;
  absl::Time last_resume_ ABSL_GUARDED_BY(resume_mu_) = absl::InfinitePast();
};

rocksdb::ColumnFamilyOptions MakeColumnFamilyOptions(const RocksDbOptions& options,
                                                     const std::shared_ptr<rocksdb::Cache>& cache,
                                                     const std::string& name) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = options.write_buffer_bytes;
  const bool dense = std::find(options.zstd_column_families.begin(),
                               options.zstd_column_families.end(),
                               name) != options.zstd_column_families.end();
  cf.compression = dense ? rocksdb::kZSTD : rocksdb::kLZ4Compression;
  cf.bottommost_compression = rocksdb::kZSTD;
  cf.level_compaction_dynamic_level_bytes = true;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.block_size = 16 * 1024;
  table.format_version = 5;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

}  // namespace

absl::StatusOr<std::unique_ptr<KvStore>> OpenRocksDbStore(const RocksDbOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("RocksDbOptions.path is empty");
  if (options.column_families.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no column families given for store ", options.path));
  }
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data directory ", options.path, ": ", ec.message()));
  }

  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = options.background_jobs;
  db_options.wal_recovery_mode = options.wal_recovery == RocksDbOptions::WalRecovery::kPointInTime
                                     ? rocksdb::WALRecoveryMode::kPointInTimeRecovery
                                     : rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  db_options.keep_log_file_num = 5;
  db_options.max_total_wal_size = 256ull << 20;
  db_options.avoid_flush_during_shutdown = false;
  // With an SstFileManager RocksDB watches free space after a flush or
  // compaction failed for a full disk and resumes by itself once there is
  // room again; failed WAL writes are resumed by RocksDbKvStore::Write.
  if (options.env != nullptr) db_options.env = options.env;

  db_options.statistics = rocksdb::CreateDBStatistics();
  db_options.statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  db_options.sst_file_manager.reset(rocksdb::NewSstFileManager(
      db_options.env != nullptr ? db_options.env : rocksdb::Env::Default()));

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName,
                           MakeColumnFamilyOptions(options, cache, rocksdb::kDefaultColumnFamilyName));
  for (const std::string& name : options.column_families) {
    if (name == rocksdb::kDefaultColumnFamilyName) {
      return absl::InvalidArgumentError("column family 'default' is implicit; do not list it");
    }
    descriptors.emplace_back(name, MakeColumnFamilyOptions(options, cache, name));
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw_db);
  if (s.IsCorruption() && options.wal_recovery != RocksDbOptions::WalRecovery::kPointInTime) {
    return absl::DataLossError(absl::StrCat(
        "open RocksDB at ", options.path, ": ", s.ToString(),
        " (the write-ahead log or a table is damaged; nothing was changed. Restore a backup, or "
        "restart with --wal_recovery=point_in_time to keep the consistent prefix before the damage "
        "and drop the rest)"));
  }
  if (!s.ok()) return FromRocks(s, absl::StrCat("open RocksDB at ", options.path));
  std::unique_ptr<rocksdb::DB> db(raw_db);

  // handles[0] is "default"; it is kept out of the index space.
  db->DestroyColumnFamilyHandle(handles[0]).PermitUncheckedError();
  handles.erase(handles.begin());
  auto store =
      std::make_unique<RocksDbKvStore>(options.path, options.column_families, std::move(db),
                                       std::move(handles));
  store->set_min_free_disk_bytes(options.min_free_disk_bytes);
  store->set_statistics(db_options.statistics);
  return std::unique_ptr<KvStore>(std::move(store));
}

}  // namespace newsgraph::storage
