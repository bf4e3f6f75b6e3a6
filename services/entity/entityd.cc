#include "services/entity/entityd.h"

#include <memory>

#include "base/status_macros.h"
#include "services/common/daemon_flags.h"
#include "services/common/server_runner.h"
#include "services/entity/entity_module.h"

namespace newsgraph {

absl::Status RunEntityd() {
  NG_ASSIGN_OR_RETURN(const ServiceStoreOptions store, StoreOptionsFromFlags(64));
  NG_ASSIGN_OR_RETURN(std::unique_ptr<entity::EntityModule> module,
                      entity::EntityModule::Open({.store = store,
                                                  .ner_model = NerModelFromFlags(),
                                                  .recognition_threads = RecognitionThreadsFromFlags()}));
  ServerRunnerOptions server_options = ServerOptionsFromFlags("entityd", "127.0.0.1:7702");
  server_options.data_description = module->data_description();
  return RunServer(server_options,
                   {{module->service(), entity::EntityModule::kServiceName, module->metrics()}},
                   nullptr, nullptr);
}

}  // namespace newsgraph
