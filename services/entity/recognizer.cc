#include "services/entity/recognizer.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "services/entity/demonyms.h"
#include "services/entity/roles.h"
#include "services/entity/ner/lexicons.h"
#include "services/text/normalizer.h"
#include "services/text/tokenizer.h"

namespace newsgraph::entity {
namespace {

using newsgraph::v1::EntityType;
using text::Token;
using text::TokenKind;

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

const absl::flat_hash_set<std::string>& Abbreviations() {
  static const auto* words = new absl::flat_hash_set<std::string>{
      "mr",  "mrs", "ms",  "dr",  "st",  "inc",  "ltd", "co",  "corp", "jr",   "sr",  "vs",  "etc",
      "no",  "gen", "col", "lt",  "sgt", "capt", "gov", "sen", "rep",  "prof", "jan", "feb", "mar",
      "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",  "u.s",  "u.k", "e.g", "i.e"};
  return *words;
}

const absl::flat_hash_map<std::string, int>& Months() {
  static const auto* months = new absl::flat_hash_map<std::string, int>{
      {"january", 1},   {"february", 2},  {"march", 3},  {"april", 4},     {"may", 5},
      {"june", 6},      {"july", 7},      {"august", 8}, {"september", 9}, {"october", 10},
      {"november", 11}, {"december", 12}, {"jan", 1},    {"feb", 2},       {"mar", 3},
      {"apr", 4},       {"jun", 6},       {"jul", 7},    {"aug", 8},       {"sep", 9},
      {"sept", 9},      {"oct", 10},      {"nov", 11},   {"dec", 12}};
  return *months;
}

// Lower-case words that headlines leave uncapitalized.
const absl::flat_hash_set<std::string>& FunctionWords() {
  static const auto* words = new absl::flat_hash_set<std::string>{
      "a",    "an", "the",  "of",  "in", "on", "at",   "to",   "for",
      "with", "by", "from", "and", "or", "as", "into", "over", "after"};
  return *words;
}

const absl::flat_hash_set<std::string>& Weekdays() {
  static const auto* days = new absl::flat_hash_set<std::string>{
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  return *days;
}

const absl::flat_hash_map<std::string, std::string>& Currencies() {
  static const auto* currencies = new absl::flat_hash_map<std::string, std::string>{
      {"$", "USD"},      {"us$", "USD"},      {"€", "EUR"},      {"£", "GBP"},
      {"¥", "CNY"},      {"₽", "RUB"},      {"dollar", "USD"}, {"dollars", "USD"},
      {"euro", "EUR"},   {"euros", "EUR"},    {"pound", "GBP"},  {"pounds", "GBP"},
      {"yuan", "CNY"},   {"renminbi", "CNY"}, {"rouble", "RUB"}, {"roubles", "RUB"},
      {"ruble", "RUB"},  {"rubles", "RUB"},   {"yen", "JPY"},    {"rupee", "INR"},
      {"rupees", "INR"}, {"usd", "USD"},      {"eur", "EUR"},    {"gbp", "GBP"},
      {"cny", "CNY"},    {"rub", "RUB"},      {"jpy", "JPY"},    {"inr", "INR"},
      {"dlrs", "USD"},   {"francs", "CHF"},   {"marks", "DEM"},  {"stg", "GBP"}};
  return *currencies;
}

bool StartsUpper(absl::string_view word) {
  if (word.empty()) return false;
  int32_t i = 0;
  UChar32 c;
  U8_NEXT(word.data(), i, static_cast<int32_t>(word.size()), c);
  return c >= 0 && (u_isupper(c) || u_istitle(c));
}

bool IsAllCapsAcronym(absl::string_view word) {
  if (word.size() < 2 || word.size() > 6) return false;
  for (char c : word) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(c)) && c != '.') return false;
  }
  return true;
}

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(std::string(s)); }

// Only whitespace without a line break lies between the two tokens.
bool Adjacent(absl::string_view text, const Token& a, const Token& b) {
  if (b.byte_begin < a.byte_end) return false;
  absl::string_view gap = text.substr(a.byte_end, b.byte_begin - a.byte_end);
  return gap.find('\n') == absl::string_view::npos && gap.size() <= 2;
}

