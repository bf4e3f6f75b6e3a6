#include "services/entity/ner/gazetteer.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/file_reading.h"

namespace newsgraph::entity::ner {
namespace {

// WordNet lexicographer files whose proper nouns become lists.
struct LexicographerFile {
  int number;
  const char* category;
};
constexpr LexicographerFile kWordNetFiles[] = {
    {10, "wordnet:communication"},  // languages, documents
    {11, "wordnet:event"},          // wars, battles
    {14, "wordnet:group"},          // organizations, peoples
    {15, "wordnet:location"},       // cities, countries, regions
    {17, "wordnet:object"},         // rivers, mountains, islands
    {18, "wordnet:person"},         // people, nationalities
};

// data.noun lines: "offset lexfile n count word lex_id word lex_id ... ".
absl::Status AddWordNetNames(const std::string& path, Gazetteer* gazetteer) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, " not found (Debian package wordnet-base)"));
  int categories[64];
  std::fill(std::begin(categories), std::end(categories), -1);
  for (const LexicographerFile& file : kWordNetFiles) {
    categories[file.number] = gazetteer->Category(file.category);
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == ' ') continue;  // licence header
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    if (fields.size() < 6) continue;
    int lexfile = 0;
    int count = 0;
    if (!absl::SimpleAtoi(fields[1], &lexfile) || lexfile < 0 || lexfile >= 64) continue;
    if (categories[lexfile] < 0) continue;
    if (fields[3].size() != 2 || !absl::ascii_isxdigit(fields[3][0])) continue;
    count = std::stoi(std::string(fields[3]), nullptr, 16);
    for (int w = 0; w < count && 4 + 2 * static_cast<size_t>(w) < fields.size(); ++w) {
      const absl::string_view lemma = fields[4 + 2 * static_cast<size_t>(w)];
      if (lemma.empty() || !absl::ascii_isupper(static_cast<unsigned char>(lemma[0]))) continue;
      gazetteer->Add(lemma, categories[lexfile]);
    }
  }
  return absl::OkStatus();
}

absl::Status AddLines(const std::string& path, int category, Gazetteer* gazetteer) {
  absl::StatusOr<std::string> content = ReadMaybeGzippedFile(path);
  if (absl::IsNotFound(content.status())) {
    return absl::NotFoundError(absl::StrCat(path, " not found (Debian package miscfiles)"));
  }
  if (!content.ok()) return content.status();
  for (absl::string_view line : absl::StrSplit(*content, '\n', absl::SkipWhitespace())) {
    gazetteer->Add(absl::StripAsciiWhitespace(line), category);
  }
  return absl::OkStatus();
}

// Reads the English GeoNames names that libgeonames-common ships as a
// gettext catalogue: message ids are GeoNames ids ("2643743" for a city,
// "GB.ENG" for a first-level region, "GB" for a country), translations the
// names. Cities and regions become lists; countries come from iso-codes.
absl::Status AddGeoNames(const std::string& path, Gazetteer* gazetteer) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, " not found (Debian package libgeonames-common)"));
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto word = [&](size_t at, uint32_t* value) {
    if (at + 4 > data.size()) return false;
    std::memcpy(value, data.data() + at, 4);
    return true;
  };
  uint32_t magic = 0, count = 0, originals = 0, translations = 0;
  if (!word(0, &magic) || magic != 0x950412de || !word(8, &count) || !word(12, &originals) ||
      !word(16, &translations)) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a little-endian gettext catalogue"));
  }
  auto string_at = [&](uint32_t table, uint32_t index, absl::string_view* out) {
    uint32_t length = 0, offset = 0;
    const size_t entry = static_cast<size_t>(table) + 8 * static_cast<size_t>(index);
    if (!word(entry, &length) || !word(entry + 4, &offset) ||
        static_cast<size_t>(offset) + length > data.size()) {
      return false;
    }
    *out = absl::string_view(data.data() + offset, length);
    return true;
  };
  const int city = gazetteer->Category("geonames:city");
  const int region = gazetteer->Category("geonames:region");
  for (uint32_t i = 0; i < count; ++i) {
    absl::string_view id, name;
    if (!string_at(originals, i, &id) || !string_at(translations, i, &name)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": entry ", i, " points outside the file"));
    }
    if (id.empty() || name.empty()) continue;
    if (absl::ascii_isdigit(static_cast<unsigned char>(id[0]))) {
      gazetteer->Add(name, city);
    } else if (id.find('.') != absl::string_view::npos) {
      gazetteer->Add(name, region);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ForEachIsoName(const std::string& path, const std::string& list_key,
                            const std::function<void(const std::string&)>& add) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, " not found (Debian package iso-codes)"));
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
    for (const char* key : {"name", "official_name", "common_name"}) {
      auto it = entry.struct_value().fields().find(key);
      if (it != entry.struct_value().fields().end()) add(it->second.string_value());
    }
  }
  return absl::OkStatus();
}

