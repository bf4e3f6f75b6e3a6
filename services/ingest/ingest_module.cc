#include "services/ingest/ingest_module.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "services/common/store_metrics.h"
#include "services/ingest/backup.h"
#include "services/ingest/ingest_keyspace.h"
#include "services/ingest/ingest_metrics.h"

namespace newsgraph::ingest {

absl::StatusOr<std::unique_ptr<IngestModule>> IngestModule::Open(
    const IngestModuleOptions& options) {
  NG_ASSIGN_OR_RETURN(std::unique_ptr<storage::KvStore> store,
                      OpenServiceStore(options.store, "ingest", IngestColumnFamilies()));
  NG_ASSIGN_OR_RETURN(std::unique_ptr<IngestCore> core,
                      IngestCore::Open(store.get(), options.ingest));
  return std::unique_ptr<IngestModule>(new IngestModule(std::move(store), std::move(core), options));
}

IngestModule::~IngestModule() { StopPipeline(); }

void IngestModule::StartPipeline(std::shared_ptr<grpc::Channel> entity,
                                 std::shared_ptr<grpc::Channel> search) {
  downstream_ = std::make_unique<GrpcPipelineDownstream>(std::move(entity), std::move(search),
                                                         downstream_timeout_);
  pipeline_ = std::make_unique<Pipeline>(core_.get(), downstream_.get(), pipeline_options_);
  pipeline_->Start();
  started_pipeline_.store(pipeline_.get());
  service_.set_backup_taker([this](const std::string& backup_id, absl::Time deadline) {
    return TakeBackup(backup_id, deadline);
  });
}

absl::StatusOr<newsgraph::v1::Backup> IngestModule::TakeBackup(const std::string& backup_id,
                                                               absl::Time deadline) {
  // Errors of the other services name them.
  auto named = [](const char* service, auto call) -> Checkpointer {
    return [service, call](const std::string& id) -> absl::StatusOr<newsgraph::v1::Checkpoint> {
      absl::StatusOr<newsgraph::v1::Checkpoint> checkpoint = call(id);
      if (checkpoint.ok()) return checkpoint;
      return absl::Status(
          checkpoint.status().code(),
          absl::StrCat("the ", service, " service's checkpoint: ", checkpoint.status().message()));
    };
  };
  GrpcPipelineDownstream* downstream = downstream_.get();
  BackupParts parts{.core = core_.get(),
                    .pipeline = pipeline_.get(),
                    .downstream = {named("entity",
                                         [downstream](const std::string& id) {
                                           return downstream->CheckpointEntities(id);
                                         }),
                                   named("search",
                                         [downstream](const std::string& id) {
                                           return downstream->CheckpointSearch(id);
                                         })},
                    .ingest = MakeCheckpointer(store_.get(), backup_dir_, "ingest")};
  return ingest::TakeBackup(parts, backup_id, deadline);
}

void IngestModule::StopPipeline() {
  if (pipeline_ != nullptr) pipeline_->Stop();
}

MetricSource IngestModule::metrics() {
  return [this] {
    PipelineReport report{.outbox_items = core_->OutboxSize()};
    absl::StatusOr<std::optional<absl::Time>> oldest = core_->OldestOutboxTime();
    if (oldest.ok()) report.oldest_acknowledged = *oldest;
    if (Pipeline* pipeline = started_pipeline_.load(); pipeline != nullptr) {
      report.pipeline = pipeline->Stats();
    }
    std::vector<MetricFamilyValues> out = PipelineMetrics(report, absl::Now());
    for (MetricFamilyValues& family : StoreMetrics("ingest", *store_)) {
      out.push_back(std::move(family));
    }
    return out;
  };
}

}  // namespace newsgraph::ingest
