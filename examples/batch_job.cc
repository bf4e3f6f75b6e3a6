// A batch-ingest job with the client library's BatchIngester: streams the
// .txt/.html files of a directory (or generated documents) and waits until
// every one is indexed. Safe to rerun: external ids make it idempotent.
//
//   batch_job HOST:PORT [DIRECTORY]
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "newsgraph/batch_ingester.h"
#include "newsgraph/client.h"

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::fprintf(stderr, "usage: batch_job HOST:PORT [DIRECTORY]\n");
    return 2;
  }
  newsgraph::ClientOptions options;
  options.target = argv[1];
  auto client = newsgraph::Client::Create(options);
  if (!client.ok()) return 2;

  newsgraph::BatchIngesterOptions ingest;
  ingest.wait_until_indexed = true;
  ingest.on_result = [](const newsgraph::BatchItemResult& r) {
    if (r.ack.error_code() != 0) {
      std::fprintf(stderr, "document %lld rejected: %s\n", static_cast<long long>(r.index),
                   r.ack.error_message().c_str());
    }
  };
  newsgraph::BatchIngester ingester(client->get(), ingest);
  if (argc >= 3) {
    for (const auto& entry : std::filesystem::directory_iterator(argv[2])) {
      const std::string ext = entry.path().extension().string();
      if (ext != ".txt" && ext != ".html") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream content;
      content << in.rdbuf();
      newsgraph::v1::DocumentInput doc;
      doc.set_external_id("batch-job/" + entry.path().filename().string());
      doc.set_content(content.str());
      doc.set_content_type(ext == ".html" ? newsgraph::v1::TEXT_HTML : newsgraph::v1::TEXT_PLAIN);
      if (!ingester.Add(std::move(doc)).ok()) return 1;
    }
  } else {
    for (int i = 0; i < 50; ++i) {
      newsgraph::v1::DocumentInput doc;
      doc.set_external_id("batch-job/generated-" + std::to_string(i));
      doc.set_content("Weather report " + std::to_string(i) +
                      ": snow is expected in Lapland and northern Norway this week.");
      if (!ingester.Add(std::move(doc)).ok()) return 1;
    }
  }
  absl::StatusOr<newsgraph::BatchSummary> summary = ingester.Finish();
  if (!summary.ok()) {
    std::fprintf(stderr, "batch failed: %s\n", std::string(summary.status().message()).c_str());
    return 1;
  }
  std::printf("%s: %lld accepted, %lld rejected, %lld indexed, %lld failed\n", summary->job.c_str(),
              static_cast<long long>(summary->accepted), static_cast<long long>(summary->rejected),
              static_cast<long long>(summary->indexed), static_cast<long long>(summary->failed));
  return summary->failed == 0 ? 0 : 1;
}
