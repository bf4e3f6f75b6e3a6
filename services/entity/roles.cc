#include "services/entity/roles.h"

#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace newsgraph::entity {
namespace {

using newsgraph::v1::Mention;
using newsgraph::v1::RoleMention;

// Words that name a position on their own.
const absl::flat_hash_set<std::string>& TitleHeads() {
  static const auto* heads = new absl::flat_hash_set<std::string>{
      "minister", "secretary", "secretary-general", "president", "vice-president",
      "president-elect", "chairman", "chairwoman", "chairperson", "chair", "spokesman",
      "spokeswoman", "spokesperson", "ambassador", "envoy", "director", "director-general",
      "governor", "mayor", "senator", "congressman", "congresswoman", "representative",
      "commissioner", "premier", "chancellor", "king", "queen", "prince", "princess", "emperor",
      "pope", "general", "admiral", "colonel", "commander", "chief", "head", "leader",
      "counsellor", "counselor", "councillor", "adviser", "advisor", "officer", "ceo", "cfo",
      "prosecutor", "judge", "attorney-general", "coach", "captain", "manager", "editor",
      "correspondent", "professor", "dean", "speaker", "lawmaker", "treasurer", "consul",
      "consul-general", "sheikh", "emir", "sultan", "founder", "economist", "analyst",
      "executive", "administrator", "deputy", "undersecretary", "under-secretary", "rapporteur",
      "mediator", "negotiator", "registrar"};
  return *heads;
}

// Words that qualify a position ("Foreign", "Prime", "Executive").
const absl::flat_hash_set<std::string>& TitleModifiers() {
  static const auto* modifiers = new absl::flat_hash_set<std::string>{
      "foreign", "defence", "defense", "finance", "interior", "trade", "commerce", "economy",
      "economic", "energy", "health", "education", "agriculture", "transport", "culture",
      "prime", "first", "vice", "acting", "former", "senior", "permanent", "special",
      "assistant", "associate", "managing", "high", "state", "national", "security", "home",
      "external", "public", "information", "press", "operating", "financial", "affairs",
      "then", "outgoing", "incoming", "supreme", "military", "party", "central", "regional",
      "international", "environment", "labour", "labor", "justice", "industry", "technology",
      "science", "development", "cooperation", "foreign-policy", "oil", "interim", "chief",
      "executive", "general", "deputy", "principal", "parliamentary", "presidential",
      "legal", "political", "emergency", "intelligence", "budget", "treasury", "policy"};
  return *modifiers;
}

std::string Lower(absl::string_view word) { return absl::AsciiStrToLower(word); }

bool IsModifier(absl::string_view word) { return TitleModifiers().contains(Lower(word)); }
bool IsHead(absl::string_view word) { return TitleHeads().contains(Lower(word)); }

// Horizontal space: ASCII blanks and the no-break space (U+00A0).
size_t SpaceBefore(absl::string_view text, size_t end) {
  while (end > 0) {
    if (text[end - 1] == ' ' || text[end - 1] == '\t') {
      --end;
    } else if (end >= 2 && text[end - 2] == '\xC2' && text[end - 1] == '\xA0') {
      end -= 2;
    } else {
      break;
    }
  }
  return end;
}
size_t SpaceAfter(absl::string_view text, size_t begin) {
  while (begin < text.size()) {
    if (text[begin] == ' ' || text[begin] == '\t') {
      ++begin;
    } else if (begin + 1 < text.size() && text[begin] == '\xC2' && text[begin + 1] == '\xA0') {
      begin += 2;
    } else {
      break;
    }
  }
  return begin;
}

bool IsWordByte(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         (static_cast<unsigned char>(c) >= 0x80 && c != '\xC2');
}

// The word ending at `end` (no space skipping), or empty.
absl::string_view WordBefore(absl::string_view text, size_t end) {
  size_t begin = end;
  while (begin > 0 && IsWordByte(text[begin - 1])) --begin;
  return text.substr(begin, end - begin);
}
absl::string_view WordAfter(absl::string_view text, size_t begin) {
  size_t end = begin;
  while (end < text.size() && IsWordByte(text[end])) ++end;
  return text.substr(begin, end - begin);
}

// A run of title words ending at or starting from a position.
struct TitleRun {
  size_t begin = 0;
  size_t end = 0;
  bool has_head = false;
};

// Title words read backwards from `end` (after skipping space); "of" and
// "for" may join title words ("Minister of Foreign Affairs").
std::optional<TitleRun> TitleRunBefore(absl::string_view text, size_t end) {
  TitleRun run;
  size_t position = SpaceBefore(text, end);
  run.end = position;
  run.begin = position;
  while (true) {
    const absl::string_view word = WordBefore(text, position);
    if (word.empty()) break;
    const size_t word_begin = position - word.size();
    const bool joiner = (word == "of" || word == "for") && run.begin < run.end;
    if (!joiner && !IsHead(word) && !IsModifier(word)) break;
    if (joiner) {
      // Only inside a run: a title word must come before it.
      const size_t before = SpaceBefore(text, word_begin);
      const absl::string_view previous = WordBefore(text, before);
      if (before == word_begin || (!IsHead(previous) && !IsModifier(previous))) break;
    }
    run.has_head = run.has_head || IsHead(word);
    run.begin = word_begin;
    const size_t next = SpaceBefore(text, word_begin);
    if (next == word_begin) break;  // no space: punctuation or start
    position = next;
  }
  if (run.begin == run.end || !run.has_head) return std::nullopt;
  return run;
}

std::optional<TitleRun> TitleRunAfter(absl::string_view text, size_t begin) {
  TitleRun run;
  size_t position = SpaceAfter(text, begin);
  run.begin = position;
  run.end = position;
  while (true) {
    const absl::string_view word = WordAfter(text, position);
    if (word.empty()) break;
    const bool joiner = (word == "for") && run.begin < run.end;
    if (joiner) {
      const size_t after = SpaceAfter(text, position + word.size());
      const absl::string_view next_word = WordAfter(text, after);
      if (after == position + word.size() || (!IsHead(next_word) && !IsModifier(next_word))) break;
    } else if (!IsHead(word) && !IsModifier(word)) {
      break;
    }
    run.has_head = run.has_head || IsHead(word);
    run.end = position + word.size();
    const size_t next = SpaceAfter(text, run.end);
    if (next == run.end) break;
    position = next;
  }
  if (run.begin == run.end || !run.has_head) return std::nullopt;
  // A run must end on a title word, not on modifiers alone before a name.
  return run;
}

bool IsOrganizationLike(const Mention& m) {
  return m.type() == newsgraph::v1::ORG || m.type() == newsgraph::v1::GPE ||
         m.type() == newsgraph::v1::NORP || m.type() == newsgraph::v1::LOC;
}

// Index of the mention ending exactly at `end`, or -1.
// Mentions by where they start and end, so that each look-up is constant
// time (a long document has hundreds of thousands of mentions).
class MentionIndex {
 public:
  explicit MentionIndex(const google::protobuf::RepeatedPtrField<Mention>& mentions) {
    for (int i = 0; i < mentions.size(); ++i) {
      by_begin_.try_emplace(mentions[i].span().byte_begin(), i);
      by_end_.try_emplace(mentions[i].span().byte_end(), i);
    }
  }
  // The first mention ending (starting) at the byte offset, or -1.
  int EndingAt(size_t end) const {
    auto it = by_end_.find(end);
    return it == by_end_.end() ? -1 : it->second;
  }
  int StartingAt(size_t begin) const {
    auto it = by_begin_.find(begin);
    return it == by_begin_.end() ? -1 : it->second;
  }

