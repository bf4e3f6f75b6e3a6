#include "services/search/synonyms.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "services/search/analyzer.h"

namespace newsgraph::search {
namespace {

// Groups of words that stand for each other in news text, as typed.
const std::vector<std::vector<std::string>>& Groups() {
  static const auto* groups = new std::vector<std::vector<std::string>>{
      // Markets and business.
      {"drop", "fall", "decline", "slide", "plunge", "tumble", "slump", "dip"},
      {"rise", "gain", "climb", "increase", "jump", "surge", "soar", "rebound"},
      {"cut", "reduce", "trim"},
      {"raise", "hike"},
      {"buy", "acquire", "purchase"},
      {"takeover", "acquisition", "buyout"},
      {"merger", "merge"},
      {"sell", "divest"},
      {"offer", "bid", "tender"},
      {"profit", "earnings"},
      {"cost", "price"},
      {"agreement", "deal", "accord", "pact"},
      {"forecast", "predict"},
      {"growth", "expansion"},
      {"crash", "collapse"},
      {"boost", "bolster"},
      {"tax", "levy"},
      {"unemployment", "jobless"},
      {"shortage", "scarcity"},
      // People and politics.
      {"pick", "choose", "select", "nominate", "appoint"},
      {"resign", "quit"},
      {"sack", "dismiss"},
      {"talks", "negotiations"},
      {"plan", "proposal"},
      {"ban", "prohibit", "outlaw"},
      {"warn", "caution"},
      {"help", "assist"},
      {"boss", "chief"},
      {"probe", "investigation", "inquiry"},
      {"war", "conflict"},
      {"attack", "assault"},
      {"bomb", "blast", "explosion"},
      // Law.
      {"jail", "imprison"},
      {"lawsuit", "litigation"},
      {"ruling", "verdict", "judgment"},
      // Sport, culture, everyday things.
      {"win", "beat", "defeat"},
      {"film", "movie"},
      {"car", "automobile"},
      {"doctor", "physician"},
      {"stop", "halt", "suspend"},
      {"begin", "start"},
  };
  return *groups;
}

}  // namespace

const std::vector<std::string>& SynonymsOf(absl::string_view term) {
  static const auto* by_term = [] {
    auto* map = new absl::flat_hash_map<std::string, std::vector<std::string>>();
    for (const std::vector<std::string>& group : Groups()) {
      std::vector<std::string> stems;
      for (const std::string& word : group) {
        const std::vector<AnalyzedToken> tokens = Analyze(word, "en");
        if (tokens.size() == 1) stems.push_back(tokens[0].term);
      }
      for (const std::string& stem : stems) {
        std::vector<std::string>& others = (*map)[stem];
        for (const std::string& other : stems) {
          if (other != stem && std::find(others.begin(), others.end(), other) == others.end()) {
            others.push_back(other);
          }
        }
      }
    }
    return map;
  }();
  static const std::vector<std::string>* none = new std::vector<std::string>();
  auto it = by_term->find(term);
  return it == by_term->end() ? *none : it->second;
}

}  // namespace newsgraph::search
