// The secret a store signs its page tokens with (base/page_token.h).
#ifndef NEWSGRAPH_STORAGE_PAGE_TOKEN_KEY_H_
#define NEWSGRAPH_STORAGE_PAGE_TOKEN_KEY_H_

#include <string>

#include "absl/status/statusor.h"
#include "storage/kv_store.h"

namespace newsgraph::storage {

// The key stored under "page_token_key" in `meta`; on first use a fresh
// random one is written there (synced). Tokens thus survive restarts of the
// same store and are worthless against any other. Errors: storage errors,
// DATA_LOSS for a stored key of the wrong size.
absl::StatusOr<std::string> LoadOrCreatePageTokenKey(KvStore* store, ColumnFamily meta);

}  // namespace newsgraph::storage

#endif  // NEWSGRAPH_STORAGE_PAGE_TOKEN_KEY_H_
