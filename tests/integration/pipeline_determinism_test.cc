// The entity graph and the search results are a function of the
// acknowledged documents and their order, not of how the pipeline batches
// them nor of how many threads recognize them: the same stories ingested
// into newsgraphd with different --pipeline_batch_size and
// --recognition_threads end in identical digests.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "newsgraph/client.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/story_corpus.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph {
namespace {

using ::newsgraph::testing::DaemonProcess;
using ::newsgraph::testing::TempDir;

constexpr size_t kStories = 240;

// Every entity: name, type, canonical name, sorted aliases and counts, one
// line each, in name order.
absl::StatusOr<std::string> EntityGraphDigest(Client& client) {
  std::vector<std::string> lines;
  newsgraph::v1::ListEntitiesRequest request;
  request.set_page_size(1000);
  do {
    absl::StatusOr<newsgraph::v1::ListEntitiesResponse> page = client.ListEntities(request);
    if (!page.ok()) return page.status();
    for (const newsgraph::v1::Entity& entity : page->entities()) {
      std::vector<std::string> aliases;
      for (const auto& alias : entity.aliases()) aliases.push_back(alias.text());
      std::sort(aliases.begin(), aliases.end());
      lines.push_back(absl::StrCat(entity.name(), " ", entity.type(), " '",
                                   entity.canonical_name(), "' [", absl::StrJoin(aliases, "|"),
                                   "] ", entity.mention_count(), "/", entity.document_count()));
    }
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  std::sort(lines.begin(), lines.end());
  return absl::StrJoin(lines, "\n");
}

// The top ten of each query: external id and score.
absl::StatusOr<std::string> SearchDigest(Client& client) {
  std::string digest;
  for (const char* query :
       {"prices", "bank rate", "oil production", "company profit", "trade deficit", "shares",
        "minister said", "wheat cargo", "harbour authority", "quarter results"}) {
    newsgraph::v1::SearchRequest request;
    request.set_query(query);
    request.set_page_size(10);
    // Under a sanitizer the query's entity resolution can miss its 500 ms
    // deadline; the search then says so in a warning and ranks by text
    // alone. Asked again until it is answered in full.
    absl::StatusOr<newsgraph::v1::SearchResponse> response;
    for (int attempt = 0; attempt < 10; ++attempt) {
      response = client.Search(request);
      if (!response.ok() || response->warnings().empty()) break;
    }
    if (!response.ok()) return response.status();
    if (!response->warnings().empty()) {
      return absl::UnavailableError(absl::StrCat(query, ": ", response->warnings(0)));
    }
    absl::StrAppend(&digest, query, ":");
    for (const auto& hit : response->hits()) {
      absl::StrAppend(&digest, " ", hit.external_id(), absl::StrFormat("=%.4f", hit.score()));
    }
    absl::StrAppend(&digest, "\n");
  }
  return digest;
}

struct Digests {
  std::string entities;
  std::string search;
};

// Ingests the stories into a fresh newsgraphd started with `flags`, waits
// until every one is indexed and returns the digests.
absl::StatusOr<Digests> IngestAndDigest(const std::vector<newsgraph::v1::DocumentInput>& stories,
                                        const std::vector<std::string>& flags) {
  TempDir dir;
  // No idle merge: when it would run depends on timing, and scores depend a
  // little on the segments (rounding), not on the pipeline.
  std::vector<std::string> args = {"--data_dir=" + dir.path(), "--idle_merge_seconds=0"};
  args.insert(args.end(), flags.begin(), flags.end());
  absl::StatusOr<DaemonProcess> daemon = DaemonProcess::Start(NEWSGRAPHD_PATH, args, dir.path());
  if (!daemon.ok()) return daemon.status();
  ClientOptions options;
  options.target = daemon->address();
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options);
  if (!client.ok()) return client.status();
  absl::StatusOr<BatchIngestSummary> summary = (*client)->BatchIngest(stories);
  if (!summary.ok()) return summary.status();
  for (const std::string& name : summary->documents) {
    absl::StatusOr<newsgraph::v1::Document> doc =
        (*client)->WaitUntilProcessed(name, absl::Seconds(120));
    if (!doc.ok()) return doc.status();
    if (doc->state() != newsgraph::v1::INDEXED) {
      return absl::InternalError(absl::StrCat(name, " ended ", doc->pipeline_error()));
    }
  }
  Digests digests;
  absl::StatusOr<std::string> entities = EntityGraphDigest(**client);
  if (!entities.ok()) return entities.status();
  digests.entities = *std::move(entities);
  absl::StatusOr<std::string> search = SearchDigest(**client);
  if (!search.ok()) return search.status();
  digests.search = *std::move(search);
  return digests;
}

TEST(PipelineDeterminismTest, BatchSizeAndRecognitionThreadsDoNotChangeTheResult) {
  const std::vector<newsgraph::v1::DocumentInput> stories =
      ::newsgraph::testing::ReutersOrSyntheticStories(kStories);
  NG_ASSERT_OK_AND_ASSIGN(
      const Digests reference,
      IngestAndDigest(stories, {"--pipeline_batch_size=1", "--recognition_threads=1"}));
  // The synthesized stories of a fresh clone name 26 entities.
  ASSERT_GT(std::count(reference.entities.begin(), reference.entities.end(), '\n'), 20)
      << "too few entities for the comparison to mean anything";
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{"--pipeline_batch_size=7", "--recognition_threads=2"},
        std::vector<std::string>{"--pipeline_batch_size=64", "--recognition_threads=8"}}) {
    SCOPED_TRACE(absl::StrJoin(flags, " "));
    NG_ASSERT_OK_AND_ASSIGN(const Digests digests, IngestAndDigest(stories, flags));
    EXPECT_EQ(digests.entities, reference.entities);
    EXPECT_EQ(digests.search, reference.search);
  }
}

}  // namespace
}  // namespace newsgraph
