// EntityResolver over gRPC: EntityService.ResolveEntities with a short
// deadline, so a slow or absent entity service degrades search to
// text-only instead of stalling it.
#ifndef NEWSGRAPH_SERVICES_SEARCH_GRPC_ENTITY_RESOLVER_H_
#define NEWSGRAPH_SERVICES_SEARCH_GRPC_ENTITY_RESOLVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "base/mutex.h"
#include "newsgraph/v1/entity_service.grpc.pb.h"
#include "services/search/searcher.h"

namespace newsgraph::search {

// Thread-safe.
class GrpcEntityResolver final : public EntityResolver {
 public:
  explicit GrpcEntityResolver(absl::Duration timeout = absl::Milliseconds(500))
      : timeout_(timeout) {}

  // Sets the channel to the entity service. Until it is set, Resolve returns
  // UNAVAILABLE. (The all-in-one daemon can only create its in-process
  // channel after the server started.)
  void SetChannel(std::shared_ptr<grpc::Channel> channel);

  absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> Resolve(absl::string_view text) override;

 private:
  const absl::Duration timeout_;
  newsgraph::Mutex mu_;
  std::shared_ptr<newsgraph::v1::EntityService::Stub> stub_ ABSL_GUARDED_BY(mu_);
};

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_GRPC_ENTITY_RESOLVER_H_