 private:
  absl::flat_hash_map<size_t, int> by_begin_;
  absl::flat_hash_map<size_t, int> by_end_;
};

// Length of a possessive "'s" / "’s" ending at `end`, or 0.
size_t PossessiveBefore(absl::string_view text, size_t end) {
  if (end >= 2 && text.substr(end - 2, 2) == "'s") return 2;
  if (end >= 4 && text.substr(end - 4, 4) == "\xE2\x80\x99s") return 4;
  return 0;
}
size_t PossessiveAfter(absl::string_view text, size_t begin) {
  if (text.substr(begin, 2) == "'s") return 2;
  if (text.substr(begin, 4) == "\xE2\x80\x99s") return 4;
  return 0;
}

// Skips "of" / "of the" / "at" / "at the" after `begin`; returns the new
// position or `begin` when absent.
size_t SkipPreposition(absl::string_view text, size_t begin) {
  const size_t start = SpaceAfter(text, begin);
  const absl::string_view word = WordAfter(text, start);
  if (word != "of" && word != "at" && word != "for") return begin;
  size_t position = SpaceAfter(text, start + word.size());
  if (WordAfter(text, position) == "the") position = SpaceAfter(text, position + 3);
  return position;
}

}  // namespace

bool IsTitleWord(absl::string_view word) { return IsHead(word) || IsModifier(word); }
bool IsTitleHead(absl::string_view word) { return IsHead(word); }

