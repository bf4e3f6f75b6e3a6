// Entity service flags (daemon_flags.h).
#include "absl/flags/flag.h"
#include "services/common/daemon_flags.h"

ABSL_FLAG(std::string, ner_model, NEWSGRAPH_DEFAULT_NER_MODEL,
          "named-entity model written by train_ner; empty: rule-based names only");

namespace newsgraph {

std::string NerModelFromFlags() { return absl::GetFlag(FLAGS_ner_model); }

}  // namespace newsgraph