double ScaleWord(absl::string_view word) {
  const std::string w = Lower(word);
  if (w == "thousand") return 1e3;
  if (w == "million" || w == "mln" || w == "m") return 1e6;
  if (w == "billion" || w == "bln" || w == "bn") return 1e9;
  if (w == "trillion" || w == "tn") return 1e12;
  return 0;
}

bool ParseNumber(absl::string_view s, double* out) {
  std::string cleaned = absl::StrReplaceAll(s, {{",", ""}});
  return absl::SimpleAtod(cleaned, out);
}

}  // namespace

absl::StatusOr<Gazetteer> LoadCountryGazetteer(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("country gazetteer not found: ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  google::protobuf::Struct root;
  auto status = google::protobuf::util::JsonStringToMessage(buffer.str(), &root);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot parse ", path, ": ", status.ToString()));
  }
  Gazetteer gazetteer;
  auto it = root.fields().find("3166-1");
  if (it == root.fields().end()) {
    return absl::InvalidArgumentError(absl::StrCat(path, " has no \"3166-1\" list"));
  }
  for (const google::protobuf::Value& entry : it->second.list_value().values()) {
    const auto& fields = entry.struct_value().fields();
    auto code = fields.find("alpha_2");
    if (code == fields.end()) continue;
    for (const char* key : {"name", "official_name", "common_name"}) {
      auto name = fields.find(key);
      if (name != fields.end()) {
        gazetteer.emplace(text::FoldForMatching(name->second.string_value()),
                          code->second.string_value());
      }
    }
    gazetteer.emplace(text::FoldForMatching(code->second.string_value()),
                      code->second.string_value());
  }
  // Common short forms that iso-codes does not list.
  for (auto [name, code] :
       {std::pair{"us", "US"},   {"usa", "US"},           {"america", "US"},     {"uk", "GB"},
        {"britain", "GB"},       {"great britain", "GB"}, {"russia", "RU"},      {"iran", "IR"},
        {"syria", "SY"},         {"south korea", "KR"},   {"north korea", "KP"}, {"vietnam", "VN"},
        {"laos", "LA"},          {"turkey", "TR"},        {"turkiye", "TR"},     {"taiwan", "TW"},
        {"bolivia", "BO"},       {"venezuela", "VE"},     {"tanzania", "TZ"},    {"moldova", "MD"},
        {"czech republic", "CZ"}}) {
    gazetteer.emplace(name, code);
  }
  return gazetteer;
}

Recognizer::Recognizer(Gazetteer countries, std::shared_ptr<const ner::NerTagger> tagger,
                       std::string model_id)
    : countries_(std::move(countries)),
      demonyms_(BuildDemonyms(countries_)),
      tagger_(std::move(tagger)),
      model_id_(std::move(model_id)) {
  if (model_id_.empty()) model_id_ = tagger_ ? "ner-perceptron" : "rules-0.1";
}

newsgraph::v1::EntityType Recognizer::MapConllType(const std::string& type,
                                                   const std::vector<absl::string_view>& words,
                                                   absl::string_view surface) const {
  static const auto* kGeographic = new absl::flat_hash_set<std::string>{
      "river",     "sea",    "ocean",  "mountains", "mountain", "mount",    "lake",
      "gulf",      "bay",    "strait", "desert",    "valley",   "island",   "islands",
      "peninsula", "basin",  "coast",  "region",    "canal",    "plateau",  "range",
      "hills",     "forest", "delta",  "channel",   "cape",     "continent"};
  const std::string head = words.empty() ? "" : Lower(words.back());
  const std::string first = words.empty() ? "" : Lower(words.front());
  if (LawHeads().contains(head) || (first == "treaty" && words.size() > 2))
    return newsgraph::v1::LAW;
  if (type == "PER") return newsgraph::v1::PERSON;
  if (type == "LOC") {
    if (!CountryCode(surface).empty()) return newsgraph::v1::GPE;
    return kGeographic->contains(head) || kGeographic->contains(first) ? newsgraph::v1::LOC
                                                                       : newsgraph::v1::GPE;
  }
  if (EventHeads().contains(head) && head != "world") return newsgraph::v1::EVENT;
  if (type == "ORG") return newsgraph::v1::ORG;
  // MISC: single words are mostly nationalities and groups ("German", "Muslims").
  return words.size() == 1 ? newsgraph::v1::NORP : newsgraph::v1::MISC;
}

