#include "services/ingest/backup.h"

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/time_util.h"

namespace newsgraph::ingest {

absl::StatusOr<newsgraph::v1::Backup> TakeBackup(const BackupParts& parts,
                                                 const std::string& backup_id,
                                                 absl::Time deadline) {
  NG_RETURN_IF_ERROR(ValidateBackupId(backup_id));
  if (parts.pipeline != nullptr && !parts.pipeline->Pause(deadline)) {
    return absl::UnavailableError(
        "the pipeline did not pause before the deadline (a batch is waiting out an outage of "
        "the entity or search service?); retry later");
  }
  const absl::Time paused = absl::Now();
  absl::Cleanup resume = [&parts] {
    if (parts.pipeline != nullptr) parts.pipeline->Resume();
  };
  newsgraph::v1::Backup backup;
  backup.set_backup_id(backup_id);
  *backup.mutable_create_time() = ToTimestamp(paused);
  for (const Checkpointer& checkpointer : parts.downstream) {
    NG_ASSIGN_OR_RETURN(*backup.add_checkpoints(), checkpointer(backup_id));
  }
  // Acknowledgements go on during the pause: the count is as of the moment
  // ingest's checkpoint starts.
  backup.set_outbox_items(static_cast<int64_t>(parts.core->OutboxSize()));
  NG_ASSIGN_OR_RETURN(*backup.add_checkpoints(), parts.ingest(backup_id));
  std::move(resume).Invoke();
  *backup.mutable_pipeline_pause() = ToDurationProto(absl::Now() - paused);
  return backup;
}

}  // namespace newsgraph::ingest
