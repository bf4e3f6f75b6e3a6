// Turns files and directories into DocumentInputs for ingest.
#ifndef NEWSGRAPH_CLIENTS_CLI_DOCUMENT_FILES_H_
#define NEWSGRAPH_CLIENTS_CLI_DOCUMENT_FILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "newsgraph/v1/ingest_service.pb.h"

namespace newsgraph::cli {

// Reads every path: a .txt/.text/.md/.html/.htm file becomes one document
// (HTML and Markdown by extension); Reuters-21578 SGML (.sgm, .sgm.gz) and
// JSON Lines (.jsonl, .jsonl.gz) files hold many; a directory contributes
// all such files, recursively, in name order. The external_id is
// the path relative to the argument's parent directory, so re-ingesting the
// same tree is idempotent. Errors: NOT_FOUND for a missing path,
// PERMISSION_DENIED / UNAVAILABLE when a file cannot be read.
absl::StatusOr<std::vector<newsgraph::v1::DocumentInput>> LoadDocuments(
    const std::vector<std::string>& paths, const std::string& source);

}  // namespace newsgraph::cli

#endif  // NEWSGRAPH_CLIENTS_CLI_DOCUMENT_FILES_H_
