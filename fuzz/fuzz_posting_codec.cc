// Posting and norms values of the search index: arbitrary bytes decode or
// are rejected without misbehaving; decoded postings re-encode to values
// that decode the same.
#include <cstddef>
#include <cstdint>

#include "services/search/posting_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  newsgraph::search::Posting posting;
  if (newsgraph::search::DecodePosting(bytes, /*with_positions=*/true, &posting)) {
    bool ascending = true;
    for (size_t i = 1; i < posting.positions.size(); ++i) {
      ascending &= posting.positions[i - 1] <= posting.positions[i];
    }
    if (ascending) {
      newsgraph::search::Posting again;
      const std::string encoded = newsgraph::search::EncodePosting(posting);
      if (!newsgraph::search::DecodePosting(encoded, true, &again)) __builtin_trap();
      if (again.title_tf != posting.title_tf || again.body_tf != posting.body_tf ||
          again.positions != posting.positions) {
        __builtin_trap();
      }
    }
  }
  newsgraph::search::Posting brief;
  (void)newsgraph::search::DecodePosting(bytes, /*with_positions=*/false, &brief);
  newsgraph::search::DocNorms norms;
  if (newsgraph::search::DecodeNorms(bytes, 7, &norms)) {
    newsgraph::search::DocNorms again;
    if (!newsgraph::search::DecodeNorms(newsgraph::search::EncodeNorms(norms), 7, &again) ||
        again.title_length != norms.title_length || again.body_length != norms.body_length ||
        again.cluster != norms.cluster) {
      __builtin_trap();
    }
  }
  return 0;
}
