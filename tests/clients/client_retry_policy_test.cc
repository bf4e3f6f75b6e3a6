// The client retries only the calls that are safe to repeat.
#include <set>
#include <string>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "newsgraph/client.h"

namespace newsgraph {
namespace {

// "Service/Method" names the retry policy covers, and its attempts.
struct Policy {
  std::set<std::string> methods;
  double max_attempts = 0;
};

Policy ParsePolicy(const std::string& json) {
  google::protobuf::Struct config;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &config).ok()) << json;
  Policy policy;
  for (const auto& entry : config.fields().at("methodConfig").list_value().values()) {
    const auto& fields = entry.struct_value().fields();
    policy.max_attempts =
        fields.at("retryPolicy").struct_value().fields().at("maxAttempts").number_value();
    for (const auto& name : fields.at("name").list_value().values()) {
      const auto& n = name.struct_value().fields();
      policy.methods.insert(n.at("service").string_value() + "/" + n.at("method").string_value());
    }
  }
  return policy;
}

TEST(ClientRetryPolicyTest, OnlyCallsSafeToRepeatAreRetried) {
  const Policy policy = ParsePolicy(ClientServiceConfigJson(4));
  EXPECT_EQ(policy.max_attempts, 4);
  for (const char* safe :
       {"newsgraph.v1.IngestService/IngestDocument", "newsgraph.v1.IngestService/GetDocument",
        "newsgraph.v1.EntityService/ResolveEntities", "newsgraph.v1.SearchService/Search"}) {
    EXPECT_TRUE(policy.methods.count(safe)) << safe;
  }
  // A repeat after a lost response would report NOT_FOUND or
  // FAILED_PRECONDITION for a call that worked.
  for (const char* unsafe :
       {"newsgraph.v1.IngestService/DeleteDocument", "newsgraph.v1.IngestService/RetryDocument",
        "newsgraph.v1.IngestService/BatchIngestDocuments",
        "newsgraph.v1.EntityService/MergeEntities", "newsgraph.v1.EntityService/UpdateEntity"}) {
    EXPECT_FALSE(policy.methods.count(unsafe)) << unsafe;
  }
  // Attempts stay within gRPC's accepted range.
  EXPECT_EQ(ParsePolicy(ClientServiceConfigJson(1)).max_attempts, 2);
  EXPECT_EQ(ParsePolicy(ClientServiceConfigJson(99)).max_attempts, 5);
}

}  // namespace
}  // namespace newsgraph
