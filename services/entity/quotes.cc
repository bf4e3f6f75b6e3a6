#include "services/entity/quotes.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "services/text/tokenizer.h"
#include "services/text/utf8.h"

namespace newsgraph::entity {
namespace {

const absl::flat_hash_set<std::string>& SpeechVerbs() {
  static const auto* verbs = new absl::flat_hash_set<std::string>{
      "said",       "says",     "told",      "noted",    "notes",      "stressed",   "stresses",
      "added",      "warned",   "explained", "stated",   "emphasized", "emphasised", "argued",
      "claimed",    "insisted", "believes",  "believed", "announced",  "declared",   "remarked",
      "underlined", "pointed",  "replied",   "asserted", "urged"};
  return *verbs;
}

void Fill(absl::string_view text, size_t begin, size_t end, const text::CodePointOffsets& offsets,
          const google::protobuf::RepeatedPtrField<newsgraph::v1::Mention>& mentions,
          newsgraph::v1::Quote* quote) {
  quote->set_text(std::string(text.substr(begin, end - begin)));
  quote->mutable_span()->set_byte_begin(static_cast<uint32_t>(begin));
  quote->mutable_span()->set_byte_end(static_cast<uint32_t>(end));
  quote->mutable_span()->set_begin(offsets.FromByte(begin));
  quote->mutable_span()->set_end(offsets.FromByte(end));
  absl::flat_hash_set<std::string> seen;
  for (const auto& m : mentions) {
    if (m.entity().empty() || m.entity() == quote->speaker()) continue;
    if (m.span().byte_begin() >= begin && m.span().byte_end() <= end &&
        seen.insert(m.entity()).second) {
      quote->add_mentioned_entities(m.entity());
    }
  }
}

}  // namespace

std::vector<newsgraph::v1::Quote> FindQuotes(
    absl::string_view text, const std::vector<std::pair<size_t, size_t>>& sentences,
    const google::protobuf::RepeatedPtrField<newsgraph::v1::Mention>& mentions,
    const google::protobuf::RepeatedPtrField<newsgraph::v1::Passage>& passages,
    const SpeakerResolver& resolve_speaker) {
  constexpr size_t kMaxQuotes = 500;
  std::vector<newsgraph::v1::Quote> quotes;
  const text::CodePointOffsets offsets(text);

  for (const newsgraph::v1::Passage& passage : passages) {
    if (passage.answered_by().empty() || passage.answer().empty()) continue;
    std::optional<std::string> speaker = resolve_speaker(passage.answered_by());
    if (!speaker.has_value()) continue;
    const size_t passage_begin = passage.span().byte_begin();
    const size_t passage_end = std::min<size_t>(passage.span().byte_end(), text.size());
    if (passage_begin >= passage_end) continue;
    // The answer is the end of the passage.
    const absl::string_view head = absl::string_view(passage.answer()).substr(0, 40);
    size_t begin = text.substr(passage_begin, passage_end - passage_begin).find(head);
    begin = begin == absl::string_view::npos ? passage_begin : passage_begin + begin;
    newsgraph::v1::Quote quote;
    quote.set_speaker(*speaker);
    quote.set_kind("interview_answer");
    Fill(text, begin, passage_end, offsets, mentions, &quote);
    quotes.push_back(std::move(quote));
    if (quotes.size() == kMaxQuotes) return quotes;
  }

  // Reported speech, sentence by sentence.
  size_t m = 0;
  for (const auto& [sentence_begin, sentence_end] : sentences) {
    while (m < static_cast<size_t>(mentions.size()) &&
           mentions[static_cast<int>(m)].span().byte_begin() < sentence_begin) {
      ++m;
    }
    const absl::string_view sentence = text.substr(sentence_begin, sentence_end - sentence_begin);
    const std::vector<text::Token> tokens = text::Tokenize(sentence);
    for (size_t k = m; k < static_cast<size_t>(mentions.size()); ++k) {
      const newsgraph::v1::Mention& mention = mentions[static_cast<int>(k)];
      if (mention.span().byte_begin() >= sentence_end) break;
      if (mention.type() != newsgraph::v1::PERSON || mention.entity().empty()) continue;
      const size_t end_in_sentence = mention.span().byte_end() - sentence_begin;
      const size_t begin_in_sentence = mention.span().byte_begin() - sentence_begin;
      bool speech = false;
      int words_after = 0;
      std::string previous_two[2];
      for (const text::Token& t : tokens) {
        const std::string word = absl::AsciiStrToLower(std::string(t.in(sentence)));
        if (t.byte_end <= begin_in_sentence && t.kind == text::TokenKind::kWord) {
          previous_two[0] = previous_two[1];
          previous_two[1] = word;
        }
        if (t.byte_begin < end_in_sentence || t.kind != text::TokenKind::kWord) continue;
        if (++words_after > 3) break;
        if (SpeechVerbs().contains(word)) speech = true;
      }
      if (previous_two[0] == "according" && previous_two[1] == "to") speech = true;
      if (!speech) continue;
      newsgraph::v1::Quote quote;
      quote.set_speaker(mention.entity());
      quote.set_kind("reported_speech");
      Fill(text, sentence_begin, sentence_end, offsets, mentions, &quote);
      quotes.push_back(std::move(quote));
      if (quotes.size() == kMaxQuotes) return quotes;
      break;  // One quote per sentence.
    }
  }
  return quotes;
}

}  // namespace newsgraph::entity
