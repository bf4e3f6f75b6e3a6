#include "services/entity/quotes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace newsgraph::entity {
namespace {

using Sentences = std::vector<std::pair<size_t, size_t>>;

// A mention of `surface` (its first occurrence in `text`) as `entity`.
void AddMention(const std::string& text, const std::string& surface, const std::string& entity,
                newsgraph::v1::EntityType type,
                google::protobuf::RepeatedPtrField<newsgraph::v1::Mention>* mentions) {
  newsgraph::v1::Mention* m = mentions->Add();
  const size_t at = text.find(surface);
  m->set_text(surface);
  m->set_type(type);
  m->set_entity(entity);
  m->mutable_span()->set_byte_begin(static_cast<uint32_t>(at));
  m->mutable_span()->set_byte_end(static_cast<uint32_t>(at + surface.size()));
}

TEST(QuotesTest, ReportedSpeechNeedsASpeechVerbNearThePerson) {
  const std::string text =
      "Mara Lind said the port would reopen. Mara Lind visited Valdoria. "
      "According to Mara Lind, talks went well.";
  const Sentences sentences = {{0, 37}, {38, 65}, {66, 106}};
  google::protobuf::RepeatedPtrField<newsgraph::v1::Mention> mentions;
  AddMention(text, "Mara Lind", "entities/1", newsgraph::v1::PERSON, &mentions);
  AddMention(text, "Valdoria", "entities/2", newsgraph::v1::GPE, &mentions);
  // The later mentions of Mara Lind, in text order.
  for (size_t at : {text.find("Mara Lind visited"), text.find("Mara Lind, talks")}) {
    newsgraph::v1::Mention* m = mentions.Add();
    *m = mentions[0];
    m->mutable_span()->set_byte_begin(static_cast<uint32_t>(at));
    m->mutable_span()->set_byte_end(static_cast<uint32_t>(at + 9));
  }
  std::sort(mentions.begin(), mentions.end(), [](const auto& a, const auto& b) {
    return a.span().byte_begin() < b.span().byte_begin();
  });
  const std::vector<newsgraph::v1::Quote> quotes =
      FindQuotes(text, sentences, mentions, {}, [](absl::string_view) { return std::nullopt; });
  ASSERT_EQ(quotes.size(), 2u);
  EXPECT_EQ(quotes[0].kind(), "reported_speech");
  EXPECT_EQ(quotes[0].speaker(), "entities/1");
  EXPECT_EQ(quotes[0].text(), "Mara Lind said the port would reopen.");
  EXPECT_EQ(quotes[1].text(), "According to Mara Lind, talks went well.");
  EXPECT_EQ(quotes[1].span().byte_begin(), 66u);
}

TEST(QuotesTest, InterviewAnswersGoToTheResolvedSpeakerWithTheEntitiesInside) {
  const std::string text =
      "Question: What about Valdoria?\n\nMara Lind: Valdoria will join the council next year.";
  newsgraph::v1::Passage passage;
  passage.mutable_span()->set_byte_begin(0);
  passage.mutable_span()->set_byte_end(static_cast<uint32_t>(text.size()));
  passage.set_answered_by("Mara Lind");
  passage.set_answer("Valdoria will join the council next year.");
  google::protobuf::RepeatedPtrField<newsgraph::v1::Passage> passages;
  *passages.Add() = passage;
  google::protobuf::RepeatedPtrField<newsgraph::v1::Mention> mentions;
  AddMention(text, "Valdoria", "entities/2", newsgraph::v1::GPE, &mentions);
  newsgraph::v1::Mention* again = mentions.Add();
  *again = mentions[0];
  const size_t second = text.find("Valdoria will");
  again->mutable_span()->set_byte_begin(static_cast<uint32_t>(second));
  again->mutable_span()->set_byte_end(static_cast<uint32_t>(second + 8));
  auto resolve = [](absl::string_view speaker) -> std::optional<std::string> {
    if (speaker == "Mara Lind") return "entities/1";
    return std::nullopt;
  };
  const std::vector<newsgraph::v1::Quote> quotes = FindQuotes(text, {}, mentions, passages, resolve);
  ASSERT_EQ(quotes.size(), 1u);
  EXPECT_EQ(quotes[0].kind(), "interview_answer");
  EXPECT_EQ(quotes[0].speaker(), "entities/1");
  EXPECT_EQ(quotes[0].text(), "Valdoria will join the council next year.");
  ASSERT_EQ(quotes[0].mentioned_entities_size(), 1) << "each entity once";
  EXPECT_EQ(quotes[0].mentioned_entities(0), "entities/2");
  // An answerer nobody resolves gives no quote.
  passages.Mutable(0)->set_answered_by("Someone Else");
  EXPECT_TRUE(FindQuotes(text, {}, mentions, passages, resolve).empty());
}

}  // namespace
}  // namespace newsgraph::entity
