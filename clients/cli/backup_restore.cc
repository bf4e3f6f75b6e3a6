#include "clients/cli/backup_restore.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace newsgraph::cli {
namespace fs = std::filesystem;

absl::StatusOr<std::vector<std::string>> RestoreBackup(const std::string& backup,
                                                       const std::string& data_dir) {
  std::vector<std::string> services;
  std::error_code ec;
  for (const char* service : {"ingest", "entity", "search"}) {
    // A checkpoint is a RocksDB directory: it has a CURRENT file.
    if (fs::exists(fs::path(backup) / service / "CURRENT", ec)) services.push_back(service);
  }
  if (services.empty()) {
    return absl::NotFoundError(absl::StrCat(backup,
                                            " holds no checkpoint (ingest/, entity/ or "
                                            "search/ with a CURRENT file)"));
  }
  for (const std::string& service : services) {
    const fs::path target = fs::path(data_dir) / service;
    if (fs::exists(target, ec) && !fs::is_empty(target, ec)) {
      return absl::FailedPreconditionError(
          absl::StrCat(target.string(),
                       " is not empty: restore only into a stopped deployment's "
                       "empty data directory (move the old one aside)"));
    }
  }
  for (const std::string& service : services) {
    const fs::path target = fs::path(data_dir) / service;
    fs::create_directories(target, ec);
    if (!ec) fs::copy(fs::path(backup) / service, target, fs::copy_options::recursive, ec);
    if (ec) {
      std::error_code ignored;
      fs::remove_all(target, ignored);
      return absl::InternalError(absl::StrCat("copying ", (fs::path(backup) / service).string(),
                                              " to ", target.string(), ": ", ec.message()));
    }
  }
  return services;
}

}  // namespace newsgraph::cli
