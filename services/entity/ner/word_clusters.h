// Distributional word clusters learned from unlabeled news text (learned by
// word_cluster_learning.h; the tagger loads them from a file).
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

// Text file: one "word<TAB>coarse<TAB>fine" line per word, sorted by word.
absl::Status SaveWordClusters(const WordClusters& clusters, const std::string& path);
absl::StatusOr<WordClusters> LoadWordClusters(const std::string& path);

}  // namespace newsgraph::entity::ner

#endif  // NEWSGRAPH_SERVICES_ENTITY_NER_WORD_CLUSTERS_H_
