// entityd: the EntityService as its own process.
#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/server_runner.h"
#include "services/common/service_store.h"
#include "services/entity/entity_core.h"
#include "services/entity/entity_grpc_service.h"
#include "services/entity/entity_keyspace.h"
#include "services/entity/recognizer.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:7702", "host:port to serve on (port 0: any free port)");
ABSL_FLAG(std::string, data_dir, "./data", "data directory; the store lives in <data_dir>/entity");
ABSL_FLAG(std::string, port_file, "", "write the bound port to this file once serving");
ABSL_FLAG(int, block_cache_mb, 64, "RocksDB block cache size in MiB");
ABSL_FLAG(std::string, ner_model, NEWSGRAPH_DEFAULT_NER_MODEL,
          "named-entity model written by train_ner; empty: rule-based names only");

int main(int argc, char** argv) {
  newsgraph::BlockTerminationSignals();
  absl::ParseCommandLine(argc, argv);
  using namespace newsgraph;

  absl::StatusOr<std::unique_ptr<entity::Recognizer>> recognizer =
      entity::LoadRecognizer(absl::GetFlag(FLAGS_ner_model));
  if (!recognizer.ok()) {
    LogError("entityd", recognizer.status().ToString());
    return 1;
  }
  const std::string dir = absl::StrCat(absl::GetFlag(FLAGS_data_dir), "/entity");
  absl::StatusOr<std::unique_ptr<storage::KvStore>> store =
      OpenServiceStore(absl::GetFlag(FLAGS_data_dir), "entity", entity::EntityColumnFamilies(),
                       absl::GetFlag(FLAGS_block_cache_mb));
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
  ServerRunnerOptions server_options;
  server_options.process_name = "entityd";
  server_options.listen_address = absl::GetFlag(FLAGS_listen);
  server_options.port_file = absl::GetFlag(FLAGS_port_file);
  ApplySecurityFlags(&server_options);
  server_options.data_description = dir;
  absl::Status status =
      RunServer(server_options, {{&service, "newsgraph.v1.EntityService"}}, nullptr, nullptr);
  if (!status.ok()) {
    LogError("entityd", status.ToString());
    return 1;
  }
  return 0;
}
