// searchd: the search module as its own process; with --entity_address it
// resolves query entities through that entity service.
#include "services/common/daemon_flags.h"
#include "services/search/searchd.h"

int main(int argc, char** argv) {
  return newsgraph::DaemonMain(argc, argv, "searchd", "the SearchService as its own process", newsgraph::RunSearchd);
}
