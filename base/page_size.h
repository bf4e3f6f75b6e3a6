// The page-size policy of every List and Search call (AIP-158), in one place.
#ifndef NEWSGRAPH_BASE_PAGE_SIZE_H_
#define NEWSGRAPH_BASE_PAGE_SIZE_H_

#include <algorithm>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace newsgraph {

// The number of results a call returns for `requested`: 0 means
// `default_size`, more than `max_size` means `max_size`. A negative value is
// INVALID_ARGUMENT naming `field`.
inline absl::StatusOr<int> ResolvePageSize(int32_t requested, int default_size, int max_size,
                                           absl::string_view field = "page_size") {
  if (requested < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must not be negative (got ", requested, ")"));
  }
  return requested == 0 ? default_size : std::min<int>(requested, max_size);
}

}  // namespace newsgraph

#endif  // NEWSGRAPH_BASE_PAGE_SIZE_H_
