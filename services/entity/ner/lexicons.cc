#include "services/entity/ner/lexicons.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace newsgraph::entity::ner {
namespace {

absl::Status AddNames(const std::string& path, const std::string& list_key,
                      absl::flat_hash_set<std::string>* out) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("lexicon source not found: ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  google::protobuf::Struct root;
  if (!google::protobuf::util::JsonStringToMessage(buffer.str(), &root).ok()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot parse ", path));
  }
  auto list = root.fields().find(list_key);
  if (list == root.fields().end()) {
    return absl::InvalidArgumentError(absl::StrCat(path, " has no \"", list_key, "\" list"));
  }
  for (const auto& entry : list->second.list_value().values()) {
    const auto& fields = entry.struct_value().fields();
    for (const char* key : {"name", "official_name", "common_name"}) {
      auto it = fields.find(key);
      if (it != fields.end()) out->insert(absl::AsciiStrToLower(it->second.string_value()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Lexicons> LoadLexicons(const std::string& clusters_path,
                                      const std::string& iso_codes_dir,
                                      const std::string& dictionary) {
  Lexicons lexicons;
  absl::Status countries = AddNames(iso_codes_dir + "/iso_3166-1.json", "3166-1", &lexicons.places);
  if (!countries.ok()) return countries;
  absl::Status regions = AddNames(iso_codes_dir + "/iso_3166-2.json", "3166-2", &lexicons.places);
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
  return lexicons;
}

}  // namespace newsgraph::entity::ner
