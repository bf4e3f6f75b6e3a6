// Group commit (IngestCore::GroupWriter, driven through IngestCore): the
// members of one group see each other's writes, a member's own error fails
// it alone, a failed write fails every member of its group and no one else,
// and every acknowledged document is in one synced write and survives a
// reopen. Runs on a real RocksDB store in a temporary directory.
#include "services/ingest/group_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/ingest/ingest_core.h"
#include "services/ingest/ingest_keyspace.h"
#include "storage/rocksdb_kv_store.h"
#include "storage/testing/faulty_kv_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace newsgraph::ingest {
namespace {

using ::newsgraph::testing::StatusIs;
using newsgraph::v1::Document;
using newsgraph::v1::DocumentInput;
using ::testing::HasSubstr;

// A store whose reads of keys holding "poison" fail, that can hold writes
// until released, and that logs what each write stored: the external ids of
// its documents (the members of a group commit), its durability and result.
class RecordingStore : public storage::testing::FaultyKvStore {
 public:
  struct WriteRecord {
    std::vector<std::string> external_ids;
    storage::Durability durability;
    bool ok;
  };

  using FaultyKvStore::FaultyKvStore;

  absl::StatusOr<std::optional<std::string>> Get(storage::ColumnFamily cf, absl::string_view key,
                                                 const storage::ReadOptions& options) override {
    if (absl::StrContains(key, "poison")) return absl::DataLossError("injected: poisoned key");
    return FaultyKvStore::Get(cf, key, options);
  }

  absl::Status Write(const storage::WriteBatch& batch, storage::Durability durability) override {
    WriteRecord record{{}, durability, false};
    for (const storage::WriteBatch::Op& op : batch.ops()) {
      Document doc;
      if (op.type == storage::WriteBatch::OpType::kPut && op.cf.index == cf::kDocuments.index &&
          doc.ParseFromString(op.value)) {
        record.external_ids.push_back(doc.external_id());
      }
    }
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (hold_) {
        ++held_;
        changed_.notify_all();
        changed_.wait(lock, [this] { return !hold_; });
      }
    }
    const absl::Status status = FaultyKvStore::Write(batch, durability);
    record.ok = status.ok();
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back(std::move(record));
    return status;
  }

  // Writes wait in the store from now until Release().
  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = true;
  }
  void WaitUntilAWriteIsHeld() {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [this] { return held_ > 0; });
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      hold_ = false;
    }
    changed_.notify_all();
  }
  // The writes that stored documents, in order.
  std::vector<WriteRecord> DocumentWrites() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<WriteRecord> out;
    for (const WriteRecord& r : log_) {
      if (!r.external_ids.empty()) out.push_back(r);
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  bool hold_ = false;
  int held_ = 0;
  std::vector<WriteRecord> log_;
};

DocumentInput Text(const std::string& content, const std::string& external_id = "") {
  DocumentInput input;
  input.set_content(content);
  input.set_external_id(external_id);
  return input;
}

std::vector<IngestCore::Request> Requests(const std::vector<DocumentInput>& inputs) {
  std::vector<IngestCore::Request> out;
  for (const DocumentInput& input : inputs) out.push_back({&input, false});
  return out;
}

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  // (Re)opens the store from disk, wrapped, and a core over it.
  void Open() {
    core_.reset();
    faulty_.reset();
    store_.reset();
    storage::RocksDbOptions options;
    options.path = dir_.path();
    options.column_families = IngestColumnFamilies();
    NG_ASSERT_OK_AND_ASSIGN(store_, storage::OpenRocksDbStore(options));
    faulty_ = std::make_unique<RecordingStore>(store_.get());
    NG_ASSERT_OK_AND_ASSIGN(core_, IngestCore::Open(faulty_.get(), {}));
  }

  int StoredDocuments() {
    newsgraph::v1::ListDocumentsRequest list;
    list.set_page_size(1000);
    auto listed = core_->ListDocuments(list);
    EXPECT_TRUE(listed.ok()) << listed.status();
    return listed.ok() ? listed->documents_size() : -1;
  }

  ::newsgraph::testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> store_;
  std::unique_ptr<RecordingStore> faulty_;
  std::unique_ptr<IngestCore> core_;
};

