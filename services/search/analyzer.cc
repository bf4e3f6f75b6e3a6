#include "services/search/analyzer.h"

#include <libstemmer.h>

#include <memory>

#include "absl/container/flat_hash_map.h"
#include "services/text/normalizer.h"
#include "services/text/tokenizer.h"

namespace newsgraph::search {
namespace {

constexpr size_t kStemCacheEntries = 100000;

struct StemmerDeleter {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};

// Snowball stemmers are not thread-safe: one per thread.
sb_stemmer* ThreadEnglishStemmer() {
  thread_local std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer(
      sb_stemmer_new("english", "UTF_8"));
  return stemmer.get();
}

bool IsAsciiWord(absl::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

std::string Stem(std::string folded, absl::string_view language) {
  if (!(language.empty() || language == "en" || language.substr(0, 3) == "en-")) return folded;
  if (!IsAsciiWord(folded) || folded.size() < 3) return folded;
  // Stems of words seen before on this thread; emptied when it grows large.
  thread_local absl::flat_hash_map<std::string, std::string> cache;
  if (auto it = cache.find(folded); it != cache.end()) return it->second;
  sb_stemmer* stemmer = ThreadEnglishStemmer();
  if (stemmer == nullptr) return folded;
  const sb_symbol* stemmed = sb_stemmer_stem(
      stemmer, reinterpret_cast<const sb_symbol*>(folded.data()), static_cast<int>(folded.size()));
  if (stemmed == nullptr) return folded;
  std::string stem(reinterpret_cast<const char*>(stemmed),
                   static_cast<size_t>(sb_stemmer_length(stemmer)));
  if (cache.size() >= kStemCacheEntries) cache.clear();
  cache.emplace(std::move(folded), stem);
  return stem;
}

std::string Truncate(std::string term) {
  if (term.size() <= kMaxTermBytes) return term;
  size_t cut = kMaxTermBytes;
  while (cut > 0 && (static_cast<unsigned char>(term[cut]) & 0xC0) == 0x80) --cut;
  term.resize(cut);
  return term;
}

}  // namespace

std::string FoldWord(absl::string_view word) { return Truncate(text::FoldForMatching(word)); }

std::vector<AnalyzedToken> Analyze(absl::string_view text, absl::string_view language) {
  std::vector<AnalyzedToken> out;
  const std::vector<text::Token> tokens = text::Tokenize(text);
  out.reserve(tokens.size());
  uint32_t position = 0;
  for (const text::Token& token : tokens) {
    if (token.kind == text::TokenKind::kPunctuation) continue;
    std::string folded = text::FoldForMatching(token.in(text));
    if (folded.empty()) continue;
    std::string term = token.kind == text::TokenKind::kWord ? Stem(std::move(folded), language)
                                                            : std::move(folded);
    out.push_back({Truncate(std::move(term)), position++, token.byte_begin, token.byte_end});
  }
  return out;
}

std::string AnalyzeWord(absl::string_view word, absl::string_view language) {
  std::vector<AnalyzedToken> tokens = Analyze(word, language);
  return tokens.empty() ? "" : tokens.front().term;
}

}  // namespace newsgraph::search
