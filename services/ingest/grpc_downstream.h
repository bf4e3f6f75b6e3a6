// PipelineDownstream over gRPC: EntityService.AnnotateDocument and
// SearchService.IndexDocument with per-call deadlines.
#ifndef NEWSGRAPH_SERVICES_INGEST_GRPC_DOWNSTREAM_H_
#define NEWSGRAPH_SERVICES_INGEST_GRPC_DOWNSTREAM_H_

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/time/time.h"
#include "newsgraph/v1/entity_service.grpc.pb.h"
#include "newsgraph/v1/search_service.grpc.pb.h"
#include "services/ingest/pipeline.h"

namespace newsgraph::ingest {

class GrpcPipelineDownstream final : public PipelineDownstream {
 public:
  // The channels are shared; `call_timeout` bounds each downstream call.
  GrpcPipelineDownstream(std::shared_ptr<grpc::Channel> entity_channel,
                         std::shared_ptr<grpc::Channel> search_channel,
                         absl::Duration call_timeout = absl::Seconds(30));

  absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> Annotate(
      const newsgraph::v1::Document& document) override;
  absl::Status Index(const newsgraph::v1::Document& document,
                     const newsgraph::v1::AnnotateDocumentResponse& annotations) override;
  absl::Status Remove(const std::string& document_name) override;

 private:
  void SetDeadline(grpc::ClientContext* context) const;

  std::unique_ptr<newsgraph::v1::EntityService::Stub> entity_;
  std::unique_ptr<newsgraph::v1::SearchService::Stub> search_;
  const absl::Duration call_timeout_;
};

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_GRPC_DOWNSTREAM_H_
