// The SearchService gRPC adapter: converts, calls SearchIndex/Searcher, maps
// statuses.
#ifndef NEWSGRAPH_SERVICES_SEARCH_SEARCH_GRPC_SERVICE_H_
#define NEWSGRAPH_SERVICES_SEARCH_SEARCH_GRPC_SERVICE_H_

#include "newsgraph/v1/search_service.grpc.pb.h"
#include "services/search/search_index.h"
#include "services/search/searcher.h"

namespace newsgraph::search {

// Thread-safe. `index` and `searcher` are borrowed.
class SearchGrpcService final : public newsgraph::v1::SearchService::Service {
 public:
  SearchGrpcService(SearchIndex* index, const Searcher* searcher)
      : index_(index), searcher_(searcher) {}

  grpc::Status IndexDocument(grpc::ServerContext*, const newsgraph::v1::IndexDocumentRequest*,
                             newsgraph::v1::IndexDocumentResponse*) override;
  grpc::Status RemoveDocument(grpc::ServerContext*, const newsgraph::v1::RemoveDocumentRequest*,
                              newsgraph::v1::RemoveDocumentResponse*) override;
  grpc::Status Search(grpc::ServerContext*, const newsgraph::v1::SearchRequest*,
                      newsgraph::v1::SearchResponse*) override;
  grpc::Status GetIndexStats(grpc::ServerContext*, const newsgraph::v1::GetIndexStatsRequest*,
                             newsgraph::v1::IndexStats*) override;

 private:
  SearchIndex* const index_;
  const Searcher* const searcher_;
};

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_SEARCH_GRPC_SERVICE_H_
