// entityd: the entity module as its own process.
#include "services/common/daemon_flags.h"
#include "services/entity/entityd.h"

int main(int argc, char** argv) {
  return newsgraph::DaemonMain(argc, argv, "entityd", "the EntityService as its own process", newsgraph::RunEntityd);
}
