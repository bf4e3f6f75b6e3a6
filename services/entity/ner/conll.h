// CoNLL-2003 data: reading the shared-task files and converting between
// IOB1/IOB2 tags, entity spans and the BILOU tags the tagger predicts.
#ifndef NEWSGRAPH_SERVICES_ENTITY_NER_CONLL_H_
#define NEWSGRAPH_SERVICES_ENTITY_NER_CONLL_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace newsgraph::entity::ner {

// An entity span over token indices [begin, end) with its type ("PER").
struct Span {
  size_t begin = 0;
  size_t end = 0;
  std::string type;
  bool operator==(const Span& other) const {
    return begin == other.begin && end == other.end && type == other.type;
  }
  // Readable test failures.
  friend void PrintTo(const Span& span, std::ostream* os) {
    *os << span.type << "[" << span.begin << "," << span.end << ")";
  }
};

struct Sentence {
  std::vector<std::string> tokens;
  std::vector<Span> entities;
  // Index of the document (-DOCSTART- block) the sentence belongs to.
  size_t document = 0;
};

// Reads a CoNLL-2003 file (`word POS chunk NER` per line, blank lines
// between sentences, -DOCSTART- between documents; plain or gzip). Tags may
// be IOB1 or IOB2. Errors: NOT_FOUND, INVALID_ARGUMENT with the line number.
absl::StatusOr<std::vector<Sentence>> ReadConll(const std::string& path);

// Spans from per-token IOB1 or IOB2 tags ("I-PER", "B-ORG", "O").
std::vector<Span> SpansFromIob(const std::vector<std::string>& tags);

// BILOU tags ("B-PER", "I-PER", "L-PER", "U-PER", "O") for `spans` over `n` tokens.
std::vector<std::string> BilouFromSpans(const std::vector<Span>& spans, size_t n);

// Spans from BILOU tags, repairing invalid sequences the way a tagger's
// output needs (an I/L without a B starts a span; a B/I without an L ends
// one at the last token of its type).
std::vector<Span> SpansFromBilou(const std::vector<std::string>& tags);

}  // namespace newsgraph::entity::ner

#endif  // NEWSGRAPH_SERVICES_ENTITY_NER_CONLL_H_
