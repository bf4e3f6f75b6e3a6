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

absl::StatusOr<Lexicons> LoadLexicons(const std::string& dir) {
  Lexicons lexicons;
  absl::Status countries = AddNames(dir + "/iso_3166-1.json", "3166-1", &lexicons.places);
  if (!countries.ok()) return countries;
  absl::Status regions = AddNames(dir + "/iso_3166-2.json", "3166-2", &lexicons.places);
  if (!regions.ok()) return regions;
  return lexicons;
}

}  // namespace newsgraph::entity::ner
