// The newsgraph query language (docs/query-language.md).
//
//   zhang ming              ranked by both words; documents with either match
//                           (more matched words rank higher)
//   +zhang ming, a AND b    required words
//   "foreign ministers"     exact phrase
//   sco OR asean            either
//   -sanctions, NOT x       exclude
//   (a OR b) c              grouping
//   title:summit            field scope: title, body
//   source:Reuters          keyword fields: source, language
//   entity:"Zhang Ming"     documents mentioning the entity (name, alias or entities/ID)
//   type:ORG                documents mentioning an entity of the type
//   about:"SCO"             documents where the entity is salient (>= min_salience)
//   said_by:"Zhang Ming"    documents with Q&A answers given by that speaker
//   asked_by:TASS           documents with questions asked by that outlet
//   energ*                  prefix (at least 2 characters before the star)
//   published>=2023-01-01   date range: >=, >, <=, <, = or : with YYYY, YYYY-MM or YYYY-MM-DD
#ifndef NEWSGRAPH_SERVICES_SEARCH_QUERY_PARSER_H_
#define NEWSGRAPH_SERVICES_SEARCH_QUERY_PARSER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace newsgraph::search {

struct QueryNode {
  enum class Kind {
    kTerm,       // One word in `text`, searched in `field` ("" = title and body).
    kPhrase,     // Words in `text`, consecutive, in `field`.
    kPrefix,     // Words starting with `text`.
    kKeyword,    // Exact value of a keyword field (source, language, entity, type).
    kDateRange,  // published in [from, to).
    kAnd,
    kOr,
    kNot,  // Exactly one child.
    // Plain words of the query, none required on its own: documents matching
    // any child match, and those matching more of them rank higher. Made by
    // RelaxPlainWords (query_interpretation.h), never by the parser.
    kMatch,
    // Consecutive words of a kMatch that spell a recognized entity: the
    // word children (kTerm) and the entity (kKeyword, last child).
    kEntityGroup,
  };
  Kind kind = Kind::kAnd;
  std::string field;
  std::string text;
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();
  std::vector<QueryNode> children;
  // A term the query requires explicitly ("+word", or a side of "AND").
  bool required = false;
  // In a kMatch: function words of the query left out just before this word.
  uint32_t skipped_before = 0;
  // Byte range of the node in the query string.
  size_t begin = 0;
  size_t end = 0;
};

struct QueryLimits {
  // Most term, phrase, prefix and keyword leaves. Default 256.
  size_t max_leaves = 256;
  // Deepest parenthesis nesting. Default 32.
  size_t max_depth = 32;
};

// Parses `query`. Errors: INVALID_ARGUMENT with the byte position and what
// was expected ("unterminated phrase starting at position 4").
absl::StatusOr<QueryNode> ParseQuery(absl::string_view query, const QueryLimits& limits = {});

}  // namespace newsgraph::search

#endif  // NEWSGRAPH_SERVICES_SEARCH_QUERY_PARSER_H_