std::vector<RoleMention> FindRoles(absl::string_view text,
                                   const std::vector<std::pair<size_t, size_t>>& sentences,
                                   const google::protobuf::RepeatedPtrField<Mention>& mentions,
                                   const OrganizationResolver& resolve_organization) {
  std::vector<RoleMention> roles;
  const MentionIndex index(mentions);
  // Sentences are in text order: the first whose end lies past `byte`.
  auto sentence_of = [&](size_t byte) -> uint32_t {
    auto it = std::upper_bound(sentences.begin(), sentences.end(), byte,
                               [](size_t b, const std::pair<size_t, size_t>& s) { return b < s.second; });
    if (it == sentences.end()) return sentences.empty() ? 0 : static_cast<uint32_t>(sentences.size() - 1);
    return static_cast<uint32_t>(it - sentences.begin());
  };
  auto emit = [&](const Mention& person, const TitleRun& title, const Mention* organization,
                  size_t begin, size_t end) {
    RoleMention role;
    role.set_person(person.entity());
    role.set_title(std::string(text.substr(title.begin, title.end - title.begin)));
    if (organization != nullptr) {
      role.set_organization(resolve_organization(*organization));
      role.set_organization_text(organization->text());
    }
    role.mutable_span()->set_byte_begin(static_cast<uint32_t>(begin));
    role.mutable_span()->set_byte_end(static_cast<uint32_t>(end));
    role.set_sentence_index(sentence_of(person.span().byte_begin()));
    roles.push_back(std::move(role));
  };
  for (int p = 0; p < mentions.size(); ++p) {
    const Mention& person = mentions[p];
    if (person.type() != newsgraph::v1::PERSON || person.entity().empty()) continue;
    const size_t name_begin = person.span().byte_begin();
    const size_t name_end = person.span().byte_end();

    // Before the name: [Organisation['s]] Title Name.
    if (std::optional<TitleRun> title = TitleRunBefore(text, name_begin); title.has_value()) {
      const size_t before_title = SpaceBefore(text, title->begin);
      const size_t possessive = PossessiveBefore(text, before_title);
      const int org = before_title < title->begin || possessive > 0
                          ? index.EndingAt(before_title - possessive)
                          : -1;
      if (org >= 0 && IsOrganizationLike(mentions[org])) {
        emit(person, *title, &mentions[org], mentions[org].span().byte_begin(), name_end);
      } else {
        emit(person, *title, nullptr, title->begin, name_end);
      }
      continue;
    }
    // Before the name: Title of [the] Organisation Name.
    {
      const size_t before_name = SpaceBefore(text, name_begin);
      const int org = before_name < name_begin ? index.EndingAt(before_name) : -1;
      if (org >= 0 && IsOrganizationLike(mentions[org])) {
        size_t position = SpaceBefore(text, mentions[org].span().byte_begin());
        if (WordBefore(text, position) == "the") position = SpaceBefore(text, position - 3);
        if (WordBefore(text, position) == "of") {
          std::optional<TitleRun> title = TitleRunBefore(text, position - 2);
          if (title.has_value()) {
            emit(person, *title, &mentions[org], title->begin, name_end);
            continue;
          }
        }
      }
    }
    // After the name: Name, [the] [Organisation['s]] Title [of [the] Organisation].
    if (name_end < text.size() && text[name_end] == ',') {
      size_t position = SpaceAfter(text, name_end + 1);
      const absl::string_view determiner = WordAfter(text, position);
      if (determiner == "the" || determiner == "a" || determiner == "an") {
        position = SpaceAfter(text, position + determiner.size());
      }
      const Mention* organization = nullptr;
      if (const int org = index.StartingAt(position);
          org >= 0 && IsOrganizationLike(mentions[org])) {
        organization = &mentions[org];
        position = mentions[org].span().byte_end();
        position += PossessiveAfter(text, position);
      }
      std::optional<TitleRun> title = TitleRunAfter(text, position);
      if (!title.has_value()) continue;
      size_t end = title->end;
      // "Name, President Xi" is a list of people, not an apposition.
      const int next = index.StartingAt(SpaceAfter(text, title->end));
      if (next >= 0 && mentions[next].type() == newsgraph::v1::PERSON) continue;
      if (organization == nullptr) {
        const size_t after = SkipPreposition(text, title->end);
        if (after != title->end) {
          if (const int org = index.StartingAt(after);
              org >= 0 && IsOrganizationLike(mentions[org])) {
            organization = &mentions[org];
            end = mentions[org].span().byte_end();
          }
        }
      }
      emit(person, *title, organization, name_begin, end);
    }
  }
  return roles;
}

}  // namespace newsgraph::entity
