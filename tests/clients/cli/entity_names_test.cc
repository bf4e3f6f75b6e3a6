#include "clients/cli/entity_names.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace newsgraph::cli {
namespace {

using ::testing::HasSubstr;

// A resolution of `text` as one span with candidates (name, canonical, score).
newsgraph::v1::ResolveEntitiesResponse Resolution(
    const std::string& text, const std::vector<std::pair<std::string, double>>& candidates) {
  newsgraph::v1::ResolveEntitiesResponse response;
  auto* span = response.add_spans();
  span->set_text(text);
  int id = 0;
  for (const auto& [canonical, score] : candidates) {
    auto* c = span->add_candidates();
    c->set_score(score);
    c->mutable_entity()->set_name("entities/" + std::to_string(++id));
    c->mutable_entity()->set_canonical_name(canonical);
    c->mutable_entity()->set_type(newsgraph::v1::PERSON);
    c->mutable_entity()->set_mention_count(static_cast<int64_t>(score * 100));
  }
  return response;
}

TEST(EntityNamesTest, ResourceNamesAndIdsNeedNoResolution) {
  EXPECT_EQ(EntityResourceName("entities/42"), "entities/42");
  EXPECT_EQ(EntityResourceName("42"), "entities/42");
  EXPECT_EQ(EntityResourceName("Zhang Ming"), "");
  EXPECT_EQ(EntityResourceName("42nd Street"), "");
  EXPECT_EQ(EntityResourceName(""), "");
}

TEST(EntityNamesTest, TheOnlyCandidateIsChosen) {
  std::string note = "stale";
  absl::StatusOr<std::string> chosen =
      ChooseEntity("Zhang Ming", Resolution("Zhang Ming", {{"Zhang Ming", 1.0}}), &note);
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_EQ(*chosen, "entities/1");
  EXPECT_EQ(note, "");
}

TEST(EntityNamesTest, ADominantCandidateIsChosenWithANote) {
  std::string note;
  absl::StatusOr<std::string> chosen = ChooseEntity(
      " Zhang Ming ", Resolution("Zhang Ming", {{"Zhang Ming", 0.95}, {"Zhang", 0.05}}), &note);
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_EQ(*chosen, "entities/1");
  EXPECT_THAT(note, HasSubstr("95%"));
  // Changes that cannot be undone take only an unambiguous name.
  EXPECT_EQ(
      ChooseEntity("Zhang Ming", Resolution("Zhang Ming", {{"Zhang Ming", 0.95}, {"Zhang", 0.05}}),
                   nullptr, /*strict=*/true)
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  // Scores are shares of every entity known by the name: three listed
  // candidates holding 77% of the mentions are not a dominant one.
  EXPECT_EQ(ChooseEntity("Reagan", Resolution("Reagan", {{"Ronald Reagan", 0.77}, {"Nancy", 0.02}}),
                         nullptr)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(EntityNamesTest, AFinalFullStopIsNotPartOfTheName) {
  absl::StatusOr<std::string> chosen =
      ChooseEntity("Apple Inc.", Resolution("Apple Inc", {{"Apple Inc", 1.0}}), nullptr);
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_EQ(*chosen, "entities/1");
}

TEST(EntityNamesTest, AnAmbiguousNameListsItsCandidates) {
  absl::StatusOr<std::string> chosen = ChooseEntity(
      "Reagan", Resolution("Reagan", {{"Ronald Reagan", 0.6}, {"Nancy Reagan", 0.4}}), nullptr);
  ASSERT_EQ(chosen.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(chosen.status().message(), HasSubstr("may name 2 entities"));
  EXPECT_THAT(chosen.status().message(), HasSubstr("entities/1 Ronald Reagan (PERSON"));
  EXPECT_THAT(chosen.status().message(), HasSubstr("entities/2 Nancy Reagan"));
}

TEST(EntityNamesTest, ANameNoSpanCoversIsNotFound) {
  // The service found "SCO" inside the text, not the whole text.
  EXPECT_EQ(ChooseEntity("SCO summit", Resolution("SCO", {{"SCO", 1.0}}), nullptr).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      ChooseEntity("Nobody", newsgraph::v1::ResolveEntitiesResponse(), nullptr).status().code(),
      absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace newsgraph::cli
