// The IngestService gRPC adapter: converts requests, calls IngestCore, maps
// statuses. No ingest logic lives here.
#ifndef NEWSGRAPH_SERVICES_INGEST_INGEST_GRPC_SERVICE_H_
#define NEWSGRAPH_SERVICES_INGEST_INGEST_GRPC_SERVICE_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "newsgraph/v1/ingest_service.grpc.pb.h"
#include "services/ingest/ingest_core.h"

namespace newsgraph::ingest {

// Thread-safe. `core` is borrowed and must outlive the service.
//
// Uses gRPC's synchronous API: handlers block on synced RocksDB writes, and
// the sync server runs them on its own thread pool instead of gRPC's
// callback threads.
class IngestGrpcService final : public newsgraph::v1::IngestService::Service {
 public:
  explicit IngestGrpcService(IngestCore* core) : core_(core) {}

  grpc::Status IngestDocument(grpc::ServerContext* context,
                              const newsgraph::v1::IngestDocumentRequest* request,
                              newsgraph::v1::IngestDocumentResponse* response) override;
  grpc::Status BatchIngestDocuments(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<newsgraph::v1::BatchIngestDocumentsResponse,
                               newsgraph::v1::BatchIngestDocumentsRequest>* stream) override;
  grpc::Status GetDocument(grpc::ServerContext* context,
                           const newsgraph::v1::GetDocumentRequest* request,
                           newsgraph::v1::Document* response) override;
  grpc::Status ListDocuments(grpc::ServerContext* context,
                             const newsgraph::v1::ListDocumentsRequest* request,
                             newsgraph::v1::ListDocumentsResponse* response) override;
  grpc::Status DeleteDocument(grpc::ServerContext* context,
                              const newsgraph::v1::DeleteDocumentRequest* request,
                              newsgraph::v1::DeleteDocumentResponse* response) override;
  grpc::Status RetryDocument(grpc::ServerContext* context,
                             const newsgraph::v1::RetryDocumentRequest* request,
                             newsgraph::v1::Document* response) override;
  grpc::Status GetIngestJob(grpc::ServerContext* context,
                            const newsgraph::v1::GetIngestJobRequest* request,
                            newsgraph::v1::IngestJob* response) override;
  grpc::Status Reindex(grpc::ServerContext* context, const newsgraph::v1::ReindexRequest* request,
                       grpc::ServerWriter<newsgraph::v1::ReindexProgress>* writer) override;
  grpc::Status CreateBackup(grpc::ServerContext* context,
                            const newsgraph::v1::CreateBackupRequest* request,
                            newsgraph::v1::Backup* response) override;

  // Takes a backup (backup.h) for a backup id by a deadline.
  using BackupTaker = std::function<absl::StatusOr<newsgraph::v1::Backup>(
      const std::string& backup_id, absl::Time deadline)>;
  // How CreateBackup works; unset, it is FAILED_PRECONDITION. Set before serving.
  void set_backup_taker(BackupTaker taker) { backup_taker_ = std::move(taker); }

 private:
  IngestCore* const core_;
  BackupTaker backup_taker_;
};

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_INGEST_GRPC_SERVICE_H_
