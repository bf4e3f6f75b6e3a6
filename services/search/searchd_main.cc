// searchd: the SearchService as its own process.
#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/server_runner.h"
#include "services/common/service_channel.h"
#include "services/common/service_store.h"
#include "services/search/grpc_entity_resolver.h"
#include "services/search/search_grpc_service.h"
#include "services/search/search_index.h"
#include "services/search/search_keyspace.h"
#include "services/search/searcher.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:7703", "host:port to serve on (port 0: any free port)");
ABSL_FLAG(std::string, data_dir, "./data", "data directory; the store lives in <data_dir>/search");
ABSL_FLAG(std::string, entity_address, "127.0.0.1:7702",
          "EntityService address for query entity resolution; empty disables it");
ABSL_FLAG(std::string, ranking, "",
          "search ranking options, name=value,... (see ParseRankingOptions in "
          "services/search/searcher.h); empty: the defaults");
ABSL_FLAG(std::string, port_file, "", "write the bound port to this file once serving");
ABSL_FLAG(int, block_cache_mb, 128, "RocksDB block cache size in MiB");
ABSL_FLAG(int, idle_merge_seconds, 5,
          "after this many seconds without index updates, flush and merge the search index "
          "segments into one (indexes of at most 262,144 documents); 0 = never");

namespace {
newsgraph::search::SearchIndexOptions IdleMergeOptions() {
  newsgraph::search::SearchIndexOptions options;
  options.idle_merge_after = absl::Seconds(std::max(0, absl::GetFlag(FLAGS_idle_merge_seconds)));
  return options;
}
}  // namespace

int main(int argc, char** argv) {
  newsgraph::BlockTerminationSignals();
  absl::ParseCommandLine(argc, argv);
  using namespace newsgraph;

  const std::string dir = absl::StrCat(absl::GetFlag(FLAGS_data_dir), "/search");
  absl::StatusOr<std::unique_ptr<storage::KvStore>> store =
      OpenServiceStore(absl::GetFlag(FLAGS_data_dir), "search", search::SearchColumnFamilies(),
                       absl::GetFlag(FLAGS_block_cache_mb), search::SearchZstdColumnFamilies());
  if (!store.ok()) {
    LogError("searchd", store.status().ToString());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<search::SearchIndex>> index =
      search::SearchIndex::Open(store->get(), IdleMergeOptions());
  if (!index.ok()) {
    LogError("searchd", index.status().ToString());
    return 1;
  }
  search::GrpcEntityResolver resolver;
  const std::string entity_address = absl::GetFlag(FLAGS_entity_address);
  if (!entity_address.empty()) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = CreateServiceChannel(entity_address);
    if (!channel.ok()) {
      LogError("searchd", channel.status().ToString());
      return 1;
    }
    resolver.SetChannel(*channel);
  }
  absl::StatusOr<search::RankingOptions> ranking =
      search::ParseRankingOptions(absl::GetFlag(FLAGS_ranking));
  if (!ranking.ok()) {
    LogError("searchd", ranking.status().ToString());
    return 1;
  }
  search::Searcher searcher(index->get(), entity_address.empty() ? nullptr : &resolver, *ranking);
  search::SearchGrpcService service(index->get(), &searcher);
  ServerRunnerOptions server_options;
  server_options.process_name = "searchd";
  server_options.listen_address = absl::GetFlag(FLAGS_listen);
  server_options.port_file = absl::GetFlag(FLAGS_port_file);
  ApplySecurityFlags(&server_options);
  server_options.data_description = dir;
  absl::Status status =
      RunServer(server_options, {{&service, "newsgraph.v1.SearchService"}}, nullptr, nullptr);
  if (!status.ok()) {
    LogError("searchd", status.ToString());
    return 1;
  }
  return 0;
}
