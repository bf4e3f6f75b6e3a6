#include "storage/testing/sync_ledger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "rocksdb/env.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::storage {
namespace {

using ::newsgraph::testing::StatusIs;
using ::newsgraph::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteAll(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

uint64_t SizeOf(const std::string& path) { return std::filesystem::file_size(path); }

// The ledger's lines, without empty ones.
std::vector<std::string> LedgerLines(const std::string& ledger) {
  std::vector<std::string> lines = absl::StrSplit(ReadAll(ledger), '\n', absl::SkipEmpty());
  return lines;
}

class SyncLedgerEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger_ = dir_.Sub("ledger");
    NG_ASSERT_OK_AND_ASSIGN(env_, NewSyncLedgerEnv(ledger_));
  }

  // A new file through the ledger Env.
  std::unique_ptr<rocksdb::WritableFile> Create(const std::string& path) {
    std::unique_ptr<rocksdb::WritableFile> file;
    rocksdb::Status s = env_->NewWritableFile(path, &file, rocksdb::EnvOptions());
    EXPECT_TRUE(s.ok()) << s.ToString();
    return file;
  }
  static void Append(rocksdb::WritableFile* file, const std::string& data) {
    rocksdb::Status s = file->Append(data);
    ASSERT_TRUE(s.ok()) << s.ToString();
    s = file->Flush();  // into the page cache: visible, not durable
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static void Sync(rocksdb::WritableFile* file) {
    rocksdb::Status s = file->Sync();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  TempDir dir_;
  std::string ledger_;
  std::unique_ptr<rocksdb::Env> env_;
};

TEST_F(SyncLedgerEnvTest, RecordsCreationAndEverySyncedLength) {
  const std::string path = dir_.Sub("000001.log");
  std::unique_ptr<rocksdb::WritableFile> file = Create(path);
  Append(file.get(), "hello");
  Sync(file.get());
  Append(file.get(), " world");
  ASSERT_TRUE(file->Fsync().ok());
  Append(file.get(), "!");  // never synced
  EXPECT_THAT(LedgerLines(ledger_),
              ElementsAre(absl::StrCat("C\t", path), absl::StrCat("S\t5\t", path),
                          absl::StrCat("S\t11\t", path)));
  EXPECT_EQ(ReadAll(path), "hello world!");
}

TEST_F(SyncLedgerEnvTest, RecordsRenamesAndDeletions) {
  const std::string from = dir_.Sub("MANIFEST.tmp");
  const std::string to = dir_.Sub("MANIFEST-000002");
  std::unique_ptr<rocksdb::WritableFile> file = Create(from);
  Append(file.get(), "abc");
  Sync(file.get());
  ASSERT_TRUE(file->Close().ok());
  ASSERT_TRUE(env_->RenameFile(from, to).ok());
  ASSERT_TRUE(env_->DeleteFile(to).ok());
  EXPECT_THAT(LedgerLines(ledger_),
              ElementsAre(absl::StrCat("C\t", from), absl::StrCat("S\t3\t", from),
                          absl::StrCat("M\t", from, "\t", to), absl::StrCat("D\t", to)));
}

TEST_F(SyncLedgerEnvTest, FailedOperationsAreNotRecorded) {
  const std::string missing = dir_.Sub("no-such-file");
  EXPECT_FALSE(env_->RenameFile(missing, dir_.Sub("elsewhere")).ok());
  EXPECT_FALSE(env_->DeleteFile(missing).ok());
  std::unique_ptr<rocksdb::WritableFile> file;
  EXPECT_FALSE(env_->NewWritableFile(dir_.Sub("no-dir/file"), &file, rocksdb::EnvOptions()).ok());
  EXPECT_THAT(LedgerLines(ledger_), IsEmpty());
}

TEST_F(SyncLedgerEnvTest, PowerLossCutsFilesBackToTheirSyncedLength) {
  const std::string synced = dir_.Sub("synced.log");
  const std::string partly = dir_.Sub("partly.log");
  const std::string never = dir_.Sub("never.sst");
  std::unique_ptr<rocksdb::WritableFile> a = Create(synced);
  Append(a.get(), "all durable");
  Sync(a.get());
  std::unique_ptr<rocksdb::WritableFile> b = Create(partly);
  Append(b.get(), "kept");
  Sync(b.get());
  Append(b.get(), "-lost-tail");
  std::unique_ptr<rocksdb::WritableFile> c = Create(never);
  Append(c.get(), "page cache only");
  a.reset();
  b.reset();
  c.reset();

  NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger_));
  EXPECT_EQ(ReadAll(synced), "all durable");
  EXPECT_EQ(ReadAll(partly), "kept");
  EXPECT_TRUE(std::filesystem::exists(never));
  EXPECT_EQ(SizeOf(never), 0u);
  EXPECT_EQ(report.files_truncated, 1);
  EXPECT_EQ(report.files_emptied, 1);
  EXPECT_EQ(report.bytes_dropped,
            std::string("-lost-tail").size() + std::string("page cache only").size());
  // The ledger is cleared for the next process.
  EXPECT_EQ(SizeOf(ledger_), 0u);
}

