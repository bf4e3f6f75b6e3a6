// EntityCore's read side: entities, mentions, quotes, related entities and
// resolution of free text to entities.
#include <algorithm>
#include <functional>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/page_size.h"
#include "base/page_token.h"
#include "base/status_macros.h"
#include "base/stop_poller.h"
#include "base/time_util.h"
#include "services/entity/cooccurrence.h"
#include "services/entity/entity_core.h"
#include "services/entity/entity_keyspace.h"
#include "services/entity/name_forms.h"
#include "services/entity/text_fields.h"
#include "services/text/normalizer.h"
#include "services/text/tokenizer.h"
#include "services/text/utf8.h"
#include "storage/key_codec.h"

namespace newsgraph::entity {

using keys::AliasKey;
using keys::AliasName;
using keys::IdKey;
using keys::MentionKey;
using keys::RankKey;
using newsgraph::v1::AnnotateDocumentResponse;
using newsgraph::v1::Entity;
using newsgraph::v1::EntityType;
using newsgraph::v1::Mention;
using storage::KeyBuilder;

absl::StatusOr<EntityCore::Followed> EntityCore::FollowMerges(uint64_t id) const {
  // Merges chain (a merge's source may have absorbed others before), so the
  // chain is followed to its end however long; only a cycle stops it.
  const uint64_t asked = id;
  absl::flat_hash_set<uint64_t> seen;
  for (int hops = 0;; ++hops) {
    NG_ASSIGN_OR_RETURN(std::optional<Entity> entity, ReadEntity(id));
    if (!entity.has_value() || entity->merged_into().empty()) {
      return Followed{.id = id, .entity = std::move(entity)};
    }
    // Chains are short: the set is only kept once one is not.
    if (hops >= 8 && !seen.insert(id).second) {
      return absl::DataLossError(
          absl::StrCat("entity ", asked, " is merged in a cycle (through entity ", id, ")"));
    }
    NG_ASSIGN_OR_RETURN(id, ParseEntityName(entity->merged_into()));
  }
}

absl::StatusOr<Entity> EntityCore::GetEntity(const std::string& name) const {
  NG_ASSIGN_OR_RETURN(uint64_t id, ParseEntityName(name));
  NG_ASSIGN_OR_RETURN(Followed followed, FollowMerges(id));
  if (!followed.entity.has_value()) {
    return absl::NotFoundError(absl::StrCat("entity '", name, "' does not exist"));
  }
  return *std::move(followed.entity);
}

absl::StatusOr<uint64_t> EntityCore::ResolveMerged(uint64_t id) const {
  NG_ASSIGN_OR_RETURN(Followed followed, FollowMerges(id));
  return followed.id;
}

absl::StatusOr<newsgraph::v1::ListQuotesResponse> EntityCore::ListQuotes(
    const newsgraph::v1::ListQuotesRequest& request, const std::function<bool()>& stop) const {
  NG_ASSIGN_OR_RETURN(const int page_size,
                      ResolvePageSize(request.page_size(), 20, limits_.max_quotes_page));
  NG_ASSIGN_OR_RETURN(Entity speaker, GetEntity(request.entity()));
  NG_ASSIGN_OR_RETURN(uint64_t id, ParseEntityName(speaker.name()));
  std::string about;
  if (!request.mentioned_entity().empty()) {
    NG_ASSIGN_OR_RETURN(Entity mentioned, GetEntity(request.mentioned_entity()));
    about = mentioned.name();
  }
  const std::string fingerprint = absl::StrCat(speaker.name(), "|", about);
  size_t offset = 0;
  if (!request.page_token().empty()) {
    NG_ASSIGN_OR_RETURN(std::string position,
                        page_tokens_->Decode(request.page_token(), "quotes", fingerprint));
    if (!absl::SimpleAtoi(position, &offset))
      return absl::InvalidArgumentError("page_token is malformed");
  }
  std::vector<newsgraph::v1::Quote> quotes;
  const std::string prefix = IdKey(id);
  storage::ReadOptions scan;
  scan.upper_bound = storage::PrefixSuccessor(prefix);
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kQuotes, scan);
  StopPoller poller(stop, "ListQuotes");
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    NG_RETURN_IF_ERROR(poller.Step());
    newsgraph::v1::Quote quote;
    if (!quote.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("stored quote is corrupted");
    }
    if (!about.empty() &&
        std::find(quote.mentioned_entities().begin(), quote.mentioned_entities().end(), about) ==
            quote.mentioned_entities().end()) {
      continue;
    }
    quotes.push_back(std::move(quote));
  }
  NG_RETURN_IF_ERROR(it->status());
  std::stable_sort(quotes.begin(), quotes.end(), [](const auto& a, const auto& b) {
    return a.published_time().seconds() > b.published_time().seconds();
  });
  newsgraph::v1::ListQuotesResponse response;
  const size_t end = std::min(quotes.size(), offset + static_cast<size_t>(page_size));
  for (size_t k = offset; k < end; ++k) *response.add_quotes() = std::move(quotes[k]);
  if (end < quotes.size()) {
    response.set_next_page_token(page_tokens_->Encode("quotes", fingerprint, absl::StrCat(end)));
  }
  return response;
}

