#include "services/search/grpc_entity_resolver.h"

#include <chrono>

#include "base/mutex.h"
#include "services/common/grpc_status.h"
#include "services/common/log.h"
#include "services/common/request_id.h"

namespace newsgraph::search {

void GrpcEntityResolver::SetChannel(std::shared_ptr<grpc::Channel> channel) {
  newsgraph::MutexLock lock(&mu_);
  stub_ = newsgraph::v1::EntityService::NewStub(std::move(channel));
}

absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> GrpcEntityResolver::Resolve(
    absl::string_view text) {
  std::shared_ptr<newsgraph::v1::EntityService::Stub> stub;
  {
    newsgraph::MutexLock lock(&mu_);
    stub = stub_;
  }
  if (stub == nullptr) return absl::UnavailableError("entity service channel not configured");
  newsgraph::v1::ResolveEntitiesRequest request;
  request.set_text(std::string(text));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout_)));
  // The search call's id travels on to the entity service.
  context.AddMetadata(kTraceparentKey, TraceparentFor(CurrentRequestId()));
  newsgraph::v1::ResolveEntitiesResponse response;
  grpc::Status status = stub->ResolveEntities(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

}  // namespace newsgraph::search
