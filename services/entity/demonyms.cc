#include "services/entity/demonyms.h"

#include <array>
#include <utility>
#include <vector>

#include "absl/strings/match.h"

namespace newsgraph::entity {
namespace {

bool IsVowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; }

// Candidate demonyms of a one-word name, most regular first.
std::vector<std::string> Derive(const std::string& name) {
  std::vector<std::string> forms;
  const char last = name.back();
  const std::string stem = IsVowel(last) ? name.substr(0, name.size() - 1) : name;
  if (last == 'a') forms.push_back(name + "n");               // russia -> russian
  if (!IsVowel(last)) forms.push_back(name + "i");            // pakistan -> pakistani
  if (!IsVowel(last)) forms.push_back(name + "ian");          // egypt -> egyptian
  forms.push_back(stem + "ese");                              // china -> chinese
  forms.push_back(stem + "ian");                              // canada -> canadian
  if (last == 'y') forms.push_back(stem);                     // germany -> german
  if (absl::EndsWith(name, "land")) {
    forms.push_back(name.substr(0, name.size() - 3) + "ish");  // poland -> polish
  }
  if (last == 'o') forms.push_back(stem + "an");  // mexico -> mexican
  return forms;
}

}  // namespace

absl::flat_hash_map<std::string, std::string> BuildDemonyms(
    const absl::flat_hash_map<std::string, std::string>& countries) {
  absl::flat_hash_map<std::string, std::string> demonyms;
  // Irregular forms that no rule derives (facts, not text).
  static constexpr std::array<std::pair<const char*, const char*>, 28> kIrregular = {{
      {"french", "FR"},   {"british", "GB"},  {"english", "GB"},   {"scottish", "GB"},
      {"welsh", "GB"},    {"american", "US"}, {"dutch", "NL"},     {"swiss", "CH"},
      {"greek", "GR"},    {"thai", "TH"},     {"filipino", "PH"},  {"spanish", "ES"},
      {"danish", "DK"},   {"swedish", "SE"},  {"norwegian", "NO"}, {"turkish", "TR"},
      {"vietnamese", "VN"}, {"kyrgyz", "KG"}, {"uzbek", "UZ"},     {"kazakh", "KZ"},
      {"tajik", "TJ"},    {"afghan", "AF"},   {"emirati", "AE"},   {"saudi", "SA"},
      {"israeli", "IL"},  {"korean", "KR"},   {"iraqi", "IQ"},     {"lao", "LA"},
  }};
  for (const auto& [form, code] : kIrregular) demonyms[form] = code;
  // Regular derivations, rule by rule so that a more regular form wins.
  for (size_t rule = 0; rule < 8; ++rule) {
    for (const auto& [name, code] : countries) {
      if (name.size() < 4 || name.find(' ') != std::string::npos) continue;
      const std::vector<std::string> forms = Derive(name);
      if (rule < forms.size()) demonyms.try_emplace(forms[rule], code);
    }
  }
  return demonyms;
}

}  // namespace newsgraph::entity
