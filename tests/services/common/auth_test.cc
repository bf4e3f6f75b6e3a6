// Scopes per method and the loopback check that decides whether a listener
// needs TLS and tokens.
#include "services/common/auth.h"

#include <gtest/gtest.h>

#include "services/common/server_runner.h"

namespace newsgraph {
namespace {

TokenGrant Grant(std::initializer_list<const char*> scopes) {
  TokenGrant grant;
  for (const char* s : scopes) grant.scopes.insert(s);
  return grant;
}

TEST(AuthTest, PipelineCallsNeedTheInternalScope) {
  for (const char* method :
       {"/newsgraph.v1.EntityService/AnnotateDocument",
        "/newsgraph.v1.EntityService/DeleteDocumentAnnotations",
        "/newsgraph.v1.SearchService/IndexDocument", "/newsgraph.v1.SearchService/RemoveDocument"}) {
    EXPECT_EQ(RequiredScope(method), "internal") << method;
    EXPECT_FALSE(Allows(Grant({"write"}), "internal"));
    EXPECT_FALSE(Allows(Grant({"entity.write", "search.write"}), RequiredScope(method))) << method;
    EXPECT_TRUE(Allows(Grant({"internal"}), RequiredScope(method))) << method;
    EXPECT_TRUE(Allows(Grant({"*"}), RequiredScope(method))) << method;
  }
  EXPECT_EQ(RequiredScope("/newsgraph.v1.SearchService/Search"), "search.read");
  EXPECT_EQ(RequiredScope("/newsgraph.v1.IngestService/RetryDocument"), "ingest.write");
  EXPECT_EQ(RequiredScope("/newsgraph.v1.EntityService/MergeEntities"), "entity.admin");
  EXPECT_TRUE(Allows(Grant({"write"}), "ingest.write"));
  EXPECT_FALSE(Allows(Grant({"write"}), "entity.admin"));
  EXPECT_TRUE(Allows(Grant({"read"}), "search.read"));
  EXPECT_FALSE(Allows(Grant({"read"}), "search.write"));
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
