// News-like stories generated from a fixed seed, for the tests that want a
// corpus when ../shared/corpora is absent (a fresh clone). Each story has an
// external id, a source, a headline whose first five words are unique
// ("Wheat cargo 1234 leaves Gdansk"), and three paragraphs naming people,
// organisations and places, so ingest, entity recognition and search all
// have real work. Written for this project; no corpus text.
#ifndef NEWSGRAPH_TESTS_TESTING_SYNTHETIC_STORIES_H_
#define NEWSGRAPH_TESTS_TESTING_SYNTHETIC_STORIES_H_

#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "newsgraph/v1/ingest_service.pb.h"

namespace newsgraph::testing {

// `count` stories, the same for the same `seed`; external ids are
// "<prefix><index>".
inline std::vector<newsgraph::v1::DocumentInput> SyntheticStories(
    size_t count, unsigned seed = 20261206, const std::string& prefix = "synthetic-") {
  static const char* const kGoods[] = {"Wheat", "Copper", "Coffee", "Cotton", "Timber",
                                       "Sugar", "Nickel", "Barley", "Cocoa", "Rubber"};
  static const char* const kPorts[] = {"Gdansk", "Rotterdam", "Santos", "Mombasa", "Durban",
                                       "Valparaiso", "Chittagong", "Odesa", "Tema", "Haifa"};
  static const char* const kPeople[] = {"Maria Lindqvist", "Tomasz Wojcik", "Ana Ribeiro",
                                        "Kwame Mensah", "Li Wen", "Pieter de Vries",
                                        "Fatima Haddad", "Jorge Salinas", "Nadia Petrova",
                                        "Samuel Okoro"};
  static const char* const kOrgs[] = {"Baltic Grain Council", "Northern Freight Union",
                                      "Harbour Authority", "Commodity Exchange Board",
                                      "Atlantic Shipping Group", "Federal Trade Ministry"};
  static const char* const kVerbs[] = {"rose", "fell", "held steady", "recovered", "slipped"};
  std::mt19937 random(seed);
  auto pick = [&random](const auto& list) {
    return list[random() % (sizeof(list) / sizeof(list[0]))];
  };
  std::vector<newsgraph::v1::DocumentInput> stories;
  stories.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const std::string good = pick(kGoods);
    const std::string port = pick(kPorts);
    const std::string person = pick(kPeople);
    const std::string org = pick(kOrgs);
    const std::string cargo = absl::StrCat(1000 + i);
    const unsigned tonnes = 500 + random() % 90000;
    newsgraph::v1::DocumentInput story;
    story.set_external_id(absl::StrCat(prefix, i));
    story.set_source("Synthetic Wire");
    story.set_title(absl::StrCat(good, " cargo ", cargo, " leaves ", port));
    story.set_content(absl::StrCat(
        good, " cargo ", cargo, " of ", tonnes, " tonnes left ", port, " on ",
        pick(kPeople) == person ? "Monday" : "Thursday", ", the ", org,
        " said in a statement.\n\n", person, ", who speaks for the ", org, ", said prices ",
        pick(kVerbs), " by ", random() % 9 + 1, ".", random() % 10,
        " percent over the week and that loading at ", pick(kPorts), " ", pick(kVerbs),
        " as well.\n\n", "Traders in ", pick(kPorts), " expect a further ", random() % 40 + 10,
        " vessels before the end of the quarter, according to ", pick(kPeople), " of the ",
        pick(kOrgs), "."));
    stories.push_back(std::move(story));
  }
  return stories;
}

}  // namespace newsgraph::testing

#endif  // NEWSGRAPH_TESTS_TESTING_SYNTHETIC_STORIES_H_
