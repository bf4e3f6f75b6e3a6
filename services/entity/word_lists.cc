#include "services/entity/word_lists.h"

#include "services/entity/word_shapes.h"

namespace newsgraph::entity {

const absl::flat_hash_set<std::string>& SentenceStartStopwords() {
  static const auto* words = new absl::flat_hash_set<std::string>{
      "the",      "a",         "an",        "in",       "on",          "at",       "it",
      "this",     "that",      "these",     "those",    "he",          "she",      "we",
      "they",     "i",         "but",       "and",      "as",          "if",       "when",
      "what",     "how",       "why",       "who",      "where",       "there",    "our",
      "their",    "his",       "her",       "its",      "all",         "some",     "many",
      "most",     "after",     "before",    "during",   "for",         "from",     "with",
      "by",       "to",        "of",        "since",    "while",       "although", "however",
      "thus",     "also",      "yes",       "no",       "so",          "today",    "yesterday",
      "tomorrow", "according", "meanwhile", "moreover", "furthermore", "besides",  "nevertheless",
      "first",    "second",    "third",     "finally",  "then",        "now",      "here",
      "my",       "your",      "you",       "each",     "every",       "both",     "such",
      "one",      "two",       "three",     "last",     "next",        "other",    "another",
      "only",     "even",      "just",      "thank",    "please",      "let",      "do",
      "does",     "did",       "is",        "are",      "was",         "were",     "will",
      "would",    "can",       "could",     "should",   "may",         "might",    "must",
      "not",      "over",      "under",     "about",    "regarding",   "despite",  "through",
      "within",   "without",   "among",     "between"};
  return *words;
}

const absl::flat_hash_set<std::string>& Connectors() {
  static const auto* words = new absl::flat_hash_set<std::string>{
      "of", "for", "on", "de", "del", "da", "von", "van", "al", "bin", "la", "le"};
  return *words;
}

const absl::flat_hash_set<std::string>& TitleWords() {
  static const auto* words = new absl::flat_hash_set<std::string>{"secretary",
                                                                  "general",
                                                                  "president",
                                                                  "minister",
                                                                  "chairman",
                                                                  "chairwoman",
                                                                  "director",
                                                                  "ambassador",
                                                                  "prime",
                                                                  "deputy",
                                                                  "mr",
                                                                  "mrs",
                                                                  "ms",
                                                                  "dr",
                                                                  "chancellor",
                                                                  "king",
                                                                  "queen",
                                                                  "prince",
                                                                  "premier",
                                                                  "spokesman",
                                                                  "spokeswoman",
                                                                  "spokesperson",
                                                                  "governor",
                                                                  "senator",
                                                                  "correspondent",
                                                                  "editor",
                                                                  "reporter",
                                                                  "envoy",
                                                                  "representative",
                                                                  "sir",
                                                                  "lady",
                                                                  "professor",
                                                                  "chief",
                                                                  "executive",
                                                                  "ceo",
                                                                  "vice",
                                                                  "foreign",
                                                                  "defence",
                                                                  "defense",
                                                                  "finance"};
  return *words;
}

const absl::flat_hash_set<std::string>& OrgHeads() {
  static const auto* words = new absl::flat_hash_set<std::string>{
      "organization", "organisation", "council",     "ministry",   "bank",       "company",
      "corp",         "corporation",  "inc",         "ltd",        "llc",        "plc",
      "group",        "union",        "association", "agency",     "committee",  "party",
      "university",   "news",         "service",     "commission", "fund",       "institute",
      "secretariat",  "parliament",   "assembly",    "court",      "department", "office",
      "army",         "navy",         "police",      "federation", "alliance",   "network",
      "exchange",     "bureau",       "board",       "club",       "times",      "post",
      "journal",      "press",        "novosti",     "tass",       "xinhua",     "reuters",
      "structure",    "centre",       "center",      "foundation", "academy",    "school",
      "authority",    "government",   "cooperation", "community",  "forum",      "nations",
      "industries",   "holdings",     "motors",      "airlines",   "airways",    "energy",
      "oil",          "petroleum",    "telecom",     "railways",   "systems",    "radio",
      "daily",        "television",   "tv",          "review",     "herald",     "gazette",
      "tribune",      "port"};
  return *words;
}

const absl::flat_hash_set<std::string>& EventHeads() {
  static const auto* words = new absl::flat_hash_set<std::string>{
      "summit",    "war",      "games",   "olympics",   "olympiad",  "cup",        "championship",
      "marathon",  "festival", "expo",    "conference", "congress",  "revolution", "election",
      "elections", "crisis",   "mission", "exercise",   "exercises", "tournament", "world"};
  return *words;
}

const absl::flat_hash_set<std::string>& LawHeads() {
  static const auto* words = new absl::flat_hash_set<std::string>{
      "treaty",       "charter",     "convention", "agreement", "act",
      "resolution",   "declaration", "accord",     "accords",   "protocol",
      "constitution", "pact",        "memorandum", "law",       "code"};
  return *words;
}

const absl::flat_hash_set<std::string>& GeographicHeads() {
  static const auto* words = new absl::flat_hash_set<std::string>{
      "river",     "sea",    "ocean",  "mountains", "mountain", "mount",    "lake",
      "gulf",      "bay",    "strait", "desert",    "valley",   "island",   "islands",
      "peninsula", "basin",  "coast",  "region",    "canal",    "plateau",  "range",
      "hills",     "forest", "delta",  "channel",   "cape",     "continent"};
  return *words;
}

const std::vector<std::pair<std::string, std::string>>& CountryNamesBesideIsoCodes() {
  static const auto* names =
      new std::vector<std::pair<std::string, std::string>>{// Short forms.
                                                           {"us", "US"},
                                                           {"usa", "US"},
                                                           {"america", "US"},
                                                           {"uk", "GB"},
                                                           {"britain", "GB"},
                                                           {"great britain", "GB"},
                                                           {"russia", "RU"},
                                                           {"iran", "IR"},
                                                           {"syria", "SY"},
                                                           {"south korea", "KR"},
                                                           {"republic of korea", "KR"},
                                                           {"north korea", "KP"},
                                                           {"vietnam", "VN"},
                                                           {"laos", "LA"},
                                                           {"turkey", "TR"},
                                                           {"turkiye", "TR"},
                                                           {"taiwan", "TW"},
                                                           {"bolivia", "BO"},
                                                           {"venezuela", "VE"},
                                                           {"tanzania", "TZ"},
                                                           {"moldova", "MD"},
                                                           {"czech republic", "CZ"},
                                                           {"brunei", "BN"},
                                                           {"palestine", "PS"},
                                                           {"micronesia", "FM"},
                                                           {"bosnia", "BA"},
                                                           {"vatican", "VA"},
                                                           {"vatican city", "VA"},
                                                           {"trinidad", "TT"},
                                                           {"republic of ireland", "IE"},
                                                           {"eire", "IE"},
                                                           {"macau", "MO"},
                                                           // Former and common English names.
                                                           {"holland", "NL"},
                                                           {"ivory coast", "CI"},
                                                           {"burma", "MM"},
                                                           {"east timor", "TL"},
                                                           {"swaziland", "SZ"},
                                                           {"cape verde", "CV"},
                                                           {"kampuchea", "KH"},
                                                           {"zaire", "CD"},
                                                           {"west germany", "DE"},
                                                           // Initials.
                                                           {"prc", "CN"},
                                                           {"dprk", "KP"},
                                                           {"uae", "AE"}};
  return *names;
}

bool IsHonorific(absl::string_view word) {
  static const auto* honorifics = new absl::flat_hash_set<std::string>{
      "mr", "mrs", "ms", "dr", "mr.", "mrs.", "ms.", "dr.", "mister", "madam", "sir"};
  return honorifics->contains(Lower(word));
}

}  // namespace newsgraph::entity
