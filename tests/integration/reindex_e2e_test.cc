// A split deployment whose entity service lost its data directory: a
// reindex, run while the deployment serves, rebuilds the entity graph from
// the stored documents and brings the search index back in line (the same
// hits for a query set, every entity link resolving to an entity of the
// same name as before); the CLI's `admin reindex --entities` then
// recognizes every text again and changes nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "newsgraph/client.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/split_cluster.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::SplitCluster;
using ::newsgraph::testing::TempDir;

const char* const kPeople[] = {"Anna Berg", "Tomas Lind", "Maria Holm"};
const char* const kCompanies[] = {"Nordic Ferries", "Baltic Freight", "Skagen Shipping"};
const char* const kCities[] = {"Oslo", "Bergen", "Gothenburg", "Aarhus"};

newsgraph::v1::DocumentInput Story(int i) {
  newsgraph::v1::DocumentInput input;
  input.set_external_id(absl::StrCat("story-", i));
  input.set_content(absl::StrCat(kPeople[i % 3], ", chief executive of ", kCompanies[i % 3],
                                 ", said in ", kCities[i % 4], " on Tuesday that route ", i,
                                 " would reopen after the storm. ", kCompanies[(i + 1) % 3],
                                 " did not comment."));
  return input;
}

// Per query: the hits' documents and, per hit, the names of its entities.
using Answers = std::map<std::string, std::vector<std::string>>;

// Also, under "entities", every entity: id, name, type and document count.
Answers Ask(Client& client) {
  Answers answers;
  {
    newsgraph::v1::ListEntitiesRequest list;
    list.set_page_size(100);
    absl::StatusOr<newsgraph::v1::ListEntitiesResponse> all = client.ListEntities(list);
    EXPECT_TRUE(all.ok()) << all.status();
    std::vector<std::string>& rows = answers["entities"];
    if (all.ok()) {
      for (const newsgraph::v1::Entity& e : all->entities()) {
        rows.push_back(absl::StrCat(e.name(), " ", e.canonical_name(), " ", e.type(), " ",
                                    e.document_count()));
      }
    }
  }
  for (const char* query : {"Anna Berg", "Nordic Ferries storm", "Bergen route",
                            "\"Baltic Freight\"", "chief executive Gothenburg"}) {
    newsgraph::v1::SearchRequest request;
    request.set_query(query);
    request.set_page_size(50);
    request.set_disable_collapse(true);
    absl::StatusOr<newsgraph::v1::SearchResponse> found = client.Search(request);
    EXPECT_TRUE(found.ok()) << found.status();
    if (!found.ok()) continue;
    std::vector<std::string>& rows = answers[query];
    for (const newsgraph::v1::SearchHit& hit : found->hits()) {
      std::set<std::string> names;
      for (const newsgraph::v1::DocumentEntity& entity : hit.matched_entities()) {
        absl::StatusOr<newsgraph::v1::Entity> resolved = client.GetEntity(entity.entity());
        EXPECT_TRUE(resolved.ok()) << entity.entity() << " of " << hit.document();
        names.insert(resolved.ok() ? resolved->canonical_name() : "<dangling>");
      }
      std::string row = hit.document();
      for (const std::string& name : names) absl::StrAppend(&row, " ", name);
      rows.push_back(row);
    }
  }
  return answers;
}

TEST(ReindexE2ETest, ALostEntityStoreIsRebuiltFromTheStoredDocuments) {
  TempDir dir;
  SplitCluster cluster;
  NG_ASSERT_OK(cluster.Start(dir.path()));
  NG_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(cluster.Options()));
  std::vector<newsgraph::v1::DocumentInput> stories;
  for (int i = 0; i < 60; ++i) stories.push_back(Story(i));
  NG_ASSERT_OK_AND_ASSIGN(BatchIngestSummary summary, client->BatchIngest(stories));
  for (const std::string& name : summary.documents) {
    NG_ASSERT_OK(client->WaitUntilProcessed(name, absl::Seconds(60)).status());
  }
  const Answers before = Ask(*client);
  ASSERT_EQ(before.size(), 6u);  // five queries and the entity list

  // The entity service loses its data and comes back empty on its address.
  ASSERT_TRUE(StopsCleanly(*cluster.entity));
  std::filesystem::remove_all(dir.path() + "/entity");
  NG_ASSERT_OK(cluster.StartEntity(dir.path()));
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::ListEntitiesResponse none, client->ListEntities({}));
  EXPECT_EQ(none.entities_size(), 0);

  std::vector<newsgraph::v1::ReindexProgress> reports;
  NG_ASSERT_OK_AND_ASSIGN(
      newsgraph::v1::ReindexProgress done,
      client->Reindex({}, [&](const newsgraph::v1::ReindexProgress& p) { reports.push_back(p); }));
  EXPECT_TRUE(done.done());
  EXPECT_TRUE(done.all_queued());
  EXPECT_EQ(done.queued(), static_cast<int64_t>(summary.documents.size()));
  EXPECT_EQ(done.remaining(), 0);
  ASSERT_FALSE(reports.empty());

  EXPECT_EQ(Ask(*client), before);
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::IndexStats stats, client->GetIndexStats());
  EXPECT_EQ(stats.document_count(), static_cast<int64_t>(summary.documents.size()));

  // The CLI's --entities recognizes every text again, as after a model
  // upgrade; the same model gives the same graph and the same answers.
  const std::string cli = absl::StrCat(NEWSGRAPH_CLI_PATH, " --target=", cluster.ingest->address(),
                                       " admin reindex --entities > ", dir.path(), "/cli.out");
  ASSERT_EQ(std::system(cli.c_str()), 0);
  EXPECT_EQ(Ask(*client), before);
  NG_ASSERT_OK_AND_ASSIGN(stats, client->GetIndexStats());
  EXPECT_EQ(stats.document_count(), static_cast<int64_t>(summary.documents.size()));
  for (auto* p : {&cluster.ingest, &cluster.search, &cluster.entity}) {
    ASSERT_TRUE(StopsCleanly(**p));
  }
}

}  // namespace
}  // namespace newsgraph
