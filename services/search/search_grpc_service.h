// The SearchService gRPC adapter: converts, calls SearchIndex/Searcher, maps
// statuses.
#ifndef NEWSGRAPH_SERVICES_SEARCH_SEARCH_GRPC_SERVICE_H_
#define NEWSGRAPH_SERVICES_SEARCH_SEARCH_GRPC_SERVICE_H_

#include "base/work_pool.h"
#include "newsgraph/v1/search_service.grpc.pb.h"
#include "services/common/checkpoint.h"
#include "services/search/search_index.h"
#include "services/search/searcher.h"

namespace newsgraph::search {

// Thread-safe. `index` and `searcher` are borrowed.
//
// Search uses gRPC's callback API: a search that needs nothing but the local
// index runs on the thread that read the request (no hand-off to a pool
// thread, the largest cost of a sync-API call next to the search itself);
// one that may wait on the entity service runs on a small pool of its own,
// so waiting never holds up gRPC's callback threads. The other methods are
// synchronous (they write, and may wait on the disk).
class SearchGrpcService final
    : public newsgraph::v1::SearchService::WithCallbackMethod_Search<
          newsgraph::v1::SearchService::Service> {
 public:
  // Searches that wait on the entity service run on `blocking_threads`
  // threads; beyond `max_queued` waiting ones, Search fails with
  // RESOURCE_EXHAUSTED.
  SearchGrpcService(SearchIndex* index, const Searcher* searcher, size_t blocking_threads = 8,
                    size_t max_queued = 1024)
      : index_(index), searcher_(searcher), blocking_pool_(blocking_threads, max_queued) {}

  grpc::Status IndexDocument(grpc::ServerContext*, const newsgraph::v1::IndexDocumentRequest*,
                             newsgraph::v1::IndexDocumentResponse*) override;
  // At most SearchIndexOptions.max_batch_documents requests.
  grpc::Status BatchIndexDocuments(grpc::ServerContext*,
                                   const newsgraph::v1::BatchIndexDocumentsRequest*,
                                   newsgraph::v1::BatchIndexDocumentsResponse*) override;
  grpc::Status RemoveDocument(grpc::ServerContext*, const newsgraph::v1::RemoveDocumentRequest*,
                              newsgraph::v1::RemoveDocumentResponse*) override;
  grpc::ServerUnaryReactor* Search(grpc::CallbackServerContext* context,
                                   const newsgraph::v1::SearchRequest* request,
                                   newsgraph::v1::SearchResponse* response) override;
  grpc::Status GetIndexStats(grpc::ServerContext*, const newsgraph::v1::GetIndexStatsRequest*,
                             newsgraph::v1::IndexStats*) override;

  grpc::Status CreateCheckpoint(grpc::ServerContext*, const newsgraph::v1::CreateCheckpointRequest*,
                                newsgraph::v1::Checkpoint*) override;
  // How CreateCheckpoint writes the store's checkpoint; unset, the call is
  // FAILED_PRECONDITION. Set before serving.
  void set_checkpointer(Checkpointer checkpointer) { checkpointer_ = std::move(checkpointer); }

 private:
  Checkpointer checkpointer_;
  SearchIndex* const index_;
  const Searcher* const searcher_;
  // Last member: destroyed first, finishing the searches it still holds
  // while the index and searcher are alive.
  WorkPool blocking_pool_;
};

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_SEARCH_GRPC_SERVICE_H_
