#include "services/text/spelling_variants.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace newsgraph::text {
namespace {

// (British, American). Regular families are listed word by word: suffix
// rules (-our, -re, -ise) would also rewrite "four", "genre" and "rise".
constexpr std::pair<const char*, const char*> kPairs[] = {
    // -re / -er
    {"theatre", "theater"},
    {"centre", "center"},
    {"metre", "meter"},
    {"litre", "liter"},
    {"fibre", "fiber"},
    {"calibre", "caliber"},
    {"sombre", "somber"},
    {"spectre", "specter"},
    {"kilometre", "kilometer"},
    {"centimetre", "centimeter"},
    {"millimetre", "millimeter"},
    // -our / -or
    {"colour", "color"},
    {"honour", "honor"},
    {"labour", "labor"},
    {"favour", "favor"},
    {"favourite", "favorite"},
    {"neighbour", "neighbor"},
    {"neighbourhood", "neighborhood"},
    {"neighbourly", "neighborly"},
    {"neighbourliness", "neighborliness"},
    {"harbour", "harbor"},
    {"rumour", "rumor"},
    {"humour", "humor"},
    {"behaviour", "behavior"},
    {"flavour", "flavor"},
    {"vapour", "vapor"},
    {"armour", "armor"},
    {"endeavour", "endeavor"},
    {"saviour", "savior"},
    {"vigour", "vigor"},
    {"valour", "valor"},
    {"rigour", "rigor"},
    {"odour", "odor"},
    {"glamour", "glamor"},
    {"parlour", "parlor"},
    {"tumour", "tumor"},
    {"colourful", "colorful"},
    {"honourable", "honorable"},
    {"favourable", "favorable"},
    {"neighbouring", "neighboring"},
    {"labourer", "laborer"},
    // -ise / -ize, -isation / -ization
    {"organise", "organize"},
    {"organised", "organized"},
    {"organiser", "organizer"},
    {"organisation", "organization"},
    {"realise", "realize"},
    {"realised", "realized"},
    {"recognise", "recognize"},
    {"recognised", "recognized"},
    {"criticise", "criticize"},
    {"criticised", "criticized"},
    {"apologise", "apologize"},
    {"apologised", "apologized"},
    {"privatise", "privatize"},
    {"privatised", "privatized"},
    {"privatisation", "privatization"},
    {"authorise", "authorize"},
    {"authorised", "authorized"},
    {"authorisation", "authorization"},
    {"minimise", "minimize"},
    {"maximise", "maximize"},
    {"emphasise", "emphasize"},
    {"prioritise", "prioritize"},
    {"finalise", "finalize"},
    {"finalised", "finalized"},
    {"legalise", "legalize"},
    {"legalisation", "legalization"},
    {"modernise", "modernize"},
    {"modernisation", "modernization"},
    {"globalisation", "globalization"},
    {"nationalise", "nationalize"},
    {"nationalisation", "nationalization"},
    {"liberalise", "liberalize"},
    {"liberalisation", "liberalization"},
    {"stabilise", "stabilize"},
    {"stabilisation", "stabilization"},
    {"subsidise", "subsidize"},
    {"mobilise", "mobilize"},
    {"civilisation", "civilization"},
    {"urbanisation", "urbanization"},
    {"industrialisation", "industrialization"},
    {"normalise", "normalize"},
    {"normalisation", "normalization"},
    {"democratisation", "democratization"},
    {"characterise", "characterize"},
    {"capitalise", "capitalize"},
    {"specialise", "specialize"},
    {"specialised", "specialized"},
    {"summarise", "summarize"},
    {"utilise", "utilize"},
    {"hospitalised", "hospitalized"},
    {"jeopardise", "jeopardize"},
    {"sympathise", "sympathize"},
    {"terrorise", "terrorize"},
    {"penalise", "penalize"},
    {"publicise", "publicize"},
    {"analyse", "analyze"},
    {"analysed", "analyzed"},
    {"paralyse", "paralyze"},
    {"catalyse", "catalyze"},
    // -ce / -se
    {"defence", "defense"},
    {"offence", "offense"},
    {"licence", "license"},
    {"pretence", "pretense"},
    // -ogue / -og, -mme / -m
    {"catalogue", "catalog"},
    {"dialogue", "dialog"},
    {"analogue", "analog"},
    {"programme", "program"},
    // doubled l
    {"travelled", "traveled"},
    {"travelling", "traveling"},
    {"traveller", "traveler"},
    {"cancelled", "canceled"},
    {"cancelling", "canceling"},
    {"modelling", "modeling"},
    {"labelled", "labeled"},
    {"fuelled", "fueled"},
    {"counsellor", "counselor"},
    {"marvellous", "marvelous"},
    {"jewellery", "jewelry"},
    {"woollen", "woolen"},
    {"signalled", "signaled"},
    {"totalled", "totaled"},
    {"channelled", "channeled"},
    {"enrol", "enroll"},
    {"fulfil", "fulfill"},
    {"instalment", "installment"},
    {"skilful", "skillful"},
    {"wilful", "willful"},
    // ae, oe
    {"paediatric", "pediatric"},
    {"anaemia", "anemia"},
    {"leukaemia", "leukemia"},
    {"haemorrhage", "hemorrhage"},
    {"encyclopaedia", "encyclopedia"},
    {"oestrogen", "estrogen"},
    {"manoeuvre", "maneuver"},
    {"orthopaedic", "orthopedic"},
    {"anaesthetic", "anesthetic"},
    {"diarrhoea", "diarrhea"},
    {"foetus", "fetus"},
    // others
    {"aluminium", "aluminum"},
    {"grey", "gray"},
    {"plough", "plow"},
    {"sceptical", "skeptical"},
    {"sceptic", "skeptic"},
    {"mould", "mold"},
    {"smoulder", "smolder"},
    {"moustache", "mustache"},
    {"pyjamas", "pajamas"},
    {"judgement", "judgment"},
    {"ageing", "aging"},
    {"acknowledgement", "acknowledgment"},
    {"cosy", "cozy"},
    {"doughnut", "donut"},
    {"sulphur", "sulfur"},
    {"gaol", "jail"},
    {"practise", "practice"},
    {"whisky", "whiskey"},
};

const absl::flat_hash_map<std::string, std::string>& Variants() {
  static const auto* variants = [] {
    auto* map = new absl::flat_hash_map<std::string, std::string>;
    for (const auto& [british, american] : kPairs) {
      map->emplace(british, american);
      map->emplace(american, british);
    }
    return map;
  }();
  return *variants;
}

const absl::flat_hash_map<std::string, std::string>& BritishToAmerican() {
  static const auto* map = [] {
    auto* m = new absl::flat_hash_map<std::string, std::string>;
    for (const auto& [british, american] : kPairs) m->emplace(british, american);
    return m;
  }();
  return *map;
}

// The American form of one folded word, plurals by their singular.
absl::string_view AmericanWord(absl::string_view word, std::string* storage) {
  const auto& map = BritishToAmerican();
  if (auto it = map.find(word); it != map.end()) return it->second;
  if (word.size() > 3 && absl::EndsWith(word, "s")) {
    if (auto it = map.find(word.substr(0, word.size() - 1)); it != map.end()) {
      *storage = absl::StrCat(it->second, "s");
      return *storage;
    }
  }
  return word;
}

}  // namespace

std::optional<std::string> OtherSpelling(absl::string_view word) {
  const auto& variants = Variants();
  if (auto it = variants.find(word); it != variants.end()) return it->second;
  if (word.size() > 3 && absl::EndsWith(word, "s")) {
    if (auto it = variants.find(word.substr(0, word.size() - 1)); it != variants.end()) {
      return absl::StrCat(it->second, "s");
    }
  }
  return std::nullopt;
}

std::string AmericanSpelling(absl::string_view folded) {
  std::string out;
  out.reserve(folded.size());
  std::string storage;
  bool first = true;
  for (absl::string_view word : absl::StrSplit(folded, ' ')) {
    if (!first) out.push_back(' ');
    first = false;
    absl::StrAppend(&out, AmericanWord(word, &storage));
  }
  return out;
}

}  // namespace newsgraph::text
