// The entity service as one unit a daemon serves: its recognizer, its store
// under the data directory, the core and the gRPC adapter. entityd serves it
// alone; newsgraphd serves it beside the other two modules.
#ifndef NEWSGRAPH_SERVICES_ENTITY_ENTITY_MODULE_H_
#define NEWSGRAPH_SERVICES_ENTITY_ENTITY_MODULE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "base/metric_values.h"
#include "services/common/service_store.h"
#include "services/entity/entity_core.h"
#include "services/entity/entity_grpc_service.h"
#include "services/entity/recognizer.h"

namespace newsgraph::entity {

struct EntityModuleOptions {
  ServiceStoreOptions store;
  // The named-entity model written by train_ner; "" for rule-based names.
  std::string ner_model;
  EntityLimits limits;
  // Threads recognizing a batch's documents; 0: one per core.
  size_t recognition_threads = 0;
};

class EntityModule {
 public:
  static constexpr char kServiceName[] = "newsgraph.v1.EntityService";

  // Loads the recognizer and opens <data_dir>/entity. Errors: the model's
  // (NOT_FOUND, INVALID_ARGUMENT) and the store's.
  static absl::StatusOr<std::unique_ptr<EntityModule>> Open(const EntityModuleOptions& options);

  grpc::Service* service() { return &service_; }
  EntityCore* core() { return core_.get(); }
  // The store's metrics (newsgraph_store_*{store="entity"}); valid while
  // the module lives.
  MetricSource metrics();
  // Where the data lives, for the start-up log line.
  const std::string& data_description() const { return data_description_; }

 private:
  EntityModule(std::unique_ptr<Recognizer> recognizer, std::unique_ptr<storage::KvStore> store,
               std::unique_ptr<EntityCore> core, std::string data_description)
      : recognizer_(std::move(recognizer)),
        store_(std::move(store)),
        core_(std::move(core)),
        service_(core_.get()),
        data_description_(std::move(data_description)) {}
  // The adapter's CreateCheckpoint writes under `backup_dir`.
  void EnableCheckpoints(const std::string& backup_dir);

  // Destroyed in reverse: the adapter, the core, then the store (which
  // flushes its log) and the recognizer.
  std::unique_ptr<Recognizer> recognizer_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<EntityCore> core_;
  EntityGrpcService service_;
  std::string data_description_;
};

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_ENTITY_MODULE_H_
