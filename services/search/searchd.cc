#include "services/search/searchd.h"

#include <memory>
#include <string>

#include "base/status_macros.h"
#include "services/common/daemon_flags.h"
#include "services/common/server_runner.h"
#include "services/search/search_module.h"

namespace newsgraph {

absl::Status RunSearchd() {
  NG_ASSIGN_OR_RETURN(const ServiceStoreOptions store, StoreOptionsFromFlags(128));
  NG_ASSIGN_OR_RETURN(search::RankingOptions ranking,
                      search::ParseRankingOptions(RankingSpecFromFlags()));
  const std::string entity_address = EntityAddressFromFlags();
  NG_ASSIGN_OR_RETURN(
      std::unique_ptr<search::SearchModule> module,
      search::SearchModule::Open(
          {.store = store,
           .index = {.idle_merge_after = IdleMergeFromFlags()},
           .ranking = ranking,
           .resolve_entities = !entity_address.empty(),
           .entity_cache = search::SearchModuleOptions::EntityCache(EntityCacheTtlFromFlags())}));
  if (!entity_address.empty()) {
    NG_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                        CreateServiceChannel(entity_address, PeerOptionsFromFlags()));
    module->SetEntityChannel(std::move(channel));
  }
  ServerRunnerOptions server_options = ServerOptionsFromFlags("searchd", "127.0.0.1:7703");
  server_options.data_description = module->data_description();
  return RunServer(server_options,
                   {{module->service(), search::SearchModule::kServiceName, module->metrics()}},
                   nullptr, nullptr);
}

}  // namespace newsgraph
