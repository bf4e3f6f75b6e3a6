#include "services/entity/entity_module.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "services/common/store_metrics.h"
#include "services/entity/entity_keyspace.h"

namespace newsgraph::entity {

absl::StatusOr<std::unique_ptr<EntityModule>> EntityModule::Open(
    const EntityModuleOptions& options) {
  NG_ASSIGN_OR_RETURN(std::unique_ptr<Recognizer> recognizer, LoadRecognizer(options.ner_model));
  NG_ASSIGN_OR_RETURN(std::unique_ptr<storage::KvStore> store,
                      OpenServiceStore(options.store, "entity", EntityColumnFamilies()));
  NG_ASSIGN_OR_RETURN(std::unique_ptr<EntityCore> core,
                      EntityCore::Open(store.get(), recognizer.get(), options.limits,
                                       options.recognition_threads));
  std::unique_ptr<EntityModule> module(
      new EntityModule(std::move(recognizer), std::move(store), std::move(core),
                       absl::StrCat(options.store.data_dir, "/entity")));
  module->EnableCheckpoints(options.store.backup_dir);
  return module;
}

void EntityModule::EnableCheckpoints(const std::string& backup_dir) {
  service_.set_checkpointer(MakeCheckpointer(store_.get(), backup_dir, "entity"));
}

MetricSource EntityModule::metrics() {
  return [this] { return StoreMetrics("entity", *store_); };
}

}  // namespace newsgraph::entity
