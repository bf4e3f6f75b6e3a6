// PipelineDownstream over gRPC: EntityService.AnnotateDocument and
// SearchService.IndexDocument with per-call deadlines, cancellable when the
// pipeline stops.
#ifndef NEWSGRAPH_SERVICES_INGEST_GRPC_DOWNSTREAM_H_
#define NEWSGRAPH_SERVICES_INGEST_GRPC_DOWNSTREAM_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "base/mutex.h"
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
  // EntityService.BatchAnnotateDocuments and SearchService.BatchIndexDocuments.
  absl::StatusOr<std::vector<absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse>>>
  AnnotateBatch(absl::Span<const newsgraph::v1::Document* const> documents) override;
  absl::Status IndexBatch(
      absl::Span<const newsgraph::v1::Document* const> documents,
      absl::Span<const newsgraph::v1::AnnotateDocumentResponse* const> annotations) override;
  // The same with AnnotateDocumentRequest.reannotate / IndexDocumentRequest.reindex set.
  absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> Reannotate(
      const newsgraph::v1::Document& document) override;
  absl::Status Reindex(const newsgraph::v1::Document& document,
                       const newsgraph::v1::AnnotateDocumentResponse& annotations) override;
  absl::StatusOr<std::vector<absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse>>>
  ReannotateBatch(absl::Span<const newsgraph::v1::Document* const> documents) override;
  absl::Status ReindexBatch(
      absl::Span<const newsgraph::v1::Document* const> documents,
      absl::Span<const newsgraph::v1::AnnotateDocumentResponse* const> annotations) override;
  // Cancels the calls in flight; later calls fail at once with CANCELLED.
  void CancelCalls() override;
  // CreateCheckpoint of the entity and the search service, for backups.
  absl::StatusOr<newsgraph::v1::Checkpoint> CheckpointEntities(const std::string& backup_id);
  absl::StatusOr<newsgraph::v1::Checkpoint> CheckpointSearch(const std::string& backup_id);

 private:
  // A context with the call deadline, tracked so CancelCalls reaches it
  // while its call runs.
  class TrackedContext {
   public:
    explicit TrackedContext(GrpcPipelineDownstream* owner);
    ~TrackedContext();
    grpc::ClientContext* get() { return &context_; }
    // False when CancelCalls came first: do not start the call.
    bool admitted() const { return admitted_; }

   private:
    GrpcPipelineDownstream* const owner_;
    grpc::ClientContext context_;
    bool admitted_ = false;
  };

  absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse> AnnotateOne(
      const newsgraph::v1::Document& document, bool reannotate);
  absl::Status IndexOne(const newsgraph::v1::Document& document,
                        const newsgraph::v1::AnnotateDocumentResponse& annotations, bool reindex);
  absl::StatusOr<std::vector<absl::StatusOr<newsgraph::v1::AnnotateDocumentResponse>>> AnnotateMany(
      absl::Span<const newsgraph::v1::Document* const> documents, bool reannotate);
  absl::Status IndexMany(
      absl::Span<const newsgraph::v1::Document* const> documents,
      absl::Span<const newsgraph::v1::AnnotateDocumentResponse* const> annotations, bool reindex);
  using CheckpointCall = std::function<grpc::Status(grpc::ClientContext*,
                                                    const newsgraph::v1::CreateCheckpointRequest&,
                                                    newsgraph::v1::Checkpoint*)>;
  // A CreateCheckpoint call through `call` (one service's stub).
  absl::StatusOr<newsgraph::v1::Checkpoint> CallCreateCheckpoint(const std::string& backup_id,
                                                                 const CheckpointCall& call);

  std::unique_ptr<newsgraph::v1::EntityService::Stub> entity_;
  std::unique_ptr<newsgraph::v1::SearchService::Stub> search_;
  const absl::Duration call_timeout_;

  newsgraph::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<grpc::ClientContext*> in_flight_ ABSL_GUARDED_BY(mu_);
};

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_GRPC_DOWNSTREAM_H_
