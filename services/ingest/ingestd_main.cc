// ingestd: the IngestService as its own process.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/daemon_flags.h"
#include "services/common/log.h"
#include "services/common/server_runner.h"
#include "services/common/service_channel.h"
#include "services/common/service_store.h"
#include "services/ingest/grpc_downstream.h"
#include "services/ingest/ingest_core.h"
#include "services/ingest/ingest_grpc_service.h"
#include "services/ingest/ingest_keyspace.h"
#include "services/ingest/pipeline.h"

int main(int argc, char** argv) {
  newsgraph::BlockTerminationSignals();
  newsgraph::ParseDaemonFlags(argc, argv,
                              "the IngestService and its pipeline as their own process");
  using namespace newsgraph;

  absl::StatusOr<ServiceStoreOptions> store_options = StoreOptionsFromFlags(64);
  if (!store_options.ok()) {
    LogError("ingestd", store_options.status().ToString());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<storage::KvStore>> store =
      OpenServiceStore(*store_options, "ingest", ingest::IngestColumnFamilies());
  if (!store.ok()) {
    LogError("ingestd", store.status().ToString());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<ingest::IngestCore>> core = ingest::IngestCore::Open(store->get());
  if (!core.ok()) {
    LogError("ingestd", core.status().ToString());
    return 1;
  }
  const PeerChannelOptions peers = PeerOptionsFromFlags();
  absl::StatusOr<std::shared_ptr<grpc::Channel>> entity_channel =
      CreateServiceChannel(EntityAddressFromFlags(), peers);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> search_channel =
      CreateServiceChannel(SearchAddressFromFlags(), peers);
  for (const auto* channel : {&entity_channel, &search_channel}) {
    if (!channel->ok()) {
      LogError("ingestd", channel->status().ToString());
      return 1;
    }
  }
  const PipelineFlags pipeline_flags = PipelineFlagsFromFlags();
  ingest::GrpcPipelineDownstream downstream(*entity_channel, *search_channel,
                                            pipeline_flags.downstream_timeout);
  ingest::PipelineOptions pipeline_options;
  pipeline_options.concurrency = pipeline_flags.concurrency;
  ingest::Pipeline pipeline(core->get(), &downstream, pipeline_options);
  ingest::IngestGrpcService service(core->get());

  ServerRunnerOptions server_options = ServerOptionsFromFlags("ingestd", "127.0.0.1:7701");
  server_options.data_description = absl::StrCat(store_options->data_dir, "/ingest");
  absl::Status status = RunServer(
      server_options, {{&service, "newsgraph.v1.IngestService"}},
      [&](grpc::Server&, int) {
        pipeline.Start();
        return absl::OkStatus();
      },
      [&] { pipeline.Stop(); });
  if (!status.ok()) {
    LogError("ingestd", status.ToString());
    return 1;
  }
  return 0;
}
