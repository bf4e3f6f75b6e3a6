// The three service modules composed the way newsgraphd composes them: one
// data directory, one server, in-process channels between them.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "newsgraph/v1/ingest_service.grpc.pb.h"
#include "newsgraph/v1/search_service.grpc.pb.h"
#include "services/entity/entity_module.h"
#include "services/ingest/ingest_module.h"
#include "services/search/search_module.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

TEST(ModulesTest, ComposeOnOneDataDirectoryAndDriveADocumentThrough) {
  ::newsgraph::testing::TempDir dir;
  const ServiceStoreOptions store{.data_dir = dir.path()};
  NG_ASSERT_OK_AND_ASSIGN(auto entity, entity::EntityModule::Open({.store = store}));
  NG_ASSERT_OK_AND_ASSIGN(auto search, search::SearchModule::Open({.store = store}));
  NG_ASSERT_OK_AND_ASSIGN(auto ingest, ingest::IngestModule::Open({.store = store}));
  EXPECT_EQ(ingest->data_description(), dir.path() + "/ingest");

  grpc::ServerBuilder builder;
  builder.RegisterService(ingest->service());
  builder.RegisterService(entity->service());
  builder.RegisterService(search->service());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  std::shared_ptr<grpc::Channel> channel = server->InProcessChannel(grpc::ChannelArguments());
  search->SetEntityChannel(channel);
  ingest->StartPipeline(channel, channel);

  auto ingest_stub = newsgraph::v1::IngestService::NewStub(channel);
  grpc::ClientContext ingest_context;
  newsgraph::v1::IngestDocumentRequest request;
  request.mutable_document()->set_content(
      "Harbour workers in Valdoria ended their strike on Tuesday, the port authority said.");
  request.set_wait_until_indexed(true);
  newsgraph::v1::IngestDocumentResponse ingested;
  ASSERT_TRUE(ingest_stub->IngestDocument(&ingest_context, request, &ingested).ok());
  EXPECT_EQ(ingested.document().state(), newsgraph::v1::INDEXED);

  auto search_stub = newsgraph::v1::SearchService::NewStub(channel);
  grpc::ClientContext search_context;
  newsgraph::v1::SearchRequest query;
  query.set_query("harbour strike");
  newsgraph::v1::SearchResponse found;
  ASSERT_TRUE(search_stub->Search(&search_context, query, &found).ok());
  ASSERT_EQ(found.hits_size(), 1);
  EXPECT_EQ(found.hits(0).document(), ingested.document().name());

  ingest->StopPipeline();
  ingest->StopPipeline();  // idempotent
  server->Shutdown();
}

TEST(ModulesTest, OpenReportsWhatIsWrong) {
  ::newsgraph::testing::TempDir dir;
  const ServiceStoreOptions store{.data_dir = dir.path()};
  EXPECT_THAT(
      entity::EntityModule::Open({.store = store, .ner_model = dir.path() + "/missing.ngpm"})
          .status(),
      ::newsgraph::testing::StatusIs(absl::StatusCode::kNotFound));
  // A store already open in this process is refused, not shared.
  NG_ASSERT_OK_AND_ASSIGN(auto first, search::SearchModule::Open({.store = store}));
  EXPECT_FALSE(search::SearchModule::Open({.store = store}).ok());
}

}  // namespace
}  // namespace newsgraph