bool IsHonorific(absl::string_view word) {
  static const auto* honorifics = new absl::flat_hash_set<std::string>{
      "mr", "mrs", "ms", "dr", "mr.", "mrs.", "ms.", "dr.", "mister", "madam", "sir"};
  return honorifics->contains(Lower(word));
}

std::optional<TitledName> SplitTitledName(const std::vector<absl::string_view>& words,
                                         bool tagged_person) {
  const size_t n = words.size();
  if (n < 2) return std::nullopt;
  // The name: trailing capitalized words that are neither titles nor
  // organisation heads.
  size_t name_begin = n;
  while (name_begin > 0) {
    const absl::string_view w = words[name_begin - 1];
    const bool capitalized = absl::ascii_isupper(static_cast<unsigned char>(w[0])) ||
                             static_cast<unsigned char>(w[0]) >= 0x80;
    const bool acronym = w.size() >= 2 && std::all_of(w.begin(), w.end(), [](char c) {
      return absl::ascii_isupper(static_cast<unsigned char>(c));
    });
    if (!capitalized || acronym || IsTitleWord(w) || OrgHeads().contains(Lower(w)) ||
        Connectors().contains(Lower(w))) {
      break;
    }
    --name_begin;
  }
  const size_t name_words = n - name_begin;
  if (name_words == 0 || name_words > 4 || (name_words == 1 && !tagged_person)) return std::nullopt;
  // The title: the run of title words right before the name, with a head
  // that is a position on its own ("Secretary", not "General" as in
  // "General Motors").
  size_t title_begin = name_begin;
  bool has_head = false;
  while (title_begin > 0 && IsTitleWord(words[title_begin - 1])) {
    const std::string w = Lower(words[title_begin - 1]);
    has_head |= IsTitleHead(w) && w != "general" && w != "chief" && w != "head" &&
                w != "executive" && w != "leader";
    --title_begin;
  }
  if (title_begin == name_begin || !has_head) return std::nullopt;
  return TitledName{title_begin, name_begin};
}

