#include "services/ingest/ingestd.h"

#include <memory>

#include "base/status_macros.h"
#include "services/common/daemon_flags.h"
#include "services/common/server_runner.h"
#include "services/ingest/ingest_module.h"

namespace newsgraph {

absl::Status RunIngestd() {
  NG_ASSIGN_OR_RETURN(const ServiceStoreOptions store, StoreOptionsFromFlags(64));
  const PeerChannelOptions peers = PeerOptionsFromFlags();
  NG_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> entity_channel,
                      CreateServiceChannel(EntityAddressFromFlags(), peers));
  NG_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> search_channel,
                      CreateServiceChannel(SearchAddressFromFlags(), peers));
  const PipelineFlags pipeline = PipelineFlagsFromFlags();
  NG_ASSIGN_OR_RETURN(
      std::unique_ptr<ingest::IngestModule> module,
      ingest::IngestModule::Open({.store = store,
                                  .pipeline = {.batch_size = pipeline.batch_size},
                                  .downstream_timeout = pipeline.downstream_timeout}));
  ServerRunnerOptions server_options = ServerOptionsFromFlags("ingestd", "127.0.0.1:7701");
  server_options.data_description = module->data_description();
  return RunServer(
      server_options, {{module->service(), ingest::IngestModule::kServiceName, module->metrics()}},
      [&](grpc::Server&, int) {
        module->StartPipeline(entity_channel, search_channel);
        return absl::OkStatus();
      },
      [&] { module->StopPipeline(); });
}

}  // namespace newsgraph