TEST_F(SyncLedgerEnvTest, ARenamedFileKeepsItsSyncedLength) {
  const std::string from = dir_.Sub("CURRENT.dbtmp");
  const std::string to = dir_.Sub("CURRENT");
  std::unique_ptr<rocksdb::WritableFile> file = Create(from);
  Append(file.get(), "MANIFEST-1\n");
  Sync(file.get());
  Append(file.get(), "junk");
  file.reset();
  ASSERT_TRUE(env_->RenameFile(from, to).ok());
  NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger_));
  EXPECT_EQ(ReadAll(to), "MANIFEST-1\n");
  EXPECT_EQ(report.files_truncated, 1);
  EXPECT_EQ(report.bytes_dropped, 4u);
}

TEST_F(SyncLedgerEnvTest, ACreatedAgainFileStartsOverAtZero) {
  const std::string path = dir_.Sub("LOG");
  std::unique_ptr<rocksdb::WritableFile> file = Create(path);
  Append(file.get(), "first life");
  Sync(file.get());
  file = Create(path);  // truncated to empty by the new writer
  Append(file.get(), "second");
  file.reset();
  NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger_));
  EXPECT_EQ(SizeOf(path), 0u);
  EXPECT_EQ(report.files_emptied, 1);
  EXPECT_EQ(report.bytes_dropped, 6u);
}

// RocksDB's POSIX writable file counts only the bytes appended through it (0
// right after reopening), not the file's length: the ledger must add what the
// file held before, or a simulated power loss cuts that away.
TEST_F(SyncLedgerEnvTest, AReopenedFileKeepsWhatItHeldBefore) {
  const std::string path = dir_.Sub("reopened.log");
  WriteAll(path, "old!");  // written before this process, outside the ledger
  std::unique_ptr<rocksdb::WritableFile> file;
  rocksdb::Status s = env_->ReopenWritableFile(path, &file, rocksdb::EnvOptions());
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_THAT(LedgerLines(ledger_), ElementsAre(absl::StrCat("S\t4\t", path)));
  Append(file.get(), "new");
  file.reset();
  ASSERT_EQ(ReadAll(path), "old!new");
  NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger_));
  EXPECT_EQ(ReadAll(path), "old!");
  EXPECT_EQ(report.bytes_dropped, 3u);
}

TEST_F(SyncLedgerEnvTest, AReopenedFileSyncedAgainKeepsOldAndNewBytes) {
  const std::string path = dir_.Sub("reopened.log");
  WriteAll(path, "old!");
  std::unique_ptr<rocksdb::WritableFile> file;
  rocksdb::Status s = env_->ReopenWritableFile(path, &file, rocksdb::EnvOptions());
  ASSERT_TRUE(s.ok()) << s.ToString();
  Append(file.get(), "new");
  Sync(file.get());
  file.reset();
  NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger_));
  EXPECT_EQ(ReadAll(path), "old!new");
  EXPECT_EQ(report.bytes_dropped, 0u);
}

