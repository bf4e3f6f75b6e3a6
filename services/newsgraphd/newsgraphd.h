// The ingest, entity and search modules on one server (newsgraphd): reads the daemon's flags (daemon_flags.h), opens
// its modules and serves them until SIGTERM or SIGINT. The daemon's main()
// and the crash tests' daemon (tests/testing/ledger_daemon_main.cc) run it.
#ifndef NEWSGRAPH_SERVICES_NEWSGRAPHD_NEWSGRAPHD_H_
#define NEWSGRAPH_SERVICES_NEWSGRAPHD_NEWSGRAPHD_H_

#include "absl/status/status.h"

namespace newsgraph {

absl::Status RunNewsgraphd();

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_NEWSGRAPHD_NEWSGRAPHD_H_
