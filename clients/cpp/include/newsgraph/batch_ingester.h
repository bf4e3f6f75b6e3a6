// BatchIngester: streams documents to the ingest service for batch jobs.
//
//   newsgraph::BatchIngester ingester(client.get(), options);
//   for (auto& doc : docs) ingester.Add(std::move(doc));
//   absl::StatusOr<newsgraph::BatchSummary> summary = ingester.Finish();
//
// Documents go over one BatchIngestDocuments stream with at most
// `max_in_flight` unacknowledged at a time (Add blocks when the window is
// full). When the stream breaks (daemon restart, network), the ingester
// reconnects with backoff, attaches to the same job, and resends every
// unacknowledged document: documents with an external_id (and exact
// duplicates without one) are stored exactly once. Each document's outcome
// is reported through `on_result`, in order.
//
// Thread-safety: one thread calls Add and Finish; `on_result` runs on an
// internal thread.
#ifndef NEWSGRAPH_BATCH_INGESTER_H_
#define NEWSGRAPH_BATCH_INGESTER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "newsgraph/client.h"

namespace newsgraph {

struct BatchItemResult {
  // Position of the document in the order it was added (0-based).
  int64_t index = 0;
  // The server's acknowledgement (document name, version, outcome,
  // duplicate information, or a per-item error).
  newsgraph::v1::BatchIngestDocumentsResponse ack;
};

struct BatchSummary {
  std::string job;
  int64_t accepted = 0;
  int64_t rejected = 0;
  // UNCHANGED or DUPLICATE: nothing new stored.
  int64_t unchanged = 0;
  int64_t exact_duplicates = 0;
  int64_t near_duplicates = 0;
  // Times the stream was re-opened after breaking.
  int64_t reconnects = 0;
  // With wait_until_indexed: the job's documents by final state.
  int64_t indexed = 0;
  int64_t failed = 0;
  absl::Duration elapsed;
};

struct BatchIngesterOptions {
  // Documents sent but not yet acknowledged. Default 512.
  size_t max_in_flight = 512;
  // Give up when the stream keeps breaking and nothing has been acknowledged
  // for this long. Default 60 s.
  absl::Duration reconnect_timeout = absl::Seconds(60);
  // Finish waits until every document of the job is INDEXED or FAILED
  // (riding out daemon restarts: UNAVAILABLE is retried until index_timeout).
  bool wait_until_indexed = false;
  // Longest wait for indexing. Default 30 min.
  absl::Duration index_timeout = absl::Minutes(30);
  // Called for every acknowledgement, in order. Optional.
  std::function<void(const BatchItemResult&)> on_result;
  // Called while Finish waits for indexing, about twice a second. Optional.
  std::function<void(const newsgraph::v1::IngestJob&)> on_progress;
};

class BatchIngester {
 public:
  // `client` is borrowed and must outlive the ingester.
  BatchIngester(Client* client, BatchIngesterOptions options);
  ~BatchIngester();

  // Queues `document`; blocks while `max_in_flight` are unacknowledged.
  // Errors: the stream could not be (re)opened within reconnect_timeout.
  absl::Status Add(newsgraph::v1::DocumentInput document);

  // Sends the rest and waits for every acknowledgement (and indexing when
  // asked). Call once.
  absl::StatusOr<BatchSummary> Finish();

 private:
  struct Stream;
  absl::Status EnsureStream();
  absl::Status Reconnect();
  void ReadAcks(Stream* stream);
  bool Broken();

  Client* const client_;
  const BatchIngesterOptions options_;
  const absl::Time start_;

  absl::Mutex mu_;
  std::map<int64_t, newsgraph::v1::DocumentInput> unacked_ ABSL_GUARDED_BY(mu_);
  int64_t next_index_ ABSL_GUARDED_BY(mu_) = 0;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  // When an acknowledgement last arrived, and the wait before the next
  // reconnect (reset by every acknowledgement).
  absl::Time last_progress_ ABSL_GUARDED_BY(mu_);
  absl::Duration backoff_ ABSL_GUARDED_BY(mu_) = absl::Milliseconds(100);
  BatchSummary summary_ ABSL_GUARDED_BY(mu_);

  std::unique_ptr<Stream> stream_;  // Only the caller's thread touches it.
  std::thread reader_;
};

}  // namespace newsgraph

#endif  // NEWSGRAPH_BATCH_INGESTER_H_
