// The EntityService gRPC adapter: converts, calls EntityCore, maps statuses.
#ifndef NEWSGRAPH_SERVICES_ENTITY_ENTITY_GRPC_SERVICE_H_
#define NEWSGRAPH_SERVICES_ENTITY_ENTITY_GRPC_SERVICE_H_

#include "newsgraph/v1/entity_service.grpc.pb.h"
#include "services/common/checkpoint.h"
#include "services/entity/entity_core.h"

namespace newsgraph::entity {

// Thread-safe. `core` is borrowed and must outlive the service.
class EntityGrpcService final : public newsgraph::v1::EntityService::Service {
 public:
  explicit EntityGrpcService(EntityCore* core) : core_(core) {}

  grpc::Status AnalyzeText(grpc::ServerContext*, const newsgraph::v1::AnalyzeTextRequest*,
                           newsgraph::v1::AnalyzeTextResponse*) override;
  grpc::Status AnnotateDocument(grpc::ServerContext*, const newsgraph::v1::AnnotateDocumentRequest*,
                                newsgraph::v1::AnnotateDocumentResponse*) override;
  grpc::Status BatchAnnotateDocuments(grpc::ServerContext*,
                                      const newsgraph::v1::BatchAnnotateDocumentsRequest*,
                                      newsgraph::v1::BatchAnnotateDocumentsResponse*) override;
  grpc::Status DeleteDocumentAnnotations(
      grpc::ServerContext*, const newsgraph::v1::DeleteDocumentAnnotationsRequest*,
      newsgraph::v1::DeleteDocumentAnnotationsResponse*) override;
  grpc::Status GetEntity(grpc::ServerContext*, const newsgraph::v1::GetEntityRequest*,
                         newsgraph::v1::Entity*) override;
  grpc::Status ListEntities(grpc::ServerContext*, const newsgraph::v1::ListEntitiesRequest*,
                            newsgraph::v1::ListEntitiesResponse*) override;
  grpc::Status ResolveEntities(grpc::ServerContext*, const newsgraph::v1::ResolveEntitiesRequest*,
                               newsgraph::v1::ResolveEntitiesResponse*) override;
  grpc::Status ListMentions(grpc::ServerContext*, const newsgraph::v1::ListMentionsRequest*,
                            newsgraph::v1::ListMentionsResponse*) override;
  grpc::Status ListRelatedEntities(grpc::ServerContext*,
                                   const newsgraph::v1::ListRelatedEntitiesRequest*,
                                   newsgraph::v1::ListRelatedEntitiesResponse*) override;
  grpc::Status ListQuotes(grpc::ServerContext*, const newsgraph::v1::ListQuotesRequest*,
                          newsgraph::v1::ListQuotesResponse*) override;
  grpc::Status MergeEntities(grpc::ServerContext*, const newsgraph::v1::MergeEntitiesRequest*,
                             newsgraph::v1::Entity*) override;
  grpc::Status UpdateEntity(grpc::ServerContext*, const newsgraph::v1::UpdateEntityRequest*,
                            newsgraph::v1::Entity*) override;

  grpc::Status CreateCheckpoint(grpc::ServerContext*, const newsgraph::v1::CreateCheckpointRequest*,
                                newsgraph::v1::Checkpoint*) override;
  // How CreateCheckpoint writes the store's checkpoint; unset, the call is
  // FAILED_PRECONDITION. Set before serving.
  void set_checkpointer(Checkpointer checkpointer) { checkpointer_ = std::move(checkpointer); }

 private:
  Checkpointer checkpointer_;
  EntityCore* const core_;
};

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_ENTITY_GRPC_SERVICE_H_
