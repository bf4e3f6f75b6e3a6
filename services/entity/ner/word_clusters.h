// Distributional word clusters learned from unlabeled news text.
//
// Each frequent (lower-cased) word is described by the positive pointwise
// mutual information of its left and right neighbours among the most
// frequent words, randomly projected to a dense vector; spherical k-means
// groups the vectors at two granularities. Words used alike ("monday" /
// "tuesday", "bank" / "firm", "smith" / "jones") share clusters, which lets
// the tagger generalize beyond the words of its training set.
#ifndef NEWSGRAPH_SERVICES_ENTITY_NER_WORD_CLUSTERS_H_
#define NEWSGRAPH_SERVICES_ENTITY_NER_WORD_CLUSTERS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace newsgraph::entity::ner {

struct ClusterIds {
  uint16_t coarse = 0;
  uint16_t fine = 0;
};

// word (lower case) -> clusters.
using WordClusters = absl::flat_hash_map<std::string, ClusterIds>;

struct ClusterOptions {
  // Words seen fewer times are not clustered. Default 5.
  int min_count = 5;
  // Most words clustered (the most frequent). Default 60,000.
  size_t max_words = 60000;
  // Context words (the most frequent). Default 1,000.
  size_t context_words = 1000;
  // Dimensions of the projected vectors. Default 128.
  int dimensions = 128;
  // Cluster counts of the two granularities. Defaults 64 and 512.
  int coarse_clusters = 64;
  int fine_clusters = 512;
  // k-means iterations. Default 12.
  int iterations = 12;
  uint64_t seed = 7;
};

// Learns clusters from tokenized sentences (tokens in any case).
WordClusters LearnWordClusters(const std::vector<std::vector<std::string>>& sentences,
                               const ClusterOptions& options);

// Text file: one "word<TAB>coarse<TAB>fine" line per word, sorted by word.
absl::Status SaveWordClusters(const WordClusters& clusters, const std::string& path);
absl::StatusOr<WordClusters> LoadWordClusters(const std::string& path);

}  // namespace newsgraph::entity::ner

#endif  // NEWSGRAPH_SERVICES_ENTITY_NER_WORD_CLUSTERS_H_
