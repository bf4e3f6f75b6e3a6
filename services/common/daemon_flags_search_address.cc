// --search_address (daemon_flags.h).
#include "absl/flags/flag.h"
#include "services/common/daemon_flags.h"

ABSL_FLAG(std::string, search_address, "127.0.0.1:7703", "SearchService address");

namespace newsgraph {

std::string SearchAddressFromFlags() { return absl::GetFlag(FLAGS_search_address); }

}  // namespace newsgraph
