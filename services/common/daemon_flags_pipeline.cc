// Pipeline flags (daemon_flags.h).
#include <algorithm>

#include "absl/flags/flag.h"
#include "services/common/daemon_flags.h"

ABSL_FLAG(int, pipeline_concurrency, 1,
          "documents the pipeline annotates and indexes at once; more is faster, but the entity "
          "graph then depends on the order calls happen to finish (see docs/ingest.md)");
ABSL_FLAG(absl::Duration, downstream_timeout, absl::Seconds(30),
          "deadline of each pipeline call to the entity and search services; a call that runs "
          "out is retried with backoff, never dropped");

namespace newsgraph {

PipelineFlags PipelineFlagsFromFlags() {
  PipelineFlags flags;
  flags.concurrency = static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_pipeline_concurrency)));
  flags.downstream_timeout = absl::GetFlag(FLAGS_downstream_timeout);
  return flags;
}

}  // namespace newsgraph
