// Reading whole files that may be gzip-compressed (corpora, word lists,
// training data): one implementation for the services, the client library's
// importers, the tools and the benchmarks.
#ifndef NEWSGRAPH_BASE_FILE_READING_H_
#define NEWSGRAPH_BASE_FILE_READING_H_

#include <string>

#include "absl/status/statusor.h"

namespace newsgraph {

// The contents of the file at `path`, decompressed when it is gzip data and
// as stored otherwise. Errors: NOT_FOUND when it cannot be opened,
// INVALID_ARGUMENT for damaged gzip data.
absl::StatusOr<std::string> ReadMaybeGzippedFile(const std::string& path);

}  // namespace newsgraph

#endif  // NEWSGRAPH_BASE_FILE_READING_H_
