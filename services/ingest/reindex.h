// A reindex: every stored document's current version through the pipeline
// again (OutboxItem::kReindex or kReannotate), queued a chunk at a time so
// that the backlog stays bounded, with progress reports until the pipeline
// is through.
#ifndef NEWSGRAPH_SERVICES_INGEST_REINDEX_H_
#define NEWSGRAPH_SERVICES_INGEST_REINDEX_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "newsgraph/v1/ingest_service.pb.h"
#include "services/ingest/ingest_core.h"

namespace newsgraph::ingest {

struct ReindexOptions {
  // Recognize texts again (kReannotate) instead of reusing annotations.
  bool reannotate = false;
  // Start after this document id (0: from the first).
  uint64_t start_after = 0;
  // Documents queued per synced write.
  size_t chunk = 512;
  // No chunk is queued while the outbox holds this many items or more.
  uint64_t max_outbox = 50000;
  // Progress is reported at least this often, and once at the end.
  absl::Duration report_every = absl::Seconds(1);
  absl::Duration poll = absl::Milliseconds(50);
};

// Runs a reindex on `core`, calling `report` with progress (it returns
// false when nobody listens any more: the reindex stops, what it queued
// stays queued) and asking `stop` between steps. OK once the pipeline
// finished every queued document. Errors: CANCELLED (stop, or report
// false), storage errors.
absl::Status RunReindex(IngestCore& core, const ReindexOptions& options,
                        const std::function<bool(const newsgraph::v1::ReindexProgress&)>& report,
                        const std::function<bool()>& stop);

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_REINDEX_H_
