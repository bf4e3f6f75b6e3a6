// newsgraphd: the embedded default deployment. The ingest, entity and search
// services in one process on one port, each with its own RocksDB under one
// data directory, calling each other through their gRPC interfaces over
// in-process channels: the same code paths as the split deployment.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "services/common/daemon_flags.h"
#include "services/common/log.h"
#include "services/common/server_runner.h"
#include "services/common/service_store.h"
#include "services/entity/entity_core.h"
#include "services/entity/entity_grpc_service.h"
#include "services/entity/entity_keyspace.h"
#include "services/entity/recognizer.h"
#include "services/ingest/grpc_downstream.h"
#include "services/ingest/ingest_core.h"
#include "services/ingest/ingest_grpc_service.h"
#include "services/ingest/ingest_keyspace.h"
#include "services/ingest/pipeline.h"
#include "services/search/grpc_entity_resolver.h"
#include "services/search/search_grpc_service.h"
#include "services/search/search_index.h"
#include "services/search/search_keyspace.h"
#include "services/search/searcher.h"

namespace newsgraph {
namespace {

absl::Status Run() {
  NG_ASSIGN_OR_RETURN(const ServiceStoreOptions store_options, StoreOptionsFromFlags(64));
  absl::StatusOr<std::unique_ptr<entity::Recognizer>> recognizer =
      entity::LoadRecognizer(NerModelFromFlags());
  if (!recognizer.ok()) return recognizer.status();

  absl::StatusOr<std::unique_ptr<storage::KvStore>> ingest_store =
      OpenServiceStore(store_options, "ingest", ingest::IngestColumnFamilies());
  if (!ingest_store.ok()) return ingest_store.status();
  absl::StatusOr<std::unique_ptr<storage::KvStore>> entity_store =
      OpenServiceStore(store_options, "entity", entity::EntityColumnFamilies());
  if (!entity_store.ok()) return entity_store.status();
  absl::StatusOr<std::unique_ptr<storage::KvStore>> search_store = OpenServiceStore(
      store_options, "search", search::SearchColumnFamilies(), search::SearchZstdColumnFamilies());
  if (!search_store.ok()) return search_store.status();

  absl::StatusOr<std::unique_ptr<ingest::IngestCore>> ingest_core =
      ingest::IngestCore::Open(ingest_store->get());
  if (!ingest_core.ok()) return ingest_core.status();
  absl::StatusOr<std::unique_ptr<entity::EntityCore>> entity_core =
      entity::EntityCore::Open(entity_store->get(), recognizer->get());
  if (!entity_core.ok()) return entity_core.status();
  absl::StatusOr<std::unique_ptr<search::SearchIndex>> search_index =
      search::SearchIndex::Open(search_store->get(), {.idle_merge_after = IdleMergeFromFlags()});
  if (!search_index.ok()) return search_index.status();

  search::GrpcEntityResolver resolver;
  absl::StatusOr<search::RankingOptions> ranking =
      search::ParseRankingOptions(RankingSpecFromFlags());
  if (!ranking.ok()) return ranking.status();
  search::Searcher searcher(search_index->get(), &resolver, *ranking);
  ingest::IngestGrpcService ingest_service(ingest_core->get());
  entity::EntityGrpcService entity_service(entity_core->get());
  search::SearchGrpcService search_service(search_index->get(), &searcher);

  std::unique_ptr<ingest::GrpcPipelineDownstream> downstream;
  std::unique_ptr<ingest::Pipeline> pipeline;
  ServerRunnerOptions server_options = ServerOptionsFromFlags("newsgraphd", "127.0.0.1:7700");
  server_options.data_description = absl::StrCat(store_options.data_dir, "/{ingest,entity,search}");
  const PipelineFlags pipeline_flags = PipelineFlagsFromFlags();
  absl::Status status = RunServer(
      server_options,
      {{&ingest_service, "newsgraph.v1.IngestService"},
       {&entity_service, "newsgraph.v1.EntityService"},
       {&search_service, "newsgraph.v1.SearchService"}},
      [&](grpc::Server& server, int) {
        grpc::ChannelArguments args;
        args.SetMaxReceiveMessageSize(server_options.max_receive_message_bytes);
        std::shared_ptr<grpc::Channel> channel = server.InProcessChannel(args);
        resolver.SetChannel(channel);
        downstream = std::make_unique<ingest::GrpcPipelineDownstream>(
            channel, channel, pipeline_flags.downstream_timeout);
        ingest::PipelineOptions pipeline_options;
        pipeline_options.concurrency = pipeline_flags.concurrency;
        pipeline = std::make_unique<ingest::Pipeline>(ingest_core->get(), downstream.get(),
                                                      pipeline_options);
        pipeline->Start();
        return absl::OkStatus();
      },
      [&] {
        if (pipeline != nullptr) pipeline->Stop();
      });
  // Stores close (flushing their WAL) as the unique_ptrs go out of scope.
  return status;
}

}  // namespace
}  // namespace newsgraph

int main(int argc, char** argv) {
  newsgraph::BlockTerminationSignals();
  newsgraph::ParseDaemonFlags(argc, argv, "the ingest, entity and search services in one process");
  absl::Status status = newsgraph::Run();
  if (!status.ok()) {
    newsgraph::LogError("newsgraphd", status.ToString());
    return 1;
  }
  return 0;
}
