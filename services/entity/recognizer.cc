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
#include "services/entity/name_forms.h"
#include "services/entity/ner/lexicons.h"
#include "services/entity/roles.h"
#include "services/entity/sentence_splitter.h"
#include "services/entity/value_grammar.h"
#include "services/entity/word_lists.h"
#include "services/entity/word_shapes.h"
#include "services/text/normalizer.h"
#include "services/text/tokenizer.h"

namespace newsgraph::entity {
namespace {

using newsgraph::v1::EntityType;
using text::Token;
using text::TokenKind;

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
  for (const auto& [name, code] : CountryNamesBesideIsoCodes()) gazetteer.emplace(name, code);
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
  const std::string head = words.empty() ? "" : Lower(words.back());
  const std::string first = words.empty() ? "" : Lower(words.front());
  if (LawHeads().contains(head) || (first == "treaty" && words.size() > 2))
    return newsgraph::v1::LAW;
  if (type == "PER") return newsgraph::v1::PERSON;
  if (type == "LOC") {
    if (!CountryCode(surface).empty()) return newsgraph::v1::GPE;
    return GeographicHeads().contains(head) || GeographicHeads().contains(first)
               ? newsgraph::v1::LOC
               : newsgraph::v1::GPE;
  }
  if (EventHeads().contains(head) && head != "world") return newsgraph::v1::EVENT;
  if (type == "ORG") return newsgraph::v1::ORG;
  // MISC: single words are mostly nationalities and groups ("German", "Muslims").
  return words.size() == 1 ? newsgraph::v1::NORP : newsgraph::v1::MISC;
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

// One token as the tagger sees it: hyphenated words ("Secretary-General")
// and abbreviations with their final dot ("U.S.") stay one token, the way
// its training data was tokenized.
struct Recognizer::TaggerPiece {
  size_t byte_begin;
  size_t byte_end;
  bool punctuation;
};

namespace {

using TaggerPieces = std::vector<std::vector<Recognizer::TaggerPiece>>;

// The bytes of a possessive ending ('s, ’s) of a longer word, else 0.
size_t PossessiveSuffixBytes(absl::string_view word) {
  for (absl::string_view apostrophe : {"'", "\u2019"}) {
    const size_t suffix = apostrophe.size() + 1;
    if (word.size() <= suffix + 1) continue;
    const absl::string_view tail = word.substr(word.size() - suffix);
    if (absl::StartsWith(tail, apostrophe) && (tail.back() == 's' || tail.back() == 'S')) {
      return suffix;
    }
  }
  return 0;
}

// The text's tokens regrouped as the tagger's, per sentence.
TaggerPieces TaggerTokens(absl::string_view text, const std::vector<Token>& tokens,
                          const std::vector<size_t>& sentence_of) {
  TaggerPieces pieces;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const size_t s = sentence_of[i];
    if (pieces.size() <= s) pieces.resize(s + 1);
    Recognizer::TaggerPiece piece{tokens[i].byte_begin, tokens[i].byte_end,
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
    } else if (const size_t suffix = PossessiveSuffixBytes(word);
               !piece.punctuation && suffix > 0) {
      // "Blunkett's" is two tokens, as the training data writes it, so the
      // name ends before the possessive.
      pieces[s].push_back({piece.byte_begin, piece.byte_end - suffix, false});
      pieces[s].push_back({piece.byte_end - suffix, piece.byte_end, false});
    } else {
      pieces[s].push_back(piece);
    }
  }
  return pieces;
}

// Values (dates, amounts) win over overlapping names. Both lists are in
// text order and neither overlaps itself, so one sweep finds the overlaps.
void MergeNamesIntoValues(const std::vector<RecognizedMention>& names,
                          std::vector<RecognizedMention>* values) {
  std::vector<RecognizedMention> merged;
  merged.reserve(values->size() + names.size());
  const auto by_begin = [](const RecognizedMention& a, const RecognizedMention& b) {
    return a.byte_begin < b.byte_begin;
  };
  std::sort(values->begin(), values->end(), by_begin);
  size_t next_value = 0;
  for (const RecognizedMention& name : names) {
    while (next_value < values->size() && (*values)[next_value].byte_end <= name.byte_begin) {
      ++next_value;
    }
    const bool overlaps =
        next_value < values->size() && (*values)[next_value].byte_begin < name.byte_end;
    if (!overlaps) merged.push_back(name);
  }
  merged.insert(merged.end(), values->begin(), values->end());
  std::sort(merged.begin(), merged.end(), by_begin);
  *values = std::move(merged);
}

}  // namespace

void Recognizer::AddTaggedNames(absl::string_view text, const std::vector<Token>& tokens,
                                const std::vector<size_t>& sentence_of,
                                const std::function<bool()>& stop, Recognition* result) const {
  const TaggerPieces pieces = TaggerTokens(text, tokens, sentence_of);
  std::vector<std::vector<std::string>> sentences(pieces.size());
  for (size_t s = 0; s < pieces.size(); ++s) {
    for (const TaggerPiece& p : pieces[s]) {
      // The tagger learned from ASCII news: "Tromsø" reaches it as "Tromso".
      sentences[s].push_back(
          text::ToLatinAscii(text.substr(p.byte_begin, p.byte_end - p.byte_begin)));
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
      AddTaggedSpan(text, pieces[s], s, span, confidence, &names);
    }
  }
  MergeNamesIntoValues(names, &result->mentions);
}

void Recognizer::AddTaggedSpan(absl::string_view text, const std::vector<TaggerPiece>& pieces,
                               size_t sentence, const ner::Span& span, float confidence,
                               std::vector<RecognizedMention>* names) const {
  auto word_at = [&](size_t k) {
    return text.substr(pieces[k].byte_begin, pieces[k].byte_end - pieces[k].byte_begin);
  };
  // Trim punctuation at the edges; a span of punctuation only is noise.
  size_t begin = span.begin;
  size_t end = span.end;
  while (begin < end && pieces[begin].punctuation) ++begin;
  while (end > begin && pieces[end - 1].punctuation) --end;
  // Honorifics are not part of a name ("Mr Zhang" -> "Zhang"), nor one.
  while (begin < end && IsHonorific(word_at(begin))) {
    ++begin;
    while (begin < end && pieces[begin].punctuation) ++begin;
  }
  if (begin == end) return;
  // A name does not end in the first words of a title that goes on
  // after it ("SCO Executive | Secretary Zhang Deguang").
  if (span.type != "PER") {
    while (end - begin >= 2 && end < pieces.size() && !pieces[end].punctuation &&
           IsTitleWord(word_at(end)) && IsTitleWord(word_at(end - 1)) &&
           !pieces[end - 2].punctuation) {
      --end;
    }
  }
  std::vector<absl::string_view> words;
  std::vector<size_t> word_piece;
  for (size_t k = begin; k < end; ++k) {
    if (!pieces[k].punctuation) {
      words.push_back(word_at(k));
      word_piece.push_back(k);
    }
  }
  const size_t byte_begin = pieces[begin].byte_begin;
  const size_t byte_end = pieces[end - 1].byte_end;
  // "SCO Executive Secretary Zhang Deguang" tagged as one name is an
  // organisation, a title and a person.
  if (std::optional<TitledName> titled = SplitTitledName(words, span.type == "PER")) {
    if (titled->title_begin > 0) {
      const size_t prefix_end = pieces[word_piece[titled->title_begin - 1]].byte_end;
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
      names->push_back({byte_begin, prefix_end, prefix_type, confidence, sentence, ""});
    }
    const size_t name_begin = pieces[word_piece[titled->name_begin]].byte_begin;
    names->push_back({name_begin, byte_end, newsgraph::v1::PERSON, confidence, sentence, ""});
    return;
  }
  const absl::string_view surface = text.substr(byte_begin, byte_end - byte_begin);
  names->push_back(
      {byte_begin, byte_end, MapConllType(span.type, words, surface), confidence, sentence, ""});
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

namespace {

void AddMention(const std::vector<Token>& tokens, const SentenceSplit& split, size_t first,
                size_t last, EntityType type, float confidence, std::string value,
                Recognition* result) {
  result->mentions.push_back({tokens[first].byte_begin, tokens[last].byte_end, type, confidence,
                              split.sentence_of[first], std::move(value)});
}

// The last token of the run of capitalized words that token `i` starts,
// with connectors ("of", "the" after another connector) and hyphens inside
// ("Bank of the North", "Peace Mission-2023"); month and weekday names end
// the run.
size_t CapitalizedRunEnd(absl::string_view text, const std::vector<Token>& tokens, size_t i) {
  const size_t n = tokens.size();
  auto capitalized = [&](size_t k) {
    const absl::string_view w = tokens[k].in(text);
    return tokens[k].kind == TokenKind::kWord && StartsUpper(w) && !IsDateWord(Lower(w));
  };
  size_t last = i;
  size_t j = i + 1;
  while (j < n && Adjacent(text, tokens[j - 1], tokens[j])) {
    const absl::string_view w = tokens[j].in(text);
    if (capitalized(j)) {
      last = j++;
      continue;
    }
    const bool after_connector = Connectors().contains(Lower(tokens[j - 1].in(text)));
    const bool connector = (tokens[j].kind == TokenKind::kWord &&
                            (Connectors().contains(w) || (w == "the" && after_connector))) ||
                           w == "-" || w == "‑";
    const bool joins = j + 1 < n && Adjacent(text, tokens[j], tokens[j + 1]);
    if (connector && joins && capitalized(j + 1)) {
      last = j + 1;
      j += 2;
      continue;
    }
    if (w == "-" && joins && tokens[j + 1].kind == TokenKind::kNumber) {
      last = j + 1;
      j += 2;
      continue;
    }
    break;
  }
  return last;
}

std::vector<absl::string_view> WordsOf(absl::string_view text, const std::vector<Token>& tokens,
                                       size_t first, size_t last) {
  std::vector<absl::string_view> words;
  for (size_t k = first; k <= last; ++k) {
    if (tokens[k].kind == TokenKind::kWord) words.push_back(tokens[k].in(text));
  }
  return words;
}

}  // namespace

Recognition Recognizer::Recognize(absl::string_view text,
                                  const std::function<bool()>& stop) const {
  Recognition result;
  const std::vector<Token> tokens = text::Tokenize(text);
  SentenceSplit split = SplitSentences(text, tokens);
  const std::vector<bool> in_headline = MarkHeadlineLines(text, tokens);
  for (size_t i = 0; i < tokens.size();) {
    const size_t free_from = result.mentions.empty() ? 0 : result.mentions.back().byte_end;
    if (std::optional<ValueMatch> value = MatchValue(text, tokens, i, free_from)) {
      AddMention(tokens, split, value->first, value->last, value->type, value->confidence,
                 std::move(value->value), &result);
      i = value->last + 1;
      continue;
    }
    const absl::string_view word = tokens[i].in(text);
    // With a trained tagger, names come from it (below).
    if (tokens[i].kind != TokenKind::kWord || !StartsUpper(word) || tagger_ != nullptr) {
      ++i;
      continue;
    }
    i = AddRuleBasedName(text, tokens, split, in_headline, i, &result);
  }
  result.sentences = std::move(split.sentences);
  if (tagger_ != nullptr) AddTaggedNames(text, tokens, split.sentence_of, stop, &result);
  // A possessive is not part of the name ("Aldo Marchetti's" -> "Aldo
  // Marchetti"), whichever rule found it.
  for (RecognizedMention& m : result.mentions) {
    if (!IsNameType(m.type)) continue;
    m.byte_end -= PossessiveSuffixBytes(text.substr(m.byte_begin, m.byte_end - m.byte_begin));
  }
  return result;
}

size_t Recognizer::AddRuleBasedName(absl::string_view text, const std::vector<Token>& tokens,
                                    const SentenceSplit& split,
                                    const std::vector<bool>& in_headline, size_t i,
                                    Recognition* result) const {
  const absl::string_view word = tokens[i].in(text);
  // Headlines capitalize every word: only single known names count there.
  if (in_headline[i]) {
    if (!CountryCode(word).empty()) {
      AddMention(tokens, split, i, i, newsgraph::v1::GPE, 0.8f, "", result);
    } else if (IsAllCapsAcronym(word)) {
      AddMention(tokens, split, i, i, newsgraph::v1::ORG, 0.5f, "", result);
    }
    return i + 1;
  }
  size_t first = i;
  const size_t last = CapitalizedRunEnd(text, tokens, i);
  // Drop a sentence-initial function word ("The", "In", ...) and leading
  // connectors.
  while (first <= last && split.starts_sentence[first] &&
         SentenceStartStopwords().contains(Lower(tokens[first].in(text)))) {
    ++first;
  }
  while (first <= last && Connectors().contains(Lower(tokens[first].in(text)))) ++first;
  if (first <= last) AddNameRun(text, tokens, split, first, last, result);
  return last + 1;
}

void Recognizer::AddNameRun(absl::string_view text, const std::vector<Token>& tokens,
                            const SentenceSplit& split, size_t first, size_t last,
                            Recognition* result) const {
  size_t title_end = first;  // One past the last title word.
  bool has_title = false;
  for (size_t k = first; k <= last; ++k) {
    const std::string lw = Lower(tokens[k].in(text));
    if (TitleWords().contains(lw) || (lw == "-" && has_title)) {
      has_title = true;
      title_end = k + 1;
    }
  }
  auto surface = [&](size_t from, size_t to) {
    return text.substr(tokens[from].byte_begin, tokens[to].byte_end - tokens[from].byte_begin);
  };
  if (!has_title) {
    const std::vector<absl::string_view> words = WordsOf(text, tokens, first, last);
    if (words.empty()) return;
    float confidence = 0;
    const EntityType type = ClassifyName(words, surface(first, last), &confidence);
    // A lone capitalized word at a sentence start is usually not a name.
    if (words.size() == 1 && split.starts_sentence[first] && type == newsgraph::v1::MISC) return;
    AddMention(tokens, split, first, last, type, confidence, "", result);
    return;
  }
  size_t title_begin = first;
  while (title_begin < title_end && !TitleWords().contains(Lower(tokens[title_begin].in(text)))) {
    ++title_begin;
  }
  if (title_begin > first) {
    const std::vector<absl::string_view> words = WordsOf(text, tokens, first, title_begin - 1);
    float confidence = 0;
    if (!words.empty()) {
      const EntityType type = ClassifyName(words, surface(first, title_begin - 1), &confidence);
      AddMention(tokens, split, first, title_begin - 1, type, confidence, "", result);
    }
  }
  if (title_end <= last) {
    const size_t words_after = last - title_end + 1;
    AddMention(tokens, split, title_end, last, newsgraph::v1::PERSON,
               words_after >= 2 ? 0.8f : 0.6f, "", result);
  }
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
