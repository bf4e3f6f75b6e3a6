// The search query language: any string parses or fails with a position.
#include <cstddef>
#include <cstdint>

#include "services/search/query_parser.h"

namespace {

// Node byte ranges must lie inside the query.
void Check(const newsgraph::search::QueryNode& node, size_t size, int depth) {
  if (node.begin > node.end || node.end > size || depth > 64) __builtin_trap();
  for (const auto& child : node.children) Check(child, size, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view query(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<newsgraph::search::QueryNode> parsed = newsgraph::search::ParseQuery(query);
  if (parsed.ok()) {
    Check(*parsed, size, 0);
  } else if (parsed.status().code() != absl::StatusCode::kInvalidArgument) {
    __builtin_trap();
  }
  return 0;
}
