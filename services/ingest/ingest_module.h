// The ingest service as one unit a daemon serves: its store under the data
// directory, the core, the gRPC adapter and the pipeline that drives
// documents through the entity and search services.
#ifndef NEWSGRAPH_SERVICES_INGEST_INGEST_MODULE_H_
#define NEWSGRAPH_SERVICES_INGEST_INGEST_MODULE_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/metric_values.h"
#include "services/common/service_store.h"
#include "services/ingest/grpc_downstream.h"
#include "services/ingest/ingest_core.h"
#include "services/ingest/ingest_grpc_service.h"
#include "services/ingest/pipeline.h"

namespace newsgraph::ingest {

struct IngestModuleOptions {
  ServiceStoreOptions store;
  IngestOptions ingest;
  PipelineOptions pipeline;
  // Deadline of each call to the entity and search services. Default 30 s.
  absl::Duration downstream_timeout = absl::Seconds(30);
};

class IngestModule {
 public:
  static constexpr char kServiceName[] = "newsgraph.v1.IngestService";

  // Opens <data_dir>/ingest. Errors: the store's.
  static absl::StatusOr<std::unique_ptr<IngestModule>> Open(const IngestModuleOptions& options);
  // Stops the pipeline.
  ~IngestModule();

  // Starts the pipeline, calling the entity and search services over these
  // channels. Call once, once they can be created (the all-in-one daemon's
  // in-process channel exists only after its server started).
  void StartPipeline(std::shared_ptr<grpc::Channel> entity, std::shared_ptr<grpc::Channel> search);
  // Stops the pipeline (cancelling its call in progress); safe to call when
  // it never started, and more than once.
  void StopPipeline();

  grpc::Service* service() { return &service_; }
  IngestCore* core() { return core_.get(); }
  // The backlog, the pipeline's progress and the store's metrics
  // (newsgraph_ingest_*, newsgraph_pipeline_*, newsgraph_store_*{store=
  // "ingest"}); valid while the module lives.
  MetricSource metrics();
  const std::string& data_description() const { return data_description_; }

 private:
  IngestModule(std::unique_ptr<storage::KvStore> store, std::unique_ptr<IngestCore> core,
               const IngestModuleOptions& options)
      : store_(std::move(store)),
        core_(std::move(core)),
        service_(core_.get()),
        pipeline_options_(options.pipeline),
        downstream_timeout_(options.downstream_timeout),
        data_description_(options.store.data_dir + "/ingest"),
        backup_dir_(options.store.backup_dir) {}
  // IngestService.CreateBackup: the pipeline held, the entity and search
  // services' checkpoints, then ingest's (backup.h).
  absl::StatusOr<newsgraph::v1::Backup> TakeBackup(const std::string& backup_id,
                                                   absl::Time deadline);

  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<IngestCore> core_;
  IngestGrpcService service_;
  const PipelineOptions pipeline_options_;
  const absl::Duration downstream_timeout_;
  std::string data_description_;
  const std::string backup_dir_;
  std::unique_ptr<GrpcPipelineDownstream> downstream_;
  std::unique_ptr<Pipeline> pipeline_;
  // pipeline_ for the metrics thread, set once it exists.
  std::atomic<Pipeline*> started_pipeline_{nullptr};
};

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_INGEST_MODULE_H_
