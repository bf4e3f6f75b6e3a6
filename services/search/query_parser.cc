#include "services/search/query_parser.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace newsgraph::search {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool EndsWord(char c) { return IsSpace(c) || c == '(' || c == ')' || c == '"'; }

bool IsTextField(absl::string_view f) { return f == "title" || f == "body"; }
bool IsKeywordField(absl::string_view f) {
  return f == "source" || f == "language" || f == "entity" || f == "type" || f == "about" ||
         f == "said_by" || f == "asked_by";
}

class Parser {
 public:
  Parser(absl::string_view query, const QueryLimits& limits) : q_(query), limits_(limits) {}

  absl::StatusOr<QueryNode> Parse() {
    absl::StatusOr<QueryNode> node = ParseOr(0);
    if (!node.ok()) return node;
    SkipSpace();
    if (pos_ < q_.size()) {
      return Error(pos_, q_[pos_] == ')' ? "unmatched ')'" : "unexpected input");
    }
    return node;
  }

 private:
  absl::Status Error(size_t at, absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("query syntax error at position ", at, ": ", what));
  }

  void SkipSpace() {
    while (pos_ < q_.size() && IsSpace(q_[pos_])) ++pos_;
  }

  // True when the upcoming word is exactly `keyword` (e.g. "OR").
  bool PeekKeyword(absl::string_view keyword) const {
    size_t p = pos_;
    if (q_.substr(p, keyword.size()) != keyword) return false;
    p += keyword.size();
    return p == q_.size() || EndsWord(q_[p]);
  }

  absl::StatusOr<QueryNode> ParseOr(size_t depth) {
    const size_t begin = pos_;
    absl::StatusOr<QueryNode> first = ParseAnd(depth);
    if (!first.ok()) return first;
    QueryNode node{.kind = QueryNode::Kind::kOr, .begin = begin};
    node.children.push_back(*std::move(first));
    while (true) {
      SkipSpace();
      if (!PeekKeyword("OR")) break;
      const size_t at = pos_;
      pos_ += 2;
      SkipSpace();
      if (pos_ == q_.size() || q_[pos_] == ')') return Error(at, "OR needs a term after it");
      absl::StatusOr<QueryNode> next = ParseAnd(depth);
      if (!next.ok()) return next;
      node.children.push_back(*std::move(next));
    }
    node.end = pos_;
    if (node.children.size() == 1) return std::move(node.children[0]);
    return node;
  }

  absl::StatusOr<QueryNode> ParseAnd(size_t depth) {
    QueryNode node{.kind = QueryNode::Kind::kAnd, .begin = pos_};
    bool after_and = false;
    while (true) {
      SkipSpace();
      if (pos_ == q_.size() || q_[pos_] == ')' || PeekKeyword("OR")) break;
      if (PeekKeyword("AND")) {
        const size_t at = pos_;
        pos_ += 3;
        SkipSpace();
        if (node.children.empty() || pos_ == q_.size() || q_[pos_] == ')' || PeekKeyword("OR")) {
          return Error(at, "AND needs a term on both sides");
        }
        // Both sides of an explicit AND are required.
        node.children.back().required = true;
        after_and = true;
        continue;
      }
      absl::StatusOr<QueryNode> unary = ParseUnary(depth);
      if (!unary.ok()) return unary;
      if (after_and) unary->required = true;
      after_and = false;
      node.children.push_back(*std::move(unary));
    }
    if (node.children.empty()) {
      return Error(pos_, pos_ == q_.size() ? "expected a term" : "expected a term before this");
    }
    node.end = pos_;
    if (node.children.size() == 1) return std::move(node.children[0]);
    return node;
  }

  absl::StatusOr<QueryNode> ParseUnary(size_t depth) {
    const size_t begin = pos_;
    bool negate = false;
    if (q_[pos_] == '+') {
      ++pos_;
      if (pos_ == q_.size() || IsSpace(q_[pos_]))
        return Error(begin, "'+' must be followed by a term");
      absl::StatusOr<QueryNode> primary = ParsePrimary(depth);
      if (!primary.ok()) return primary;
      primary->required = true;
      return primary;
    }
    if (q_[pos_] == '-') {
      negate = true;
      ++pos_;
      if (pos_ == q_.size() || IsSpace(q_[pos_]))
        return Error(begin, "'-' must be followed by a term");
    } else if (PeekKeyword("NOT")) {
      negate = true;
      pos_ += 3;
      SkipSpace();
      if (pos_ == q_.size()) return Error(begin, "NOT must be followed by a term");
    }
    absl::StatusOr<QueryNode> primary = ParsePrimary(depth);
    if (!primary.ok() || !negate) return primary;
    QueryNode node{.kind = QueryNode::Kind::kNot, .begin = begin, .end = pos_};
    node.children.push_back(*std::move(primary));
    return node;
  }

  absl::StatusOr<QueryNode> ParsePrimary(size_t depth) {
    const size_t begin = pos_;
    if (q_[pos_] == '(') {
      if (depth + 1 > limits_.max_depth) {
        return Error(begin, absl::StrCat("parentheses nested deeper than ", limits_.max_depth));
      }
      ++pos_;
      absl::StatusOr<QueryNode> inner = ParseOr(depth + 1);
      if (!inner.ok()) return inner;
      SkipSpace();
      if (pos_ == q_.size() || q_[pos_] != ')') return Error(begin, "unclosed '('");
      ++pos_;
      return inner;
    }
    if (q_[pos_] == ')') return Error(pos_, "unmatched ')'");
    if (q_[pos_] == '"') return ParsePhrase("", begin);

    // A word, possibly "field:value" or "published>=date".
    size_t end = pos_;
    while (end < q_.size() && !EndsWord(q_[end])) ++end;
    const absl::string_view word = q_.substr(pos_, end - pos_);
    const size_t op_at = word.find_first_of(":<>=");
    if (op_at != absl::string_view::npos && op_at > 0) {
      const std::string field = absl::AsciiStrToLower(word.substr(0, op_at));
      if (field == "published") return ParseDate(begin, end, op_at);
      if ((IsTextField(field) || IsKeywordField(field)) && word[op_at] == ':') {
        pos_ += op_at + 1;
        if (pos_ == q_.size() || IsSpace(q_[pos_]) || q_[pos_] == ')') {
          return Error(pos_, absl::StrCat("field '", field, "' needs a value after ':'"));
        }
        if (q_[pos_] == '"') {
          absl::StatusOr<QueryNode> phrase = ParsePhrase(field, begin);
          if (!phrase.ok()) return phrase;
          if (IsKeywordField(field)) phrase->kind = QueryNode::Kind::kKeyword;
          return phrase;
        }
        end = pos_;
        while (end < q_.size() && !EndsWord(q_[end])) ++end;
        return MakeWord(field, begin, pos_, end);
      }
    }
    return MakeWord("", begin, pos_, end);
  }

  absl::StatusOr<QueryNode> MakeWord(const std::string& field, size_t begin, size_t word_begin,
                                     size_t end) {
    absl::string_view word = q_.substr(word_begin, end - word_begin);
    pos_ = end;
    if (absl::Status counted = CountLeaf(begin); !counted.ok()) return counted;
    QueryNode node{.field = field, .begin = begin, .end = end};
    if (IsKeywordField(field)) {
      node.kind = QueryNode::Kind::kKeyword;
      node.text = std::string(word);
      return node;
    }
    if (word.size() > 1 && word.back() == '*') {
      word.remove_suffix(1);
      if (word.size() < 2) return Error(begin, "a prefix needs at least 2 characters before '*'");
      node.kind = QueryNode::Kind::kPrefix;
      node.text = std::string(word);
      return node;
    }
    node.kind = QueryNode::Kind::kTerm;
    node.text = std::string(word);
    return node;
  }

  absl::StatusOr<QueryNode> ParsePhrase(const std::string& field, size_t begin) {
    const size_t quote = pos_;
    const size_t close = q_.find('"', quote + 1);
    if (close == absl::string_view::npos) {
      return Error(quote, "unterminated phrase: missing closing '\"'");
    }
    pos_ = close + 1;
    if (absl::Status counted = CountLeaf(begin); !counted.ok()) return counted;
    QueryNode node{.kind = QueryNode::Kind::kPhrase,
                   .field = field,
                   .text = std::string(q_.substr(quote + 1, close - quote - 1)),
                   .begin = begin,
                   .end = pos_};
    if (absl::StripAsciiWhitespace(node.text).empty()) return Error(quote, "empty phrase");
    return node;
  }

  absl::StatusOr<QueryNode> ParseDate(size_t begin, size_t end, size_t op_at) {
    absl::string_view word = q_.substr(begin, end - begin);
    absl::string_view rest = word.substr(op_at);
    std::string op;
    while (!rest.empty() &&
           (rest[0] == '<' || rest[0] == '>' || rest[0] == '=' || rest[0] == ':')) {
      op.push_back(rest[0]);
      rest.remove_prefix(1);
    }
    if (op != ">=" && op != ">" && op != "<=" && op != "<" && op != "=" && op != ":") {
      return Error(begin + op_at,
                   absl::StrCat("unknown comparison '", op, "'; use >=, >, <=, < or :"));
    }
    absl::Time start;
    absl::Time next;
    std::string err;
    const std::string value(rest);
    if (absl::ParseTime("%Y-%m-%d", value, absl::UTCTimeZone(), &start, &err)) {
      next = start + absl::Hours(24);
    } else if (absl::ParseTime("%Y-%m", value, absl::UTCTimeZone(), &start, &err)) {
      const absl::CivilMonth m = absl::ToCivilMonth(start, absl::UTCTimeZone());
      next = absl::FromCivil(m + 1, absl::UTCTimeZone());
    } else if (value.size() == 4 &&
               absl::ParseTime("%Y", value, absl::UTCTimeZone(), &start, &err)) {
      const absl::CivilYear y = absl::ToCivilYear(start, absl::UTCTimeZone());
      next = absl::FromCivil(y + 1, absl::UTCTimeZone());
    } else {
      return Error(begin + op_at + op.size(),
                   absl::StrCat("bad date '", value, "'; use YYYY, YYYY-MM or YYYY-MM-DD"));
    }
    pos_ = end;
    if (absl::Status counted = CountLeaf(begin); !counted.ok()) return counted;
    QueryNode node{
        .kind = QueryNode::Kind::kDateRange, .field = "published", .begin = begin, .end = end};
    if (op == ">=") node.from = start;
    if (op == ">") node.from = next;
    if (op == "<=") node.to = next;
    if (op == "<") node.to = start;
    if (op == "=" || op == ":") {
      node.from = start;
      node.to = next;
    }
    return node;
  }

  absl::Status CountLeaf(size_t at) {
    if (++leaves_ > limits_.max_leaves) {
      return Error(at, absl::StrCat("query has more than ", limits_.max_leaves, " terms"));
    }
    return absl::OkStatus();
  }

  absl::string_view q_;
  const QueryLimits limits_;
  size_t pos_ = 0;
  size_t leaves_ = 0;
};

}  // namespace

absl::StatusOr<QueryNode> ParseQuery(absl::string_view query, const QueryLimits& limits) {
  Parser parser(query, limits);
  return parser.Parse();
}

}  // namespace newsgraph::search
