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

}  // namespace newsgraph::cli
