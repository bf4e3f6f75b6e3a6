#include "services/search/document_terms.h"

#include <map>
#include <string>

#include "gtest/gtest.h"

namespace newsgraph::search {
namespace {

std::map<std::string, DocumentTerms::Term> ByTerm(const DocumentTerms& terms) {
  std::map<std::string, DocumentTerms::Term> out;
  for (const DocumentTerms::Term& t : terms.terms) out[t.term] = t;
  return out;
}

TEST(DocumentTermsTest, WordsCountPerFieldWithTitlePositionsFirst) {
  newsgraph::v1::IndexDocumentRequest request;
  auto* doc = request.mutable_document();
  doc->set_name("documents/1");
  doc->set_title("Grain prices");
  doc->set_text("Grain exports rose. Prices of grain fell.");
  DocNorms norms;
  const DocumentTerms terms = CollectPostings(request, &norms);
  const auto by_term = ByTerm(terms);
  ASSERT_TRUE(by_term.count("grain"));
  const DocumentTerms::Term& grain = by_term.at("grain");
  EXPECT_EQ(grain.title_tf, 1u);
  EXPECT_EQ(grain.body_tf, 2u);
  ASSERT_EQ(grain.positions_end - grain.positions_begin, 3u);
  for (uint32_t k = grain.positions_begin + 1; k < grain.positions_end; ++k) {
    EXPECT_LE(terms.positions[k - 1], terms.positions[k]);
  }
  EXPECT_EQ(norms.title_length, 2u);
  EXPECT_EQ(norms.body_length, 7u);
  // Documents without a language are indexed as English.
  EXPECT_TRUE(by_term.count(LanguageTerm("en")));
}

TEST(DocumentTermsTest, KeywordsForSourceEntitiesAndSpeakers) {
  newsgraph::v1::IndexDocumentRequest request;
  auto* doc = request.mutable_document();
  doc->set_name("documents/2");
  doc->set_text("Question and answer.");
  doc->set_source("TASS");
  auto* passage = doc->add_passages();
  passage->set_asked_by("TASS");
  passage->set_answered_by("Zhang Ming");
  auto* entity = request.add_entities();
  entity->set_entity("entities/7");
  entity->set_type(newsgraph::v1::ORG);
  entity->set_mention_count(3);
  entity->set_salience(1.5f);  // clamped to 1
  DocNorms norms;
  const auto by_term = ByTerm(CollectPostings(request, &norms));
  EXPECT_TRUE(by_term.count(SourceTerm("tass")));
  ASSERT_TRUE(by_term.count(EntityTerm("entities/7")));
  EXPECT_EQ(by_term.at(EntityTerm("entities/7")).body_tf, 3u);
  EXPECT_FLOAT_EQ(by_term.at(EntityTerm("entities/7")).salience, 1.0f);
  EXPECT_EQ(by_term.at(EntityTypeTerm("ORG")).body_tf, 3u);
  EXPECT_TRUE(by_term.count(AskerTerm("tass")));
  EXPECT_TRUE(by_term.count(SpeakerTerm("zhang ming")));
  EXPECT_TRUE(by_term.count(SpeakerTerm("ming")));
}

TEST(DocumentTermsTest, DuplicatesShareTheirOriginalsStoryCluster) {
  newsgraph::v1::IndexDocumentRequest original, copy;
  original.mutable_document()->set_name("documents/3");
  copy.mutable_document()->set_name("documents/4");
  copy.mutable_document()->set_near_duplicate_of("documents/3");
  DocNorms a, b;
  CollectPostings(original, &a);
  CollectPostings(copy, &b);
  EXPECT_EQ(a.cluster, b.cluster);
  EXPECT_EQ(a.published, absl::InfinitePast());
}

}  // namespace
}  // namespace newsgraph::search
