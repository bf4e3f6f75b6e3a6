#include "storage/page_token_key.h"

#include "absl/status/status.h"
#include "base/page_token.h"
#include "base/status_macros.h"

namespace newsgraph::storage {

namespace {
constexpr char kPageTokenKey[] = "page_token_key";
constexpr size_t kKeyBytes = 32;
}  // namespace

absl::StatusOr<std::string> LoadOrCreatePageTokenKey(KvStore* store, ColumnFamily meta) {
  NG_ASSIGN_OR_RETURN(std::optional<std::string> stored, store->Get(meta, kPageTokenKey));
  if (stored.has_value()) {
    if (stored->size() != kKeyBytes) {
      return absl::DataLossError("the stored page token key has the wrong size");
    }
    return *stored;
  }
  std::string key = NewPageTokenKey();
  WriteBatch batch;
  batch.Put(meta, kPageTokenKey, key);
  NG_RETURN_IF_ERROR(store->Write(batch, Durability::kSynced));
  return key;
}

}  // namespace newsgraph::storage
