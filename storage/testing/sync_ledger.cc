#include "storage/testing/sync_ledger.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/mutex.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace newsgraph::storage {
namespace {

// Ledger lines (paths are absolute, without spaces or tabs in RocksDB's own
// file names; the tab separator keeps any directory name intact):
//   C\t<path>            created (or truncated to empty)
//   S\t<size>\t<path>    the first <size> bytes are durable
//   M\t<from>\t<to>      renamed
//   D\t<path>            deleted
class Ledger {
 public:
  explicit Ledger(int fd) : fd_(fd) {}
  ~Ledger() { close(fd_); }

  void Record(const std::string& line) {
    newsgraph::MutexLock lock(&mu_);
    const std::string text = line + "\n";
    // O_APPEND writes of a line are atomic with respect to other appenders.
    (void)!write(fd_, text.data(), text.size());
  }

 private:
  newsgraph::Mutex mu_;
  const int fd_;
};

class LedgerWritableFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  // `held_before`: the bytes the file held when this writer opened it (a
  // reopened file); the wrapped writer counts only what it appends.
  LedgerWritableFile(std::unique_ptr<rocksdb::FSWritableFile> file, std::string path,
                     std::shared_ptr<Ledger> ledger, uint64_t held_before = 0)
      : FSWritableFileOwnerWrapper(std::move(file)),
        path_(std::move(path)),
        ledger_(std::move(ledger)),
        held_before_(held_before) {}

  // Sync may run beside Append (RocksDB's SyncWAL needs that): the size
  // recorded is the one read before the sync started, which is durable once
  // it returns; bytes appended meanwhile are not counted.
  bool IsSyncThreadSafe() const override { return true; }

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    newsgraph::MutexLock lock(&mu_);
    return target()->Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    newsgraph::MutexLock lock(&mu_);
    return target()->Append(data, options, info, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    const uint64_t size = SizeNow(options, dbg);
    rocksdb::IOStatus s = target()->Sync(options, dbg);
    if (s.ok()) RecordSynced(size);
    return s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    const uint64_t size = SizeNow(options, dbg);
    rocksdb::IOStatus s = target()->Fsync(options, dbg);
    if (s.ok()) RecordSynced(size);
    return s;
  }

 private:
  uint64_t SizeNow(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
    newsgraph::MutexLock lock(&mu_);
    return held_before_ + target()->GetFileSize(options, dbg);
  }
  void RecordSynced(uint64_t size) { ledger_->Record(absl::StrCat("S\t", size, "\t", path_)); }

  newsgraph::Mutex mu_;
  const std::string path_;
  const std::shared_ptr<Ledger> ledger_;
  const uint64_t held_before_;
};

class LedgerFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  explicit LedgerFileSystem(std::shared_ptr<Ledger> ledger)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), ledger_(std::move(ledger)) {}

  const char* Name() const override { return "NewsgraphSyncLedgerFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& path, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = target()->NewWritableFile(path, options, &file, dbg);
    if (!s.ok()) return s;
    ledger_->Record(absl::StrCat("C\t", path));
    *result = std::make_unique<LedgerWritableFile>(std::move(file), path, ledger_);
    return s;
  }

  rocksdb::IOStatus ReopenWritableFile(const std::string& path, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    // What the file already holds was there before this process wrote to
    // it. The reopened writer's own size counts only what it appends.
    uint64_t held = 0;
    if (!target()->FileExists(path, rocksdb::IOOptions(), dbg).ok() ||
        !target()->GetFileSize(path, rocksdb::IOOptions(), &held, dbg).ok()) {
      held = 0;
    }
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = target()->ReopenWritableFile(path, options, &file, dbg);
    if (!s.ok()) return s;
    ledger_->Record(absl::StrCat("S\t", held, "\t", path));
    *result = std::make_unique<LedgerWritableFile>(std::move(file), path, ledger_, held);
    return s;
  }

  rocksdb::IOStatus ReuseWritableFile(const std::string& path, const std::string& old_path,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = target()->ReuseWritableFile(path, old_path, options, &file, dbg);
    if (!s.ok()) return s;
    ledger_->Record(absl::StrCat("M\t", old_path, "\t", path));
    *result = std::make_unique<LedgerWritableFile>(std::move(file), path, ledger_);
    return s;
  }

  rocksdb::IOStatus RenameFile(const std::string& from, const std::string& to,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->RenameFile(from, to, options, dbg);
    if (s.ok()) ledger_->Record(absl::StrCat("M\t", from, "\t", to));
    return s;
  }

  rocksdb::IOStatus DeleteFile(const std::string& path, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->DeleteFile(path, options, dbg);
    if (s.ok()) ledger_->Record(absl::StrCat("D\t", path));
    return s;
  }

 private:
  const std::shared_ptr<Ledger> ledger_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<rocksdb::Env>> NewSyncLedgerEnv(const std::string& ledger_path) {
  const int fd = open(ledger_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open sync ledger ", ledger_path, ": ", std::strerror(errno)));
  }
  auto fs = std::make_shared<LedgerFileSystem>(std::make_shared<Ledger>(fd));
  return rocksdb::NewCompositeEnv(fs);
}

absl::StatusOr<PowerLossReport> ApplySimulatedPowerLoss(const std::string& ledger_path) {
  std::ifstream in(ledger_path);
  if (!in) return absl::NotFoundError(absl::StrCat("no sync ledger at ", ledger_path));
  // Durable length of every file this process wrote.
  std::map<std::string, uint64_t> synced;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;  // A line cut by the kill never reached write(2) whole.
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    auto malformed = [&] {
      return absl::DataLossError(
          absl::StrCat(ledger_path, ":", number, ": malformed '", line, "'"));
    };
    if (f[0] == "C" && f.size() == 2) {
      synced[f[1]] = 0;
    } else if (f[0] == "S" && f.size() == 3) {
      uint64_t size = 0;
      if (!absl::SimpleAtoi(f[1], &size)) return malformed();
      synced[f[2]] = size;
    } else if (f[0] == "M" && f.size() == 3) {
      auto it = synced.find(f[1]);
      if (it != synced.end()) {
        const uint64_t size = it->second;
        synced.erase(it);
        synced[f[2]] = size;
      } else {
        synced.erase(f[2]);  // Replaced by a file from before this process.
      }
    } else if (f[0] == "D" && f.size() == 2) {
      synced.erase(f[1]);
    } else {
      return malformed();
    }
  }
  PowerLossReport report;
  for (const auto& [path, size] : synced) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) continue;
    const uint64_t length = static_cast<uint64_t>(st.st_size);
    if (length <= size) continue;
    if (truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
      return absl::InternalError(
          absl::StrCat("cannot truncate ", path, " to ", size, ": ", std::strerror(errno)));
    }
    report.bytes_dropped += length - size;
    if (size == 0) {
      ++report.files_emptied;
    } else {
      ++report.files_truncated;
    }
  }
  in.close();
  if (truncate(ledger_path.c_str(), 0) != 0) {
    return absl::InternalError(absl::StrCat("cannot clear ", ledger_path));
  }
  return report;
}

}  // namespace newsgraph::storage
