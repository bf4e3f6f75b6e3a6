// `newsgraph admin restore`: puts a backup's checkpoints in place as the
// stores of a stopped deployment.
#ifndef NEWSGRAPH_CLIENTS_CLI_BACKUP_RESTORE_H_
#define NEWSGRAPH_CLIENTS_CLI_BACKUP_RESTORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace newsgraph::cli {

// Copies each service checkpoint of `backup` (<backup_dir>/<id>: its
// ingest, entity and search directories, whichever are there, as on the
// host of a split deployment's service) to <data_dir>/<service>. Every
// target must be missing or empty: nothing is overwritten, and nothing is
// copied when one is not. Returns the services restored. Errors:
// NOT_FOUND when `backup` holds no checkpoint, FAILED_PRECONDITION for a
// target in use, INTERNAL for a failed copy (the partial copy is removed).
absl::StatusOr<std::vector<std::string>> RestoreBackup(const std::string& backup,
                                                       const std::string& data_dir);

}  // namespace newsgraph::cli

#endif  // NEWSGRAPH_CLIENTS_CLI_BACKUP_RESTORE_H_
