// Checkpoints of a service's store for backups (IngestService.CreateBackup):
// <backup_dir>/<backup_id>/<service>, a directory a daemon can open as that
// service's store.
#ifndef NEWSGRAPH_SERVICES_COMMON_CHECKPOINT_H_
#define NEWSGRAPH_SERVICES_COMMON_CHECKPOINT_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "newsgraph/v1/types.pb.h"
#include "storage/kv_store.h"

namespace newsgraph {

// Writes the checkpoint of one store for a backup id. Thread-safe.
using Checkpointer =
    std::function<absl::StatusOr<newsgraph::v1::Checkpoint>(const std::string& backup_id)>;

// `checkpointer`(backup_id), or FAILED_PRECONDITION when it is unset (a
// server that was given none).
absl::StatusOr<newsgraph::v1::Checkpoint> CheckpointFor(const Checkpointer& checkpointer,
                                                        const std::string& backup_id);

// INVALID_ARGUMENT unless `backup_id` is 1 to 63 characters of [a-z0-9-]
// starting with a letter or digit (so it names one directory below the
// backup directory, never a path).
absl::Status ValidateBackupId(absl::string_view backup_id);

// A Checkpointer of `store` (borrowed) writing to
// <backup_dir>/<backup_id>/<service>. Its errors: INVALID_ARGUMENT for a
// bad id, FAILED_PRECONDITION when `backup_dir` is empty, ALREADY_EXISTS
// when the directory exists, and the store's.
Checkpointer MakeCheckpointer(storage::KvStore* store, std::string backup_dir, std::string service);

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_CHECKPOINT_H_
