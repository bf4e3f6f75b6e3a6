// Scopes per method and the loopback check that decides whether a listener
// needs TLS and tokens.
#include "services/common/auth.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "google/protobuf/descriptor.h"
#include "newsgraph/v1/entity_service.pb.h"
#include "newsgraph/v1/ingest_service.pb.h"
#include "newsgraph/v1/search_service.pb.h"
#include "services/common/server_runner.h"

namespace newsgraph {
namespace {

TokenGrant Grant(std::initializer_list<const char*> scopes) {
  TokenGrant grant;
  for (const char* s : scopes) grant.scopes.insert(s);
  return grant;
}

TEST(AuthTest, PipelineCallsNeedTheInternalScope) {
  for (const char* method : {"/newsgraph.v1.EntityService/AnnotateDocument",
                             "/newsgraph.v1.EntityService/BatchAnnotateDocuments",
                             "/newsgraph.v1.EntityService/DeleteDocumentAnnotations",
                             "/newsgraph.v1.SearchService/IndexDocument",
                             "/newsgraph.v1.SearchService/BatchIndexDocuments",
                             "/newsgraph.v1.SearchService/RemoveDocument",
                             "/newsgraph.v1.EntityService/CreateCheckpoint",
                             "/newsgraph.v1.SearchService/CreateCheckpoint"}) {
    EXPECT_EQ(RequiredScope(method), "internal") << method;
    EXPECT_FALSE(Allows(Grant({"write"}), "internal"));
    EXPECT_FALSE(Allows(Grant({"entity.write", "search.write"}), RequiredScope(method))) << method;
    EXPECT_TRUE(Allows(Grant({"internal"}), RequiredScope(method))) << method;
    EXPECT_TRUE(Allows(Grant({"*"}), RequiredScope(method))) << method;
  }
  EXPECT_EQ(RequiredScope("/newsgraph.v1.SearchService/Search"), "search.read");
  EXPECT_EQ(RequiredScope("/newsgraph.v1.IngestService/RetryDocument"), "ingest.write");
  EXPECT_EQ(RequiredScope("/newsgraph.v1.EntityService/MergeEntities"), "entity.admin");
  // Backups need the admin scope, which "write" does not include.
  EXPECT_EQ(RequiredScope("/newsgraph.v1.IngestService/CreateBackup"), "admin");
  EXPECT_FALSE(Allows(Grant({"write"}), "admin"));
  EXPECT_TRUE(Allows(Grant({"admin"}), "admin"));
  EXPECT_TRUE(Allows(Grant({"write"}), "ingest.write"));
  EXPECT_FALSE(Allows(Grant({"write"}), "entity.admin"));
  EXPECT_TRUE(Allows(Grant({"read"}), "search.read"));
  EXPECT_FALSE(Allows(Grant({"read"}), "search.write"));
}

// Every method of the three services has the scope this table gives it: a
// new RPC fails here until someone decides who may call it.
TEST(AuthTest, EveryMethodHasADeliberateScope) {
  const std::map<std::string, std::string> expected = {
      {"IngestService/IngestDocument", "ingest.write"},
      {"IngestService/BatchIngestDocuments", "ingest.write"},
      {"IngestService/GetDocument", "ingest.read"},
      {"IngestService/ListDocuments", "ingest.read"},
      {"IngestService/DeleteDocument", "ingest.write"},
      {"IngestService/RetryDocument", "ingest.write"},
      {"IngestService/GetIngestJob", "ingest.read"},
      {"IngestService/CreateBackup", "admin"},
      {"IngestService/Reindex", "admin"},
      {"EntityService/CreateCheckpoint", "internal"},
      {"SearchService/CreateCheckpoint", "internal"},
      {"EntityService/AnalyzeText", "entity.read"},
      {"EntityService/AnnotateDocument", "internal"},
      {"EntityService/BatchAnnotateDocuments", "internal"},
      {"EntityService/DeleteDocumentAnnotations", "internal"},
      {"EntityService/GetEntity", "entity.read"},
      {"EntityService/ListEntities", "entity.read"},
      {"EntityService/ResolveEntities", "entity.read"},
      {"EntityService/ListMentions", "entity.read"},
      {"EntityService/ListRelatedEntities", "entity.read"},
      {"EntityService/ListQuotes", "entity.read"},
      {"EntityService/MergeEntities", "entity.admin"},
      {"EntityService/UpdateEntity", "entity.admin"},
      {"SearchService/IndexDocument", "internal"},
      {"SearchService/BatchIndexDocuments", "internal"},
      {"SearchService/RemoveDocument", "internal"},
      {"SearchService/Search", "search.read"},
      {"SearchService/GetIndexStats", "search.read"},
  };
  size_t methods = 0;
  // The generated files register the services in the pool.
  (void)newsgraph::v1::IngestDocumentRequest::descriptor();
  (void)newsgraph::v1::AnnotateDocumentRequest::descriptor();
  (void)newsgraph::v1::SearchRequest::descriptor();
  for (const char* name : {"IngestService", "EntityService", "SearchService"}) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            std::string("newsgraph.v1.") + name);
    ASSERT_NE(service, nullptr) << name;
    for (int m = 0; m < service->method_count(); ++m, ++methods) {
      const std::string key = service->name() + "/" + service->method(m)->name();
      auto it = expected.find(key);
      ASSERT_NE(it, expected.end()) << key << " has no scope in this table: decide one";
      EXPECT_EQ(RequiredScope("/newsgraph.v1." + key), it->second) << key;
    }
  }
  EXPECT_EQ(methods, expected.size()) << "the table names a method the protos no longer have";
}

TEST(AuthTest, OnlyLoopbackAddressesAreLoopback) {
  for (const char* address : {"127.0.0.1:7700", "127.1.2.3:0", "[::1]:7700", "localhost:7700",
                              "[::ffff:127.0.0.1]:80"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
  for (const char* address : {"127.example.com:7700", "127.0.0.1.nip.io:7700", "0.0.0.0:7700",
                              "10.0.0.1:7700", "[::]:7700", "[::ffff:10.0.0.1]:80",
                              "example.org:443", "128.0.0.1:1", ":7700"}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

}  // namespace
}  // namespace newsgraph
