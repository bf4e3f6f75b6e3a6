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
//   document_states doc_id(u64)              -> the document's PipelineState (1 byte), written
//                                               with every write of `documents`, so that job
//                                               progress is counted without reading documents
#ifndef NEWSGRAPH_SERVICES_INGEST_INGEST_KEYSPACE_H_
#define NEWSGRAPH_SERVICES_INGEST_INGEST_KEYSPACE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "storage/key_codec.h"
#include "storage/kv_store.h"

namespace newsgraph::ingest {

inline const std::vector<std::string>& IngestColumnFamilies() {
  static const std::vector<std::string>* names = new std::vector<std::string>{
      "documents", "external_ids",  "fingerprints", "outbox",    "jobs",           "job_documents",
      "meta",      "minhash_bands", "source_lines", "minhashes", "document_states"};
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
inline constexpr storage::ColumnFamily kDocumentStates{10};
}  // namespace cf

// Key layouts of the keyspaces above.
namespace keys {
inline std::string IdKey(uint64_t id) { return storage::KeyBuilder().AddUint64(id).key(); }
inline std::string StringKey(absl::string_view s) {
  return storage::KeyBuilder().AddString(s).key();
}
inline std::string SourceLineKey(const std::string& source, uint64_t line_hash) {
  return storage::KeyBuilder().AddString(source).AddUint64(line_hash).key();
}
inline std::string BandEntryKey(int band, uint64_t band_key, uint64_t doc) {
  return storage::KeyBuilder()
      .AddUint64(static_cast<uint64_t>(band))
      .AddUint64(band_key)
      .AddUint64(doc)
      .key();
}
inline std::string JobDocumentKey(uint64_t job, uint64_t doc) {
  return storage::KeyBuilder().AddUint64(job).AddUint64(doc).key();
}
}  // namespace keys

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_INGEST_KEYSPACE_H_
