// The crash tests' daemon: runs newsgraphd, ingestd, entityd or searchd
// (--daemon) exactly as their own binaries do, but with every store on the
// sync-recording Env (storage/testing/sync_ledger.h), so that a test can
// SIGKILL it and then simulate the power loss that would have followed.
// The production daemons carry none of this.
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "rocksdb/env.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "services/common/daemon_flags.h"
#include "services/entity/entityd.h"
#include "services/ingest/ingestd.h"
#include "services/newsgraphd/newsgraphd.h"
#include "services/search/searchd.h"
#include "storage/testing/sync_ledger.h"

ABSL_FLAG(std::string, daemon, "newsgraphd", "which daemon to run: newsgraphd, ingestd, entityd, searchd");
ABSL_FLAG(std::string, sync_ledger, "", "the ledger file recording every file sync (required)");

namespace newsgraph {
namespace {

// Outlives the stores: destroyed at exit, after the daemon returned.
std::unique_ptr<rocksdb::Env> ledger_env;

absl::Status RunOnLedger() {
  const std::string ledger = absl::GetFlag(FLAGS_sync_ledger);
  if (ledger.empty()) return absl::InvalidArgumentError("--sync_ledger is required");
  NG_ASSIGN_OR_RETURN(ledger_env, storage::NewSyncLedgerEnv(ledger));
  SetStoreEnvForTesting(ledger_env.get());
  const std::string daemon = absl::GetFlag(FLAGS_daemon);
  if (daemon == "newsgraphd") return RunNewsgraphd();
  if (daemon == "ingestd") return RunIngestd();
  if (daemon == "entityd") return RunEntityd();
  if (daemon == "searchd") return RunSearchd();
  return absl::InvalidArgumentError(absl::StrCat("--daemon: no daemon named '", daemon, "'"));
}

}  // namespace
}  // namespace newsgraph

int main(int argc, char** argv) {
  return newsgraph::DaemonMain(argc, argv, "ledger_daemon",
                               "a daemon whose stores record their syncs (crash tests only)",
                               newsgraph::RunOnLedger);
}
