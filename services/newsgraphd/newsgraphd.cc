#include "services/newsgraphd/newsgraphd.h"

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "services/common/daemon_flags.h"
#include "services/common/server_runner.h"
#include "services/entity/entity_module.h"
#include "services/ingest/ingest_module.h"
#include "services/search/search_module.h"

namespace newsgraph {

absl::Status RunNewsgraphd() {
  NG_ASSIGN_OR_RETURN(const ServiceStoreOptions store, StoreOptionsFromFlags(64));
  const PipelineFlags pipeline = PipelineFlagsFromFlags();
  NG_ASSIGN_OR_RETURN(search::RankingOptions ranking,
                      search::ParseRankingOptions(RankingSpecFromFlags()));
  NG_ASSIGN_OR_RETURN(std::unique_ptr<entity::EntityModule> entity_module,
                      entity::EntityModule::Open({.store = store,
                                                  .ner_model = NerModelFromFlags(),
                                                  .recognition_threads = RecognitionThreadsFromFlags()}));
  NG_ASSIGN_OR_RETURN(
      std::unique_ptr<search::SearchModule> search_module,
      search::SearchModule::Open(
          {.store = store,
           .index = {.idle_merge_after = IdleMergeFromFlags()},
           .ranking = ranking,
           .entity_cache = search::SearchModuleOptions::EntityCache(EntityCacheTtlFromFlags())}));
  NG_ASSIGN_OR_RETURN(
      std::unique_ptr<ingest::IngestModule> ingest_module,
      ingest::IngestModule::Open({.store = store,
                                  .pipeline = {.batch_size = pipeline.batch_size},
                                  .downstream_timeout = pipeline.downstream_timeout}));
  ServerRunnerOptions server_options = ServerOptionsFromFlags("newsgraphd", "127.0.0.1:7700");
  server_options.data_description = absl::StrCat(store.data_dir, "/{ingest,entity,search}");
  // Stores close (flushing their WAL) as the modules go out of scope.
  return RunServer(
      server_options,
      {{ingest_module->service(), ingest::IngestModule::kServiceName, ingest_module->metrics()},
       {entity_module->service(), entity::EntityModule::kServiceName, entity_module->metrics()},
       {search_module->service(), search::SearchModule::kServiceName, search_module->metrics()}},
      [&](grpc::Server& server, int) {
        grpc::ChannelArguments args;
        args.SetMaxReceiveMessageSize(server_options.max_receive_message_bytes);
        std::shared_ptr<grpc::Channel> channel = server.InProcessChannel(args);
        search_module->SetEntityChannel(channel);
        ingest_module->StartPipeline(channel, channel);
        return absl::OkStatus();
      },
      [&] { ingest_module->StopPipeline(); });
}

}  // namespace newsgraph
