// Search service flags (daemon_flags.h).
#include <algorithm>

#include "absl/flags/flag.h"
#include "services/common/daemon_flags.h"

ABSL_FLAG(std::string, ranking, "",
          "search ranking options, name=value,... (see ParseRankingOptions in "
          "services/search/searcher.h); empty: the defaults");
ABSL_FLAG(int, idle_merge_seconds, 5,
          "after this many seconds without index updates, flush and merge the search index "
          "segments into one (indexes of at most 262,144 documents); 0 = never");

ABSL_FLAG(int, entity_cache_seconds, 10,
          "reuse the entity service's resolution of a repeated query text for at most this "
          "many seconds while the index is unchanged; 0 = resolve every query");

namespace newsgraph {

std::string RankingSpecFromFlags() { return absl::GetFlag(FLAGS_ranking); }

absl::Duration IdleMergeFromFlags() {
  return absl::Seconds(std::max(0, absl::GetFlag(FLAGS_idle_merge_seconds)));
}

absl::Duration EntityCacheTtlFromFlags() {
  return absl::Seconds(std::max(0, absl::GetFlag(FLAGS_entity_cache_seconds)));
}

}  // namespace newsgraph
