// Hierarchical word clusters (Brown et al. 1992) learned from unlabeled text.
//
// Words are merged bottom-up so that the mutual information between the
// clusters of adjacent words stays as high as possible; the merge tree gives
// every word a bit string whose prefixes are clusters at every granularity
// ("0110" is coarse, "011010011" finer). We use the windowed variant: only
// the `clusters` + 1 most recent clusters are active, words join in order of
// frequency, and the remaining clusters are merged into one tree at the end.
// Cost is O(words * clusters^2). Tools only (learn_clusters); the tagger
// loads the paths (word_paths.h).
#ifndef NEWSGRAPH_SERVICES_ENTITY_NER_BROWN_CLUSTERS_H_
#define NEWSGRAPH_SERVICES_ENTITY_NER_BROWN_CLUSTERS_H_

#include <functional>
#include <string>
#include <vector>

#include "services/entity/ner/word_paths.h"

namespace newsgraph::entity::ner {

struct BrownOptions {
  // Active clusters (leaves of the final tree). Default 500.
  int clusters = 500;
  // Words seen fewer times are not clustered. Default 4.
  int min_count = 4;
  // Most words clustered (the most frequent). Default 40,000.
  size_t max_words = 40000;
  // Worker threads for the pair updates. Default 2.
  int threads = 2;
  // Cluster lower-cased words (true) or words as written. Default true.
  bool lowercase = true;
};

// Learns paths for the words of `sentences` (lower-cased). `progress`, when
// set, is called with the number of words added so far now and then.
WordPaths LearnBrownClusters(const std::vector<std::vector<std::string>>& sentences,
                             const BrownOptions& options,
                             const std::function<void(size_t words, size_t total)>& progress);

}  // namespace newsgraph::entity::ner

#endif  // NEWSGRAPH_SERVICES_ENTITY_NER_BROWN_CLUSTERS_H_
