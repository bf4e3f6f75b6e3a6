// One BatchIngestDocuments stream without gRPC: messages read ahead on a
// thread of their own, and rounds of them ingested with one group commit
// each, attached to one job.
#ifndef NEWSGRAPH_SERVICES_INGEST_BATCH_SESSION_H_
#define NEWSGRAPH_SERVICES_INGEST_BATCH_SESSION_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "base/mutex.h"
#include "newsgraph/v1/ingest_service.pb.h"
#include "services/ingest/ingest_core.h"

namespace newsgraph::ingest {

// Reads a stream's messages ahead, up to `capacity` waiting, so that each
// round takes every message that arrived meanwhile (one WAL sync for all).
// While the pipeline's backlog is full it stops reading, so the transport's
// flow control slows the client down.
class ReadAhead {
 public:
  struct Source {
    // Reads the next message; false at the end of the stream or on error.
    std::function<bool(newsgraph::v1::BatchIngestDocumentsRequest*)> read;
    // Waits until the next message may be read (the backlog has room);
    // false when reading should end instead (the call was cancelled).
    std::function<bool()> wait_for_room;
    // Wakes a reader blocked in `read` (cancels the call).
    std::function<void()> interrupt;
  };
  ReadAhead(Source source, size_t capacity);
  // Stop().
  ~ReadAhead();

  // The messages read since the last round; empty once the stream ended
  // and everything was taken. Blocks until there is something to return.
  std::vector<newsgraph::v1::BatchIngestDocumentsRequest> NextRound();
  // Ends the reader; one still blocked in `read` is interrupted.
  void Stop();

 private:
  void ReadLoop();

  const Source source_;
  const size_t capacity_;
  newsgraph::Mutex mu_;
  std::deque<newsgraph::v1::BatchIngestDocumentsRequest> inbox_ ABSL_GUARDED_BY(mu_);
  bool reader_done_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_reading_ ABSL_GUARDED_BY(mu_) = false;
  std::thread reader_;
};

// The job a stream attaches to and what each round of its messages becomes.
class BatchSession {
 public:
  // `core` is borrowed.
  explicit BatchSession(IngestCore* core) : core_(core) {}

  // Ingests one round (messages in stream order) with one group commit and
  // hands each acknowledgement in order to `write` (false: the stream broke),
  // up to the first message not processed. A document the service refuses
  // is acknowledged with its error and counted as rejected in the job.
  // A non-OK status ends the stream after the acknowledgements written: the
  // first message names no job that exists, a message names another job
  // (INVALID_ARGUMENT), or storage failed or the backlog is full (not the
  // document's fault: the client resends what was not acknowledged).
  absl::Status IngestRound(
      const std::vector<newsgraph::v1::BatchIngestDocumentsRequest>& round,
      const std::function<bool()>& stop,
      const std::function<bool(const newsgraph::v1::BatchIngestDocumentsResponse&)>& write);

  // False once `write` failed.
  bool stream_open() const { return stream_open_; }

 private:
  // Attaches to the first message's job, or a new one.
  absl::Status Attach(const newsgraph::v1::BatchIngestDocumentsRequest& first);
  // Acknowledgements of `round`, with each document's outcome or error; the
  // first status that is not the document's fault is returned in `end`.
  std::vector<newsgraph::v1::BatchIngestDocumentsResponse> Acknowledge(
      const std::vector<newsgraph::v1::BatchIngestDocumentsRequest>& round,
      const std::function<bool()>& stop, absl::Status* end);

  IngestCore* const core_;
  std::string job_;
  bool stream_open_ = true;
};

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_BATCH_SESSION_H_
