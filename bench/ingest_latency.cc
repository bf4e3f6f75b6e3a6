// Ingest-to-searchable latency under a steady load: documents are offered at
// a fixed rate (open loop: each has a scheduled send time, whatever the
// earlier ones are doing) as IngestDocument calls with wait_until_indexed,
// which return once the document is INDEXED, i.e. found by searches. The
// latency of a document runs from its scheduled time to that answer, so a
// server that falls behind shows it (no coordinated omission). Documents the
// daemon already held, or whose text it held (UNCHANGED and duplicate
// outcomes), are counted apart. One JSON line.
//   ingest_latency --target=HOST:PORT --rate=200 --seconds=30 [--warmup=5]
//                  [--threads=96] CORPUS.jsonl.gz
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/mutex.h"
#include "newsgraph/client.h"
#include "newsgraph/importers.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string target = "127.0.0.1:7700";
  double rate = 200;
  double seconds = 30;
  double warmup = 5;
  int threads = 96;
  std::string corpus;
};

bool ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) { return a.substr(std::string(flag).size()); };
    if (a.rfind("--target=", 0) == 0) {
      args->target = value("--target=");
    } else if (a.rfind("--rate=", 0) == 0) {
      args->rate = std::atof(value("--rate=").c_str());
    } else if (a.rfind("--seconds=", 0) == 0) {
      args->seconds = std::atof(value("--seconds=").c_str());
    } else if (a.rfind("--warmup=", 0) == 0) {
      args->warmup = std::atof(value("--warmup=").c_str());
    } else if (a.rfind("--threads=", 0) == 0) {
      args->threads = std::atoi(value("--threads=").c_str());
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "ingest_latency: unknown flag %s\n", a.c_str());
      return false;
    } else {
      args->corpus = a;
    }
  }
  return !args->corpus.empty() && args->rate > 0 && args->seconds > 0 && args->threads > 0 &&
         args->warmup >= 0 && args->warmup < args->seconds;
}

// What became of the offered documents.
struct Results {
  newsgraph::Mutex mu;
  std::vector<double> latency_ms;  // new documents scheduled after the warm-up
  int64_t new_documents = 0;
  int64_t already_held = 0;  // UNCHANGED or a duplicate: nothing to index
  int64_t errors = 0;
  std::string first_error;
  double max_lag_ms = 0;  // how late a send left after its scheduled time
};

void Record(Results* results, const absl::StatusOr<newsgraph::v1::IngestDocumentResponse>& r,
            double latency_ms, double lag_ms, bool measured) {
  newsgraph::MutexLock lock(&results->mu);
  results->max_lag_ms = std::max(results->max_lag_ms, lag_ms);
  if (!r.ok()) {
    if (results->errors++ == 0) results->first_error = r.status().ToString();
    return;
  }
  const bool fresh =
      r->outcome() == newsgraph::v1::CREATED || r->outcome() == newsgraph::v1::NEW_VERSION;
  if (!fresh || !r->document().duplicate_of().empty()) {
    ++results->already_held;
    return;
  }
  ++results->new_documents;
  if (measured) results->latency_ms.push_back(latency_ms);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    std::fprintf(stderr,
                 "usage: ingest_latency --target=HOST:PORT --rate=DOCS_PER_S --seconds=S "
                 "[--warmup=S] [--threads=N] CORPUS.jsonl.gz\n");
    return 2;
  }
  absl::StatusOr<std::vector<newsgraph::v1::DocumentInput>> documents =
      newsgraph::ReadJsonLines(args.corpus);
  if (!documents.ok()) {
    std::fprintf(stderr, "ingest_latency: %s\n", documents.status().ToString().c_str());
    return 2;
  }
  const size_t total = static_cast<size_t>(args.rate * args.seconds);
  if (documents->size() < total) {
    std::fprintf(stderr, "ingest_latency: %zu documents, %zu needed\n", documents->size(), total);
    return 2;
  }
  newsgraph::ClientOptions options;
  options.target = args.target;
  absl::StatusOr<std::unique_ptr<newsgraph::Client>> client = newsgraph::Client::Create(options);
  if (!client.ok()) {
    std::fprintf(stderr, "ingest_latency: %s\n", client.status().ToString().c_str());
    return 3;
  }
  Results results;
  std::atomic<size_t> next{0};
  const Clock::time_point start = Clock::now() + std::chrono::milliseconds(100);
  auto scheduled = [&](size_t i) {
    return start + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(static_cast<double>(i) / args.rate));
  };
  std::vector<std::thread> workers;
  for (int t = 0; t < args.threads; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < total; i = next++) {
        const Clock::time_point due = scheduled(i);
        std::this_thread::sleep_until(due);
        const double lag_ms = std::chrono::duration<double, std::milli>(Clock::now() - due).count();
        newsgraph::v1::IngestDocumentRequest request;
        *request.mutable_document() = (*documents)[i];
        request.set_wait_until_indexed(true);
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
        newsgraph::v1::IngestDocumentResponse response;
        const grpc::Status status =
            (*client)->ingest_stub().IngestDocument(&context, request, &response);
        const double latency_ms =
            std::chrono::duration<double, std::milli>(Clock::now() - due).count();
        absl::StatusOr<newsgraph::v1::IngestDocumentResponse> result =
            status.ok() ? absl::StatusOr<newsgraph::v1::IngestDocumentResponse>(response)
                        : absl::UnknownError(absl::StrCat("gRPC ", status.error_code(), ": ",
                                                          status.error_message()));
        const bool measured = static_cast<double>(i) >= args.warmup * args.rate;
        Record(&results, result, latency_ms, lag_ms, measured);
      }
    });
  }
  for (std::thread& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  newsgraph::MutexLock lock(&results.mu);
  std::vector<double>& l = results.latency_ms;
  std::sort(l.begin(), l.end());
  auto at = [&](double p) { return l.empty() ? 0.0 : l[static_cast<size_t>(p * (l.size() - 1))]; };
  std::printf(
      "{\"rate\":%.0f,\"seconds\":%.0f,\"warmup_seconds\":%.0f,\"offered\":%zu,"
      "\"elapsed_seconds\":%.1f,\"new_documents\":%lld,\"already_held\":%lld,\"errors\":%lld,"
      "\"measured\":%zu,\"indexed_p50_ms\":%.1f,\"indexed_p90_ms\":%.1f,"
      "\"indexed_p99_ms\":%.1f,\"indexed_max_ms\":%.1f,\"max_send_lag_ms\":%.1f}\n",
      args.rate, args.seconds, args.warmup, total, elapsed,
      static_cast<long long>(results.new_documents), static_cast<long long>(results.already_held),
      static_cast<long long>(results.errors), l.size(), at(0.5), at(0.9), at(0.99),
      l.empty() ? 0.0 : l.back(), results.max_lag_ms);
  if (l.empty()) {
    std::fprintf(stderr, "ingest_latency: no new document was measured (all already held?)\n");
    return 1;
  }
  if (results.errors > 0) {
    std::fprintf(stderr, "ingest_latency: %lld errors, first: %s\n",
                 static_cast<long long>(results.errors), results.first_error.c_str());
    return 1;
  }
  return 0;
}
