// searchd: the SearchService as its own process.
#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "services/common/daemon_flags.h"
#include "services/common/log.h"
#include "services/common/server_runner.h"
#include "services/common/service_channel.h"
#include "services/common/service_store.h"
#include "services/search/grpc_entity_resolver.h"
#include "services/search/search_grpc_service.h"
#include "services/search/search_index.h"
#include "services/search/search_keyspace.h"
#include "services/search/searcher.h"

int main(int argc, char** argv) {
  newsgraph::BlockTerminationSignals();
  newsgraph::ParseDaemonFlags(argc, argv, "the SearchService as its own process");
  using namespace newsgraph;

  absl::StatusOr<ServiceStoreOptions> store_options = StoreOptionsFromFlags(128);
  if (!store_options.ok()) {
    LogError("searchd", store_options.status().ToString());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<storage::KvStore>> store = OpenServiceStore(
      *store_options, "search", search::SearchColumnFamilies(), search::SearchZstdColumnFamilies());
  if (!store.ok()) {
    LogError("searchd", store.status().ToString());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<search::SearchIndex>> index =
      search::SearchIndex::Open(store->get(), {.idle_merge_after = IdleMergeFromFlags()});
  if (!index.ok()) {
    LogError("searchd", index.status().ToString());
    return 1;
  }
  search::GrpcEntityResolver resolver;
  const std::string entity_address = EntityAddressFromFlags();
  if (!entity_address.empty()) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        CreateServiceChannel(entity_address, PeerOptionsFromFlags());
    if (!channel.ok()) {
      LogError("searchd", channel.status().ToString());
      return 1;
    }
    resolver.SetChannel(*channel);
  }
  absl::StatusOr<search::RankingOptions> ranking =
      search::ParseRankingOptions(RankingSpecFromFlags());
  if (!ranking.ok()) {
    LogError("searchd", ranking.status().ToString());
    return 1;
  }
  search::Searcher searcher(index->get(), entity_address.empty() ? nullptr : &resolver, *ranking);
  search::SearchGrpcService service(index->get(), &searcher);
  ServerRunnerOptions server_options = ServerOptionsFromFlags("searchd", "127.0.0.1:7703");
  server_options.data_description = absl::StrCat(store_options->data_dir, "/search");
  absl::Status status =
      RunServer(server_options, {{&service, "newsgraph.v1.SearchService"}}, nullptr, nullptr);
  if (!status.ok()) {
    LogError("searchd", status.ToString());
    return 1;
  }
  return 0;
}
