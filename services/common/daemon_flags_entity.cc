// Entity service flags (daemon_flags.h).
#include <algorithm>

#include "absl/flags/flag.h"
#include "services/common/daemon_flags.h"

ABSL_FLAG(std::string, ner_model, NEWSGRAPH_DEFAULT_NER_MODEL,
          "named-entity model written by train_ner; empty: rule-based names only");

ABSL_FLAG(int, recognition_threads, 0,
          "threads that recognize the documents of one BatchAnnotateDocuments call (what the "
          "pipeline sends); 0: one per core. The entity graph does not depend on it");

namespace newsgraph {

std::string NerModelFromFlags() { return absl::GetFlag(FLAGS_ner_model); }

size_t RecognitionThreadsFromFlags() {
  return static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_recognition_threads)));
}

}  // namespace newsgraph
