// The ingest backlog and the pipeline's progress as metric families.
#ifndef NEWSGRAPH_SERVICES_INGEST_INGEST_METRICS_H_
#define NEWSGRAPH_SERVICES_INGEST_INGEST_METRICS_H_

#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "base/metric_values.h"
#include "services/ingest/pipeline.h"

namespace newsgraph::ingest {

// What the families are made of, gathered by the caller.
struct PipelineReport {
  // Outbox items (acknowledged changes not yet through the pipeline).
  uint64_t outbox_items = 0;
  // When the oldest of them was acknowledged; nullopt: none, or unknown.
  std::optional<absl::Time> oldest_acknowledged;
  // nullopt until the pipeline started.
  std::optional<PipelineStats> pipeline;
};

// newsgraph_ingest_outbox_items, newsgraph_pipeline_lag_seconds (age at
// `now` of the oldest unprocessed acknowledgement, 0 with none),
// newsgraph_pipeline_documents{state}, newsgraph_pipeline_completed_total
// {outcome}, newsgraph_pipeline_batch_documents{stage} and
// newsgraph_pipeline_batch_seconds{stage} (summaries).
std::vector<MetricFamilyValues> PipelineMetrics(const PipelineReport& report, absl::Time now);

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_INGEST_METRICS_H_