absl::StatusOr<newsgraph::v1::ListRelatedEntitiesResponse> EntityCore::ListRelatedEntities(
    const newsgraph::v1::ListRelatedEntitiesRequest& request,
    const std::function<bool()>& stop) const {
  NG_ASSIGN_OR_RETURN(const int page_size,
                      ResolvePageSize(request.page_size(), 20, limits_.max_related_page));
  if (request.max_evidence() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_evidence must not be negative (got ", request.max_evidence(), ")"));
  }
  const int max_evidence =
      request.max_evidence() == 0 ? 3 : std::min(request.max_evidence(), limits_.max_evidence);
  int64_t start = std::numeric_limits<int64_t>::min();
  int64_t end = std::numeric_limits<int64_t>::max();
  if (request.has_start_time()) {
    NG_RETURN_IF_ERROR(ValidateTimestamp("start_time", request.start_time()));
    start = request.start_time().seconds();
  }
  if (request.has_end_time()) {
    NG_RETURN_IF_ERROR(ValidateTimestamp("end_time", request.end_time()));
    end = request.end_time().seconds();
  }
  if (start >= end) {
    return absl::InvalidArgumentError(absl::StrCat("start_time (", start,
                                                   ") must be before end_time (", end, ")"));
  }
  NG_ASSIGN_OR_RETURN(Entity entity, GetEntity(request.entity()));
  NG_ASSIGN_OR_RETURN(uint64_t id, ParseEntityName(entity.name()));
  const std::string fingerprint =
      absl::StrCat(entity.name(), "|", static_cast<int>(request.type()), "|", start, "|", end);
  size_t offset = 0;
  if (!request.page_token().empty()) {
    NG_ASSIGN_OR_RETURN(std::string position,
                        page_tokens_->Decode(request.page_token(), "related", fingerprint));
    if (!absl::SimpleAtoi(position, &offset))
      return absl::InvalidArgumentError("page_token is malformed");
  }
  const IdResolver resolve = [this](uint64_t other) { return ResolveMerged(other); };
  NG_ASSIGN_OR_RETURN(auto counts, CountRelated(*store_, id, start, end, max_evidence, resolve, stop));
  // Normalized PMI of sharing a sentence: log(p(a,b) / (p(a) p(b))) / -log p(a,b),
  // over the sentences that mention any entity (in the window).
  NG_ASSIGN_OR_RETURN(const int64_t sentences, SentenceCount(*store_, 0, start, end));
  NG_ASSIGN_OR_RETURN(const int64_t entity_sentences, SentenceCount(*store_, id, start, end));
  struct Candidate {
    newsgraph::v1::RelatedEntity related;
    std::vector<std::pair<std::string, uint32_t>> evidence;
  };
  std::vector<Candidate> candidates;
  // Each candidate reads the store (its record and its days in the window).
  StopPoller poller(stop, "ListRelatedEntities", /*interval=*/16);
  for (auto& [other_id, c] : counts) {
    NG_RETURN_IF_ERROR(poller.Step());
    NG_ASSIGN_OR_RETURN(std::optional<Entity> other, ReadEntity(other_id));
    if (!other.has_value() || !other->merged_into().empty()) continue;
    if (request.type() != newsgraph::v1::ENTITY_TYPE_UNSPECIFIED && other->type() != request.type()) {
      continue;
    }
    NG_ASSIGN_OR_RETURN(const int64_t other_sentences, SentenceCount(*store_, other_id, start, end));
    double strength = 0;
    const double n = static_cast<double>(std::max(sentences, c.sentences));
    const double p_ab = c.sentences / n;
    const double p_a = std::max<double>(entity_sentences, c.sentences) / n;
    const double p_b = std::max<double>(other_sentences, c.sentences) / n;
    if (p_ab >= 1.0) {
      strength = 1.0;
    } else if (p_ab > 0) {
      strength = std::clamp(std::log(p_ab / (p_a * p_b)) / -std::log(p_ab), 0.0, 1.0);
    }
    Candidate candidate;
    *candidate.related.mutable_entity() = *std::move(other);
    candidate.related.set_document_count(c.documents);
    candidate.related.set_sentence_count(c.sentences);
    candidate.related.set_strength(static_cast<float>(strength));
    candidate.related.set_weight(
        static_cast<float>(strength * std::log2(1.0 + static_cast<double>(c.sentences))));
    candidate.evidence = std::move(c.evidence);
    candidates.push_back(std::move(candidate));
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.related.weight() != b.related.weight()) return a.related.weight() > b.related.weight();
    if (a.related.sentence_count() != b.related.sentence_count()) {
      return a.related.sentence_count() > b.related.sentence_count();
    }
    return a.related.entity().name() < b.related.entity().name();
  });
  newsgraph::v1::ListRelatedEntitiesResponse response;
  const size_t last = std::min(candidates.size(), offset + static_cast<size_t>(page_size));
  for (size_t k = offset; k < last; ++k) {
    newsgraph::v1::RelatedEntity* related = response.add_related_entities();
    *related = std::move(candidates[k].related);
    for (const auto& [doc, sentence] : candidates[k].evidence) {
      NG_ASSIGN_OR_RETURN(*related->add_evidence(), ReadEvidence(*store_, doc, sentence));
    }
  }
  if (last < candidates.size()) {
    response.set_next_page_token(page_tokens_->Encode("related", fingerprint, absl::StrCat(last)));
  }
  return response;
}

