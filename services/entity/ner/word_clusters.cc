#include "services/entity/ner/word_clusters.h"

#include <algorithm>
#include <cstdint>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace newsgraph::entity::ner {
absl::Status SaveWordClusters(const WordClusters& clusters, const std::string& path) {
  std::vector<std::pair<std::string, ClusterIds>> sorted(clusters.begin(), clusters.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::ofstream out(path, std::ios::trunc);
  for (const auto& [word, ids] : sorted) {
    out << word << '\t' << ids.coarse << '\t' << ids.fine << '\n';
  }
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::StatusOr<WordClusters> LoadWordClusters(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("word clusters not found: ", path));
  WordClusters clusters;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::vector<absl::string_view> parts = absl::StrSplit(line, '\t');
    uint32_t coarse = 0;
    uint32_t fine = 0;
    if (parts.size() != 3 || !absl::SimpleAtoi(parts[1], &coarse) ||
        !absl::SimpleAtoi(parts[2], &fine)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": expected word, coarse, fine"));
    }
    if (coarse > UINT16_MAX || fine > UINT16_MAX) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": cluster ids are at most ", UINT16_MAX));
    }
    clusters[std::string(parts[0])] =
        ClusterIds{static_cast<uint16_t>(coarse), static_cast<uint16_t>(fine)};
  }
  return clusters;
}

}  // namespace newsgraph::entity::ner
