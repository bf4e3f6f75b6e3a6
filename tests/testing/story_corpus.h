// Stories for the integration tests: real Reuters-21578 ones when the shared
// corpora are present, synthesized ones (synthetic_stories.h) for the rest,
// so a fresh clone without ../shared runs every scenario too.
#ifndef NEWSGRAPH_TESTS_TESTING_STORY_CORPUS_H_
#define NEWSGRAPH_TESTS_TESTING_STORY_CORPUS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "newsgraph/importers.h"
#include "tests/testing/corpora.h"
#include "tests/testing/synthetic_stories.h"

namespace newsgraph::testing {

struct StoryChoice {
  // Files under reuters21578/raw/, read in order.
  std::vector<std::string> reuters_files = {"reut2-004.sgm.gz", "reut2-005.sgm.gz"};
  // Stories with at most this much content are skipped.
  size_t min_content_bytes = 300;
  // Whether stories without a title are skipped.
  bool need_title = true;
};

// `count` stories, always the same for the same arguments and corpora.
inline std::vector<newsgraph::v1::DocumentInput> ReutersOrSyntheticStories(
    size_t count, const StoryChoice& choice = {}) {
  std::vector<newsgraph::v1::DocumentInput> docs;
  const std::optional<std::string> corpora = CorporaDir();
  for (const std::string& file : choice.reuters_files) {
    if (!corpora.has_value() || docs.size() == count) break;
    absl::StatusOr<std::vector<newsgraph::v1::DocumentInput>> reuters =
        ReadReutersSgml(*corpora + "/reuters21578/raw/" + file);
    if (!reuters.ok()) continue;
    for (auto& doc : *reuters) {
      if (docs.size() == count) break;
      if (doc.content().size() > choice.min_content_bytes &&
          (!choice.need_title || !doc.title().empty())) {
        docs.push_back(std::move(doc));
      }
    }
  }
  for (auto& story : SyntheticStories(count - docs.size())) docs.push_back(std::move(story));
  return docs;
}

}  // namespace newsgraph::testing

#endif  // NEWSGRAPH_TESTS_TESTING_STORY_CORPUS_H_
