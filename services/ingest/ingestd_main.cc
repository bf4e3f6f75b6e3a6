// ingestd: the ingest module and its pipeline as their own process, calling
// the entity and search services at --entity_address and --search_address.
#include "services/common/daemon_flags.h"
#include "services/ingest/ingestd.h"

int main(int argc, char** argv) {
  return newsgraph::DaemonMain(argc, argv, "ingestd", "the IngestService and its pipeline as their own process", newsgraph::RunIngestd);
}
