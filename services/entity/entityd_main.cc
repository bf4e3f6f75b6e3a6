// entityd: the EntityService as its own process.
#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "services/common/daemon_flags.h"
#include "services/common/log.h"
#include "services/common/server_runner.h"
#include "services/common/service_store.h"
#include "services/entity/entity_core.h"
#include "services/entity/entity_grpc_service.h"
#include "services/entity/entity_keyspace.h"
#include "services/entity/recognizer.h"

int main(int argc, char** argv) {
  newsgraph::BlockTerminationSignals();
  newsgraph::ParseDaemonFlags(argc, argv, "the EntityService as its own process");
  using namespace newsgraph;

  absl::StatusOr<std::unique_ptr<entity::Recognizer>> recognizer =
      entity::LoadRecognizer(NerModelFromFlags());
  if (!recognizer.ok()) {
    LogError("entityd", recognizer.status().ToString());
    return 1;
  }
  absl::StatusOr<ServiceStoreOptions> store_options = StoreOptionsFromFlags(64);
  if (!store_options.ok()) {
    LogError("entityd", store_options.status().ToString());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<storage::KvStore>> store =
      OpenServiceStore(*store_options, "entity", entity::EntityColumnFamilies());
  if (!store.ok()) {
    LogError("entityd", store.status().ToString());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<entity::EntityCore>> core =
      entity::EntityCore::Open(store->get(), recognizer->get());
  if (!core.ok()) {
    LogError("entityd", core.status().ToString());
    return 1;
  }
  entity::EntityGrpcService service(core->get());
  ServerRunnerOptions server_options = ServerOptionsFromFlags("entityd", "127.0.0.1:7702");
  server_options.data_description = absl::StrCat(store_options->data_dir, "/entity");
  absl::Status status =
      RunServer(server_options, {{&service, "newsgraph.v1.EntityService"}}, nullptr, nullptr);
  if (!status.ok()) {
    LogError("entityd", status.ToString());
    return 1;
  }
  return 0;
}
