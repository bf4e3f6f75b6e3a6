#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "clients/cli/cli.h"

namespace newsgraph::cli {

int Cli::Analyze() {
  const std::string path = Arg(1);
  if (path.empty()) return Usage("analyze needs a file, or - for standard input");
  std::string text;
  if (absl::Status read = ReadInput(path, &text); !read.ok()) return Fail(read, "analyze");
  absl::StatusOr<newsgraph::v1::AnalyzeTextResponse> response = client_->AnalyzeText(text);
  if (!response.ok()) return Fail(response.status(), "analyze");
  if (json_) {
    PrintJson(*response);
    return 0;
  }
  std::printf("%d sentences, %d mentions (model %s)\n", response->sentences_size(),
              response->mentions_size(), response->model().c_str());
  for (const auto& m : response->mentions()) {
    std::printf("%6u-%-6u %-8s %.2f  %s%s\n", m.span().begin(), m.span().end(),
                newsgraph::v1::EntityType_Name(m.type()).c_str(), m.confidence(), m.text().c_str(),
                m.normalized_value().empty() ? "" : Dim("  = " + m.normalized_value()).c_str());
  }
  return 0;
}

int Cli::Status() {
  newsgraph::v1::ListDocumentsRequest docs_request;
  docs_request.set_page_size(1);
  absl::StatusOr<newsgraph::v1::ListDocumentsResponse> docs = client_->ListDocuments(docs_request);
  if (!docs.ok()) return Fail(docs.status(), "ingest service");
  newsgraph::v1::ListEntitiesRequest entities_request;
  entities_request.set_page_size(1);
  absl::StatusOr<newsgraph::v1::ListEntitiesResponse> entities =
      client_->ListEntities(entities_request);
  if (!entities.ok()) return Fail(entities.status(), "entity service");
  absl::StatusOr<newsgraph::v1::IndexStats> stats = client_->GetIndexStats();
  if (!stats.ok()) return Fail(stats.status(), "search service");
  if (json_) {
    PrintJson(*stats);
    return 0;
  }
  std::printf("newsgraph at %s: ingest, entity and search services answer\n", target_.c_str());
  std::printf("index: %lld documents, %lld terms, %lld tokens, %lld segments, %.1f MiB on disk\n",
              static_cast<long long>(stats->document_count()),
              static_cast<long long>(stats->term_count()),
              static_cast<long long>(stats->token_count()),
              static_cast<long long>(stats->segment_count()), stats->disk_bytes() / 1048576.0);
  return 0;
}

int Cli::AdminBackup() {
  const std::string id = Arg(2);
  if (id.empty()) return Usage("admin backup needs a backup id ([a-z0-9-], at most 63)");
  absl::StatusOr<newsgraph::v1::Backup> backup = client_->CreateBackup(id);
  if (!backup.ok()) return Fail(backup.status(), "admin backup");
  if (json_) {
    PrintJson(*backup);
    return 0;
  }
  std::printf("backup %s: pipeline held for %.3f s, %lld changes left to replay\n",
              backup->backup_id().c_str(),
              backup->pipeline_pause().seconds() + backup->pipeline_pause().nanos() / 1e9,
              static_cast<long long>(backup->outbox_items()));
  for (const newsgraph::v1::Checkpoint& checkpoint : backup->checkpoints()) {
    std::printf("  %-7s %s (%.1f MiB)\n", checkpoint.service().c_str(),
                checkpoint.directory().c_str(), checkpoint.size_bytes() / 1048576.0);
  }
  return 0;
}

int Cli::AdminReindex() {
  newsgraph::v1::ReindexRequest request;
  // --entities rebuilds the entity mentions by recognition; the search index
  // follows, since it indexes them. --search alone (the default) reuses the
  // annotations the entity service recorded and recognizes only documents
  // it lost.
  request.set_reannotate(args_.Has("entities"));
  request.set_start_after(args_.Get("after"));
  absl::StatusOr<newsgraph::v1::ReindexProgress> done =
      client_->Reindex(request, [this](const newsgraph::v1::ReindexProgress& progress) {
        if (json_) {
          PrintJson(progress);
          return;
        }
        std::printf("%6.0f s  %lld queued%s (last %s), %lld left\n",
                    progress.elapsed().seconds() + progress.elapsed().nanos() / 1e9,
                    static_cast<long long>(progress.queued()), progress.all_queued() ? ", all" : "",
                    progress.last_queued().c_str(), static_cast<long long>(progress.remaining()));
      });
  if (!done.ok()) return Fail(done.status(), "admin reindex");
  if (!json_) {
    std::printf("reindexed %lld documents\n", static_cast<long long>(done->queued()));
  }
  return 0;
}

}  // namespace newsgraph::cli
