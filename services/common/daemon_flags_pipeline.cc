// Pipeline flags (daemon_flags.h).
#include <algorithm>

#include "absl/flags/flag.h"
#include "services/common/daemon_flags.h"

ABSL_FLAG(int, pipeline_batch_size, 64,
          "documents the pipeline sends in one call to the entity and to the search service "
          "(each side makes a batch durable with one sync); 1 sends them one by one");
ABSL_FLAG(absl::Duration, downstream_timeout, absl::Seconds(30),
          "deadline of each pipeline call to the entity and search services; a call that runs "
          "out is retried with backoff, never dropped");

namespace newsgraph {

PipelineFlags PipelineFlagsFromFlags() {
  PipelineFlags flags;
  flags.batch_size = static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_pipeline_batch_size)));
  flags.downstream_timeout = absl::GetFlag(FLAGS_downstream_timeout);
  return flags;
}

}  // namespace newsgraph