void Recognizer::AddTaggedNames(absl::string_view text, const std::vector<Token>& tokens,
                                const std::vector<size_t>& sentence_of,
                                const std::function<bool()>& stop, Recognition* result) const {
  // The tagger sees each sentence as its token strings, tokenized the way
  // its training data was: hyphenated words ("Secretary-General") and
  // abbreviations with their final dot ("U.S.") stay one token.
  struct Piece {
    size_t byte_begin;
    size_t byte_end;
    bool punctuation;
  };
  std::vector<std::vector<std::string>> sentences;
  std::vector<std::vector<Piece>> pieces;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const size_t s = sentence_of[i];
    if (sentences.size() <= s) {
      sentences.resize(s + 1);
      pieces.resize(s + 1);
    }
    Piece piece{tokens[i].byte_begin, tokens[i].byte_end,
                tokens[i].kind == TokenKind::kPunctuation};
    const bool glued_to_previous =
        !pieces[s].empty() && pieces[s].back().byte_end == piece.byte_begin;
    const absl::string_view word = tokens[i].in(text);
    if (glued_to_previous && !pieces[s].back().punctuation && word == "-" &&
        i + 1 < tokens.size() && tokens[i + 1].byte_begin == piece.byte_end &&
        sentence_of[i + 1] == s && tokens[i + 1].kind != TokenKind::kPunctuation) {
      pieces[s].back().byte_end = tokens[i + 1].byte_end;  // word-word
      ++i;
    } else if (glued_to_previous && !pieces[s].back().punctuation && word == "." &&
               text.substr(pieces[s].back().byte_begin,
                           pieces[s].back().byte_end - pieces[s].back().byte_begin)
                       .find('.') != absl::string_view::npos) {
      pieces[s].back().byte_end = piece.byte_end;  // U.S.
    } else {
      pieces[s].push_back(piece);
    }
  }
  for (size_t s = 0; s < pieces.size(); ++s) {
    for (const Piece& p : pieces[s]) {
      // The tagger learned from ASCII news: "Tromsø" reaches it as "Tromso".
      sentences[s].push_back(text::ToLatinAscii(text.substr(p.byte_begin, p.byte_end - p.byte_begin)));
    }
  }
  const auto tagged = tagger_->TagDocumentWithConfidence(sentences, stop);
  if (tagged.size() < sentences.size()) {
    result->stopped = true;
    return;
  }
  std::vector<RecognizedMention> names;
  for (size_t s = 0; s < tagged.size(); ++s) {
    for (const auto& [span, confidence] : tagged[s]) {
      // Trim punctuation at the edges; a span of punctuation only is noise.
      size_t begin = span.begin;
      size_t end = span.end;
      while (begin < end && pieces[s][begin].punctuation) ++begin;
      while (end > begin && pieces[s][end - 1].punctuation) --end;
      // Honorifics are not part of a name ("Mr Zhang" -> "Zhang"), nor one.
      while (begin < end && IsHonorific(text.substr(pieces[s][begin].byte_begin,
                                                    pieces[s][begin].byte_end -
                                                        pieces[s][begin].byte_begin))) {
        ++begin;
        while (begin < end && pieces[s][begin].punctuation) ++begin;
      }
      if (begin == end) continue;
      // A name does not end in the first words of a title that goes on
      // after it ("SCO Executive | Secretary Zhang Deguang").
      if (span.type != "PER") {
        auto word_at = [&](size_t k) {
          return text.substr(pieces[s][k].byte_begin, pieces[s][k].byte_end - pieces[s][k].byte_begin);
        };
        while (end - begin >= 2 && end < pieces[s].size() && !pieces[s][end].punctuation &&
               IsTitleWord(word_at(end)) && IsTitleWord(word_at(end - 1)) &&
               !pieces[s][end - 2].punctuation) {
          --end;
        }
      }
      std::vector<absl::string_view> words;
      std::vector<size_t> word_piece;
      for (size_t k = begin; k < end; ++k) {
        if (!pieces[s][k].punctuation) {
          words.push_back(text.substr(pieces[s][k].byte_begin,
                                      pieces[s][k].byte_end - pieces[s][k].byte_begin));
          word_piece.push_back(k);
        }
      }
      const size_t byte_begin = pieces[s][begin].byte_begin;
      const size_t byte_end = pieces[s][end - 1].byte_end;
      const absl::string_view surface = text.substr(byte_begin, byte_end - byte_begin);
      // "SCO Executive Secretary Zhang Deguang" tagged as one name is an
      // organisation, a title and a person.
      if (std::optional<TitledName> titled = SplitTitledName(words, span.type == "PER")) {
        if (titled->title_begin > 0) {
          const size_t prefix_end = pieces[s][word_piece[titled->title_begin - 1]].byte_end;
          const std::vector<absl::string_view> prefix(words.begin(),
                                                      words.begin() + titled->title_begin);
          const absl::string_view prefix_surface = text.substr(byte_begin, prefix_end - byte_begin);
          float prefix_confidence = confidence;
          EntityType prefix_type = ClassifyName(prefix, prefix_surface, &prefix_confidence);
          if (prefix_type == newsgraph::v1::PERSON || prefix_type == newsgraph::v1::MISC) {
            prefix_type = prefix.size() == 1 && !CountryCodeOfDemonym(prefix_surface).empty()
                              ? newsgraph::v1::NORP
                              : newsgraph::v1::ORG;
          }
          names.push_back({byte_begin, prefix_end, prefix_type, confidence, s, ""});
        }
        const size_t name_begin = pieces[s][word_piece[titled->name_begin]].byte_begin;
        names.push_back({name_begin, byte_end, newsgraph::v1::PERSON, confidence, s, ""});
        continue;
      }
      names.push_back(
          {byte_begin, byte_end, MapConllType(span.type, words, surface), confidence, s, ""});
    }
  }
  // Values (dates, amounts) win over overlapping names. Both lists are in
  // text order and neither overlaps itself, so one sweep finds the overlaps.
  std::vector<RecognizedMention> merged;
  merged.reserve(result->mentions.size() + names.size());
  std::sort(result->mentions.begin(), result->mentions.end(),
            [](const RecognizedMention& a, const RecognizedMention& b) {
              return a.byte_begin < b.byte_begin;
            });
  size_t next_value = 0;
  for (const RecognizedMention& name : names) {
    const std::vector<RecognizedMention>& values = result->mentions;
    while (next_value < values.size() && values[next_value].byte_end <= name.byte_begin) {
      ++next_value;
    }
    const bool overlaps =
        next_value < values.size() && values[next_value].byte_begin < name.byte_end;
    if (!overlaps) merged.push_back(name);
  }
  merged.insert(merged.end(), result->mentions.begin(), result->mentions.end());
  std::sort(merged.begin(), merged.end(),
            [](const RecognizedMention& a, const RecognizedMention& b) {
              return a.byte_begin < b.byte_begin;
            });
  result->mentions = std::move(merged);
}