TEST(EncodeOutboxValueTest, IsDocumentVersionActionAndTimeBigEndian) {
  const std::string value =
      EncodeOutboxValue(0x0102030405060708u, 0x1112131415161718, OutboxItem::Action::kRemove,
                        absl::FromUnixMicros(0x2122232425262728));
  EXPECT_EQ(value, std::string("\x01\x02\x03\x04\x05\x06\x07\x08"
                               "\x11\x12\x13\x14\x15\x16\x17\x18"
                               "\x02"
                               "\x21\x22\x23\x24\x25\x26\x27\x28",
                               25));
}

TEST(DecodeOutboxEntryTest, ReadsEntriesWithAndWithoutTime) {
  const std::string key("\0\0\0\0\0\0\0\x09", 8);
  const absl::Time at = absl::FromUnixSeconds(1700000000);
  absl::StatusOr<OutboxItem> item =
      DecodeOutboxEntry(key, EncodeOutboxValue(1, 2, OutboxItem::Action::kProcess, at));
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->sequence, 9u);
  EXPECT_EQ(item->document_id, 1u);
  EXPECT_EQ(item->version, 2);
  EXPECT_EQ(item->action, OutboxItem::Action::kProcess);
  EXPECT_EQ(item->acknowledged, at);
  // The format before the time was recorded.
  item = DecodeOutboxEntry(key, std::string("\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0\x02\x02", 17));
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->action, OutboxItem::Action::kRemove);
  EXPECT_EQ(item->acknowledged, absl::InfinitePast());
  // With the acknowledging call's request id.
  item = DecodeOutboxEntry(key, EncodeOutboxValue(3, 4, OutboxItem::Action::kReindex, at, "job-7"));
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(item->action, OutboxItem::Action::kReindex);
  EXPECT_EQ(item->acknowledged, at);
  EXPECT_EQ(item->request_id, "job-7");
  std::string truncated = EncodeOutboxValue(3, 4, OutboxItem::Action::kProcess, at, "job-7");
  truncated.pop_back();
  EXPECT_EQ(DecodeOutboxEntry(key, truncated).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeOutboxEntry(key, "short").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeOutboxEntry("k", std::string(25, '\0')).status().code(),
            absl::StatusCode::kDataLoss);
}

// One IngestMany is one group: later members see the earlier ones' external
// ids, documents and fingerprints before anything is in the store.
TEST_F(GroupCommitTest, MembersOfOneGroupSeeEachOthersWrites) {
  const std::vector<DocumentInput> inputs = {
      Text("First wording of the story.", "story"), Text("First wording of the story.", "story"),
      Text("Second wording of the story.", "story"), Text("A wire copy without an id."),
      Text("A wire copy   without an id.")};
  std::vector<absl::StatusOr<IngestResult>> results = core_->IngestMany(Requests(inputs));
  ASSERT_EQ(results.size(), 5u);
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(results[0]->outcome, newsgraph::v1::CREATED);
  EXPECT_EQ(results[0]->document.version(), 1);
  const std::string story = results[0]->document.name();
  EXPECT_EQ(results[1]->outcome, newsgraph::v1::UNCHANGED);
  EXPECT_EQ(results[1]->document.name(), story);
  EXPECT_EQ(results[2]->outcome, newsgraph::v1::NEW_VERSION);
  EXPECT_EQ(results[2]->document.name(), story);
  EXPECT_EQ(results[2]->document.version(), 2);
  EXPECT_EQ(results[3]->outcome, newsgraph::v1::CREATED);
  EXPECT_NE(results[3]->document.name(), story);
  EXPECT_EQ(results[4]->outcome, newsgraph::v1::DUPLICATE);
  EXPECT_EQ(results[4]->document.duplicate_of(), results[3]->document.name());

  // One write held the group; the store has its last state.
  EXPECT_EQ(faulty_->DocumentWrites().size(), 1u);
  NG_ASSERT_OK_AND_ASSIGN(Document stored, core_->GetDocument(story, newsgraph::v1::FULL));
  EXPECT_EQ(stored.version(), 2);
  EXPECT_EQ(stored.text(), "Second wording of the story.");
  EXPECT_EQ(StoredDocuments(), 2);
  EXPECT_EQ(core_->OutboxSize(), 3u);  // two versions of the story, one wire copy
}

