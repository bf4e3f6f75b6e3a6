// The ingest service's RocksDB keyspaces (column families) and key layouts.
//
//   documents      doc_id(u64)               -> newsgraph.v1.Document (current version)
//   external_ids   external_id(str)          -> doc_id(u64 BE)
//   fingerprints   content_fingerprint(str)  -> doc_id(u64 BE) of the first holder
//   outbox         outbox_seq(u64)           -> OutboxEntry (see ingest_core.cc)
//   jobs           job_id(u64)               -> newsgraph.v1.IngestJob
//   job_documents  job_id(u64) doc_id(u64)   -> ""
//   meta           name(str)                 -> u64 BE counters
//   minhash_bands  band(u64) band_key(u64) doc_id(u64) -> ""
//   minhashes      doc_id(u64)               -> MinHash signature (64 x u32)
//   source_lines   source(str) line_hash(u64) -> documents containing the line (u64 BE)
#ifndef NEWSGRAPH_SERVICES_INGEST_INGEST_KEYSPACE_H_
#define NEWSGRAPH_SERVICES_INGEST_INGEST_KEYSPACE_H_

#include <string>
#include <vector>

#include "storage/kv_store.h"

namespace newsgraph::ingest {

inline const std::vector<std::string>& IngestColumnFamilies() {
  static const std::vector<std::string>* names = new std::vector<std::string>{
      "documents",     "external_ids", "fingerprints",  "outbox",       "jobs",
      "job_documents", "meta",         "minhash_bands", "source_lines", "minhashes"};
  return *names;
}

// Handles in the order of IngestColumnFamilies().
namespace cf {
inline constexpr storage::ColumnFamily kDocuments{0};
inline constexpr storage::ColumnFamily kExternalIds{1};
inline constexpr storage::ColumnFamily kFingerprints{2};
inline constexpr storage::ColumnFamily kOutbox{3};
inline constexpr storage::ColumnFamily kJobs{4};
inline constexpr storage::ColumnFamily kJobDocuments{5};
inline constexpr storage::ColumnFamily kMeta{6};
inline constexpr storage::ColumnFamily kMinHashBands{7};
inline constexpr storage::ColumnFamily kSourceLines{8};
inline constexpr storage::ColumnFamily kMinHashes{9};
}  // namespace cf

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_INGEST_KEYSPACE_H_
