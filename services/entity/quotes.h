// Quote attribution: who said what in a document. Pure: no storage.
#ifndef NEWSGRAPH_SERVICES_ENTITY_QUOTES_H_
#define NEWSGRAPH_SERVICES_ENTITY_QUOTES_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "newsgraph/v1/entity_service.pb.h"

namespace newsgraph::entity {

// Resolves a speaker's name (as written) to an entity name, or std::nullopt.
using SpeakerResolver = std::function<std::optional<std::string>(absl::string_view speaker)>;

// Finds quotes in `text`:
// - interview answers: each passage with an `answered_by` gives its answer
//   to the resolved speaker ("interview_answer");
// - reported speech: a sentence where a resolved PERSON mention is followed
//   within three words by a speech verb ("said", "noted", "stressed", ...)
//   or preceded by "according to" ("reported_speech").
// `mentions` are the document's resolved mentions in text order;
// `sentences` are byte spans. Quotes carry the entities mentioned inside
// them (the speaker excepted).
std::vector<newsgraph::v1::Quote> FindQuotes(
    absl::string_view text, const std::vector<std::pair<size_t, size_t>>& sentences,
    const google::protobuf::RepeatedPtrField<newsgraph::v1::Mention>& mentions,
    const google::protobuf::RepeatedPtrField<newsgraph::v1::Passage>& passages,
    const SpeakerResolver& resolve_speaker);

}  // namespace newsgraph::entity

#endif  // NEWSGRAPH_SERVICES_ENTITY_QUOTES_H_
