#include "base/file_reading.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <string>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::StatusIs;

void WriteGzip(const std::string& path, const std::string& content) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, content.data(), static_cast<unsigned>(content.size())),
            static_cast<int>(content.size()));
  gzclose(file);
}

TEST(FileReadingTest, ReadsPlainAndGzippedFilesAlike) {
  testing::TempDir dir;
  std::string content;
  for (int i = 0; i < 20000; ++i) content += "line " + std::to_string(i) + "\n";
  std::ofstream(dir.Sub("plain.txt"), std::ios::binary) << content;
  WriteGzip(dir.Sub("packed.gz"), content);
  NG_ASSERT_OK_AND_ASSIGN(std::string plain, ReadMaybeGzippedFile(dir.Sub("plain.txt")));
  EXPECT_EQ(plain, content);
  NG_ASSERT_OK_AND_ASSIGN(std::string unpacked, ReadMaybeGzippedFile(dir.Sub("packed.gz")));
  EXPECT_EQ(unpacked, content);
  std::ofstream(dir.Sub("empty.txt"), std::ios::binary) << "";
  NG_ASSERT_OK_AND_ASSIGN(std::string empty, ReadMaybeGzippedFile(dir.Sub("empty.txt")));
  EXPECT_TRUE(empty.empty());
}

TEST(FileReadingTest, MissingAndDamagedFilesAreErrors) {
  testing::TempDir dir;
  EXPECT_THAT(ReadMaybeGzippedFile(dir.Sub("absent.gz")), StatusIs(absl::StatusCode::kNotFound));
  std::string content(100000, 'x');
  WriteGzip(dir.Sub("packed.gz"), content);
  std::string packed;
  {
    std::ifstream in(dir.Sub("packed.gz"), std::ios::binary);
    packed.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(packed.size(), 40u);
  for (size_t k = 20; k < packed.size() - 8; ++k) packed[k] = static_cast<char>(packed[k] ^ 0x5A);
  std::ofstream(dir.Sub("damaged.gz"), std::ios::binary) << packed;
  EXPECT_THAT(ReadMaybeGzippedFile(dir.Sub("damaged.gz")),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("damaged")));
}

}  // namespace
}  // namespace newsgraph
