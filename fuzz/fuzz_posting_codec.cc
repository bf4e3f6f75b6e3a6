// Posting lists and norms values of the search index: arbitrary bytes decode
// or are rejected without misbehaving; a list that decodes re-encodes to one
// that decodes to the same postings.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "services/search/posting_codec.h"

namespace {

using newsgraph::search::kNoMoreDocs;
using newsgraph::search::Posting;
using newsgraph::search::PostingCursor;

// Decodes every posting (with positions when the list has them); false
// when the cursor reports corruption.
bool DecodeAll(absl::string_view postings, absl::string_view positions, std::vector<Posting>* out) {
  PostingCursor cursor;
  if (!cursor.Init(postings, positions)) return false;
  for (; cursor.doc() != kNoMoreDocs; cursor.Next()) {
    Posting& p = out->emplace_back();
    p.doc = cursor.doc();
    p.title_tf = cursor.title_tf();
    p.body_tf = cursor.body_tf();
    p.salience = cursor.salience();
    if (!positions.empty() && !cursor.Positions(&p.positions)) return false;
  }
  return !cursor.corrupt();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The first byte says how many of the following bytes are the positions
  // value; the rest is the postings value.
  const size_t positions_size = size == 0 ? 0 : std::min<size_t>(size - 1, data[0]);
  const absl::string_view positions =
      size == 0 ? absl::string_view() : bytes.substr(1, positions_size);
  const absl::string_view postings =
      size == 0 ? absl::string_view() : bytes.substr(1 + positions_size);
  std::vector<Posting> decoded;
  if (DecodeAll(postings, positions, &decoded)) {
    bool valid = true;
    for (size_t i = 0; i < decoded.size(); ++i) {
      valid &= i == 0 || decoded[i - 1].doc < decoded[i].doc;
      const Posting& p = decoded[i];
      valid &= p.positions.empty() || p.positions.size() == size_t{p.title_tf} + p.body_tf;
      for (size_t k = 1; k < p.positions.size(); ++k) valid &= p.positions[k - 1] <= p.positions[k];
    }
    if (valid) {
      newsgraph::search::PostingListWriter writer;
      for (const Posting& p : decoded) writer.Add(p);
      std::string again_postings, again_positions;
      writer.Finish(&again_postings, &again_positions);
      std::vector<Posting> again;
      if (!DecodeAll(again_postings, again_positions, &again)) __builtin_trap();
      if (again.size() != decoded.size()) __builtin_trap();
      for (size_t i = 0; i < again.size(); ++i) {
        if (again[i].doc != decoded[i].doc || again[i].title_tf != decoded[i].title_tf ||
            again[i].body_tf != decoded[i].body_tf || again[i].salience != decoded[i].salience ||
            (!positions.empty() && again[i].positions != decoded[i].positions)) {
          __builtin_trap();
        }
      }
    }
  }
  // Skipping ahead must not misbehave either.
  PostingCursor cursor;
  if (cursor.Init(postings, positions)) {
    uint64_t target = 1;
    while (cursor.doc() != kNoMoreDocs) {
      cursor.Advance(target);
      if (cursor.doc() != kNoMoreDocs && cursor.doc() < target) __builtin_trap();
      target = target * 3 + 1;
    }
  }
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
