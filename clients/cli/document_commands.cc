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
#include "clients/cli/document_files.h"
#include "newsgraph/batch_ingester.h"

namespace newsgraph::cli {

int Cli::Ingest() {
  std::vector<std::string> paths(args_.positional.begin() + 1, args_.positional.end());
  if (paths.empty()) return Usage("ingest needs at least one file or directory");
  absl::StatusOr<std::vector<newsgraph::v1::DocumentInput>> docs =
      LoadDocuments(paths, args_.Get("source"));
  if (!docs.ok()) return Fail(docs.status(), "ingest");
  if (docs->empty()) {
    return Fail(absl::NotFoundError("no .txt, .md, .html, .sgm or .jsonl files found"), "ingest");
  }
  const bool tty = isatty(STDERR_FILENO) && !json_;
  const absl::Time start = absl::Now();
  const size_t total = docs->size();
  size_t done = 0;
  size_t errors = 0;
  BatchIngesterOptions options;
  options.wait_until_indexed = args_.Has("wait");
  options.on_result = [&](const BatchItemResult& result) {
    ++done;
    if (json_) {
      PrintJson(result.ack, /*one_line=*/true);
    } else if (result.ack.error_code() != 0) {
      ++errors;
      std::fprintf(stderr, "%s%s: rejected: %s\n", tty ? "\r\033[K" : "",
                   (*docs)[static_cast<size_t>(result.index)].external_id().c_str(),
                   result.ack.error_message().c_str());
    }
    if (tty && (done % 64 == 0 || done == total)) {
      const double secs = std::max(1e-3, absl::ToDoubleSeconds(absl::Now() - start));
      const double rate = done / secs;
      const int width = 30;
      const int filled = static_cast<int>(width * done / total);
      std::fprintf(stderr, "\r[%s%s] %zu/%zu docs  %.0f docs/s  ETA %.0f s  %zu errors ",
                   std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), done,
                   total, rate, (total - done) / std::max(rate, 1e-3), errors);
    }
  };
  absl::Time acked_at = absl::InfinitePast();
  options.on_progress = [&](const newsgraph::v1::IngestJob& job) {
    if (acked_at == absl::InfinitePast()) acked_at = absl::Now();
    if (tty) {
      std::fprintf(stderr, "\r\033[Kpipeline: %lld indexed, %lld failed, %lld pending",
                   static_cast<long long>(job.indexed_count()),
                   static_cast<long long>(job.failed_count()),
                   static_cast<long long>(job.received_count() + job.annotated_count()));
    }
  };
  BatchIngester ingester(client_.get(), options);
  for (newsgraph::v1::DocumentInput& doc : *docs) {
    if (absl::Status added = ingester.Add(doc); !added.ok()) return Fail(added, "ingest");
  }
  absl::StatusOr<BatchSummary> summary = ingester.Finish();
  if (tty) std::fprintf(stderr, "\n");
  if (!summary.ok()) return Fail(summary.status(), "ingest");
  if (!json_) {
    const double all = absl::ToDoubleSeconds(summary->elapsed);
    const double acked =
        acked_at == absl::InfinitePast() ? all : absl::ToDoubleSeconds(acked_at - start);
    std::printf(
        "%s: %lld accepted (%lld unchanged or duplicate), %lld rejected in %.1f s (%.0f docs/s "
        "acknowledged); %lld exact and %lld near duplicates of earlier documents%s\n",
        summary->job.c_str(), static_cast<long long>(summary->accepted),
        static_cast<long long>(summary->unchanged), static_cast<long long>(summary->rejected),
        acked, static_cast<double>(total) / std::max(acked, 1e-3),
        static_cast<long long>(summary->exact_duplicates),
        static_cast<long long>(summary->near_duplicates),
        summary->reconnects > 0
            ? absl::StrCat("; reconnected ", summary->reconnects, " times").c_str()
            : "");
    if (args_.Has("wait")) {
      std::printf("pipeline drained %.1f s later: %lld indexed, %lld failed\n", all - acked,
                  static_cast<long long>(summary->indexed),
                  static_cast<long long>(summary->failed));
    }
  }
  return summary->rejected > 0 ? 1 : 0;
}

