// Access to the shared research corpora in ../shared/corpora (never copied
// into the repository). Tests that need them skip when they are absent.
#ifndef NEWSGRAPH_TESTS_TESTING_CORPORA_H_
#define NEWSGRAPH_TESTS_TESTING_CORPORA_H_

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace newsgraph::testing {

// The corpora directory: $NEWSGRAPH_CORPORA, else ../shared/corpora next to
// the source tree; std::nullopt when it does not exist.
inline std::optional<std::string> CorporaDir() {
  const char* env = std::getenv("NEWSGRAPH_CORPORA");
  const std::string dir = env != nullptr ? env : SHARED_CORPORA_DIR;
  if (!std::filesystem::is_directory(dir)) return std::nullopt;
  return dir;
}

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace newsgraph::testing

// Skips the current test when the shared corpora are not available.
#define NG_REQUIRE_CORPORA(var)                                                             \
  const std::optional<std::string> var##_opt = ::newsgraph::testing::CorporaDir();          \
  if (!var##_opt.has_value()) {                                                             \
    GTEST_SKIP() << "../shared/corpora is absent (set NEWSGRAPH_CORPORA to run this test)"; \
  }                                                                                         \
  const std::string var = *var##_opt

#endif  // NEWSGRAPH_TESTS_TESTING_CORPORA_H_
