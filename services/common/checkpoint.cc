#include "services/common/checkpoint.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace newsgraph {
namespace {

int64_t DirectoryBytes(const std::filesystem::path& directory) {
  std::error_code ec;
  int64_t total = 0;
  for (std::filesystem::recursive_directory_iterator it(directory, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code size_error;
    if (it->is_regular_file(size_error)) {
      total += static_cast<int64_t>(it->file_size(size_error));
    }
  }
  return total;
}

}  // namespace

absl::StatusOr<newsgraph::v1::Checkpoint> CheckpointFor(const Checkpointer& checkpointer,
                                                        const std::string& backup_id) {
  if (!checkpointer) return absl::FailedPreconditionError("this server cannot write checkpoints");
  return checkpointer(backup_id);
}

absl::Status ValidateBackupId(absl::string_view backup_id) {
  bool valid = !backup_id.empty() && backup_id.size() <= 63 && backup_id[0] != '-';
  for (char c : backup_id) {
    valid = valid && (absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-');
  }
  if (valid) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("backup_id must be 1 to 63 characters of [a-z0-9-] starting with a letter or "
                   "digit, got '",
                   absl::CHexEscape(backup_id.substr(0, 80)), "'"));
}

Checkpointer MakeCheckpointer(storage::KvStore* store, std::string backup_dir,
                              std::string service) {
  return [store, backup_dir = std::move(backup_dir), service = std::move(service)](
             const std::string& backup_id) -> absl::StatusOr<newsgraph::v1::Checkpoint> {
    NG_RETURN_IF_ERROR(ValidateBackupId(backup_id));
    if (backup_dir.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the ", service, " service has no --backup_dir to write checkpoints to"));
    }
    const std::filesystem::path parent = std::filesystem::path(backup_dir) / backup_id;
    const std::filesystem::path directory = parent / service;
    std::error_code ec;
    if (std::filesystem::exists(directory, ec)) {
      return absl::AlreadyExistsError(absl::StrCat("backup ", backup_id, " already has a ", service,
                                                   " checkpoint at ", directory.string(),
                                                   "; choose another backup_id"));
    }
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create ", parent.string(), ": ", ec.message()));
    }
    NG_RETURN_IF_ERROR(store->CreateCheckpoint(directory.string()));
    newsgraph::v1::Checkpoint checkpoint;
    checkpoint.set_service(service);
    checkpoint.set_directory(directory.string());
    checkpoint.set_size_bytes(DirectoryBytes(directory));
    return checkpoint;
  };
}

}  // namespace newsgraph