int Cli::DocGet() {
  if (Arg(2).empty()) return Usage("doc get needs a document name or id");
  absl::StatusOr<newsgraph::v1::Document> doc = client_->GetDocument(
      Qualify(Arg(2), "documents"), args_.Has("full") ? newsgraph::v1::FULL : newsgraph::v1::BASIC);
  if (!doc.ok()) return Fail(doc.status(), "doc get");
  if (json_) {
    PrintJson(*doc);
    return 0;
  }
  std::printf("%s  %s\n", Bold(doc->name()).c_str(), doc->title().c_str());
  std::printf("state: %s  version: %lld  source: %s  published: %s  external_id: %s\n",
              newsgraph::v1::PipelineState_Name(doc->state()).c_str(),
              static_cast<long long>(doc->version()), doc->source().c_str(),
              FormatTime(doc->published_time()).c_str(), doc->external_id().c_str());
  if (!doc->pipeline_error().empty()) std::printf("error: %s\n", doc->pipeline_error().c_str());
  if (!doc->duplicate_of().empty()) std::printf("duplicate of: %s\n", doc->duplicate_of().c_str());
  for (const std::string& w : doc->warnings()) std::printf("warning: %s\n", w.c_str());
  std::printf("%d paragraphs, %u characters\n\n%s\n", doc->paragraphs_size(), doc->text_length(),
              doc->text().c_str());
  return 0;
}

int Cli::DocList() {
  newsgraph::v1::ListDocumentsRequest request;
  request.set_page_size(PageSize());
  request.set_page_token(args_.Get("page-token"));
  request.set_filter(args_.Get("filter"));
  absl::StatusOr<newsgraph::v1::ListDocumentsResponse> list = client_->ListDocuments(request);
  if (!list.ok()) return Fail(list.status(), "doc list");
  if (json_) {
    PrintJson(*list);
    return 0;
  }
  std::printf("%s\n", Bold(absl::StrFormat("%-16s %-10s %-4s %-10s %s", "NAME", "STATE", "VER",
                                           "PUBLISHED", "TITLE"))
                          .c_str());
  for (const auto& d : list->documents()) {
    std::printf("%-16s %-10s %-4lld %-10s %s\n", d.name().c_str(),
                newsgraph::v1::PipelineState_Name(d.state()).c_str(),
                static_cast<long long>(d.version()), FormatTime(d.published_time()).c_str(),
                d.title().substr(0, 70).c_str());
  }
  if (!list->next_page_token().empty()) {
    std::printf("%s\n", Dim("more: --page-token=" + list->next_page_token()).c_str());
  }
  return 0;
}

int Cli::DocDelete() {
  if (Arg(2).empty()) return Usage("doc delete needs a document name or id");
  const std::string name = Qualify(Arg(2), "documents");
  absl::Status status = client_->DeleteDocument(name);
  if (!status.ok()) return Fail(status, "doc delete");
  if (!json_) std::printf("deleted %s\n", name.c_str());
  return 0;
}

int Cli::DocRetry() {
  std::vector<std::string> names;
  if (args_.Has("all-failed")) {
    newsgraph::v1::ListDocumentsRequest request;
    request.set_page_size(1000);
    request.set_filter("state=FAILED");
    do {
      absl::StatusOr<newsgraph::v1::ListDocumentsResponse> list = client_->ListDocuments(request);
      if (!list.ok()) return Fail(list.status(), "doc retry");
      for (const auto& d : list->documents()) names.push_back(d.name());
      request.set_page_token(list->next_page_token());
    } while (!request.page_token().empty());
  } else {
    if (Arg(2).empty()) return Usage("doc retry needs a document name or id, or --all-failed");
    names.push_back(Qualify(Arg(2), "documents"));
  }
  for (const std::string& name : names) {
    absl::StatusOr<newsgraph::v1::Document> doc = client_->RetryDocument(name);
    if (!doc.ok()) return Fail(doc.status(), "doc retry");
    if (json_) {
      PrintJson(*doc);
    } else {
      std::printf("retrying %s v%lld\n", name.c_str(), static_cast<long long>(doc->version()));
    }
  }
  if (!json_ && names.empty()) std::printf("no FAILED documents\n");
  return 0;
}

int Cli::JobGet() {
  if (Arg(2).empty()) return Usage("job get needs a job name or id");
  absl::StatusOr<newsgraph::v1::IngestJob> job = client_->GetIngestJob(Qualify(Arg(2), "jobs"));
  if (!job.ok()) return Fail(job.status(), "job get");
  if (json_) {
    PrintJson(*job);
    return 0;
  }
  std::printf(
      "%s: accepted %lld, rejected %lld, duplicates %lld, indexed %lld, failed %lld\n",
      job->name().c_str(), static_cast<long long>(job->accepted_count()),
      static_cast<long long>(job->rejected_count()), static_cast<long long>(job->duplicate_count()),
      static_cast<long long>(job->indexed_count()), static_cast<long long>(job->failed_count()));
  return 0;
}

}  // namespace newsgraph::cli
