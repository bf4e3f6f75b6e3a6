#include "base/file_reading.h"

#include <zlib.h>

#include "absl/strings/str_cat.h"

namespace newsgraph {

absl::StatusOr<std::string> ReadMaybeGzippedFile(const std::string& path) {
  // zlib reads a file that is not gzip data as it is.
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::string out;
  char chunk[1 << 16];
  int n;
  while ((n = gzread(file, chunk, sizeof(chunk))) > 0) out.append(chunk, static_cast<size_t>(n));
  gzclose(file);
  if (n < 0) return absl::InvalidArgumentError(absl::StrCat(path, ": damaged gzip data"));
  return out;
}

}  // namespace newsgraph
