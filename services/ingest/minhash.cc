#include "services/ingest/minhash.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "services/text/normalizer.h"
#include "services/text/tokenizer.h"

namespace newsgraph::ingest {
namespace {

// Odd multipliers and offsets for multiply-shift hashing, drawn once from a
// fixed-seed generator so signatures are stable across runs and builds.
struct HashFamily {
  std::array<uint64_t, kMinHashSize> multipliers;
  std::array<uint64_t, kMinHashSize> offsets;
  HashFamily() {
    uint64_t state = 0x9E3779B97F4A7C15ULL;
    auto next = [&state] {  // splitmix64
      uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      return z ^ (z >> 31);
    };
    for (int i = 0; i < kMinHashSize; ++i) {
      multipliers[i] = next() | 1;
      offsets[i] = next();
    }
  }
};

const HashFamily& Family() {
  static const HashFamily* family = new HashFamily();
  return *family;
}

}  // namespace

std::optional<MinHashSignature> ComputeMinHash(absl::string_view text, size_t min_words,
                                               const std::function<bool()>& stop) {
  // Tokenized in slices cut at whitespace (words never span it), so `stop`
  // is asked every 64 KiB however long the text.
  constexpr size_t kSliceBytes = 64 << 10;
  std::vector<uint64_t> words;
  for (size_t begin = 0; begin < text.size();) {
    if (stop && stop()) return std::nullopt;
    size_t end = text.find_first_of(" \n", std::min(text.size(), begin + kSliceBytes));
    end = end == absl::string_view::npos ? text.size() : end + 1;
    const absl::string_view slice = text.substr(begin, end - begin);
    for (const text::Token& token : text::Tokenize(slice)) {
      if (token.kind == text::TokenKind::kPunctuation) continue;
      const std::string folded = text::FoldForMatching(token.in(slice));
      words.push_back(XXH64(folded.data(), folded.size(), 0));
    }
    begin = end;
  }
  if (words.size() < min_words || words.size() < 3) return std::nullopt;
  MinHashSignature signature;
  signature.fill(std::numeric_limits<uint32_t>::max());
  const HashFamily& family = Family();
  for (size_t i = 0; i + 2 < words.size(); ++i) {
    const uint64_t shingle_words[3] = {words[i], words[i + 1], words[i + 2]};
    const uint64_t shingle = XXH64(shingle_words, sizeof(shingle_words), 0x5348);
    for (int k = 0; k < kMinHashSize; ++k) {
      const uint32_t h =
          static_cast<uint32_t>((family.multipliers[k] * shingle + family.offsets[k]) >> 32);
      if (h < signature[k]) signature[k] = h;
    }
  }
  return signature;
}

double EstimateJaccard(const MinHashSignature& a, const MinHashSignature& b) {
  int equal = 0;
  for (int k = 0; k < kMinHashSize; ++k) equal += a[k] == b[k];
  return static_cast<double>(equal) / kMinHashSize;
}

uint64_t MinHashBandKey(const MinHashSignature& signature, int band) {
  return XXH64(signature.data() + band * kMinHashRows, kMinHashRows * sizeof(uint32_t),
               static_cast<uint64_t>(band));
}

std::string EncodeMinHash(const MinHashSignature& signature) {
  return std::string(reinterpret_cast<const char*>(signature.data()),
                     signature.size() * sizeof(uint32_t));
}

std::optional<MinHashSignature> DecodeMinHash(absl::string_view bytes) {
  MinHashSignature signature;
  if (bytes.size() != signature.size() * sizeof(uint32_t)) return std::nullopt;
  std::memcpy(signature.data(), bytes.data(), bytes.size());
  return signature;
}

}  // namespace newsgraph::ingest