std::string Recognizer::CountryCodeOfDemonym(absl::string_view surface) const {
  auto it = demonyms_.find(text::FoldForMatching(surface));
  return it == demonyms_.end() ? "" : it->second;
}

std::string Recognizer::CountryCode(absl::string_view surface) const {
  std::string folded = text::FoldForMatching(surface);
  auto it = countries_.find(folded);
  if (it == countries_.end() && folded.find('.') != std::string::npos) {
    // Abbreviations with or without their final dot: "U.K", "U.K." -> "uk".
    folded.erase(std::remove(folded.begin(), folded.end(), '.'), folded.end());
    it = countries_.find(folded);
  }
  return it == countries_.end() ? "" : it->second;
}

EntityType Recognizer::ClassifyName(const std::vector<absl::string_view>& words,
                                    absl::string_view surface, float* confidence) const {
  if (!CountryCode(surface).empty()) {
    *confidence = 0.9f;
    return newsgraph::v1::GPE;
  }
  bool org = false, event = false, law = false;
  for (absl::string_view w : words) {
    const std::string lw = Lower(w);
    org |= OrgHeads().contains(lw);
    event |= EventHeads().contains(lw);
    law |= LawHeads().contains(lw);
  }
  const std::string head = Lower(words.back());
  if (LawHeads().contains(head) || (law && words.size() > 2 && Lower(words[0]) == "treaty")) {
    *confidence = 0.7f;
    return newsgraph::v1::LAW;
  }
  if (EventHeads().contains(head) || (event && !org)) {
    *confidence = 0.6f;
    return newsgraph::v1::EVENT;
  }
  if (org) {
    *confidence = 0.75f;
    return newsgraph::v1::ORG;
  }
  if (words.size() > 1) {
    for (absl::string_view w : words) {
      const std::string lw = Lower(w);
      if (IsAllCapsAcronym(w) || lw == "of" || lw == "for" || lw == "on") {
        *confidence = 0.45f;
        return newsgraph::v1::ORG;
      }
    }
  }
  if (words.size() == 1) {
    if (IsAllCapsAcronym(words[0])) {
      *confidence = 0.6f;
      return newsgraph::v1::ORG;
    }
    const std::string w = Lower(words[0]);
    for (absl::string_view suffix : {"ian", "ese", "ish", "ean", "ani", "ians", "eans"}) {
      if (w.size() > suffix.size() + 2 && absl::EndsWith(w, suffix)) {
        *confidence = 0.55f;
        return newsgraph::v1::NORP;
      }
    }
    *confidence = 0.4f;
    return newsgraph::v1::MISC;
  }
  if (words.size() <= 4) {
    *confidence = 0.6f;
    return newsgraph::v1::PERSON;
  }
  *confidence = 0.4f;
  return newsgraph::v1::MISC;
}

