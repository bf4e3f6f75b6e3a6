// Learns the word clusters of word_clusters.h from unlabeled text (tools
// only: learn_clusters; not linked into the services).
#ifndef NEWSGRAPH_SERVICES_ENTITY_NER_WORD_CLUSTER_LEARNING_H_
#define NEWSGRAPH_SERVICES_ENTITY_NER_WORD_CLUSTER_LEARNING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "services/entity/ner/word_clusters.h"

namespace newsgraph::entity::ner {

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

}  // namespace newsgraph::entity::ner

#endif  // NEWSGRAPH_SERVICES_ENTITY_NER_WORD_CLUSTER_LEARNING_H_