absl::StatusOr<newsgraph::v1::ListEntitiesResponse> EntityCore::ListEntities(
    const newsgraph::v1::ListEntitiesRequest& request, const std::function<bool()>& stop) const {
  NG_ASSIGN_OR_RETURN(const int page_size,
                      ResolvePageSize(request.page_size(), 50, limits_.max_entities_page));
  const std::string fingerprint =
      absl::StrCat(static_cast<int>(request.type()), "|", request.name_prefix());
  std::string start;
  if (!request.page_token().empty()) {
    NG_ASSIGN_OR_RETURN(start, page_tokens_->Decode(request.page_token(), "entities", fingerprint));
  }
  const std::string prefix = text::FoldForMatching(request.name_prefix());
  newsgraph::v1::ListEntitiesResponse response;
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kEntityRank);
  StopPoller poller(stop, "ListEntities");
  size_t scanned = 0;
  for (it->Seek(start); it->Valid(); it->Next()) {
    NG_RETURN_IF_ERROR(poller.Step());
    if (it->key().size() != 16) return absl::DataLossError("entity rank key is corrupted");
    // A selective filter returns what it found so far; the client pages on.
    if (++scanned > limits_.max_scanned_per_page) {
      response.set_next_page_token(page_tokens_->Encode("entities", fingerprint, it->key()));
      break;
    }
    const uint64_t id = storage::DecodeBigEndian64(it->key().data() + 8);
    NG_ASSIGN_OR_RETURN(std::optional<Entity> entity, ReadEntity(id));
    if (!entity.has_value()) continue;
    if (request.type() != newsgraph::v1::ENTITY_TYPE_UNSPECIFIED &&
        entity->type() != request.type()) {
      continue;
    }
    if (!prefix.empty()) {
      bool match = absl::StartsWith(text::FoldForMatching(entity->canonical_name()), prefix);
      for (const auto& alias : entity->aliases()) {
        match = match || absl::StartsWith(text::FoldForMatching(alias.text()), prefix);
      }
      if (!match) continue;
    }
    if (response.entities_size() == page_size) {
      response.set_next_page_token(page_tokens_->Encode("entities", fingerprint, it->key()));
      break;
    }
    *response.add_entities() = *std::move(entity);
  }
  NG_RETURN_IF_ERROR(it->status());
  return response;
}

