// Readers that turn common corpus formats into DocumentInputs for batch
// ingest. Files may be gzip-compressed (detected from their content).
#ifndef NEWSGRAPH_IMPORTERS_H_
#define NEWSGRAPH_IMPORTERS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "newsgraph/v1/ingest_service.pb.h"

namespace newsgraph {

// Reads a Reuters-21578 SGML file (reut2-NNN.sgm, or .sgm.gz). Each
// <REUTERS> story becomes one document: external_id "reuters-21578:NEWID",
// source "Reuters", title <TITLE>, content <BODY> (the whole <TEXT> for
// unprocessed stories), published_time from <DATE>, labels topics, places,
// people, orgs, exchanges (comma-separated) and lewissplit. SGML character
// references are decoded; bytes outside ASCII are read as Latin-1.
// Errors: NOT_FOUND, or INVALID_ARGUMENT naming the file and story.
absl::StatusOr<std::vector<newsgraph::v1::DocumentInput>> ReadReutersSgml(const std::string& path);

// Reads JSON Lines (.jsonl or .jsonl.gz), one object per line with keys
// id, title, body, published (ISO 8601 date or date-time, or null), source,
// url and labels (an object; values flattened to strings). Errors:
// NOT_FOUND, or INVALID_ARGUMENT naming the file and line.
absl::StatusOr<std::vector<newsgraph::v1::DocumentInput>> ReadJsonLines(const std::string& path);

// Reads a whole file, gunzipping it when it starts with the gzip magic.
absl::StatusOr<std::string> ReadMaybeGzipped(const std::string& path);

}  // namespace newsgraph

#endif  // NEWSGRAPH_IMPORTERS_H_
