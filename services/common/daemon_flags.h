// The daemons' command-line flags, each defined once: ingestd, entityd,
// searchd and newsgraphd (which composes the three) turn them into the
// option structs the libraries take; no library reads a flag. Each group
// lives in its own file, so a daemon has exactly the flags of the groups
// whose function it calls.
#ifndef NEWSGRAPH_SERVICES_COMMON_DAEMON_FLAGS_H_
#define NEWSGRAPH_SERVICES_COMMON_DAEMON_FLAGS_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/server_runner.h"
#include "services/common/service_channel.h"
#include "services/common/service_store.h"

namespace newsgraph {

// Parses the command line into these flags (call first in main); `--help`
// lists them with `usage` above.
void ParseDaemonFlags(int argc, char** argv, const char* usage);

// The whole main() of a daemon: blocks the termination signals (RunServer
// waits for them), parses the flags, runs `run` and logs its error as
// `process_name`. Returns the exit code (0, or 1 after an error).
int DaemonMain(int argc, char** argv, const char* process_name, const char* usage,
               const std::function<absl::Status()>& run);

// --listen (empty: `default_listen`), --port_file, --tls_cert, --tls_key,
// --tls_client_ca, --auth_tokens, --insecure_listen, --default_deadline,
// --max_threads, --max_connection_age.
ServerRunnerOptions ServerOptionsFromFlags(const std::string& process_name,
                                           const std::string& default_listen);

// --data_dir, --block_cache_mb (0: `default_block_cache_mb`),
// --wal_recovery, --min_free_disk_mb. Errors:
// INVALID_ARGUMENT for a --wal_recovery other than strict / point_in_time.
absl::StatusOr<ServiceStoreOptions> StoreOptionsFromFlags(int default_block_cache_mb);

// Testing seam: StoreOptionsFromFlags sets this Env on the stores (nullptr:
// the real file system). The crash tests' daemon sets the sync-recording
// Env here before running a daemon; production daemons never call it.
void SetStoreEnvForTesting(rocksdb::Env* env);

// --peer_tls_ca, --peer_tls_cert, --peer_tls_key, --peer_token.
PeerChannelOptions PeerOptionsFromFlags();

// --entity_address: the EntityService of ingestd's pipeline and of
// searchd's query entity resolution.
std::string EntityAddressFromFlags();
// --search_address: the SearchService of ingestd's pipeline.
std::string SearchAddressFromFlags();

// --pipeline_batch_size and --downstream_timeout.
struct PipelineFlags {
  size_t batch_size = 64;
  absl::Duration downstream_timeout = absl::Seconds(30);
};
PipelineFlags PipelineFlagsFromFlags();

// --ner_model.
std::string NerModelFromFlags();
// --recognition_threads (0: one per core).
size_t RecognitionThreadsFromFlags();

// --ranking (ParseRankingOptions' syntax) and --idle_merge_seconds.
std::string RankingSpecFromFlags();
absl::Duration IdleMergeFromFlags();
// --entity_cache_seconds (0: no cache).
absl::Duration EntityCacheTtlFromFlags();

}  // namespace newsgraph

#endif  // NEWSGRAPH_SERVICES_COMMON_DAEMON_FLAGS_H_