absl::StatusOr<std::vector<newsgraph::v1::ResolvedCandidate>> EntityCore::CandidatesNamed(
    const std::string& surface, bool single_word, StopPoller& poller) const {
  using newsgraph::v1::NameMatch;
  const std::string folded = text::FoldForMatching(surface);
  std::vector<std::pair<std::string, NameMatch>> keys = {{folded, newsgraph::v1::NAME_MATCH_ALIAS}};
  if (std::string american = AliasName(folded); american != folded) {
    keys.emplace_back(std::move(american), newsgraph::v1::NAME_MATCH_ALIAS);
  }
  const std::string code = recognizer_->CountryCode(surface);
  if (!code.empty())
    keys.emplace_back(absl::StrCat("iso3166:", code), newsgraph::v1::NAME_MATCH_ALIAS);
  // A single word also finds the one person known with that family name.
  if (single_word)
    keys.emplace_back(absl::StrCat("family:", folded), newsgraph::v1::NAME_MATCH_FAMILY_NAME);
  // An acronym also finds the one organisation named in full with those
  // initials ("HSBC", "RCA"); a name in full, the organisation known by its
  // initials ("International Association of Athletics Federations": IAAF).
  if (single_word && folded.size() >= 3 && folded.size() <= 6) {
    keys.emplace_back(absl::StrCat("initials:", folded), newsgraph::v1::NAME_MATCH_INITIALS);
  }
  // Only a name that starts and ends with a capital spells initials, so that
  // "IAAF anti" is not taken for the IAAF.
  const bool capitalized_ends =
      absl::ascii_isupper(static_cast<unsigned char>(surface.front())) &&
      absl::ascii_isupper(static_cast<unsigned char>(surface[surface.find_last_of(' ') + 1]));
  const std::string initials = single_word || !capitalized_ends ? "" : Initials(surface);
  if (initials.size() >= 3 && initials.size() <= 6) {
    keys.emplace_back(initials, newsgraph::v1::NAME_MATCH_INITIALS);
  }
  std::vector<newsgraph::v1::ResolvedCandidate> candidates;
  for (const auto& [k, match] : keys) {
    const std::string key_prefix = KeyBuilder().AddString(k).key();
    storage::ReadOptions scan;
    scan.upper_bound = storage::PrefixSuccessor(key_prefix);
    std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kAliases, scan);
    for (it->Seek(key_prefix); it->Valid(); it->Next()) {
      NG_RETURN_IF_ERROR(poller.Step());
      if (it->value().size() != 8) continue;
      const uint64_t id = storage::DecodeBigEndian64(it->value().data());
      NG_ASSIGN_OR_RETURN(std::optional<Entity> entity, ReadEntity(id));
      if (!entity.has_value() || entity->mention_count() <= 0) continue;
      // Initials name organisations only.
      if (match == newsgraph::v1::NAME_MATCH_INITIALS && entity->type() != newsgraph::v1::ORG) {
        continue;
      }
      bool seen = false;
      for (const auto& c : candidates) seen = seen || c.entity().name() == entity->name();
      if (seen) continue;
      newsgraph::v1::ResolvedCandidate& candidate = candidates.emplace_back();
      *candidate.mutable_entity() = *std::move(entity);
      candidate.set_match(match);
    }
    NG_RETURN_IF_ERROR(it->status());
  }
  // A person's or a place's name is not an organisation's in full
  // ("Ingrid Sofie Ulvang" is not the ISU).
  const bool person_or_place = std::any_of(candidates.begin(), candidates.end(), [](const auto& c) {
    return c.match() == newsgraph::v1::NAME_MATCH_ALIAS &&
           (c.entity().type() == newsgraph::v1::PERSON || c.entity().type() == newsgraph::v1::GPE);
  });
  if (person_or_place) {
    std::erase_if(candidates,
                  [](const auto& c) { return c.match() == newsgraph::v1::NAME_MATCH_INITIALS; });
  }
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    return a.entity().mention_count() > b.entity().mention_count();
  });
  int64_t sum = 0;
  for (const auto& c : candidates) sum += c.entity().mention_count();
  for (auto& c : candidates) {
    c.set_score(static_cast<float>(c.entity().mention_count()) /
                static_cast<float>(std::max<int64_t>(1, sum)));
  }
  return candidates;
}

absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> EntityCore::ResolveEntities(
    const newsgraph::v1::ResolveEntitiesRequest& request, const std::function<bool()>& stop) const {
  NG_RETURN_IF_ERROR(ValidateText(request.text(), "text", limits_.max_resolve_bytes));
  NG_ASSIGN_OR_RETURN(
      const int max_candidates,
      ResolvePageSize(request.max_candidates(), 3, limits_.max_candidates, "max_candidates"));
  const std::string& text = request.text();
  const std::vector<text::Token> tokens = text::Tokenize(text);
  const text::CodePointOffsets offsets(text);
  newsgraph::v1::ResolveEntitiesResponse response;
  constexpr size_t kMaxSpanTokens = 6;
  StopPoller poller(stop, "ResolveEntities");
  size_t i = 0;
  while (i < tokens.size()) {
    bool matched = false;
    if (tokens[i].kind == text::TokenKind::kPunctuation) {
      ++i;
      continue;
    }
    for (size_t len = std::min(kMaxSpanTokens, tokens.size() - i); len >= 1 && !matched; --len) {
      const size_t last = i + len - 1;
      if (tokens[last].kind == text::TokenKind::kPunctuation) continue;
      const size_t begin = tokens[i].byte_begin;
      const size_t end = tokens[last].byte_end;
      const std::string surface = text.substr(begin, end - begin);
      const std::string folded = text::FoldForMatching(surface);
      if (folded.size() < 2) continue;
      NG_ASSIGN_OR_RETURN(std::vector<newsgraph::v1::ResolvedCandidate> candidates,
                          CandidatesNamed(surface, /*single_word=*/i == last, poller));
      if (candidates.empty()) continue;
      newsgraph::v1::ResolvedSpan* span = response.add_spans();
      *span->mutable_span() = MakeSpan(offsets, begin, end);
      span->set_text(surface);
      for (int k = 0; k < static_cast<int>(candidates.size()) && k < max_candidates; ++k) {
        *span->add_candidates() = std::move(candidates[k]);
      }
      matched = true;
      i = last + 1;
    }
    if (!matched) ++i;
  }
  return response;
}

absl::StatusOr<newsgraph::v1::ListMentionsResponse> EntityCore::ListMentions(
    const newsgraph::v1::ListMentionsRequest& request, const std::function<bool()>& stop) const {
  if (request.entity().empty() == request.document().empty()) {
    return absl::InvalidArgumentError("exactly one of entity and document must be set");
  }
  NG_ASSIGN_OR_RETURN(const int page_size,
                      ResolvePageSize(request.page_size(), 100, limits_.max_mentions_page));
  const std::string fingerprint = absl::StrCat(request.entity(), "|", request.document());
  std::string position;
  if (!request.page_token().empty()) {
    NG_ASSIGN_OR_RETURN(position, page_tokens_->Decode(request.page_token(), "mentions", fingerprint));
  }
  newsgraph::v1::ListMentionsResponse response;
  if (!request.document().empty()) {
    NG_ASSIGN_OR_RETURN(std::optional<StoredAnnotation> stored, ReadAnnotation(request.document()));
    if (!stored.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("document '", request.document(), "' has no annotations"));
    }
    const AnnotateDocumentResponse& annotations = stored->annotations;
    size_t offset = 0;
    if (!position.empty() && !absl::SimpleAtoi(position, &offset)) {
      return absl::InvalidArgumentError("page_token is malformed");
    }
    for (size_t k = offset; k < static_cast<size_t>(annotations.mentions_size()); ++k) {
      if (response.mentions_size() == page_size) {
        response.set_next_page_token(page_tokens_->Encode("mentions", fingerprint, absl::StrCat(k)));
        break;
      }
      *response.add_mentions() = annotations.mentions(static_cast<int>(k));
    }
    return response;
  }
  NG_ASSIGN_OR_RETURN(uint64_t id, ParseEntityName(request.entity()));
  NG_ASSIGN_OR_RETURN(std::optional<Entity> entity, ReadEntity(id));
  if (!entity.has_value()) {
    return absl::NotFoundError(absl::StrCat("entity '", request.entity(), "' does not exist"));
  }
  const std::string prefix = IdKey(id);
  storage::ReadOptions scan;
  scan.upper_bound = storage::PrefixSuccessor(prefix);
  std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kEntityMentions, scan);
  StopPoller poller(stop, "ListMentions");
  for (it->Seek(position.empty() ? prefix : position); it->Valid(); it->Next()) {
    NG_RETURN_IF_ERROR(poller.Step());
    if (response.mentions_size() == page_size) {
      response.set_next_page_token(page_tokens_->Encode("mentions", fingerprint, it->key()));
      break;
    }
    if (!response.add_mentions()->ParseFromArray(it->value().data(),
                                                 static_cast<int>(it->value().size()))) {
      return absl::DataLossError("stored mention is corrupted");
    }
  }
  NG_RETURN_IF_ERROR(it->status());
  return response;
}

}  // namespace newsgraph::entity
