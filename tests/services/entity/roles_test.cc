#include "services/entity/roles.h"

#include <gtest/gtest.h>

#include <string>

namespace newsgraph::entity {
namespace {

using newsgraph::v1::Mention;

// Builds mentions for the given (surface, type, entity) triples, located at
// their first occurrence in `text` after the previous mention.
google::protobuf::RepeatedPtrField<Mention> Mentions(
    const std::string& text,
    std::initializer_list<std::tuple<std::string, newsgraph::v1::EntityType, std::string>> list) {
  google::protobuf::RepeatedPtrField<Mention> mentions;
  size_t from = 0;
  for (const auto& [surface, type, entity] : list) {
    const size_t at = text.find(surface, from);
    EXPECT_NE(at, std::string::npos) << surface;
    Mention* m = mentions.Add();
    m->set_text(surface);
    m->set_type(type);
    m->set_entity(entity);
    m->mutable_span()->set_byte_begin(static_cast<uint32_t>(at));
    m->mutable_span()->set_byte_end(static_cast<uint32_t>(at + surface.size()));
    from = at + surface.size();
  }
  return mentions;
}

std::string ResolveAsIs(const Mention& m) { return m.entity(); }

std::vector<std::pair<size_t, size_t>> OneSentence(const std::string& text) {
  return {{0, text.size()}};
}

TEST(RolesTest, OrganisationAndTitleBeforeTheName) {
  const std::string text = "SCO Secretary-General Zhang Ming: The SCO relies on openness.";
  auto mentions = Mentions(text, {{"SCO", newsgraph::v1::ORG, "entities/1"},
                                  {"Zhang Ming", newsgraph::v1::PERSON, "entities/2"},
                                  {"SCO", newsgraph::v1::ORG, "entities/1"}});
  auto roles = FindRoles(text, OneSentence(text), mentions, ResolveAsIs);
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(roles[0].person(), "entities/2");
  EXPECT_EQ(roles[0].title(), "Secretary-General");
  EXPECT_EQ(roles[0].organization(), "entities/1");
  EXPECT_EQ(roles[0].organization_text(), "SCO");
  EXPECT_EQ(roles[0].span().byte_begin(), 0u);
  EXPECT_EQ(text.substr(roles[0].span().byte_begin(),
                        roles[0].span().byte_end() - roles[0].span().byte_begin()),
            "SCO Secretary-General Zhang Ming");
}

TEST(RolesTest, NationalityPossessiveAndMultiWordTitles) {
  const std::string text =
      "Chinese Foreign Minister Wang Yi met China's Vice Premier Liu He and the then SCO "
      "Executive Secretary Zhang Deguang.";
  auto mentions = Mentions(text, {{"Chinese", newsgraph::v1::NORP, "entities/9"},
                                  {"Wang Yi", newsgraph::v1::PERSON, "entities/2"},
                                  {"China", newsgraph::v1::GPE, "entities/3"},
                                  {"Liu He", newsgraph::v1::PERSON, "entities/4"},
                                  {"SCO", newsgraph::v1::ORG, "entities/1"},
                                  {"Zhang Deguang", newsgraph::v1::PERSON, "entities/5"}});
  // A nationality stands for its country.
  auto resolve = [](const Mention& m) {
    return m.type() == newsgraph::v1::NORP ? std::string("entities/3") : m.entity();
  };
  auto roles = FindRoles(text, OneSentence(text), mentions, resolve);
  ASSERT_EQ(roles.size(), 3u);
  EXPECT_EQ(roles[0].title(), "Foreign Minister");
  EXPECT_EQ(roles[0].organization(), "entities/3");
  EXPECT_EQ(roles[0].organization_text(), "Chinese");
  EXPECT_EQ(roles[1].person(), "entities/4");
  EXPECT_EQ(roles[1].title(), "Vice Premier");
  EXPECT_EQ(roles[1].organization(), "entities/3");
  EXPECT_EQ(roles[2].person(), "entities/5");
  EXPECT_EQ(roles[2].title(), "Executive Secretary");
  EXPECT_EQ(roles[2].organization(), "entities/1");
}

TEST(RolesTest, TitleOfCountryBeforeTheNameAndTitleAlone) {
  const std::string text =
      "European leaders, especially the President of France Emmanuel Macron, agreed. "
      "President Xi Jinping spoke.";
  auto mentions = Mentions(text, {{"European", newsgraph::v1::NORP, "entities/8"},
                                  {"France", newsgraph::v1::GPE, "entities/6"},
                                  {"Emmanuel Macron", newsgraph::v1::PERSON, "entities/7"},
                                  {"Xi Jinping", newsgraph::v1::PERSON, "entities/10"}});
  const size_t second = text.find("President Xi");
  auto roles = FindRoles(text, {{0, second}, {second, text.size()}}, mentions, ResolveAsIs);
  ASSERT_EQ(roles.size(), 2u);
  EXPECT_EQ(roles[0].person(), "entities/7");
  EXPECT_EQ(roles[0].title(), "President");
  EXPECT_EQ(roles[0].organization(), "entities/6");
  EXPECT_EQ(roles[1].person(), "entities/10");
  EXPECT_EQ(roles[1].title(), "President");
  EXPECT_TRUE(roles[1].organization().empty());
  EXPECT_EQ(roles[1].sentence_index(), 1u);
}

TEST(RolesTest, AppositionsAfterTheName) {
  const std::string text =
      "Javier Solana, the EU High Representative, met Wang Yi, Foreign Minister of China, "
      "and Karin Holm, a lawyer.";
  auto mentions = Mentions(text, {{"Javier Solana", newsgraph::v1::PERSON, "entities/1"},
                                  {"EU", newsgraph::v1::ORG, "entities/2"},
                                  {"Wang Yi", newsgraph::v1::PERSON, "entities/3"},
                                  {"China", newsgraph::v1::GPE, "entities/4"},
                                  {"Karin Holm", newsgraph::v1::PERSON, "entities/5"}});
  auto roles = FindRoles(text, OneSentence(text), mentions, ResolveAsIs);
  ASSERT_EQ(roles.size(), 2u) << "\"a lawyer\" is not a title this grammar knows";
  EXPECT_EQ(roles[0].person(), "entities/1");
  EXPECT_EQ(roles[0].title(), "High Representative");
  EXPECT_EQ(roles[0].organization(), "entities/2");
  EXPECT_EQ(roles[1].person(), "entities/3");
  EXPECT_EQ(roles[1].title(), "Foreign Minister");
  EXPECT_EQ(roles[1].organization(), "entities/4");
}

TEST(RolesTest, NoRoleFromListsOrPlainWords) {
  const std::string text =
      "Karin Holm, President Xi Jinping and the general public met. He said Lotte Vermeer won.";
  auto mentions = Mentions(text, {{"Karin Holm", newsgraph::v1::PERSON, "entities/1"},
                                  {"Xi Jinping", newsgraph::v1::PERSON, "entities/2"},
                                  {"Lotte Vermeer", newsgraph::v1::PERSON, "entities/3"}});
  auto roles = FindRoles(text, OneSentence(text), mentions, ResolveAsIs);
  ASSERT_EQ(roles.size(), 1u) << "Karin Holm is listed beside President Xi, not titled";
  EXPECT_EQ(roles[0].person(), "entities/2");
  EXPECT_EQ(roles[0].title(), "President");
}

}  // namespace
}  // namespace newsgraph::entity
