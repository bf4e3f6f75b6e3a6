#include "clients/cli/backup_restore.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::cli {
namespace {

namespace fs = std::filesystem;
using ::newsgraph::testing::StatusIs;
using ::newsgraph::testing::TempDir;
using ::testing::ElementsAre;

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(RestoreBackupTest, CopiesTheCheckpointsItHoldsIntoEmptyDirectories) {
  TempDir dir;
  const fs::path backup = fs::path(dir.path()) / "backups" / "nightly";
  for (const char* service : {"ingest", "search"}) {
    WriteFile(backup / service / "CURRENT", "MANIFEST-000005\n");
    WriteFile(backup / service / "000004.sst", service);
  }
  const fs::path data = fs::path(dir.path()) / "data";
  fs::create_directories(data / "search");  // empty: fine
  NG_ASSERT_OK_AND_ASSIGN(std::vector<std::string> restored,
                          RestoreBackup(backup.string(), data.string()));
  EXPECT_THAT(restored, ElementsAre("ingest", "search"));
  EXPECT_EQ(ReadFile(data / "ingest" / "000004.sst"), "ingest");
  EXPECT_EQ(ReadFile(data / "search" / "CURRENT"), "MANIFEST-000005\n");
  EXPECT_FALSE(fs::exists(data / "entity"));
}

TEST(RestoreBackupTest, NeverOverwritesAndNeedsACheckpoint) {
  TempDir dir;
  const fs::path backup = fs::path(dir.path()) / "nightly";
  const fs::path data = fs::path(dir.path()) / "data";
  EXPECT_THAT(RestoreBackup(backup.string(), data.string()), StatusIs(absl::StatusCode::kNotFound));
  WriteFile(backup / "ingest" / "CURRENT", "MANIFEST-000005\n");
  WriteFile(backup / "entity" / "CURRENT", "MANIFEST-000007\n");
  WriteFile(data / "entity" / "LOCK", "");  // a store in use
  EXPECT_THAT(RestoreBackup(backup.string(), data.string()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(fs::exists(data / "ingest"));  // nothing copied
  EXPECT_TRUE(fs::exists(data / "entity" / "LOCK"));
}

}  // namespace
}  // namespace newsgraph::cli
