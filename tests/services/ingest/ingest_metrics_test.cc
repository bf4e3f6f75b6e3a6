#include "services/ingest/ingest_metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace newsgraph::ingest {
namespace {

// The sample of family `name` with label value `label` (any key), or the
// unlabelled one when `label` is empty; nullptr when missing.
const MetricSample* Find(const std::vector<MetricFamilyValues>& families, const std::string& name,
                         const std::string& label = "") {
  for (const MetricFamilyValues& family : families) {
    if (family.name != name) continue;
    for (const MetricSample& sample : family.samples) {
      if (label.empty() ? sample.labels.empty()
                        : !sample.labels.empty() && sample.labels[0].second == label) {
        return &sample;
      }
    }
  }
  return nullptr;
}

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

TEST(PipelineMetricsTest, LagIsTheAgeOfTheOldestAcknowledgedChange) {
  PipelineReport report{.outbox_items = 12, .oldest_acknowledged = kNow - absl::Seconds(90)};
  std::vector<MetricFamilyValues> families = PipelineMetrics(report, kNow);
  ASSERT_NE(Find(families, "newsgraph_ingest_outbox_items"), nullptr);
  EXPECT_EQ(Find(families, "newsgraph_ingest_outbox_items")->value, 12);
  EXPECT_EQ(Find(families, "newsgraph_pipeline_lag_seconds")->value, 90);
  // Nothing waiting, or an item older than recorded times: no lag is shown.
  families = PipelineMetrics({.outbox_items = 0}, kNow);
  EXPECT_EQ(Find(families, "newsgraph_pipeline_lag_seconds")->value, 0);
  // A clock that stepped back never gives a negative age.
  families =
      PipelineMetrics({.outbox_items = 1, .oldest_acknowledged = kNow + absl::Seconds(5)}, kNow);
  EXPECT_EQ(Find(families, "newsgraph_pipeline_lag_seconds")->value, 0);
  // Before the pipeline starts there are no pipeline counters.
  EXPECT_EQ(Find(families, "newsgraph_pipeline_completed_total", "indexed"), nullptr);
}

TEST(PipelineMetricsTest, CountsCompletionsAndSummarizesBatches) {
  PipelineStats stats;
  stats.deferred = 2;
  stats.indexing = 64;
  stats.indexed = 1000;
  stats.removed = 3;
  stats.failed = 1;
  stats.annotate = {.calls = 16, .documents = 1003, .seconds = 8.5};
  stats.index = {.calls = 17, .documents = 1000, .seconds = 1.25};
  const std::vector<MetricFamilyValues> families =
      PipelineMetrics({.outbox_items = 70, .pipeline = stats}, kNow);
  EXPECT_EQ(Find(families, "newsgraph_pipeline_documents", "deferred")->value, 2);
  EXPECT_EQ(Find(families, "newsgraph_pipeline_documents", "indexing")->value, 64);
  EXPECT_EQ(Find(families, "newsgraph_pipeline_completed_total", "indexed")->value, 1000);
  EXPECT_EQ(Find(families, "newsgraph_pipeline_completed_total", "removed")->value, 3);
  EXPECT_EQ(Find(families, "newsgraph_pipeline_completed_total", "failed")->value, 1);
  const MetricSample* annotate = Find(families, "newsgraph_pipeline_batch_documents", "annotate");
  ASSERT_NE(annotate, nullptr);
  EXPECT_EQ(annotate->value, 1003);
  EXPECT_EQ(annotate->count, 16u);
  const MetricSample* index = Find(families, "newsgraph_pipeline_batch_seconds", "index");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->value, 1.25);
  EXPECT_EQ(index->count, 17u);
}

}  // namespace
}  // namespace newsgraph::ingest
