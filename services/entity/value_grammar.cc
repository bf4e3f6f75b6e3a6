#include "services/entity/value_grammar.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "services/entity/word_shapes.h"

namespace newsgraph::entity {
namespace {

using text::Token;
using text::TokenKind;

const absl::flat_hash_map<std::string, int>& Months() {
  static const auto* months = new absl::flat_hash_map<std::string, int>{
      {"january", 1},   {"february", 2},  {"march", 3},  {"april", 4},     {"may", 5},
      {"june", 6},      {"july", 7},      {"august", 8}, {"september", 9}, {"october", 10},
      {"november", 11}, {"december", 12}, {"jan", 1},    {"feb", 2},       {"mar", 3},
      {"apr", 4},       {"jun", 6},       {"jul", 7},    {"aug", 8},       {"sep", 9},
      {"sept", 9},      {"oct", 10},      {"nov", 11},   {"dec", 12}};
  return *months;
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

// A number, with its scale word, as a percentage, an amount of money or a
// day of a month ("17 January 2023"); a year on its own.
std::optional<ValueMatch> MatchNumber(absl::string_view text, const std::vector<Token>& tokens,
                                      size_t i, size_t free_from) {
  const size_t n = tokens.size();
  const absl::string_view word = tokens[i].in(text);
  double number = 0;
  ParseNumber(word, &number);
  size_t last = i;
  double scale = 1;
  if (i + 1 < n && Adjacent(text, tokens[i], tokens[i + 1])) {
    if (double s = ScaleWord(tokens[i + 1].in(text)); s > 0) {
      scale = s;
      last = i + 1;
    }
  }
  // Currency before the number ("$5", "USD 5").
  if (i > 0 && Adjacent(text, tokens[i - 1], tokens[i]) &&
      Currencies().contains(Lower(tokens[i - 1].in(text))) &&
      free_from <= tokens[i - 1].byte_begin) {
    return ValueMatch{i - 1, last, newsgraph::v1::MONEY, 0.85f,
                      absl::StrFormat("%s %.0f", Currencies().at(Lower(tokens[i - 1].in(text))),
                                      number * scale)};
  }
  if (last + 1 < n && Adjacent(text, tokens[last], tokens[last + 1])) {
    const std::string next = Lower(tokens[last + 1].in(text));
    if (next == "%" || next == "percent" ||
        (next == "per" && last + 2 < n && Lower(tokens[last + 2].in(text)) == "cent")) {
      const size_t end = next == "per" ? last + 2 : last + 1;
      return ValueMatch{i, end, newsgraph::v1::PERCENT, 0.9f,
                        absl::StrFormat("%g", number * scale / 100)};
    }
    if (Currencies().contains(next) && next.size() > 1) {
      return ValueMatch{i, last + 1, newsgraph::v1::MONEY, 0.8f,
                        absl::StrFormat("%s %.0f", Currencies().at(next), number * scale)};
    }
    // "17 January 2023" / "17 January".
    if (auto month = Months().find(next);
        month != Months().end() && number >= 1 && number <= 31 && word.size() <= 2) {
      size_t end = last + 1;
      std::string value = absl::StrFormat("--%02d-%02d", month->second, static_cast<int>(number));
      if (end + 1 < n && tokens[end + 1].kind == TokenKind::kNumber &&
          tokens[end + 1].in(text).size() == 4) {
        ++end;
        value = absl::StrFormat("%s-%02d-%02d", tokens[end].in(text), month->second,
                                static_cast<int>(number));
      }
      return ValueMatch{i, end, newsgraph::v1::DATE, 0.9f, value};
    }
  }
  if (word.size() == 4 && number >= 1900 && number <= 2100 &&
      word.find(',') == absl::string_view::npos) {
    return ValueMatch{i, i, newsgraph::v1::DATE, 0.6f, std::string(word)};
  }
  return std::nullopt;
}

// "January 17, 2023" / "January 17" / "January 2023" / "January" (a month
// name of more than five letters alone).
std::optional<ValueMatch> MatchMonth(absl::string_view text, const std::vector<Token>& tokens,
                                     size_t i) {
  const size_t n = tokens.size();
  const absl::string_view word = tokens[i].in(text);
  auto month = Months().find(Lower(word));
  if (month == Months().end() || word.size() <= 3) return std::nullopt;
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
  if (end == i && word.size() <= 5) return std::nullopt;
  return ValueMatch{i, end, newsgraph::v1::DATE, 0.8f, value};
}

}  // namespace

std::optional<ValueMatch> MatchValue(absl::string_view text, const std::vector<Token>& tokens,
                                     size_t i, size_t free_from) {
  const Token& token = tokens[i];
  if (token.kind == TokenKind::kNumber) return MatchNumber(text, tokens, i, free_from);
  const absl::string_view word = token.in(text);
  if (token.kind != TokenKind::kWord || !StartsUpper(word)) return std::nullopt;
  if (std::optional<ValueMatch> date = MatchMonth(text, tokens, i)) return date;
  if (Weekdays().contains(Lower(word))) {
    return ValueMatch{i, i, newsgraph::v1::DATE, 0.8f, ""};
  }
  return std::nullopt;
}

bool IsDateWord(absl::string_view lower) {
  const std::string word(lower);
  return Weekdays().contains(word) || Months().contains(word);
}

}  // namespace newsgraph::entity
