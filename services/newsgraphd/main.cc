// newsgraphd: the embedded default deployment. The ingest, entity and search
// services in one process on one port, each with its own RocksDB under one
// data directory, calling each other through their gRPC interfaces over
// in-process channels: the same code paths as the split deployment.
#include <grpcpp/grpcpp.h>

#include <algorithm>
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

ABSL_FLAG(std::string, listen, "127.0.0.1:7700", "host:port to serve on (port 0: any free port)");
ABSL_FLAG(std::string, data_dir, "./data",
          "data directory; stores live in <data_dir>/{ingest,entity,search}");
ABSL_FLAG(std::string, ranking, "",
          "search ranking options, name=value,... (see ParseRankingOptions in "
          "services/search/searcher.h); empty: the defaults");
ABSL_FLAG(std::string, port_file, "", "write the bound port to this file once serving");
ABSL_FLAG(int, pipeline_concurrency, 1,
          "documents the pipeline annotates and indexes at once; more is faster, but the entity "
          "graph then depends on the order calls happen to finish (see docs/ingest.md)");
ABSL_FLAG(int, block_cache_mb, 64, "RocksDB block cache size per service in MiB");
ABSL_FLAG(int, idle_merge_seconds, 5,
          "after this many seconds without index updates, flush and merge the search index "
          "segments into one (indexes of at most 262,144 documents); 0 = never");
ABSL_FLAG(std::string, ner_model, NEWSGRAPH_DEFAULT_NER_MODEL,
          "named-entity model written by train_ner; empty: rule-based names only");

namespace newsgraph {
namespace {

absl::Status Run() {
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const int block_cache_mb = absl::GetFlag(FLAGS_block_cache_mb);
  absl::StatusOr<std::unique_ptr<entity::Recognizer>> recognizer =
      entity::LoadRecognizer(absl::GetFlag(FLAGS_ner_model));
  if (!recognizer.ok()) return recognizer.status();

  absl::StatusOr<std::unique_ptr<storage::KvStore>> ingest_store =
      OpenServiceStore(data_dir, "ingest", ingest::IngestColumnFamilies(), block_cache_mb);
  if (!ingest_store.ok()) return ingest_store.status();
  absl::StatusOr<std::unique_ptr<storage::KvStore>> entity_store =
      OpenServiceStore(data_dir, "entity", entity::EntityColumnFamilies(), block_cache_mb);
  if (!entity_store.ok()) return entity_store.status();
  absl::StatusOr<std::unique_ptr<storage::KvStore>> search_store =
      OpenServiceStore(data_dir, "search", search::SearchColumnFamilies(), block_cache_mb,
                       search::SearchZstdColumnFamilies());
  if (!search_store.ok()) return search_store.status();

  absl::StatusOr<std::unique_ptr<ingest::IngestCore>> ingest_core =
      ingest::IngestCore::Open(ingest_store->get());
  if (!ingest_core.ok()) return ingest_core.status();
  absl::StatusOr<std::unique_ptr<entity::EntityCore>> entity_core =
      entity::EntityCore::Open(entity_store->get(), recognizer->get());
  if (!entity_core.ok()) return entity_core.status();
  absl::StatusOr<std::unique_ptr<search::SearchIndex>> search_index =
      search::SearchIndex::Open(search_store->get(), [] {
        search::SearchIndexOptions options;
        options.idle_merge_after =
            absl::Seconds(std::max(0, absl::GetFlag(FLAGS_idle_merge_seconds)));
        return options;
      }());
  if (!search_index.ok()) return search_index.status();

  search::GrpcEntityResolver resolver;
  absl::StatusOr<search::RankingOptions> ranking =
      search::ParseRankingOptions(absl::GetFlag(FLAGS_ranking));
  if (!ranking.ok()) return ranking.status();
  search::Searcher searcher(search_index->get(), &resolver, *ranking);
  ingest::IngestGrpcService ingest_service(ingest_core->get());
  entity::EntityGrpcService entity_service(entity_core->get());
  search::SearchGrpcService search_service(search_index->get(), &searcher);

  std::unique_ptr<ingest::GrpcPipelineDownstream> downstream;
  std::unique_ptr<ingest::Pipeline> pipeline;
  ServerRunnerOptions server_options;
  server_options.process_name = "newsgraphd";
  server_options.listen_address = absl::GetFlag(FLAGS_listen);
  server_options.port_file = absl::GetFlag(FLAGS_port_file);
  ApplySecurityFlags(&server_options);
  server_options.data_description = absl::StrCat(data_dir, "/{ingest,entity,search}");
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
        downstream = std::make_unique<ingest::GrpcPipelineDownstream>(channel, channel);
        ingest::PipelineOptions pipeline_options;
        pipeline_options.concurrency =
            static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_pipeline_concurrency)));
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
  absl::ParseCommandLine(argc, argv);
  absl::Status status = newsgraph::Run();
  if (!status.ok()) {
    newsgraph::LogError("newsgraphd", status.ToString());
    return 1;
  }
  return 0;
}
