// The path a backend team takes without the newsgraph client library: plain
// generated gRPC stubs. Ingests one document, waits until it is searchable,
// and searches for it.
//
//   minimal_stubs HOST:PORT
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "newsgraph/v1/ingest_service.grpc.pb.h"
#include "newsgraph/v1/search_service.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc != 2 || std::string(argv[1]) == "--help") {
    std::fprintf(stderr, "usage: minimal_stubs HOST:PORT\n");
    return 2;
  }
  auto channel = grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials());
  auto ingest = newsgraph::v1::IngestService::NewStub(channel);
  auto search = newsgraph::v1::SearchService::NewStub(channel);

  newsgraph::v1::IngestDocumentRequest request;
  request.mutable_document()->set_external_id("example-minimal-1");
  request.mutable_document()->set_content(
      "Harbour pilots in Klaipeda ended their strike on Sunday after the port authority agreed "
      "to hire twelve more pilots.");
  request.set_wait_until_indexed(true);  // Read-your-writes.
  newsgraph::v1::IngestDocumentResponse ingested;
  grpc::ClientContext ingest_context;
  ingest_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Status status = ingest->IngestDocument(&ingest_context, request, &ingested);
  if (!status.ok()) {
    std::fprintf(stderr, "IngestDocument failed: %s\n", status.error_message().c_str());
    return 1;
  }
  std::printf("stored %s (%s)\n", ingested.document().name().c_str(),
              newsgraph::v1::PipelineState_Name(ingested.document().state()).c_str());

  newsgraph::v1::SearchRequest query;
  query.set_query("pilots strike");
  newsgraph::v1::SearchResponse response;
  grpc::ClientContext search_context;
  search_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  status = search->Search(&search_context, query, &response);
  if (!status.ok()) {
    std::fprintf(stderr, "Search failed: %s\n", status.error_message().c_str());
    return 1;
  }
  for (const auto& hit : response.hits()) {
    std::printf("hit %s score %.2f\n", hit.document().c_str(), hit.score());
  }
  return response.hits_size() > 0 ? 0 : 1;
}