TEST_F(SyncLedgerEnvTest, TwoEnvsMayShareOneLedger) {
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<rocksdb::Env> second, NewSyncLedgerEnv(ledger_));
  std::unique_ptr<rocksdb::WritableFile> one = Create(dir_.Sub("one"));
  std::unique_ptr<rocksdb::WritableFile> two;
  ASSERT_TRUE(second->NewWritableFile(dir_.Sub("two"), &two, rocksdb::EnvOptions()).ok());
  Append(two.get(), "xy");
  Sync(two.get());
  EXPECT_THAT(LedgerLines(ledger_), ElementsAre(absl::StrCat("C\t", dir_.Sub("one")),
                                                absl::StrCat("C\t", dir_.Sub("two")),
                                                absl::StrCat("S\t2\t", dir_.Sub("two"))));
}

TEST(NewSyncLedgerEnvTest, AnUnwritableLedgerPathIsFailedPrecondition) {
  TempDir dir;
  EXPECT_THAT(NewSyncLedgerEnv(dir.Sub("missing-dir/ledger")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("missing-dir/ledger")));
}

TEST(NewSyncLedgerEnvTest, AnExistingLedgerIsAppendedTo) {
  TempDir dir;
  const std::string ledger = dir.Sub("ledger");
  WriteAll(ledger, "C\t/earlier/file\n");
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<rocksdb::Env> env, NewSyncLedgerEnv(ledger));
  std::unique_ptr<rocksdb::WritableFile> file;
  ASSERT_TRUE(env->NewWritableFile(dir.Sub("later"), &file, rocksdb::EnvOptions()).ok());
  EXPECT_THAT(LedgerLines(ledger),
              ElementsAre("C\t/earlier/file", absl::StrCat("C\t", dir.Sub("later"))));
}

// ---------------------------------------------------------------------------
// ApplySimulatedPowerLoss over ledgers written by hand.

class PowerLossTest : public ::testing::Test {
 protected:
  void SetUp() override { ledger_ = dir_.Sub("ledger"); }
  void Ledger(const std::string& text) { WriteAll(ledger_, text); }

  TempDir dir_;
  std::string ledger_;
};

TEST_F(PowerLossTest, WithoutALedgerIsNotFound) {
  EXPECT_THAT(ApplySimulatedPowerLoss(ledger_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(ledger_)));
}

TEST_F(PowerLossTest, AnEmptyLedgerChangesNothing) {
  Ledger("");
  NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger_));
  EXPECT_EQ(report.files_truncated, 0);
  EXPECT_EQ(report.files_emptied, 0);
  EXPECT_EQ(report.bytes_dropped, 0u);
}

TEST_F(PowerLossTest, EmptyLinesAreSkipped) {
  const std::string file = dir_.Sub("f");
  WriteAll(file, "0123456789");
  Ledger(absl::StrCat("\nC\t", file, "\n\nS\t4\t", file, "\n\n"));
  NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger_));
  EXPECT_EQ(ReadAll(file), "0123");
  EXPECT_EQ(report.files_truncated, 1);
  EXPECT_EQ(report.bytes_dropped, 6u);
}

TEST_F(PowerLossTest, FilesNoLongerOnDiskAreSkipped) {
  Ledger(absl::StrCat("C\t", dir_.Sub("gone"), "\nS\t10\t", dir_.Sub("gone"), "\n"));
  NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger_));
  EXPECT_EQ(report.files_truncated + report.files_emptied, 0);
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("gone")));
}

TEST_F(PowerLossTest, FilesAtOrBelowTheirSyncedLengthAreLeftAlone) {
  const std::string equal = dir_.Sub("equal");
  const std::string shorter = dir_.Sub("shorter");
  WriteAll(equal, "12345");
  WriteAll(shorter, "12");
  Ledger(absl::StrCat("S\t5\t", equal, "\nS\t5\t", shorter, "\n"));
  NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger_));
  EXPECT_EQ(ReadAll(equal), "12345");
  EXPECT_EQ(ReadAll(shorter), "12");
  EXPECT_EQ(report.bytes_dropped, 0u);
}

