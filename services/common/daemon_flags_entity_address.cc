// --entity_address (daemon_flags.h).
#include "absl/flags/flag.h"
#include "services/common/daemon_flags.h"

ABSL_FLAG(std::string, entity_address, "127.0.0.1:7702",
          "EntityService address (searchd: for query entity resolution; empty disables it)");

namespace newsgraph {

std::string EntityAddressFromFlags() { return absl::GetFlag(FLAGS_entity_address); }

}  // namespace newsgraph
