// newsgraphd: the embedded default deployment. The ingest, entity and search
// modules in one process on one port, each with its own RocksDB under one
// data directory, calling each other through their gRPC interfaces over
// in-process channels: the same code paths as the split deployment.
#include "services/common/daemon_flags.h"
#include "services/newsgraphd/newsgraphd.h"

int main(int argc, char** argv) {
  return newsgraph::DaemonMain(argc, argv, "newsgraphd", "the ingest, entity and search services in one process", newsgraph::RunNewsgraphd);
}
