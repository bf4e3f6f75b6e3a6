#include "services/ingest/ingest_metrics.h"

#include <algorithm>

namespace newsgraph::ingest {
namespace {

using Type = MetricFamilyValues::Type;

MetricSample Labelled(const char* name, const char* value, double sample, uint64_t count = 0) {
  return {{{name, value}}, sample, count};
}

}  // namespace

std::vector<MetricFamilyValues> PipelineMetrics(const PipelineReport& report, absl::Time now) {
  std::vector<MetricFamilyValues> out;
  out.push_back(SingleValue("newsgraph_ingest_outbox_items",
                            "Acknowledged changes (documents, versions, deletions) not yet "
                            "through the pipeline.",
                            Type::kGauge, static_cast<double>(report.outbox_items)));
  const double lag = report.oldest_acknowledged.has_value()
                         ? std::max(0.0, absl::ToDoubleSeconds(now - *report.oldest_acknowledged))
                         : 0.0;
  out.push_back(SingleValue("newsgraph_pipeline_lag_seconds",
                            "Age of the oldest acknowledged change not yet through the pipeline "
                            "(0 when there is none).",
                            Type::kGauge, lag));
  if (!report.pipeline.has_value()) return out;
  const PipelineStats& stats = *report.pipeline;
  auto d = [](uint64_t n) { return static_cast<double>(n); };
  out.push_back({"newsgraph_pipeline_documents",
                 "Documents the pipeline holds: set aside after transient failures "
                 "(deferred), annotated and waiting for or in the index call (indexing).",
                 Type::kGauge,
                 {Labelled("state", "deferred", d(stats.deferred)),
                  Labelled("state", "indexing", d(stats.indexing))}});
  out.push_back({"newsgraph_pipeline_completed_total",
                 "Outbox items completed since start, by outcome (superseded: skipped for a "
                 "newer version or a deletion).",
                 Type::kCounter,
                 {Labelled("outcome", "indexed", d(stats.indexed)),
                  Labelled("outcome", "removed", d(stats.removed)),
                  Labelled("outcome", "failed", d(stats.failed)),
                  Labelled("outcome", "superseded", d(stats.superseded))}});
  out.push_back({"newsgraph_pipeline_batch_documents",
                 "Documents per batch call to the entity (annotate) and search (index) "
                 "services.",
                 Type::kSummary,
                 {Labelled("stage", "annotate", d(stats.annotate.documents), stats.annotate.calls),
                  Labelled("stage", "index", d(stats.index.documents), stats.index.calls)}});
  out.push_back({"newsgraph_pipeline_batch_seconds",
                 "Duration of batch calls to the entity (annotate) and search (index) services.",
                 Type::kSummary,
                 {Labelled("stage", "annotate", stats.annotate.seconds, stats.annotate.calls),
                  Labelled("stage", "index", stats.index.seconds, stats.index.calls)}});
  return out;
}

}  // namespace newsgraph::ingest
