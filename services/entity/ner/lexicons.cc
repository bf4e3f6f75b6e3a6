#include "services/entity/ner/lexicons.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace newsgraph::entity::ner {

absl::StatusOr<Lexicons> LoadLexicons(const std::string& clusters_path,
                                      const std::string& paths_path,
                                      const std::string& iso_codes_dir,
                                      const std::string& dictionary) {
  Lexicons lexicons;
  auto add_place = [&](const std::string& name) {
    lexicons.places.insert(absl::AsciiStrToLower(name));
  };
  absl::Status countries =
      ForEachIsoName(iso_codes_dir + "/iso_3166-1.json", "3166-1", add_place);
  if (!countries.ok()) return countries;
  absl::Status regions = ForEachIsoName(iso_codes_dir + "/iso_3166-2.json", "3166-2", add_place);
  if (!regions.ok()) return regions;
  std::ifstream words(dictionary);
  if (!words) {
    return absl::NotFoundError(
        absl::StrCat("word list not found: ", dictionary,
                     " (Debian package wamerican; scripts/setup installs it)"));
  }
  std::string word;
  while (std::getline(words, word)) {
    if (word.empty() || word.find('\'') != std::string::npos) continue;
    if (absl::ascii_isupper(static_cast<unsigned char>(word[0]))) {
      lexicons.proper_words.insert(absl::AsciiStrToLower(word));
    } else {
      lexicons.common_words.insert(word);
    }
  }
  if (!clusters_path.empty()) {
    absl::StatusOr<WordClusters> clusters = LoadWordClusters(clusters_path);
    if (!clusters.ok()) return clusters.status();
    lexicons.clusters = *std::move(clusters);
  }
  absl::StatusOr<Gazetteer> gazetteer = LoadGazetteer(GazetteerSources{iso_codes_dir});
  if (!gazetteer.ok()) return gazetteer.status();
  lexicons.gazetteer = *std::move(gazetteer);
  if (!paths_path.empty()) {
    absl::StatusOr<WordPaths> paths = LoadWordPaths(paths_path);
    if (!paths.ok()) return paths.status();
    lexicons.paths = *std::move(paths);
  }
  return lexicons;
}

}  // namespace newsgraph::entity::ner