TEST_F(GroupCommitTest, AMembersOwnErrorFailsItAlone) {
  const std::vector<DocumentInput> inputs = {Text("The first report.", "first"),
                                             Text("A report with a bad key.", "poison-7"), Text(""),
                                             Text("The last report.", "last")};
  std::vector<absl::StatusOr<IngestResult>> results = core_->IngestMany(Requests(inputs));
  ASSERT_EQ(results.size(), 4u);
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  EXPECT_THAT(results[1], StatusIs(absl::StatusCode::kDataLoss, HasSubstr("poisoned")));
  EXPECT_THAT(results[2], StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_TRUE(results[3].ok()) << results[3].status();
  EXPECT_EQ(results[0]->outcome, newsgraph::v1::CREATED);
  EXPECT_EQ(results[3]->outcome, newsgraph::v1::CREATED);

  Open();
  NG_ASSERT_OK_AND_ASSIGN(Document first,
                          core_->GetDocument(results[0]->document.name(), newsgraph::v1::FULL));
  EXPECT_EQ(first.external_id(), "first");
  NG_ASSERT_OK_AND_ASSIGN(Document last,
                          core_->GetDocument(results[3]->document.name(), newsgraph::v1::FULL));
  EXPECT_EQ(last.external_id(), "last");
  EXPECT_EQ(StoredDocuments(), 2);
  EXPECT_EQ(core_->OutboxSize(), 2u);
}

// A failed write stores nothing: every member gets the error (a member that
// had failed on its own keeps its own), and the ids it would have used are
// given out again.
TEST_F(GroupCommitTest, AFailedWriteFailsEveryMemberAndStoresNothing) {
  faulty_->FailWrite(1);
  const std::vector<DocumentInput> inputs = {Text("The first report.", "first"),
                                             Text("A report with a bad key.", "poison-7"),
                                             Text("The last report.", "last")};
  std::vector<absl::StatusOr<IngestResult>> results = core_->IngestMany(Requests(inputs));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_THAT(results[0], StatusIs(absl::StatusCode::kUnavailable, HasSubstr("injected write")));
  EXPECT_THAT(results[1], StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(results[2], StatusIs(absl::StatusCode::kUnavailable, HasSubstr("injected write")));
  EXPECT_EQ(core_->OutboxSize(), 0u);
  EXPECT_EQ(StoredDocuments(), 0);

  NG_ASSERT_OK_AND_ASSIGN(IngestResult retried, core_->Ingest(inputs[0], false));
  EXPECT_EQ(retried.outcome, newsgraph::v1::CREATED);
  EXPECT_EQ(retried.document.name(), "documents/1");
  EXPECT_EQ(core_->OutboxSize(), 1u);
}

TEST_F(GroupCommitTest, JobCountsAccumulateOverTheGroup) {
  NG_ASSERT_OK_AND_ASSIGN(std::string job, core_->CreateJob());
  const std::vector<DocumentInput> inputs = {
      Text("Job report one.", "j1"), Text("Job report one.", "j1"), Text("Job report two.", "j2")};
  for (const auto& r : core_->IngestMany(Requests(inputs), job)) ASSERT_TRUE(r.ok()) << r.status();
  NG_ASSERT_OK_AND_ASSIGN(newsgraph::v1::IngestJob record, core_->GetJob(job));
  EXPECT_EQ(record.accepted_count(), 3);
  EXPECT_EQ(record.duplicate_count(), 1);
}

TEST_F(GroupCommitTest, UnknownJobFailsTheMembersThatCountTowardsIt) {
  const std::vector<DocumentInput> inputs = {Text("Job report one.", "j1")};
  EXPECT_THAT(core_->IngestMany(Requests(inputs), "jobs/77")[0],
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(StoredDocuments(), 0);
}

// Line counts start from the store and grow with each member, so three
// documents of one group make a line recurring for the fourth.
TEST_F(GroupCommitTest, RecurringLineCountsAccumulateWithinAGroup) {
  const std::string footer = "Subscribe to our newsletter for daily harbour news and more";
  auto story = [&](int i) {
    DocumentInput input = Text(absl::StrCat("Story number ", i, " tells about the harbour.\n\n",
                                            footer, "\n\nThe story goes on for a while."));
    input.set_source("Harbour Gazette");
    return input;
  };
  const std::vector<DocumentInput> group = {story(0), story(1), story(2)};
  for (const auto& r : core_->IngestMany(Requests(group))) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_THAT(r->document.text(), HasSubstr("Subscribe"));
  }
  NG_ASSERT_OK_AND_ASSIGN(IngestResult fourth, core_->Ingest(story(3), false));
  EXPECT_THAT(fourth.document.text(), ::testing::Not(HasSubstr("Subscribe")));
  EXPECT_THAT(fourth.document.removed_boilerplate(), ::testing::Contains(footer));
}

// Whether a line is boilerplate depends on the documents committed before,
// not on how documents fell into groups: six stories in one group come out
// as six stories ingested one by one (the fourth on without the footer).
TEST_F(GroupCommitTest, BoilerplateDoesNotDependOnHowDocumentsAreGrouped) {
  const std::string footer = "Read more harbour news every morning in our daily briefing";
  auto story = [&](int i) {
    DocumentInput input = Text(absl::StrCat("Cargo report ", i, " on the northern quays.\n\n",
                                            footer, "\n\nTraffic was steady all week."));
    input.set_source("Quay Weekly");
    return input;
  };
  std::vector<DocumentInput> stories;
  for (int i = 0; i < 6; ++i) stories.push_back(story(i));
  const std::vector<absl::StatusOr<IngestResult>> grouped = core_->IngestMany(Requests(stories));
  ASSERT_EQ(grouped.size(), stories.size());
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(grouped[i].ok()) << grouped[i].status();
    SCOPED_TRACE(i);
    if (i < 3) {
      EXPECT_THAT(grouped[i]->document.text(), HasSubstr("briefing"));
    } else {
      EXPECT_THAT(grouped[i]->document.text(), ::testing::Not(HasSubstr("briefing")));
      EXPECT_THAT(grouped[i]->document.removed_boilerplate(), ::testing::Contains(footer));
    }
  }
}

std::string LongReport(const std::string& changed_word) {
  return "The harbour authority said on Monday that container traffic through the northern "
         "terminals rose for the " +
         changed_word +
         " month in a row. Officials credited new shipping routes and a recovery in grain "
         "exports after last year's drought, which had emptied several silos along the river. "
         "Two new cranes will enter service in the spring, and the authority expects the growth "
         "to continue through the summer if fuel prices stay where they are.";
}

TEST_F(GroupCommitTest, NearDuplicateWithinTheGroupIsMarked) {
  const std::vector<DocumentInput> inputs = {Text(LongReport("third")), Text(LongReport("fourth"))};
  std::vector<absl::StatusOr<IngestResult>> results = core_->IngestMany(Requests(inputs));
  ASSERT_TRUE(results[0].ok() && results[1].ok());
  EXPECT_EQ(results[1]->outcome, newsgraph::v1::CREATED);
  EXPECT_EQ(results[1]->document.near_duplicate_of(), results[0]->document.name());
  EXPECT_TRUE(results[0]->document.near_duplicate_of().empty());
}

// Callers arriving while a write is under way wait and are written together.
TEST_F(GroupCommitTest, CallersArrivingDuringAWriteShareTheNextOne) {
  faulty_->Hold();
  absl::StatusOr<IngestResult> leader = absl::UnknownError("not run");
  std::thread first([&] { leader = core_->Ingest(Text("The leader's report.", "leader"), false); });
  faulty_->WaitUntilAWriteIsHeld();
  constexpr int kFollowers = 4;
  std::vector<absl::StatusOr<IngestResult>> followers(kFollowers, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kFollowers; ++i) {
    threads.emplace_back([&, i] {
      followers[i] = core_->Ingest(
          Text(absl::StrCat("Follower report ", i, "."), absl::StrCat("follower-", i)), false);
    });
  }
  // Time for the followers to normalize and queue behind the held write.
  absl::SleepFor(absl::Milliseconds(200));
  faulty_->Release();
  first.join();
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(leader.ok()) << leader.status();
  for (const auto& f : followers) ASSERT_TRUE(f.ok()) << f.status();
  const std::vector<RecordingStore::WriteRecord> writes = faulty_->DocumentWrites();
  ASSERT_EQ(writes.size(), 2u);
  EXPECT_THAT(writes[0].external_ids, ::testing::ElementsAre("leader"));
  EXPECT_THAT(writes[1].external_ids, ::testing::UnorderedElementsAre("follower-0", "follower-1",
                                                                      "follower-2", "follower-3"));
}

// Concurrent writers with one failing write: exactly the members of that
// write's group get its error; every other document is acknowledged, was
// written synced, has a distinct id (the failed group's ids are reused) and
// survives a reopen.
TEST_F(GroupCommitTest, ConcurrentWritersWithAFailedWrite) {
  constexpr int kThreads = 4;
  constexpr int kCalls = 4;
  constexpr int kPerCall = 3;
  faulty_->FailWrite(3);
  std::mutex mu;
  std::map<std::string, absl::StatusOr<IngestResult>> results;  // by external id
  std::map<std::string, std::string> texts;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int c = 0; c < kCalls; ++c) {
        std::vector<DocumentInput> inputs;
        for (int d = 0; d < kPerCall; ++d) {
          const std::string id = absl::StrCat("t", t, "-c", c, "-d", d);
          inputs.push_back(Text(absl::StrCat("Report ", id, " on the grain harbour."), id));
        }
        std::vector<absl::StatusOr<IngestResult>> out = core_->IngestMany(Requests(inputs));
        std::lock_guard<std::mutex> lock(mu);
        for (int d = 0; d < kPerCall; ++d) {
          results.emplace(inputs[d].external_id(), std::move(out[d]));
          texts[inputs[d].external_id()] = inputs[d].content();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(results.size(), static_cast<size_t>(kThreads * kCalls * kPerCall));

  std::set<std::string> failed;
  std::set<std::string> names;
  for (const auto& [id, r] : results) {
    if (!r.ok()) {
      EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("injected write")));
      failed.insert(id);
      continue;
    }
    EXPECT_EQ(r->outcome, newsgraph::v1::CREATED) << id;
    names.insert(r->document.name());
  }
  int failed_writes = 0;
  for (const RecordingStore::WriteRecord& w : faulty_->DocumentWrites()) {
    EXPECT_EQ(w.durability, storage::Durability::kSynced);
    if (w.ok) continue;
    ++failed_writes;
    EXPECT_EQ(std::set<std::string>(w.external_ids.begin(), w.external_ids.end()), failed);
  }
  EXPECT_EQ(failed_writes, 1);
  EXPECT_GE(failed.size(), static_cast<size_t>(kPerCall));  // one call's documents at least
  EXPECT_EQ(failed.size() % kPerCall, 0u);                  // a call's documents go together
  const size_t acknowledged = results.size() - failed.size();
  std::set<std::string> expected_names;
  for (size_t k = 1; k <= acknowledged; ++k) expected_names.insert(absl::StrCat("documents/", k));
  EXPECT_EQ(names, expected_names);

  Open();
  EXPECT_EQ(StoredDocuments(), static_cast<int>(acknowledged));
  EXPECT_EQ(core_->OutboxSize(), acknowledged);
  for (const auto& [id, r] : results) {
    if (!r.ok()) continue;
    NG_ASSERT_OK_AND_ASSIGN(Document stored,
                            core_->GetDocument(r->document.name(), newsgraph::v1::FULL));
    EXPECT_EQ(stored.external_id(), id);
    EXPECT_EQ(stored.text(), texts[id]);
  }
}

// The same text sent concurrently without an external id is stored once;
// every other caller learns it is a duplicate of that one.
TEST_F(GroupCommitTest, ConcurrentCopiesOfOneTextAreStoredOnce) {
  constexpr int kThreads = 8;
  std::vector<absl::StatusOr<IngestResult>> results(kThreads, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(
        [&, t] { results[t] = core_->Ingest(Text("One wire copy, sent by everyone."), false); });
  }
  for (std::thread& t : threads) t.join();
  std::string original;
  int created = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    if (r->outcome == newsgraph::v1::CREATED) {
      ++created;
      original = r->document.name();
    }
  }
  ASSERT_EQ(created, 1);
  for (const auto& r : results) {
    if (r->outcome == newsgraph::v1::CREATED) continue;
    EXPECT_EQ(r->outcome, newsgraph::v1::DUPLICATE);
    EXPECT_EQ(r->document.duplicate_of(), original);
  }
  EXPECT_EQ(StoredDocuments(), 1);
  EXPECT_EQ(core_->OutboxSize(), 1u);
}

}  // namespace
}  // namespace newsgraph::ingest
