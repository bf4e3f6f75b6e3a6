// The entity module on a server of its own (entityd): reads the daemon's flags (daemon_flags.h), opens
// its modules and serves them until SIGTERM or SIGINT. The daemon's main()
// and the crash tests' daemon (tests/testing/ledger_daemon_main.cc) run it.
#ifndef NEWSGRAPH_SERVICES_ENTITY_ENTITYD_H_
#define NEWSGRAPH_SERVICES_ENTITY_ENTITYD_H_

#include "absl/status/status.h"

namespace newsgraph {

absl::Status RunEntityd();

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_ENTITY_ENTITYD_H_
