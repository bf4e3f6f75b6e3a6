#include "services/search/query_interpretation.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "services/search/analyzer.h"

namespace newsgraph::search {
namespace {

using Kind = QueryNode::Kind;

// English function words, question words and the words people use to
// describe what they look for in a news archive ("the story where ...").
const absl::flat_hash_set<std::string>& FunctionWords() {
  static const auto* words = new absl::flat_hash_set<std::string>{
      "a",       "an",     "the",   "of",     "in",      "on",    "at",     "to",    "for",
      "from",    "by",     "with",  "about",  "as",      "into",  "onto",   "upon",  "and",
      "or",      "but",    "nor",   "if",     "is",      "are",   "was",    "were",  "be",
      "been",    "being",  "am",    "do",     "does",    "did",   "done",   "has",   "have",
      "had",     "having", "it",    "its",    "this",    "that",  "these",  "those", "who",
      "whom",    "whose",  "what",  "which",  "when",    "where", "why",    "how",   "i",
      "me",      "my",     "we",    "us",    "our",     "you",   "your",   "he",    "him",
      "his",     "she",    "her",   "they",   "them",    "their", "there",  "here",  "than",
      "then",    "so",     "such",  "can",    "could",   "would", "should", "shall", "will",
      "might",   "must",   "any",   "some",   "all",     "each",  "every",  "whether",
      "while",   "during", "over",  "under",  "between", "via",   "per",    "also",  "just",
      "very",    "tell",   "find",  "show",   "story",   "stories", "article", "articles",
      "anything", "something", "someone", "somebody", "happened", "happen", "happens",
  };
  return *words;
}

// A word that counts as plain: unscoped, not required, searched as a term.
bool IsPlainWord(const QueryNode& node) {
  return node.kind == Kind::kTerm && node.field.empty() && !node.required;
}

void Relax(QueryNode* node, Interpretation* interpretation);

// Relaxes the conjunction's nested groups and gathers its plain words into
// one kMatch, recording the words in query order.
void RelaxConjunction(QueryNode* node, Interpretation* interpretation) {
  bool has_plain = false;
  bool all_function_words = true;
  for (const QueryNode& child : node->children) {
    if (!IsPlainWord(child)) continue;
    has_plain = true;
    all_function_words &= IsFunctionWord(child.text);
  }
  std::vector<QueryNode> others;
  QueryNode match{.kind = Kind::kMatch};
  uint32_t skipped = 0;
  for (QueryNode& child : node->children) {
    if (!IsPlainWord(child)) {
      Relax(&child, interpretation);
      others.push_back(std::move(child));
      continue;
    }
    if (match.end == 0) match.begin = child.begin;  // the first plain word
    match.end = child.end;
    if (!all_function_words && IsFunctionWord(child.text)) {
      if (interpretation != nullptr) interpretation->ignored_words.push_back(child.text);
      ++skipped;
      continue;
    }
    if (interpretation != nullptr) interpretation->optional_words.push_back(child.text);
    child.skipped_before = skipped;
    skipped = 0;
    match.children.push_back(std::move(child));
  }
  node->children = std::move(others);
  if (has_plain) node->children.insert(node->children.begin(), std::move(match));
}

void Relax(QueryNode* node, Interpretation* interpretation) {
  switch (node->kind) {
    case Kind::kNot:
      return;  // exclusions keep their strict meaning
    case Kind::kAnd:
      RelaxConjunction(node, interpretation);
      return;
    case Kind::kOr:
      for (QueryNode& child : node->children) Relax(&child, interpretation);
      return;
    case Kind::kTerm:
      if (IsPlainWord(*node) && interpretation != nullptr) {
        interpretation->optional_words.push_back(node->text);
      }
      return;
    default:
      return;
  }
}

}  // namespace

bool IsFunctionWord(absl::string_view word) { return FunctionWords().contains(FoldWord(word)); }

void RelaxPlainWords(QueryNode* root, Interpretation* interpretation) {
  Relax(root, interpretation);
}

}  // namespace newsgraph::search
