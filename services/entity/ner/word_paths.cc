#include "services/entity/ner/word_paths.h"

#include <algorithm>
#include <fstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace newsgraph::entity::ner {

absl::Status SaveWordPaths(const WordPaths& paths, const std::string& file) {
  std::vector<std::pair<std::string, std::string>> sorted(paths.begin(), paths.end());
  std::sort(sorted.begin(), sorted.end());
  std::ofstream out(file);
  if (!out) return absl::NotFoundError(absl::StrCat("cannot write ", file));
  for (const auto& [word, path] : sorted) out << word << '\t' << path << '\n';
  out.close();
  if (!out) return absl::DataLossError(absl::StrCat("cannot write ", file));
  return absl::OkStatus();
}

absl::StatusOr<WordPaths> LoadWordPaths(const std::string& file) {
  std::ifstream in(file);
  if (!in) return absl::NotFoundError(absl::StrCat("word paths file not found: ", file));
  WordPaths paths;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() != 2 || fields[0].empty() ||
        fields[1].find_first_not_of("01") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ":", number, ": expected \"word<TAB>bits\""));
    }
    paths[fields[0]] = fields[1];
  }
  return paths;
}

}  // namespace newsgraph::entity::ner
