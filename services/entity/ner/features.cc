#include "services/entity/ner/features.h"

#include <xxhash.h>

#include <algorithm>

#include "absl/strings/ascii.h"

namespace newsgraph::entity::ner {
namespace {

std::string Shape(absl::string_view word, bool collapse) {
  std::string shape;
  for (unsigned char c : word) {
    char s;
    if (absl::ascii_isupper(c))
      s = 'X';
    else if (absl::ascii_islower(c))
      s = 'x';
    else if (absl::ascii_isdigit(c))
      s = 'd';
    else if (c >= 0x80)
      s = 'u';
    else
      s = static_cast<char>(c);
    if (collapse && !shape.empty() && shape.back() == s) continue;
    if (!collapse && shape.size() >= 2 && shape[shape.size() - 1] == s &&
        shape[shape.size() - 2] == s) {
      continue;
    }
    shape.push_back(s);
  }
  return shape;
}

// Feature ids are hashes of a template id and its value.
class Emitter {
 public:
  explicit Emitter(std::vector<uint64_t>* out) : out_(out) {}
  void Add(uint32_t template_id, absl::string_view value) {
    out_->push_back(XXH64(value.data(), value.size(), template_id));
  }
  void Add(uint32_t template_id, absl::string_view a, absl::string_view b) {
    buffer_.assign(a.data(), a.size());
    buffer_.push_back('\x1F');
    buffer_.append(b.data(), b.size());
    Add(template_id, buffer_);
  }
  void Add(uint32_t template_id, int64_t value) {
    out_->push_back(XXH64(&value, sizeof(value), template_id));
  }