int Gazetteer::Category(const std::string& category) {
  for (size_t i = 0; i < categories_.size(); ++i) {
    if (categories_[i] == category) return static_cast<int>(i);
  }
  if (categories_.size() >= kMaxCategories) return -1;
  categories_.push_back(category);
  return static_cast<int>(categories_.size()) - 1;
}

void Gazetteer::Add(absl::string_view phrase, int category) {
  if (category < 0) return;
  std::string key;
  std::string first;
  size_t words = 0;
  for (absl::string_view word : absl::StrSplit(phrase, absl::ByAnyChar(" _"), absl::SkipEmpty())) {
    if (++words > kMaxPhraseTokens) return;
    if (!key.empty()) key.push_back(' ');
    key.append(absl::AsciiStrToLower(word));
    if (words == 1) first = key;
  }
  if (words == 0) return;
  phrases_[key] |= 1u << category;
  uint8_t& longest = longest_from_[first];
  longest = std::max<uint8_t>(longest, static_cast<uint8_t>(words));
}

std::vector<std::vector<Gazetteer::TokenMatch>> Gazetteer::Match(
    const std::vector<std::string>& lower_tokens, const std::vector<bool>& may_start) const {
  std::vector<std::vector<TokenMatch>> matches(lower_tokens.size());
  std::string key;
  for (size_t i = 0; i < lower_tokens.size(); ++i) {
    if (!may_start[i]) continue;
    auto longest = longest_from_.find(lower_tokens[i]);
    if (longest == longest_from_.end()) continue;
    const size_t limit = std::min<size_t>(longest->second, lower_tokens.size() - i);
    // Longest phrase first.
    for (size_t length = limit; length >= 1; --length) {
      key = lower_tokens[i];
      for (size_t k = 1; k < length; ++k) absl::StrAppend(&key, " ", lower_tokens[i + k]);
      auto found = phrases_.find(key);
      if (found == phrases_.end()) continue;
      for (uint32_t bits = found->second, c = 0; bits != 0; bits >>= 1, ++c) {
        if ((bits & 1u) == 0) continue;
        for (size_t k = 0; k < length; ++k) {
          const char position = length == 1 ? 'U' : k == 0 ? 'B' : k + 1 == length ? 'L' : 'I';
          matches[i + k].push_back({static_cast<uint8_t>(c), position});
        }
      }
      break;
    }
  }
  return matches;
}

absl::StatusOr<Gazetteer> LoadGazetteer(const GazetteerSources& sources) {
  Gazetteer gazetteer;
  const int country = gazetteer.Category("iso:country");
  absl::Status status = ForEachIsoName(sources.iso_codes_dir + "/iso_3166-1.json", "3166-1",
                                       [&](const std::string& name) { gazetteer.Add(name, country); });
  if (!status.ok()) return status;
  const int region = gazetteer.Category("iso:region");
  status = ForEachIsoName(sources.iso_codes_dir + "/iso_3166-2.json", "3166-2",
                          [&](const std::string& name) { gazetteer.Add(name, region); });
  if (!status.ok()) return status;
  status = AddWordNetNames(sources.wordnet_nouns, &gazetteer);
  if (!status.ok()) return status;
  status = AddLines(sources.first_names, gazetteer.Category("first_name"), &gazetteer);
  if (!status.ok()) return status;
  if (!sources.geonames.empty()) {
    status = AddGeoNames(sources.geonames, &gazetteer);
    if (!status.ok()) return status;
  }
  return gazetteer;
}

}  // namespace newsgraph::entity::ner
