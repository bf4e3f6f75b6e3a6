#include "services/ingest/reindex.h"

#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "base/time_util.h"

namespace newsgraph::ingest {
namespace {

// Outbox items up to `last_sequence`, at most: the oldest item's distance
// to it (items completed out of order still count).
absl::StatusOr<int64_t> Remaining(const IngestCore& core, uint64_t last_sequence) {
  NG_ASSIGN_OR_RETURN(std::optional<uint64_t> oldest, core.OldestOutboxSequence());
  if (!oldest.has_value() || *oldest > last_sequence) return 0;
  return static_cast<int64_t>(last_sequence - *oldest + 1);
}

}  // namespace

absl::Status RunReindex(IngestCore& core, const ReindexOptions& options,
                        const std::function<bool(const newsgraph::v1::ReindexProgress&)>& report,
                        const std::function<bool()>& stop) {
  const absl::Time start = absl::Now();
  newsgraph::v1::ReindexProgress progress;
  uint64_t last_id = options.start_after;
  uint64_t last_sequence = 0;
  absl::Time next_report = start;
  while (true) {
    if (stop && stop()) return absl::CancelledError("the reindex was stopped");
    if (!progress.all_queued() && core.OutboxSize() < options.max_outbox) {
      NG_ASSIGN_OR_RETURN(IngestCore::ReindexChunk chunk,
                          core.QueueReindex(last_id, options.chunk, options.reannotate));
      if (chunk.queued == 0) {
        progress.set_all_queued(true);
      } else {
        progress.set_queued(progress.queued() + static_cast<int64_t>(chunk.queued));
        last_id = chunk.last_id;
        last_sequence = chunk.last_sequence;
        progress.set_last_queued(IngestCore::DocumentName(last_id));
        continue;  // more while there is room
      }
    }
    NG_ASSIGN_OR_RETURN(const int64_t remaining, last_sequence == 0
                                                     ? absl::StatusOr<int64_t>(0)
                                                     : Remaining(core, last_sequence));
    progress.set_remaining(remaining);
    progress.set_done(progress.all_queued() && remaining == 0);
    const absl::Time now = absl::Now();
    if (progress.done() || now >= next_report) {
      *progress.mutable_elapsed() = ToDurationProto(now - start);
      if (!report(progress)) return absl::CancelledError("nobody follows the reindex any more");
      next_report = now + options.report_every;
    }
    if (progress.done()) return absl::OkStatus();
    absl::SleepFor(options.poll);
  }
}

}  // namespace newsgraph::ingest
