#include "services/ingest/batch_session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>

#include "absl/strings/str_cat.h"
#include "services/ingest/ingest_keyspace.h"
#include "storage/rocksdb_kv_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::ingest {
namespace {

using newsgraph::v1::BatchIngestDocumentsRequest;
using newsgraph::v1::BatchIngestDocumentsResponse;
using ::newsgraph::testing::StatusIs;

class BatchSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::RocksDbOptions options;
    options.path = dir_.path();
    options.column_families = IngestColumnFamilies();
    NG_ASSERT_OK_AND_ASSIGN(store_, storage::OpenRocksDbStore(options));
    NG_ASSERT_OK_AND_ASSIGN(core_, IngestCore::Open(store_.get(), {}));
  }

  static BatchIngestDocumentsRequest Message(int sequence, const std::string& text,
                                             const std::string& job = "") {
    BatchIngestDocumentsRequest m;
    m.set_sequence(sequence);
    m.set_job(job);
    if (!text.empty()) {
      m.mutable_document()->set_content(text);
      m.mutable_document()->set_external_id(absl::StrCat("ext-", sequence));
    }
    return m;
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<IngestCore> core_;
};

TEST_F(BatchSessionTest, AcknowledgesEveryMessageInOrderAndCountsRejections) {
  BatchSession session(core_.get());
  std::vector<BatchIngestDocumentsResponse> written;
  auto write = [&](const BatchIngestDocumentsResponse& ack) {
    written.push_back(ack);
    return true;
  };
  NG_ASSERT_OK(session.IngestRound({Message(1, "First story."), Message(2, ""),
                                    Message(3, "Third story.")},
                                   nullptr, write));
  ASSERT_EQ(written.size(), 3u);
  EXPECT_EQ(written[0].document(), "documents/1");
  EXPECT_EQ(written[1].error_code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(written[2].sequence(), 3);
  const std::string job = written[0].job();
  EXPECT_FALSE(job.empty());
  // The next round stays on the same job.
  NG_ASSERT_OK(session.IngestRound({Message(4, "Fourth story.")}, nullptr, write));
  EXPECT_EQ(written.back().job(), job);
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::IngestJob counted, core_->GetJob(job));
  EXPECT_EQ(counted.accepted_count(), 3);
  EXPECT_EQ(counted.rejected_count(), 1);
}

TEST_F(BatchSessionTest, AnotherJobOrAnUnknownJobEndsTheStream) {
  BatchSession session(core_.get());
  int writes = 0;
  auto write = [&](const BatchIngestDocumentsResponse&) { return ++writes > 0; };
  EXPECT_THAT(session.IngestRound({Message(1, "Story.", "jobs/999")}, nullptr, write),
              StatusIs(absl::StatusCode::kNotFound));
  BatchSession attached(core_.get());
  NG_ASSERT_OK(attached.IngestRound({Message(1, "Story one.")}, nullptr, write));
  EXPECT_THAT(attached.IngestRound({Message(2, "Story two.", "jobs/12345")}, nullptr, write),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(writes, 1) << "nothing of the refused round is acknowledged";
}

TEST_F(BatchSessionTest, ABrokenStreamStopsTheAcknowledgements) {
  BatchSession session(core_.get());
  int writes = 0;
  auto write = [&](const BatchIngestDocumentsResponse&) { return ++writes < 2; };
  NG_ASSERT_OK(session.IngestRound({Message(1, "A."), Message(2, "B."), Message(3, "C.")}, nullptr,
                                   write));
  EXPECT_EQ(writes, 2);
  EXPECT_FALSE(session.stream_open());
}

TEST(ReadAheadTest, RoundsTakeWhatArrivedAndEndWithTheStream) {
  std::deque<int> pending = {1, 2, 3, 4, 5};
  std::atomic<int> interrupts{0};
  ReadAhead reader({.read =
                        [&](BatchIngestDocumentsRequest* m) {
                          if (pending.empty()) return false;
                          m->set_sequence(pending.front());
                          pending.pop_front();
                          return true;
                        },
                    .wait_for_room = [] { return true; },
                    .interrupt = [&] { ++interrupts; }},
                   /*capacity=*/2);
  std::vector<int64_t> seen;
  for (auto round = reader.NextRound(); !round.empty(); round = reader.NextRound()) {
    EXPECT_LE(round.size(), 2u);
    for (const auto& m : round) seen.push_back(m.sequence());
  }
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3, 4, 5}));
  reader.Stop();
  EXPECT_EQ(interrupts.load(), 0) << "a reader that ended needs no interrupt";
}

TEST(ReadAheadTest, StopInterruptsABlockedReader) {
  std::atomic<bool> released{false};
  ReadAhead reader({.read =
                        [&](BatchIngestDocumentsRequest*) {
                          while (!released.load()) std::this_thread::yield();
                          return false;
                        },
                    .wait_for_room = [] { return true; },
                    .interrupt = [&] { released = true; }},
                   /*capacity=*/4);
  reader.Stop();
  EXPECT_TRUE(released.load());
}

}  // namespace
}  // namespace newsgraph::ingest
