// A full disk under a running newsgraphd: acknowledgements stop with a clear
// UNAVAILABLE or RESOURCE_EXHAUSTED while it is full, nothing acknowledged
// is lost, and once space is freed the daemon takes documents again and the
// pipeline indexes everything, without a restart. The data directory is a
// small tmpfs the test mounts; without the right to mount (not root, or no
// CAP_SYS_ADMIN) it skips with a message.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "newsgraph/client.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::newsgraph::testing::TempDir;

// Fills the file system holding `path` with one file until `keep` bytes
// are left free (0: until it is full); returns the file's size.
size_t FillDisk(const std::string& path, size_t keep) {
  const int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  if (fd < 0) return 0;
  const std::string chunk(1 << 16, 'x');
  size_t written = 0;
  while (true) {
    struct statvfs fs;
    if (statvfs(path.c_str(), &fs) != 0 ||
        static_cast<size_t>(fs.f_bavail) * fs.f_frsize <= keep + chunk.size()) {
      if (keep > 0) break;
    }
    const ssize_t n = write(fd, chunk.data(), chunk.size());
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  close(fd);
  return written;
}

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_point_ = dir_.Sub("tmpfs");
    ASSERT_EQ(mkdir(mount_point_.c_str(), 0700), 0);
    if (mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=512m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs (" << strerror(errno)
                   << "): run as root with CAP_SYS_ADMIN to test a full disk";
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) umount2(mount_point_.c_str(), MNT_DETACH);
  }

  TempDir dir_;
  std::string mount_point_;
  bool mounted_ = false;
};

TEST_F(DiskFullTest, AcknowledgementsStopWhileFullAndResumeWithoutARestart) {
  absl::StatusOr<DaemonProcess> started = DaemonProcess::Start(
      NEWSGRAPHD_PATH, {"--data_dir=" + mount_point_ + "/data", "--min_free_disk_mb=64"},
      dir_.path());
  ASSERT_TRUE(started.ok()) << started.status();
  DaemonProcess daemon = *std::move(started);
  ClientOptions options;
  options.target = daemon.address();
  options.max_attempts = 1;
  std::unique_ptr<Client> client = *Client::Create(options);

  auto document = [](int i) {
    newsgraph::v1::DocumentInput doc;
    doc.set_external_id(absl::StrCat("disk-", i));
    std::string text = absl::StrCat("Harbour report ", i, ". ");
    while (text.size() < 20000) {
      absl::StrAppend(&text, "Ships ", i, " waited at berth ", text.size(), " in Gdansk. ");
    }
    doc.set_content(text);
    return doc;
  };
  // A few documents while there is room.
  std::vector<std::string> acknowledged;
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<newsgraph::v1::IngestDocumentResponse> r = client->IngestDocument(document(i));
    ASSERT_TRUE(r.ok()) << r.status();
    acknowledged.push_back(r->document().name());
  }

  const std::string filler = mount_point_ + "/filler";
  // Leave less than the 64 MiB the daemon keeps free, but room for
  // RocksDB's own background work.
  ASSERT_GT(FillDisk(filler, 32u << 20), 0u);
  absl::Status refused;
  int next = 5;
  for (; next < 3000; ++next) {
    absl::StatusOr<newsgraph::v1::IngestDocumentResponse> r =
        client->IngestDocument(document(next));
    if (!r.ok()) {
      refused = r.status();
      break;
    }
    acknowledged.push_back(r->document().name());
  }
  ASSERT_FALSE(refused.ok()) << "a full disk never refused a document";
  EXPECT_TRUE(absl::IsUnavailable(refused) || absl::IsResourceExhausted(refused)) << refused;
  EXPECT_NE(refused.message().find("disk is full"), absl::string_view::npos) << refused;
  ASSERT_EQ(kill(daemon.pid(), 0), 0) << "the daemon died on a full disk\n" << daemon.Log();

  // Space comes back: documents are taken again without a restart.
  ASSERT_EQ(unlink(filler.c_str()), 0);
  absl::Status accepted = absl::UnknownError("not tried");
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (absl::Now() < give_up) {
    absl::StatusOr<newsgraph::v1::IngestDocumentResponse> r =
        client->IngestDocument(document(next));
    accepted = r.status();
    if (r.ok()) {
      acknowledged.push_back(r->document().name());
      break;
    }
    absl::SleepFor(absl::Milliseconds(500));
  }
  ASSERT_TRUE(accepted.ok()) << "still refusing 60 s after space was freed: " << accepted << "\n"
                             << daemon.Log();

  // Nothing acknowledged was lost, and the pipeline catches up.
  for (const std::string& name : acknowledged) {
    absl::StatusOr<newsgraph::v1::Document> indexed =
        client->WaitUntilProcessed(name, absl::Seconds(120));
    ASSERT_TRUE(indexed.ok()) << name << ": " << indexed.status() << "\n" << daemon.Log();
    EXPECT_EQ(indexed->state(), newsgraph::v1::INDEXED) << name << ": " << indexed->pipeline_error();
  }
  EXPECT_TRUE(StopsCleanly(daemon));
}

}  // namespace
}  // namespace newsgraph
