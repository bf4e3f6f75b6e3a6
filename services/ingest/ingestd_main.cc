// ingestd: the IngestService as its own process.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/log.h"
#include "services/common/server_runner.h"
#include "services/common/service_channel.h"
#include "services/common/service_store.h"
#include "services/ingest/grpc_downstream.h"
#include "services/ingest/ingest_core.h"
#include "services/ingest/ingest_grpc_service.h"
#include "services/ingest/ingest_keyspace.h"
#include "services/ingest/pipeline.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:7701", "host:port to serve on (port 0: any free port)");
ABSL_FLAG(std::string, data_dir, "./data", "data directory; the store lives in <data_dir>/ingest");
ABSL_FLAG(std::string, entity_address, "127.0.0.1:7702", "EntityService address");
ABSL_FLAG(std::string, search_address, "127.0.0.1:7703", "SearchService address");
ABSL_FLAG(std::string, port_file, "", "write the bound port to this file once serving");
ABSL_FLAG(int, pipeline_concurrency, 1,
          "documents the pipeline annotates and indexes at once; more is faster, but the entity "
          "graph then depends on the order calls happen to finish (see docs/ingest.md)");
ABSL_FLAG(int, block_cache_mb, 64, "RocksDB block cache size in MiB");
ABSL_FLAG(absl::Duration, downstream_timeout, absl::Seconds(30),
          "deadline of each call to the entity and search services; a call that runs out is "
          "retried with backoff, never dropped");

int main(int argc, char** argv) {
  newsgraph::BlockTerminationSignals();
  absl::ParseCommandLine(argc, argv);
  using namespace newsgraph;

  const std::string dir = absl::StrCat(absl::GetFlag(FLAGS_data_dir), "/ingest");
  absl::StatusOr<std::unique_ptr<storage::KvStore>> store =
      OpenServiceStore(absl::GetFlag(FLAGS_data_dir), "ingest", ingest::IngestColumnFamilies(),
                       absl::GetFlag(FLAGS_block_cache_mb));
  if (!store.ok()) {
    LogError("ingestd", store.status().ToString());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<ingest::IngestCore>> core = ingest::IngestCore::Open(store->get());
  if (!core.ok()) {
    LogError("ingestd", core.status().ToString());
    return 1;
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> entity_channel =
      CreateServiceChannel(absl::GetFlag(FLAGS_entity_address));
  absl::StatusOr<std::shared_ptr<grpc::Channel>> search_channel =
      CreateServiceChannel(absl::GetFlag(FLAGS_search_address));
  for (const auto* channel : {&entity_channel, &search_channel}) {
    if (!channel->ok()) {
      LogError("ingestd", channel->status().ToString());
      return 1;
    }
  }
  ingest::GrpcPipelineDownstream downstream(*entity_channel, *search_channel,
                                            absl::GetFlag(FLAGS_downstream_timeout));
  ingest::PipelineOptions pipeline_options;
  pipeline_options.concurrency =
      static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_pipeline_concurrency)));
  ingest::Pipeline pipeline(core->get(), &downstream, pipeline_options);
  ingest::IngestGrpcService service(core->get());

  ServerRunnerOptions server_options;
  server_options.process_name = "ingestd";
  server_options.listen_address = absl::GetFlag(FLAGS_listen);
  server_options.port_file = absl::GetFlag(FLAGS_port_file);
  ApplySecurityFlags(&server_options);
  server_options.data_description = dir;
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
