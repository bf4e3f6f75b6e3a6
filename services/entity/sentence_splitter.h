// Sentences and headline lines of a tokenized text.
#ifndef NEWSGRAPH_SERVICES_ENTITY_SENTENCE_SPLITTER_H_
#define NEWSGRAPH_SERVICES_ENTITY_SENTENCE_SPLITTER_H_

#include <cstddef>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/text/tokenizer.h"

namespace newsgraph::entity {

struct SentenceSplit {
  // Byte ranges [begin, end) of the sentences, in order.
  std::vector<std::pair<size_t, size_t>> sentences;
  // Per token: its sentence, and whether it starts a sentence or a clause
  // after a colon ("Director Karin Holm: Roughly ...").
  std::vector<size_t> sentence_of;
  std::vector<bool> starts_sentence;
};

// A sentence ends at . ? ! or … (a dot not after a known abbreviation or a
// single capital), taking trailing quotes and brackets with it, or at a
// line break.
SentenceSplit SplitSentences(absl::string_view text, const std::vector<text::Token>& tokens);

// Per token: whether it lies on a headline-style line (three or more words
// besides function words, at least 80 % of them capitalized, not ending a
// sentence), where capitals do not mark names.
std::vector<bool> MarkHeadlineLines(absl::string_view text, const std::vector<text::Token>& tokens);

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_SENTENCE_SPLITTER_H_
