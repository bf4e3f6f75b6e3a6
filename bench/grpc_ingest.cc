// Ingest over gRPC into a running daemon, the way batch jobs do it
// (BatchIngester: one stream, durable acknowledgements, bounded window),
// then waits until every document is INDEXED. One JSON line: documents,
// MB, acknowledged docs/s and MB/s, ack latency p50/p99 (from handing a
// document to the stream to its durable acknowledgement), and end-to-end
// docs/s until indexed.
//   grpc_ingest --target=HOST:PORT [--limit=N] [--synthesize=N] CORPUS.jsonl.gz...
// --synthesize=N sends N documents synthesized from the (first) corpus by
// recombining its sentences (SynthesizeCorpus, seed 20261124).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/mutex.h"
#include "bench/common/bench_corpus.h"
#include "newsgraph/batch_ingester.h"
#include "newsgraph/client.h"
#include "newsgraph/importers.h"

namespace {
using Clock = std::chrono::steady_clock;
}

int main(int argc, char** argv) {
  std::string target = "127.0.0.1:7700";
  size_t limit = 0;
  size_t synthesize = 0;
  std::vector<std::string> corpora;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--target=", 0) == 0) {
      target = a.substr(9);
    } else if (a.rfind("--limit=", 0) == 0) {
      limit = std::strtoul(a.c_str() + 8, nullptr, 10);
    } else if (a.rfind("--synthesize=", 0) == 0) {
      synthesize = std::strtoul(a.c_str() + 13, nullptr, 10);
    } else {
      corpora.push_back(a);
    }
  }
  std::vector<newsgraph::v1::DocumentInput> documents;
  if (synthesize > 0 && !corpora.empty()) {
    for (auto& d : newsgraph::bench::SynthesizeCorpus(newsgraph::bench::ReadCorpus(corpora[0], 0),
                                                      synthesize, 20261124)) {
      newsgraph::v1::DocumentInput& input = documents.emplace_back();
      input.set_external_id(d.id);
      input.set_title(d.title);
      input.set_content(std::move(d.body));
      input.set_source("synthetic");
      input.set_content_type(newsgraph::v1::TEXT_PLAIN);
    }
    corpora.clear();
  }
  for (const std::string& path : corpora) {
    auto read = newsgraph::ReadJsonLines(path);
    if (!read.ok()) {
      std::fprintf(stderr, "grpc_ingest: %s\n", read.status().ToString().c_str());
      return 2;
    }
    for (auto& d : *read) {
      if (limit > 0 && documents.size() >= limit) break;
      documents.push_back(std::move(d));
    }
  }
  double bytes = 0;
  for (const auto& d : documents) bytes += static_cast<double>(d.title().size() + d.content().size());

  newsgraph::ClientOptions client_options;
  client_options.target = target;
  auto client = newsgraph::Client::Create(client_options);
  if (!client.ok()) {
    std::fprintf(stderr, "grpc_ingest: %s\n", client.status().ToString().c_str());
    return 3;
  }
  std::vector<Clock::time_point> sent(documents.size());
  std::vector<double> ack_micros;
  ack_micros.reserve(documents.size());
  newsgraph::Mutex mu;
  Clock::time_point last_ack;
  newsgraph::BatchIngesterOptions options;
  options.wait_until_indexed = true;
  options.on_result = [&](const newsgraph::BatchItemResult& result) {
    const Clock::time_point now = Clock::now();
    newsgraph::MutexLock lock(&mu);
    ack_micros.push_back(
        std::chrono::duration<double, std::micro>(now - sent[static_cast<size_t>(result.index)])
            .count());
    last_ack = now;
  };
  const Clock::time_point start = Clock::now();
  newsgraph::BatchIngester ingester(client->get(), options);
  for (size_t i = 0; i < documents.size(); ++i) {
    {
      newsgraph::MutexLock lock(&mu);
      sent[i] = Clock::now();
    }
    if (absl::Status added = ingester.Add(documents[i]); !added.ok()) {
      std::fprintf(stderr, "grpc_ingest: %s\n", added.ToString().c_str());
      return 1;
    }
  }
  auto summary = ingester.Finish();
  const Clock::time_point done = Clock::now();
  if (!summary.ok()) {
    std::fprintf(stderr, "grpc_ingest: %s\n", summary.status().ToString().c_str());
    return 1;
  }
  newsgraph::MutexLock lock(&mu);
  std::sort(ack_micros.begin(), ack_micros.end());
  auto at = [&](double p) {
    return ack_micros.empty() ? 0.0
                              : ack_micros[static_cast<size_t>(p * (ack_micros.size() - 1))];
  };
  const double ack_seconds = std::chrono::duration<double>(last_ack - start).count();
  const double total_seconds = std::chrono::duration<double>(done - start).count();
  std::printf(
      "{\"documents\":%zu,\"mb\":%.2f,\"accepted\":%lld,\"rejected\":%lld,\"duplicates\":%lld,"
      "\"indexed\":%lld,\"failed\":%lld,\"ack_seconds\":%.3f,\"ack_docs_per_second\":%.1f,"
      "\"ack_mb_per_second\":%.2f,\"ack_p50_us\":%.0f,\"ack_p99_us\":%.0f,"
      "\"indexed_seconds\":%.3f,\"indexed_docs_per_second\":%.1f}\n",
      documents.size(), bytes / 1e6, static_cast<long long>(summary->accepted),
      static_cast<long long>(summary->rejected),
      static_cast<long long>(summary->exact_duplicates + summary->unchanged),
      static_cast<long long>(summary->indexed), static_cast<long long>(summary->failed),
      ack_seconds, documents.size() / ack_seconds, bytes / 1e6 / ack_seconds, at(0.5), at(0.99),
      total_seconds, documents.size() / total_seconds);
  return summary->failed > 0 ? 1 : 0;
}
