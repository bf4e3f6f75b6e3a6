// Structure of a document's text: boilerplate removal, headline, metadata
// lines, and interview / press-conference Q&A blocks. Pure functions over
// the paragraphs produced by text::SplitParagraphs.
#ifndef NEWSGRAPH_SERVICES_INGEST_STRUCTURE_H_
#define NEWSGRAPH_SERVICES_INGEST_STRUCTURE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace newsgraph::ingest {

// A question and its answer, as paragraph indices into
// StructuredText::paragraphs.
struct QaBlock {
  size_t question_paragraph = 0;
  // Last paragraph of the answer (inclusive); >= question_paragraph.
  size_t last_paragraph = 0;
  uint32_t number = 0;  // As printed; 0 for dash-led questions.
  std::string question;
  std::string answer;
  std::string asked_by;
  std::string answered_by;
};

struct StructuredText {
  // The paragraphs kept, cleaned of markers and page chrome.
  std::vector<std::string> paragraphs;
  // What was removed as boilerplate, in document order.
  std::vector<std::string> removed;
  // Headline found at the top of the text (and removed from `paragraphs`);
  // empty when none.
  std::string title;
  std::optional<absl::Time> published;
  std::string byline;
  std::string editor;
  std::vector<QaBlock> qa_blocks;
};

struct StructureOptions {
  // Look for a headline at the top of the text. When false (the request or
  // the HTML gave a title), a first paragraph equal to `known_title` is
  // dropped as a repeat of it.
  bool detect_title = true;
  std::string known_title;
  // True for a paragraph that recurs across many documents of the same
  // source (site chrome); such paragraphs are removed. May be empty.
  std::function<bool(absl::string_view)> is_recurring_line;
  // Asked every 256 paragraphs (may be empty); once it returns true the
  // extraction ends early and its result is incomplete: the caller, which
  // sees the same predicate, discards it.
  std::function<bool()> stop;
};

StructuredText ExtractStructure(std::vector<std::string> paragraphs,
                                const StructureOptions& options);

// Parses dates as news text writes them: "17 January 2023", "January 17,
// 2023", "Jan. 17, 2023", "2023-01-17", "17.01.2023". UTC midnight.
std::optional<absl::Time> ParseNewsDate(absl::string_view text);

}  // namespace newsgraph::ingest

#endif  // NEWSGRAPH_SERVICES_INGEST_STRUCTURE_H_
