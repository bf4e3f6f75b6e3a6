// RewriteWithEntities and AddFilters (query_builder.h): rewriting a parsed
// query before it is built.
#include <type_traits>

#include "absl/container/flat_hash_set.h"
#include "base/time_util.h"
#include "services/search/query_builder.h"

namespace newsgraph::search {

namespace {

using Kind = QueryNode::Kind;

// Entities the entity service recognizes in a query with a lower score are
// not searched.
constexpr float kEntityResolutionMinScore = 0.2f;

}  // namespace

void RewriteWithEntities(const newsgraph::v1::ResolveEntitiesResponse& resolved, QueryNode* root,
                         const std::function<bool(const newsgraph::v1::ResolvedSpan&)>& keep) {
  for (const auto& span : resolved.spans()) {
    if (span.candidates().empty() || span.candidates(0).score() < kEntityResolutionMinScore)
      continue;
    if (keep && !keep(span)) continue;
    const size_t begin = span.span().byte_begin();
    const size_t end = span.span().byte_end();
    // The best candidate, and the organisations the span names by their
    // initials or in full (IAAF and the International Association of
    // Athletics Federations): one organisation under two entities.
    auto entity_node = [&](size_t b, size_t e) {
      QueryNode node{.kind = Kind::kOr, .begin = b, .end = e};
      for (int k = 0; k < span.candidates_size(); ++k) {
        if (k > 0 && span.candidates(k).match() != newsgraph::v1::NAME_MATCH_INITIALS) continue;
        QueryNode entity{.kind = Kind::kKeyword, .field = "entity", .begin = b, .end = e};
        entity.text = span.candidates(k).entity().name();
        node.children.push_back(std::move(entity));
      }
      return node.children.size() == 1 ? std::move(node.children[0]) : node;
    };
    auto rewrite = [&](auto&& self, QueryNode* node) -> bool {
      if ((node->kind == Kind::kTerm || node->kind == Kind::kPhrase) && node->field.empty()) {
        const size_t inner_begin = node->kind == Kind::kPhrase ? node->begin + 1 : node->begin;
        const size_t inner_end = node->kind == Kind::kPhrase ? node->end - 1 : node->end;
        if (inner_begin == begin && inner_end == end) {
          QueryNode original = std::move(*node);
          *node = QueryNode{.kind = Kind::kOr, .begin = original.begin, .end = original.end};
          node->children.push_back(std::move(original));
          node->children.push_back(entity_node(begin, end));
          return true;
        }
        return false;
      }
      if (node->kind == Kind::kAnd || node->kind == Kind::kMatch) {
        const bool relaxed = node->kind == Kind::kMatch;
        auto& kids = node->children;
        for (size_t i = 0; i < kids.size(); ++i) {
          if (kids[i].kind != Kind::kTerm || !kids[i].field.empty() || kids[i].begin != begin)
            continue;
          size_t j = i;
          while (j < kids.size() && kids[j].kind == Kind::kTerm && kids[j].field.empty() &&
                 kids[j].end < end) {
            ++j;
          }
          if (j >= kids.size() || (j == i && !relaxed) || kids[j].kind != Kind::kTerm ||
              kids[j].end != end) {
            continue;
          }
          QueryNode words{.kind = Kind::kAnd, .begin = begin, .end = end};
          for (size_t k = i; k <= j; ++k) words.children.push_back(std::move(kids[k]));
          QueryNode either{.kind = Kind::kOr, .begin = begin, .end = end};
          if (relaxed) {
            // Plain words stay optional; the entity covers them (BuildMatch).
            either = std::move(words);
            either.kind = Kind::kEntityGroup;
          } else {
            either.children.push_back(std::move(words));
          }
          either.children.push_back(entity_node(begin, end));
          kids.erase(kids.begin() + static_cast<long>(i), kids.begin() + static_cast<long>(j) + 1);
          kids.insert(kids.begin() + static_cast<long>(i), std::move(either));
          return true;
        }
      }
      if (node->kind == Kind::kNot) return false;
      for (QueryNode& child : node->children) {
        if (self(self, &child)) return true;
      }
      return false;
    };
    rewrite(rewrite, root);
  }
}

void AddFilters(const newsgraph::v1::SearchFilter& filter, QueryNode* root) {
  // One clause per distinct value.
  auto any_of = [](const std::string& field, const auto& values) {
    QueryNode node{.kind = Kind::kOr};
    using Value = std::decay_t<decltype(*values.begin())>;
    absl::flat_hash_set<Value> seen;
    for (const auto& v : values) {
      if (!seen.insert(v).second) continue;
      QueryNode leaf{.kind = Kind::kKeyword, .field = field};
      if constexpr (std::is_same_v<std::decay_t<decltype(v)>, int>) {
        leaf.text = newsgraph::v1::EntityType_Name(static_cast<newsgraph::v1::EntityType>(v));
      } else {
        leaf.text = v;
      }
      node.children.push_back(std::move(leaf));
    }
    return node;
  };
  if (filter.sources_size() > 0) root->children.push_back(any_of("source", filter.sources()));
  if (filter.languages_size() > 0) root->children.push_back(any_of("language", filter.languages()));
  if (filter.entity_types_size() > 0)
    root->children.push_back(any_of("type", filter.entity_types()));
  absl::flat_hash_set<absl::string_view> entities;
  for (const std::string& entity : filter.entities()) {
    if (!entities.insert(entity).second) continue;
    root->children.push_back(QueryNode{.kind = Kind::kKeyword, .field = "entity", .text = entity});
  }
  if (filter.has_published_after() || filter.has_published_before()) {
    QueryNode range{.kind = Kind::kDateRange, .field = "published"};
    if (filter.has_published_after()) range.from = FromTimestamp(filter.published_after());
    if (filter.has_published_before()) range.to = FromTimestamp(filter.published_before());
    root->children.push_back(std::move(range));
  }
}

}  // namespace newsgraph::search