Recognition Recognizer::Recognize(absl::string_view text,
                                  const std::function<bool()>& stop) const {
  Recognition result;
  const std::vector<Token> tokens = text::Tokenize(text);
  const size_t n = tokens.size();

  // Sentence boundaries: . ? ! (not after an abbreviation or initial), or a
  // paragraph break.
  std::vector<size_t> sentence_of(n, 0);
  std::vector<bool> starts_sentence(n, false);
  size_t sentence = 0;
  size_t sentence_begin = n > 0 ? tokens[0].byte_begin : 0;
  for (size_t i = 0; i < n; ++i) {
    if (i == 0) starts_sentence[i] = true;
    if (i > 0 &&
        text.substr(tokens[i - 1].byte_end, tokens[i].byte_begin - tokens[i - 1].byte_end)
                .find("\n") != absl::string_view::npos &&
        !starts_sentence[i]) {
      result.sentences.emplace_back(sentence_begin, tokens[i - 1].byte_end);
      ++sentence;
      sentence_begin = tokens[i].byte_begin;
      starts_sentence[i] = true;
    }
    sentence_of[i] = sentence;
    const absl::string_view t = tokens[i].in(text);
    // A capitalized word after a colon starts a clause like a sentence does
    // ("Director Karin Holm: Roughly ...").
    if (t == ":" && i + 1 < n) starts_sentence[i + 1] = true;
    const bool terminal =
        tokens[i].kind == TokenKind::kPunctuation && (t == "." || t == "?" || t == "!" || t == "…");
    if (!terminal || i + 1 >= n) continue;
    if (t == "." && i > 0) {
      const absl::string_view prev = tokens[i - 1].in(text);
      if (Abbreviations().contains(Lower(prev)) ||
          (prev.size() == 1 && absl::ascii_isupper(static_cast<unsigned char>(prev[0])))) {
        continue;
      }
    }
    // Close the sentence after trailing quotes and brackets.
    size_t end = i;
    while (end + 1 < n && tokens[end + 1].kind == TokenKind::kPunctuation &&
           absl::string_view("\"'”’)»]").find(tokens[end + 1].in(text)) !=
               absl::string_view::npos) {
      ++end;
      sentence_of[end] = sentence;
    }
    result.sentences.emplace_back(sentence_begin, tokens[end].byte_end);
    ++sentence;
    if (end + 1 < n) {
      sentence_begin = tokens[end + 1].byte_begin;
      starts_sentence[end + 1] = true;
    }
    i = end;
  }
  if (n > 0 &&
      (result.sentences.empty() || result.sentences.back().second < tokens[n - 1].byte_end)) {
    result.sentences.emplace_back(sentence_begin, tokens[n - 1].byte_end);
  }

  // Tokens on headline-style lines (four or more words, most capitalized).
  std::vector<bool> in_headline(n, false);
  for (size_t line_begin = 0; line_begin < n;) {
    size_t line_end = line_begin + 1;
    while (line_end < n && text.substr(tokens[line_end - 1].byte_end,
                                       tokens[line_end].byte_begin - tokens[line_end - 1].byte_end)
                                   .find('\n') == absl::string_view::npos) {
      ++line_end;
    }
    size_t words = 0, capitalized = 0;
    bool ends_sentence = false;
    for (size_t k = line_begin; k < line_end; ++k) {
      const absl::string_view w = tokens[k].in(text);
      if (tokens[k].kind == TokenKind::kWord && !FunctionWords().contains(w)) {
        ++words;
        capitalized += StartsUpper(w);
      }
      ends_sentence = w == "." || w == "?" || w == "!" || w == ":";
    }
    if (words >= 3 && capitalized * 10 >= words * 8 && !ends_sentence) {
      for (size_t k = line_begin; k < line_end; ++k) in_headline[k] = true;
    }
    line_begin = line_end;
  }

  auto add = [&](size_t first, size_t last, EntityType type, float confidence,
                 std::string value = "") {
    result.mentions.push_back({tokens[first].byte_begin, tokens[last].byte_end, type, confidence,
                               sentence_of[first], std::move(value)});
  };

  size_t i = 0;
  while (i < n) {
    const Token& tok = tokens[i];
    const absl::string_view word = tok.in(text);

    // Values: PERCENT, MONEY, DATE.
    if (tok.kind == TokenKind::kNumber) {
      double number = 0;
      ParseNumber(word, &number);
      size_t last = i;
      double scale = 1;
      if (i + 1 < n && Adjacent(text, tok, tokens[i + 1])) {
        if (double s = ScaleWord(tokens[i + 1].in(text)); s > 0) {
          scale = s;
          last = i + 1;
        }
      }
      // Currency before the number ("$5", "USD 5").
      if (i > 0 && Adjacent(text, tokens[i - 1], tok) &&
          Currencies().contains(Lower(tokens[i - 1].in(text))) &&
          (result.mentions.empty() ||
           result.mentions.back().byte_end <= tokens[i - 1].byte_begin)) {
        add(i - 1, last, newsgraph::v1::MONEY, 0.85f,
            absl::StrFormat("%s %.0f", Currencies().at(Lower(tokens[i - 1].in(text))),
                            number * scale));
        i = last + 1;
        continue;
      }
      if (last + 1 < n && Adjacent(text, tokens[last], tokens[last + 1])) {
        const std::string next = Lower(tokens[last + 1].in(text));
        if (next == "%" || next == "percent" ||
            (next == "per" && last + 2 < n && Lower(tokens[last + 2].in(text)) == "cent")) {
          const size_t end = next == "per" ? last + 2 : last + 1;
          add(i, end, newsgraph::v1::PERCENT, 0.9f, absl::StrFormat("%g", number * scale / 100));
          i = end + 1;
          continue;
        }
        if (Currencies().contains(next) && next.size() > 1) {
          add(i, last + 1, newsgraph::v1::MONEY, 0.8f,
              absl::StrFormat("%s %.0f", Currencies().at(next), number * scale));
          i = last + 2;
          continue;
        }
        // "17 January 2023" / "17 January".
        if (auto month = Months().find(next);
            month != Months().end() && number >= 1 && number <= 31 && word.size() <= 2) {
          size_t end = last + 1;
          std::string value =
              absl::StrFormat("--%02d-%02d", month->second, static_cast<int>(number));
          if (end + 1 < n && tokens[end + 1].kind == TokenKind::kNumber &&
              tokens[end + 1].in(text).size() == 4) {
            ++end;
            value = absl::StrFormat("%s-%02d-%02d", tokens[end].in(text), month->second,
                                    static_cast<int>(number));
          }
          add(i, end, newsgraph::v1::DATE, 0.9f, value);
          i = end + 1;
          continue;
        }
      }
      if (word.size() == 4 && number >= 1900 && number <= 2100 &&
          word.find(',') == absl::string_view::npos) {
        add(i, i, newsgraph::v1::DATE, 0.6f, std::string(word));
        ++i;
        continue;
      }
      ++i;
      continue;
    }

    if (tok.kind != TokenKind::kWord || !StartsUpper(word)) {
      ++i;
      continue;
    }

    // "January 17, 2023" / "January 2023".
    if (auto month = Months().find(Lower(word)); month != Months().end() && word.size() > 3) {
      size_t end = i;
      std::string value = absl::StrFormat("--%02d", month->second);
      if (i + 1 < n && tokens[i + 1].kind == TokenKind::kNumber) {
        const absl::string_view d = tokens[i + 1].in(text);
        if (d.size() <= 2) {
          end = i + 1;
          value = absl::StrFormat("--%02d-%s%s", month->second, d.size() == 1 ? "0" : "", d);
          if (i + 3 < n && tokens[i + 2].in(text) == "," && tokens[i + 3].in(text).size() == 4) {
            end = i + 3;
            value = absl::StrFormat("%s-%02d-%s%s", tokens[i + 3].in(text), month->second,
                                    d.size() == 1 ? "0" : "", d);
          }
        } else if (d.size() == 4) {
          end = i + 1;
          value = absl::StrFormat("%s-%02d", d, month->second);
        }
      }
      if (end > i || word.size() > 5) {
        add(i, end, newsgraph::v1::DATE, 0.8f, value);
        i = end + 1;
        continue;
      }
    }

    if (Weekdays().contains(Lower(word))) {
      add(i, i, newsgraph::v1::DATE, 0.8f);
      ++i;
      continue;
    }

    // With a trained tagger, names come from it (below).
    if (tagger_ != nullptr) {
      ++i;
      continue;
    }

    // Headlines capitalize every word: only single known names count there.
    if (in_headline[i]) {
      const std::string code = CountryCode(word);
      if (!code.empty())
        add(i, i, newsgraph::v1::GPE, 0.8f);
      else if (IsAllCapsAcronym(word))
        add(i, i, newsgraph::v1::ORG, 0.5f);
      ++i;
      continue;
    }

    // A run of capitalized words with connectors and hyphens inside.
    size_t first = i;
    size_t last = i;
    size_t j = i + 1;
    while (j < n && Adjacent(text, tokens[j - 1], tokens[j])) {
      const absl::string_view w = tokens[j].in(text);
      const bool date_word = Weekdays().contains(Lower(w)) || Months().contains(Lower(w));
      if (tokens[j].kind == TokenKind::kWord && StartsUpper(w) && !date_word) {
        last = j++;
        continue;
      }
      // "the" joins only after another connector: "Bank of the North".
      const bool after_connector = Connectors().contains(Lower(tokens[j - 1].in(text)));
      const bool connector = (tokens[j].kind == TokenKind::kWord &&
                              (Connectors().contains(w) || (w == "the" && after_connector))) ||
                             w == "-" || w == "‑";
      if (connector && j + 1 < n && Adjacent(text, tokens[j], tokens[j + 1]) &&
          tokens[j + 1].kind == TokenKind::kWord && StartsUpper(tokens[j + 1].in(text)) &&
          !Weekdays().contains(Lower(tokens[j + 1].in(text))) &&
          !Months().contains(Lower(tokens[j + 1].in(text)))) {
        last = j + 1;
        j += 2;
        continue;
      }
      if (w == "-" && j + 1 < n && tokens[j + 1].kind == TokenKind::kNumber &&
          Adjacent(text, tokens[j], tokens[j + 1])) {  // "Peace Mission-2023"
        last = j + 1;
        j += 2;
        continue;
      }
      break;
    }
    i = last + 1;

    // Drop a sentence-initial function word ("The", "In", ...).
    while (first <= last && starts_sentence[first] &&
           SentenceStartStopwords().contains(Lower(tokens[first].in(text)))) {
      ++first;
    }
    while (first <= last && Connectors().contains(Lower(tokens[first].in(text)))) ++first;
    if (first > last) continue;

    // Split off title words: "SCO Secretary-General Zhang Ming" -> "SCO",
    // "Zhang Ming" (PERSON).
    size_t title_end = first;  // One past the last title word.
    bool has_title = false;
    for (size_t k = first; k <= last; ++k) {
      const std::string lw = Lower(tokens[k].in(text));
      if (TitleWords().contains(lw) || (lw == "-" && has_title)) {
        has_title = true;
        title_end = k + 1;
      }
    }
    if (has_title) {
      size_t title_begin = first;
      while (title_begin < title_end &&
             !TitleWords().contains(Lower(tokens[title_begin].in(text)))) {
        ++title_begin;
      }
      if (title_begin > first) {
        std::vector<absl::string_view> words;
        for (size_t k = first; k < title_begin; ++k) {
          if (tokens[k].kind == TokenKind::kWord) words.push_back(tokens[k].in(text));
        }
        float conf = 0;
        const size_t head_end = title_begin - 1;
        absl::string_view surface = text.substr(
            tokens[first].byte_begin, tokens[head_end].byte_end - tokens[first].byte_begin);
        if (!words.empty()) add(first, head_end, ClassifyName(words, surface, &conf), conf);
      }
      if (title_end <= last) {
        const size_t words_after = last - title_end + 1;
        add(title_end, last, newsgraph::v1::PERSON, words_after >= 2 ? 0.8f : 0.6f);
      }
      continue;
    }

    std::vector<absl::string_view> words;
    for (size_t k = first; k <= last; ++k) {
      if (tokens[k].kind == TokenKind::kWord) words.push_back(tokens[k].in(text));
    }
    if (words.empty()) continue;
    absl::string_view surface =
        text.substr(tokens[first].byte_begin, tokens[last].byte_end - tokens[first].byte_begin);
    float confidence = 0;
    const EntityType type = ClassifyName(words, surface, &confidence);
    // A lone capitalized word at a sentence start is usually not a name.
    if (words.size() == 1 && starts_sentence[first] && type == newsgraph::v1::MISC) continue;
    add(first, last, type, confidence);
  }
  if (tagger_ != nullptr) AddTaggedNames(text, tokens, sentence_of, stop, &result);
  return result;
}

}  // namespace newsgraph::entity

namespace newsgraph::entity {

absl::StatusOr<std::unique_ptr<Recognizer>> LoadRecognizer(const std::string& ner_model_path) {
  absl::StatusOr<Gazetteer> countries = LoadCountryGazetteer();
  if (!countries.ok()) return countries.status();
  if (ner_model_path.empty()) return std::make_unique<Recognizer>(*std::move(countries));
  absl::StatusOr<ner::NerTagger> tagger = ner::LoadNerTagger(ner_model_path, nullptr);
  if (!tagger.ok()) return tagger.status();
  // The model id is the file name without its extension ("ner-conll2003").
  std::string id = ner_model_path.substr(ner_model_path.find_last_of('/') + 1);
  id = id.substr(0, id.find('.'));
  return std::make_unique<Recognizer>(
      *std::move(countries), std::make_shared<const ner::NerTagger>(*std::move(tagger)), id);
}

}  // namespace newsgraph::entity