 private:
  std::vector<uint64_t>* out_;
  std::string buffer_;
};

}  // namespace

absl::flat_hash_set<std::string> LowercaseWords(
    const std::vector<const std::vector<std::string>*>& sentences) {
  absl::flat_hash_set<std::string> words;
  for (const std::vector<std::string>* sentence : sentences) {
    for (const std::string& w : *sentence) {
      if (!w.empty() && absl::ascii_islower(static_cast<unsigned char>(w[0]))) words.insert(w);
    }
  }
  return words;
}

std::vector<TokenInfo> DescribeTokens(const std::vector<std::string>& tokens,
                                      const Lexicons& lexicons,
                                      const absl::flat_hash_set<std::string>* document_lowercase) {
  std::vector<TokenInfo> infos(tokens.size());
  size_t letters = 0;
  size_t upper = 0;
  for (const std::string& t : tokens) {
    for (unsigned char c : t) {
      letters += absl::ascii_isalpha(c) ? 1 : 0;
      upper += absl::ascii_isupper(c) ? 1 : 0;
    }
  }
  const bool all_caps = letters >= 8 && upper * 10 >= letters * 9;
  bool has_digit = false;
  bool has_lower_word = false;
  for (const std::string& t : tokens) {
    if (!t.empty() && absl::ascii_isdigit(static_cast<unsigned char>(t[0]))) has_digit = true;
    if (t.size() >= 3 && absl::ascii_islower(static_cast<unsigned char>(t[0]))) has_lower_word = true;
  }
  const bool table_line = has_digit && !has_lower_word;
  std::vector<std::string> lower(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) lower[i] = absl::AsciiStrToLower(tokens[i]);
  std::vector<std::vector<Gazetteer::TokenMatch>> lists;
  if (!lexicons.gazetteer.empty()) {
    std::vector<bool> may_start(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) {
      may_start[i] = !tokens[i].empty() && absl::ascii_isupper(static_cast<unsigned char>(tokens[i][0]));
    }
    lists = lexicons.gazetteer.Match(lower, may_start);
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    TokenInfo& t = infos[i];
    t.word = tokens[i];
    t.lower = std::move(lower[i]);
    t.shape = Shape(tokens[i], false);
    t.short_shape = Shape(tokens[i], true);
    t.in_gazetteer = lexicons.places.contains(t.lower);
    t.seen_lowercase = document_lowercase != nullptr && document_lowercase->contains(t.lower);
    if (auto it = lexicons.clusters.find(t.lower); it != lexicons.clusters.end()) {
      t.cluster_coarse = it->second.coarse;
      t.cluster_fine = it->second.fine;
    }
    // Paths may be learned from words as written or lower-cased.
    if (auto it = lexicons.paths.find(t.word); it != lexicons.paths.end()) {
      t.path = it->second;
    } else if (auto lower = lexicons.paths.find(t.lower); lower != lexicons.paths.end()) {
      t.path = lower->second;
    }
    t.common_word = lexicons.common_words.contains(t.lower);
    t.proper_word = lexicons.proper_words.contains(t.lower);
    t.all_caps_sentence = all_caps;
    t.table_line = table_line;
    if (!lists.empty()) t.lists = std::move(lists[i]);
  }
  for (size_t i = 0; i < infos.size(); ++i) ContextFeatures(infos, i, &infos[i].context_features);
  return infos;
}

namespace {

// The token at `k` of `s`, or a boundary token outside it.
const TokenInfo& TokenAt(const std::vector<TokenInfo>& s, long k) {
  static const TokenInfo kBoundary{"<s>", "<s>", "<s>", "<s>", false, false,
                                   false, false, -2,    -2,    "<s>"};
  return k < 0 || k >= static_cast<long>(s.size()) ? kBoundary : s[static_cast<size_t>(k)];
}

}  // namespace

void ExtractFeatures(const std::vector<TokenInfo>& s, size_t i, int document_tag_of_word,
                     std::vector<uint64_t>* features) {
  if (s[i].context_features.empty()) {
    features->clear();
    ContextFeatures(s, i, features);
  } else {
    features->assign(s[i].context_features.begin(), s[i].context_features.end());
  }
  PassFeatures(s, i, document_tag_of_word, features);
}

void ContextFeatures(const std::vector<TokenInfo>& s, size_t i, std::vector<uint64_t>* features) {
  Emitter f(features);
  auto at = [&](long k) -> const TokenInfo& { return TokenAt(s, k); };
  const long n = static_cast<long>(i);
  const TokenInfo& w = s[i];
  f.Add(0, "bias");
  f.Add(1, w.word);
  f.Add(2, w.lower);
  f.Add(3, w.shape);
  f.Add(4, w.short_shape);
  for (size_t k = 1; k <= 4 && k <= w.lower.size(); ++k) {
    f.Add(10 + static_cast<uint32_t>(k), w.lower.substr(0, k));
    f.Add(20 + static_cast<uint32_t>(k), w.lower.substr(w.lower.size() - k));
  }
  f.Add(30, at(n - 1).lower);
  f.Add(31, at(n + 1).lower);
  f.Add(32, at(n - 2).lower);
  f.Add(33, at(n + 2).lower);
  f.Add(34, at(n - 1).short_shape);
  f.Add(35, at(n + 1).short_shape);
  f.Add(36, at(n - 1).short_shape, w.short_shape);
  f.Add(37, w.short_shape, at(n + 1).short_shape);
  f.Add(38, at(n - 1).lower, w.lower);
  f.Add(39, w.lower, at(n + 1).lower);
  f.Add(40, at(n - 1).word);
  f.Add(41, at(n + 1).word);
  f.Add(60, w.in_gazetteer ? 1 : 0);
  f.Add(61, at(n - 1).in_gazetteer ? 1 : 0);
  f.Add(62, at(n + 1).in_gazetteer ? 1 : 0);
  f.Add(70, i == 0 ? 1 : 0);
  f.Add(71, static_cast<int64_t>(i == 0) * 1000 + (w.short_shape == "Xx" ? 1 : 0));
  f.Add(72, w.all_caps_sentence ? 1 : 0);
  if (w.table_line) {
    f.Add(78, w.short_shape);
    f.Add(79, at(n + 1).short_shape, at(n - 1).short_shape);
    for (const Gazetteer::TokenMatch& m : w.lists) f.Add(158, static_cast<int64_t>(m.category));
    if (!w.path.empty()) f.Add(159, w.path.substr(0, 6));
  }
  f.Add(73, std::string(w.all_caps_sentence ? "C" : "c"), w.lower);
  f.Add(74, w.seen_lowercase ? 1 : 0);
  f.Add(75, std::string(w.seen_lowercase ? "L" : "l"), w.short_shape);
  f.Add(76, w.short_shape, w.lower.size() >= 3 ? w.lower.substr(w.lower.size() - 3) : w.lower);
  f.Add(77, at(n - 1).lower, at(n + 1).lower);
  f.Add(90, w.cluster_coarse);
  f.Add(91, w.cluster_fine);
  f.Add(92, at(n - 1).cluster_fine);
  f.Add(93, at(n + 1).cluster_fine);
  f.Add(94, std::to_string(w.cluster_fine), w.short_shape);
  f.Add(95, static_cast<int64_t>(at(n - 1).cluster_coarse) * 1000 + w.cluster_coarse);
  f.Add(96, static_cast<int64_t>(w.cluster_coarse) * 1000 + at(n + 1).cluster_coarse);
  // Hierarchical cluster prefixes of the word and its neighbours.
  for (long k = -2; k <= 2; ++k) {
    const absl::string_view path = at(n + k).path;
    if (path.empty()) continue;
    const uint32_t base = 120 + static_cast<uint32_t>(k + 2) * 4;
    f.Add(base, path.substr(0, 4));
    f.Add(base + 1, path.substr(0, 6));
    f.Add(base + 2, path.substr(0, 10));
    f.Add(base + 3, path.substr(0, 20));
  }
  if (!w.path.empty()) {
    f.Add(141, w.short_shape, w.path.substr(0, 10));
  }
  // Name lists covering the word and its neighbours.
  for (long k = -1; k <= 1; ++k) {
    for (const Gazetteer::TokenMatch& m : at(n + k).lists) {
      f.Add(150 + static_cast<uint32_t>(k + 1), static_cast<int64_t>(m.category) * 256 + m.position);
    }
  }
  for (const Gazetteer::TokenMatch& m : w.lists) {
    f.Add(153, std::to_string(m.category * 256 + m.position), w.short_shape);
  }
  f.Add(154, static_cast<int64_t>(w.lists.size()));
  for (const Gazetteer::TokenMatch& m : w.lists) {
    const std::string list = std::to_string(m.category * 256 + m.position);
    f.Add(155, list, at(n + 1).short_shape);
    f.Add(156, list, at(n - 1).short_shape);
    f.Add(157, list, w.all_caps_sentence ? "C" : "c");
  }
  f.Add(100, static_cast<int64_t>(w.common_word) * 2 + w.proper_word);
  f.Add(101, std::to_string(w.common_word * 2 + w.proper_word), w.short_shape);
  f.Add(102, static_cast<int64_t>(at(n + 1).common_word) * 2 + at(n + 1).proper_word);
}

void PassFeatures(const std::vector<TokenInfo>& s, size_t i, int document_tag_of_word,
                  std::vector<uint64_t>* features) {
  Emitter f(features);
  auto at = [&](long k) -> const TokenInfo& { return TokenAt(s, k); };
  const long n = static_cast<long>(i);
  const TokenInfo& w = s[i];
  f.Add(110, w.first_pass_type);
  f.Add(111, w.first_pass_majority);
  f.Add(112, static_cast<int64_t>(w.first_pass_majority) * 100 + w.first_pass_type);
  f.Add(113, std::to_string(w.first_pass_majority), w.short_shape);
  f.Add(114, static_cast<int64_t>(at(n - 1).first_pass_type) * 100 + at(n + 1).first_pass_type);
  f.Add(115, static_cast<int64_t>(w.first_pass_longest_type) * 10 + w.first_pass_longest_length);
  f.Add(116, static_cast<int64_t>(w.first_pass_longest_type) * 1000 + w.first_pass_type * 10 +
                 w.first_pass_longest_length);
  f.Add(80, document_tag_of_word);
  f.Add(81, std::to_string(document_tag_of_word), w.short_shape);
}

std::array<uint64_t, kTransitionTemplates> TransitionBases(const std::vector<TokenInfo>& s,
                                                          size_t i) {
  const TokenInfo& w = s[i];
  std::array<uint64_t, kTransitionTemplates> bases{};
  const int64_t none = 0;
  bases[0] = XXH64(&none, sizeof(none), 50);
  bases[1] = XXH64(w.lower.data(), w.lower.size(), 52);
  bases[2] = XXH64(w.short_shape.data(), w.short_shape.size(), 53);
  const int64_t cluster = w.cluster_fine;
  bases[3] = XXH64(&cluster, sizeof(cluster), 97);
  const absl::string_view path = w.path.substr(0, std::min<size_t>(6, w.path.size()));
  bases[4] = w.path.empty() ? XXH64("<none>", 6, 140) : XXH64(path.data(), path.size(), 140);
  return bases;
}

}  // namespace newsgraph::entity::ner
