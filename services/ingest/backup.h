// A consistent backup of a deployment while it keeps accepting documents:
// the pipeline is held between rounds, so that the entity and search stores
// hold exactly the changes ingest's outbox records as done, and each service
// writes a checkpoint of its store (services/common/checkpoint.h).
#ifndef NEWSGRAPH_SERVICES_INGEST_BACKUP_H_
#define NEWSGRAPH_SERVICES_INGEST_BACKUP_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "newsgraph/v1/ingest_service.pb.h"
#include "services/common/checkpoint.h"
#include "services/ingest/ingest_core.h"
#include "services/ingest/pipeline.h"

namespace newsgraph::ingest {

// What a backup is taken from. Borrowed.
struct BackupParts {
  IngestCore* core = nullptr;
  // Null when no pipeline runs (nothing to hold).
  Pipeline* pipeline = nullptr;
  // The entity and search services' checkpoints, in order; then ingest's.
  std::vector<Checkpointer> downstream;
  Checkpointer ingest;
};

// Holds the pipeline (waiting up to `deadline`), writes the downstream
// checkpoints and ingest's, and lets the pipeline go on. Errors:
// INVALID_ARGUMENT for a bad id; UNAVAILABLE when the pipeline did not
// reach a pause in time; a checkpoint's error, naming its service (the
// checkpoints written before it stay; the backup id is spent).
absl::StatusOr<newsgraph::v1::Backup> TakeBackup(const BackupParts& parts,
                                                 const std::string& backup_id, absl::Time deadline);

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_BACKUP_H_