TEST_F(PowerLossTest, TheLastRecordOfAFileCounts) {
  const std::string file = dir_.Sub("f");
  WriteAll(file, "abcdefgh");
  // Synced to 6, then created anew (0) and synced to 2.
  Ledger(absl::StrCat("C\t", file, "\nS\t6\t", file, "\nC\t", file, "\nS\t2\t", file, "\n"));
  NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger_));
  EXPECT_EQ(ReadAll(file), "ab");
  EXPECT_EQ(report.files_truncated, 1);
  EXPECT_EQ(report.bytes_dropped, 6u);
}

TEST_F(PowerLossTest, DeletedFilesAreForgotten) {
  const std::string file = dir_.Sub("f");
  WriteAll(file, "made by another process later");
  Ledger(absl::StrCat("C\t", file, "\nD\t", file, "\n"));
  NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger_));
  EXPECT_EQ(ReadAll(file), "made by another process later");
  EXPECT_EQ(report.files_emptied, 0);
}

TEST_F(PowerLossTest, RenamingAnUnknownFileOverAKnownOneForgetsTheKnownOne) {
  const std::string target = dir_.Sub("target");
  WriteAll(target, "content from before this process");
  Ledger(absl::StrCat("C\t", target, "\nM\t", dir_.Sub("older"), "\t", target, "\n"));
  NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger_));
  EXPECT_EQ(ReadAll(target), "content from before this process");
  EXPECT_EQ(report.files_emptied, 0);
}

TEST_F(PowerLossTest, RenameMovesTheSyncedLengthToTheNewName) {
  const std::string from = dir_.Sub("from");
  const std::string to = dir_.Sub("to");
  WriteAll(from, "stays unchanged");  // no longer tracked once renamed away
  WriteAll(to, "0123456789");
  Ledger(absl::StrCat("S\t3\t", from, "\nM\t", from, "\t", to, "\n"));
  NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger_));
  EXPECT_EQ(ReadAll(to), "012");
  EXPECT_EQ(ReadAll(from), "stays unchanged");
  EXPECT_EQ(report.files_truncated, 1);
  EXPECT_EQ(report.bytes_dropped, 7u);
}

TEST_F(PowerLossTest, PathsWithSpacesStayIntact) {
  const std::filesystem::path spaced = std::filesystem::path(dir_.path()) / "my data dir";
  std::filesystem::create_directories(spaced);
  const std::string file = (spaced / "000007.log").string();
  WriteAll(file, "durable+lost");
  Ledger(absl::StrCat("C\t", file, "\nS\t7\t", file, "\n"));
  NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger_));
  EXPECT_EQ(ReadAll(file), "durable");
  EXPECT_EQ(report.bytes_dropped, 5u);
}

TEST_F(PowerLossTest, LargeSyncedLengthsParse) {
  const std::string file = dir_.Sub("f");
  WriteAll(file, "abc");
  Ledger(absl::StrCat("S\t18446744073709551615\t", file, "\n"));
  NG_ASSERT_OK_AND_ASSIGN(PowerLossReport report, ApplySimulatedPowerLoss(ledger_));
  EXPECT_EQ(ReadAll(file), "abc");
  EXPECT_EQ(report.bytes_dropped, 0u);
}

TEST_F(PowerLossTest, AMalformedLineIsDataLossNamingItAndChangesNothing) {
  const std::string file = dir_.Sub("f");
  for (const std::string& bad :
       {std::string("X\tsomething"), std::string("S\tlots\t") + file, std::string("S\t-1\t") + file,
        std::string("S\t4"), std::string("C"), std::string("C\ta\tb"), std::string("D"),
        std::string("M\tonly-one"), std::string("S\t18446744073709551616\t") + file,
        std::string("c\t") + file}) {
    WriteAll(file, "0123456789");
    Ledger(absl::StrCat("C\t", file, "\n", bad, "\n"));
    EXPECT_THAT(ApplySimulatedPowerLoss(ledger_),
                StatusIs(absl::StatusCode::kDataLoss,
                         HasSubstr(absl::StrCat(ledger_, ":2: malformed '", bad, "'"))))
        << bad;
    // Neither the file nor the ledger was touched.
    EXPECT_EQ(ReadAll(file), "0123456789") << bad;
    EXPECT_EQ(ReadAll(ledger_), absl::StrCat("C\t", file, "\n", bad, "\n")) << bad;
  }
}

}  // namespace
}  // namespace newsgraph::storage
