#include "services/common/store_metrics.h"

#include <sys/statvfs.h>

namespace newsgraph {
namespace {

using Type = MetricFamilyValues::Type;

}  // namespace

std::vector<MetricFamilyValues> StoreMetrics(const std::string& store_name,
                                             storage::KvStore& store) {
  const storage::StoreStats stats = store.Stats();
  std::vector<MetricFamilyValues> out;
  auto add = [&](const char* name, const char* help, Type type, double value) {
    out.push_back({name, help, type, {{{{"store", store_name}}, value, 0}}});
  };
  auto bytes = [](uint64_t n) { return static_cast<double>(n); };
  add("newsgraph_store_live_data_bytes", "Estimated size of the store's live data.", Type::kGauge,
      bytes(stats.live_data_bytes));
  add("newsgraph_store_table_files_bytes", "Size of the store's table files.", Type::kGauge,
      bytes(stats.table_files_bytes));
  add("newsgraph_store_memtable_bytes", "Memory of the store's write buffers.", Type::kGauge,
      bytes(stats.memtable_bytes));
  add("newsgraph_store_pending_compaction_bytes",
      "Bytes compaction estimates it still has to rewrite.", Type::kGauge,
      bytes(stats.pending_compaction_bytes));
  add("newsgraph_store_running_compactions", "Compactions running now.", Type::kGauge,
      bytes(stats.running_compactions));
  add("newsgraph_store_writes_stopped", "1 while the store stops writes (write stall), else 0.",
      Type::kGauge, stats.writes_stopped ? 1 : 0);
  add("newsgraph_store_block_cache_usage_bytes", "Memory held by the block cache.", Type::kGauge,
      bytes(stats.block_cache_usage_bytes));
  add("newsgraph_store_block_cache_capacity_bytes", "Capacity of the block cache.", Type::kGauge,
      bytes(stats.block_cache_capacity_bytes));
  add("newsgraph_store_block_cache_hits_total", "Block reads served by the block cache.",
      Type::kCounter, bytes(stats.block_cache_hits));
  add("newsgraph_store_block_cache_misses_total", "Block reads that missed the block cache.",
      Type::kCounter, bytes(stats.block_cache_misses));
  add("newsgraph_store_write_stall_seconds_total", "Time writes were delayed or stopped.",
      Type::kCounter, stats.write_stall_seconds);
  add("newsgraph_store_compaction_read_bytes_total", "Bytes read by compactions.", Type::kCounter,
      bytes(stats.compaction_read_bytes));
  add("newsgraph_store_compaction_written_bytes_total", "Bytes written by compactions.",
      Type::kCounter, bytes(stats.compaction_written_bytes));
  add("newsgraph_store_flush_written_bytes_total", "Bytes written by memtable flushes.",
      Type::kCounter, bytes(stats.flush_written_bytes));
  add("newsgraph_store_wal_syncs_total", "fsyncs of the write-ahead log.", Type::kCounter,
      bytes(stats.wal_syncs));
  struct statvfs fs {};
  if (statvfs(store.path().c_str(), &fs) == 0) {
    const double block = static_cast<double>(fs.f_frsize);
    add("newsgraph_store_filesystem_avail_bytes",
        "Space left to unprivileged writers on the store's file system.", Type::kGauge,
        block * static_cast<double>(fs.f_bavail));
    add("newsgraph_store_filesystem_size_bytes", "Size of the store's file system.", Type::kGauge,
        block * static_cast<double>(fs.f_blocks));
  }
  return out;
}

}  // namespace newsgraph
