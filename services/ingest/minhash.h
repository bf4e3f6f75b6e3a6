// MinHash signatures for near-duplicate detection.
//
// A document's word 3-shingles (words folded to lower case) are hashed; the
// signature keeps, for each of kMinHashSize hash functions, the smallest
// value over all shingles. The share of equal positions in two signatures
// estimates the Jaccard similarity of the shingle sets. Candidates are found
// with locality-sensitive hashing: the signature is cut into kMinHashBands
// bands, and documents sharing any whole band are compared.
#ifndef NEWSGRAPH_SERVICES_INGEST_MINHASH_H_
#define NEWSGRAPH_SERVICES_INGEST_MINHASH_H_

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace newsgraph::ingest {

inline constexpr int kMinHashSize = 64;
inline constexpr int kMinHashBands = 16;
inline constexpr int kMinHashRows = kMinHashSize / kMinHashBands;
// Documents whose estimated shingle Jaccard similarity reaches this are
// near-duplicates. With 16 bands of 4 rows, a pair at 0.8 becomes a
// candidate with probability 0.9998.
inline constexpr double kNearDuplicateJaccard = 0.8;
// Most stored documents of one band bucket compared with a new document
// (the oldest ones): bounds the work a flood of near-identical documents
// makes per document.
inline constexpr int kMaxBandCandidates = 64;

using MinHashSignature = std::array<uint32_t, kMinHashSize>;

// The signature of `text`, or std::nullopt when it has fewer than
// `min_words` words (short texts share too many shingles by chance) or when
// `stop` (may be empty; asked every 64 KiB of text) returned true.
std::optional<MinHashSignature> ComputeMinHash(absl::string_view text, size_t min_words = 20,
                                               const std::function<bool()>& stop = {});

// Share of equal positions: an estimate of the Jaccard similarity.
double EstimateJaccard(const MinHashSignature& a, const MinHashSignature& b);

// A 64-bit key for band `band` (0 <= band < kMinHashBands) of `signature`.
uint64_t MinHashBandKey(const MinHashSignature& signature, int band);

std::string EncodeMinHash(const MinHashSignature& signature);
std::optional<MinHashSignature> DecodeMinHash(absl::string_view bytes);

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_MINHASH_H_
