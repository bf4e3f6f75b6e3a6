#include "services/entity/entity_core.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/mutex.h"
#include "base/page_size.h"
#include "base/page_token.h"
#include "base/status_macros.h"
#include "base/stop_poller.h"
#include "storage/page_token_key.h"
#include "base/time_util.h"
#include "services/entity/cooccurrence.h"
#include "services/entity/entity_keyspace.h"
#include "services/entity/roles.h"
#include "services/entity/quotes.h"
#include "services/text/normalizer.h"
#include "services/text/tokenizer.h"
#include "services/text/utf8.h"
#include "storage/key_codec.h"

namespace newsgraph::entity {
namespace {

using keys::AliasKey;
using storage::EncodeBigEndian64;
using keys::IdKey;
using keys::MentionKey;
using keys::RankKey;

using newsgraph::v1::AnnotateDocumentResponse;
using newsgraph::v1::Entity;
using newsgraph::v1::EntityType;
using newsgraph::v1::Mention;
using storage::KeyBuilder;
using storage::WriteBatch;

constexpr char kEntityPrefix[] = "entities/";
constexpr char kNextEntityKey[] = "next_entity_id";

bool IsNameType(EntityType type) {
  switch (type) {
    case newsgraph::v1::PERSON:
    case newsgraph::v1::NORP:
    case newsgraph::v1::ORG:
    case newsgraph::v1::GPE:
    case newsgraph::v1::LOC:
    case newsgraph::v1::EVENT:
    case newsgraph::v1::LAW:
    case newsgraph::v1::MISC:
      return true;
    default:
      return false;
  }
}

// Initials of the capitalized words: "Shanghai Cooperation Organisation" -> "sco".
std::string Initials(absl::string_view name) {
  std::string out;
  for (const text::Token& t : text::Tokenize(name)) {
    const absl::string_view w = t.in(name);
    if (t.kind == text::TokenKind::kWord && !w.empty() &&
        absl::ascii_isupper(static_cast<unsigned char>(w[0]))) {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(w[0])));
    }
  }
  return out;
}

// "organisation" and "organization" fold alike (British and American -ise/-ize).
std::string FoldSpelling(std::string folded) {
  if (absl::EndsWith(folded, "isation")) folded.replace(folded.size() - 7, 7, "ization");
  return folded;
}

// Generic head words by which a text refers back to an organisation it
// named in full ("the Organization", "the Council"); folded, -ization.
bool IsGenericOrgHead(absl::string_view folded) {
  static const auto* heads = new absl::flat_hash_set<std::string>{
      "organization", "council",     "secretariat", "union",     "alliance",  "commission",
      "committee",    "assembly",    "bank",        "ministry",  "agency",    "company",
      "corporation",  "group",       "government",  "parliament", "court",    "fund",
      "association",  "federation",  "forum",       "institute", "authority", "community",
      "bureau",       "cooperation"};
  return heads->contains(folded);
}

std::string FirstWordFolded(absl::string_view name) {
  for (const text::Token& t : text::Tokenize(name)) {
    if (t.kind == text::TokenKind::kWord) return text::FoldForMatching(t.in(name));
  }
  return "";
}

std::string LastWordFolded(absl::string_view name) {
  const std::vector<text::Token> tokens = text::Tokenize(name);
  for (auto it = tokens.rbegin(); it != tokens.rend(); ++it) {
    if (it->kind == text::TokenKind::kWord) return text::FoldForMatching(it->in(name));
  }
  return "";
}

void AdjustAlias(Entity* entity, absl::string_view surface, int64_t delta) {
  auto* aliases = entity->mutable_aliases();
  for (int i = 0; i < aliases->size(); ++i) {
    if (aliases->Get(i).text() == surface) {
      aliases->Mutable(i)->set_mention_count(aliases->Get(i).mention_count() + delta);
      if (aliases->Get(i).mention_count() <= 0) aliases->DeleteSubrange(i, 1);
      return;
    }
  }
  if (delta > 0) {
    newsgraph::v1::Alias* alias = aliases->Add();
    alias->set_text(std::string(surface));
    alias->set_mention_count(delta);
  }
}

// Titles match when they differ only in case, hyphens and spaces
// ("Secretary-General" / "Secretary General").
std::string TitleKey(absl::string_view title) {
  std::string key;
  for (char c : title) {
    if (c == '-' || c == ' ') continue;
    key.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  return key;
}

void AdjustRole(Entity* entity, const newsgraph::v1::RoleMention& role, int64_t delta) {
  auto* roles = entity->mutable_roles();
  const std::string key = TitleKey(role.title());
  for (int i = 0; i < roles->size(); ++i) {
    const newsgraph::v1::EntityRole& r = roles->Get(i);
    if (TitleKey(r.title()) == key && r.organization() == role.organization() &&
        (!role.organization().empty() || r.organization_text() == role.organization_text())) {
      roles->Mutable(i)->set_mention_count(r.mention_count() + delta);
      if (roles->Get(i).mention_count() <= 0) roles->DeleteSubrange(i, 1);
      return;
    }
  }
  if (delta > 0) {
    newsgraph::v1::EntityRole* r = roles->Add();
    r->set_title(role.title());
    r->set_organization(role.organization());
    r->set_organization_text(role.organization_text());
    r->set_mention_count(delta);
  }
}

void SortAliases(Entity* entity) {
  std::stable_sort(entity->mutable_roles()->begin(), entity->mutable_roles()->end(),
                   [](const newsgraph::v1::EntityRole& a, const newsgraph::v1::EntityRole& b) {
                     return a.mention_count() > b.mention_count();
                   });
  std::stable_sort(entity->mutable_aliases()->begin(), entity->mutable_aliases()->end(),
                   [](const newsgraph::v1::Alias& a, const newsgraph::v1::Alias& b) {
                     return a.mention_count() > b.mention_count();
                   });
}

// Entities changed by one write: loaded on first touch, remembered with their
// mention counts before the change so their rank keys can be moved.
class EntityChanges {
 public:
  using Reader = std::function<absl::StatusOr<std::optional<Entity>>(uint64_t)>;
  explicit EntityChanges(Reader reader) : reader_(std::move(reader)) {}

  absl::StatusOr<Entity*> Load(uint64_t id) {
    auto it = touched_.find(id);
    if (it != touched_.end()) return &it->second;
    NG_ASSIGN_OR_RETURN(std::optional<Entity> entity, reader_(id));
    if (!entity.has_value()) {
      return absl::DataLossError(absl::StrCat("entity ", id, " is referenced but missing"));
    }
    original_counts_[id] = entity->mention_count();
    return &touched_.emplace(id, *std::move(entity)).first->second;
  }

  // Loads `id`, following merges to the entity that absorbed it; returns
  // the id actually loaded.
  absl::StatusOr<std::pair<uint64_t, Entity*>> LoadResolved(uint64_t id) {
    for (int hops = 0; hops < 8; ++hops) {
      NG_ASSIGN_OR_RETURN(Entity * entity, Load(id));
      if (entity->merged_into().empty()) return std::pair{id, entity};
      NG_ASSIGN_OR_RETURN(id, EntityCore::ParseEntityName(entity->merged_into()));
    }
    return absl::DataLossError(absl::StrCat("entity ", id, " is merged in a cycle"));
  }

  void Create(uint64_t id, Entity entity) {
    original_counts_[id] = 0;
    touched_.emplace(id, std::move(entity));
  }

  // Subtracts everything `annotations` of `document` contributed.
  absl::Status RemoveDocument(absl::string_view document,
                              const AnnotateDocumentResponse& annotations, WriteBatch* batch) {
    for (const Mention& m : annotations.mentions()) {
      if (m.entity().empty()) continue;
      NG_ASSIGN_OR_RETURN(uint64_t id, EntityCore::ParseEntityName(m.entity()));
      NG_ASSIGN_OR_RETURN(auto resolved, LoadResolved(id));
      resolved.second->set_mention_count(resolved.second->mention_count() - 1);
      AdjustAlias(resolved.second, m.text(), -1);
      batch->Delete(cf::kEntityMentions,
                    MentionKey(resolved.first, document, m.span().byte_begin()));
    }
    for (const newsgraph::v1::DocumentEntity& de : annotations.entities()) {
      NG_ASSIGN_OR_RETURN(uint64_t id, EntityCore::ParseEntityName(de.entity()));
      NG_ASSIGN_OR_RETURN(auto resolved, LoadResolved(id));
      resolved.second->set_document_count(resolved.second->document_count() - 1);
    }
    for (const newsgraph::v1::RoleMention& role : annotations.roles()) {
      NG_ASSIGN_OR_RETURN(uint64_t id, EntityCore::ParseEntityName(role.person()));
      NG_ASSIGN_OR_RETURN(auto resolved, LoadResolved(id));
      AdjustRole(resolved.second, role, -1);
    }
    return absl::OkStatus();
  }

  // Writes every changed entity and moves its rank key.
  void WriteTo(WriteBatch* batch) {
    for (auto& [id, entity] : touched_) {
      SortAliases(&entity);
      const int64_t before = original_counts_[id];
      if (before > 0) batch->Delete(cf::kEntityRank, RankKey(before, id));
      if (entity.mention_count() > 0) {
        batch->Put(cf::kEntityRank, RankKey(entity.mention_count(), id), "");
      }
      batch->Put(cf::kEntities, IdKey(id), entity.SerializeAsString());
    }
  }

 private:
  Reader reader_;
  absl::flat_hash_map<uint64_t, Entity> touched_;
  absl::flat_hash_map<uint64_t, int64_t> original_counts_;
};

newsgraph::v1::TextSpan MakeSpan(const text::CodePointOffsets& offsets, size_t begin, size_t end) {
  newsgraph::v1::TextSpan span;
  span.set_begin(offsets.FromByte(begin));
  span.set_end(offsets.FromByte(end));
  span.set_byte_begin(static_cast<uint32_t>(begin));
  span.set_byte_end(static_cast<uint32_t>(end));
  return span;
}

absl::Status ValidateText(absl::string_view text, absl::string_view field, size_t max_bytes) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is required and must not be empty"));
  }
  if (text.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is ", text.size(), " bytes; at most ", max_bytes, " allowed"));
  }
  if (auto bad = text::FindInvalidUtf8(text)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is not valid UTF-8 at byte offset ", *bad));
  }
  return absl::OkStatus();
}

}  // namespace

std::string EntityCore::EntityName(uint64_t id) { return absl::StrCat(kEntityPrefix, id); }

absl::StatusOr<uint64_t> EntityCore::ParseEntityName(const std::string& name) {
  absl::string_view rest = name;
  uint64_t id = 0;
  if (!absl::ConsumePrefix(&rest, kEntityPrefix) || !absl::SimpleAtoi(rest, &id) || id == 0 ||
      rest.find_first_not_of("0123456789") != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("entity name '", name, "' must have the form entities/{positive integer}"));
  }
  return id;
}

absl::StatusOr<std::unique_ptr<EntityCore>> EntityCore::Open(storage::KvStore* store,
                                                             const Recognizer* recognizer,
                                                             EntityLimits limits) {
  std::unique_ptr<EntityCore> core(new EntityCore(store, recognizer, limits));
  NG_ASSIGN_OR_RETURN(std::string key, storage::LoadOrCreatePageTokenKey(store, cf::kMeta));
  core->page_tokens_ = std::make_unique<const PageTokens>(std::move(key));
  NG_ASSIGN_OR_RETURN(std::optional<std::string> next, store->Get(cf::kMeta, kNextEntityKey));
  newsgraph::MutexLock lock(&core->write_mu_);
  if (next.has_value()) {
    if (next->size() != 8) return absl::DataLossError("entity meta counter is corrupted");
    core->next_entity_id_ = storage::DecodeBigEndian64(next->data());
  }
  return core;
}

absl::StatusOr<std::optional<Entity>> EntityCore::ReadEntity(uint64_t id) const {
  NG_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(cf::kEntities, IdKey(id)));
  if (!value.has_value()) return std::nullopt;
  Entity entity;
  if (!entity.ParseFromString(*value)) {
    return absl::DataLossError(absl::StrCat("stored entity ", id, " cannot be parsed"));
  }
  return entity;
}

absl::StatusOr<std::optional<EntityCore::StoredAnnotation>> EntityCore::ReadAnnotation(
    const std::string& document) const {
  NG_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(cf::kDocAnnotations, document));
  if (!value.has_value()) return std::nullopt;
  StoredAnnotation stored;
  if (value->size() < 8 ||
      !stored.annotations.ParseFromArray(value->data() + 8, static_cast<int>(value->size() - 8))) {
    return absl::DataLossError(absl::StrCat("stored annotation of ", document, " is corrupted"));
  }
  stored.version = static_cast<int64_t>(storage::DecodeBigEndian64(value->data()));
  return stored;
}

absl::StatusOr<newsgraph::v1::AnalyzeTextResponse> EntityCore::AnalyzeText(
    const newsgraph::v1::AnalyzeTextRequest& request, const std::function<bool()>& stop) const {
  NG_RETURN_IF_ERROR(ValidateText(request.text(), "text", limits_.max_analyze_bytes));
  const Recognition recognition = recognizer_->Recognize(request.text(), stop);
  if (recognition.stopped) {
    return absl::CancelledError("analysis stopped before it finished: the call was cancelled");
  }
  const text::CodePointOffsets offsets(request.text());
  newsgraph::v1::AnalyzeTextResponse response;
  response.set_model(recognizer_->model_id());
  for (const auto& [begin, end] : recognition.sentences) {
    *response.add_sentences() = MakeSpan(offsets, begin, end);
  }
  for (const RecognizedMention& m : recognition.mentions) {
    Mention* mention = response.add_mentions();
    mention->set_type(m.type);
    mention->set_text(request.text().substr(m.byte_begin, m.byte_end - m.byte_begin));
    *mention->mutable_span() = MakeSpan(offsets, m.byte_begin, m.byte_end);
    mention->set_sentence_index(static_cast<uint32_t>(m.sentence_index));
    mention->set_confidence(m.confidence);
    mention->set_model(recognizer_->model_id());
    mention->set_normalized_value(m.normalized_value);
  }
  return response;
}

absl::StatusOr<AnnotateDocumentResponse> EntityCore::AnnotateDocument(
    const newsgraph::v1::AnnotateDocumentRequest& request, const std::function<bool()>& stop) {
  if (request.document().empty()) return absl::InvalidArgumentError("document is required");
  if (request.version() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("version must be positive (got ", request.version(), ")"));
  }
  NG_RETURN_IF_ERROR(ValidateText(request.text(), "text", limits_.max_annotate_bytes));
  const std::string& doc = request.document();
  const std::string& text = request.text();

  // Recognition is the expensive part and needs no lock: concurrent calls
  // recognize in parallel and only resolve and write one at a time. A
  // version already recorded is answered without recognizing again.
  {
    NG_ASSIGN_OR_RETURN(std::optional<StoredAnnotation> early, ReadAnnotation(doc));
    if (early.has_value() && early->version == request.version()) {
      early->annotations.set_already_annotated(true);
      return std::move(early->annotations);
    }
  }
  const Recognition recognition = recognizer_->Recognize(text, stop);
  if (recognition.stopped) {
    return absl::CancelledError(absl::StrCat("annotation of ", doc, " v", request.version(),
                                             " stopped before it finished: the call was "
                                             "cancelled; nothing was stored"));
  }

  newsgraph::MutexLock lock(&write_mu_);
  std::optional<AnnotateDocumentResponse> previous;
  NG_ASSIGN_OR_RETURN(std::optional<StoredAnnotation> stored, ReadAnnotation(doc));
  if (stored.has_value()) {
    if (stored->version == request.version()) {
      stored->annotations.set_already_annotated(true);
      return std::move(stored->annotations);
    }
    if (stored->version > request.version()) {
      return absl::FailedPreconditionError(absl::StrCat(doc, " version ", stored->version,
                                                        " is already annotated; version ",
                                                        request.version(), " is older"));
    }
    previous = std::move(stored->annotations);
  }

  EntityChanges changes([this](uint64_t id) { return ReadEntity(id); });
  WriteBatch batch;
  if (previous.has_value()) NG_RETURN_IF_ERROR(changes.RemoveDocument(doc, *previous, &batch));

  const text::CodePointOffsets offsets(text);
  if (request.has_published_time()) {
    NG_RETURN_IF_ERROR(ValidateTimestamp("published_time", request.published_time()));
  }
  const google::protobuf::Timestamp seen =
      request.has_published_time() ? request.published_time() : NowTimestamp();
  AnnotateDocumentResponse response;
  *response.mutable_published_time() = seen;
  absl::flat_hash_map<std::string, uint64_t> learned_aliases;  // alias key -> id, this call
  // Per document: entity id -> (mentions, first byte offset).
  absl::flat_hash_map<uint64_t, std::pair<uint32_t, size_t>> in_document;
  // The document's people named in full: (id, folded first word, folded last word).
  std::vector<std::tuple<uint64_t, std::string, std::string>> doc_persons;
  std::vector<std::pair<uint64_t, std::string>> doc_orgs;       // (id, initials)
  std::vector<std::pair<uint64_t, std::string>> doc_org_heads;  // (id, folded head word)
  absl::flat_hash_set<std::pair<uint64_t, std::string>> defined_in_document;  // (id, full name)

  // Acronyms the document uses (folded), for linking long names to them.
  absl::flat_hash_set<std::string> document_acronyms;
  for (const RecognizedMention& rm : recognition.mentions) {
    const absl::string_view surface =
        absl::string_view(text).substr(rm.byte_begin, rm.byte_end - rm.byte_begin);
    if (surface.size() >= 2 && surface.size() <= 6 &&
        std::all_of(surface.begin(), surface.end(),
                    [](char c) { return absl::ascii_isupper(static_cast<unsigned char>(c)); })) {
      document_acronyms.insert(text::FoldForMatching(surface));
    }
  }
  for (const RecognizedMention& rm : recognition.mentions) {
    Mention* mention = response.add_mentions();
    const std::string surface = text.substr(rm.byte_begin, rm.byte_end - rm.byte_begin);
    mention->set_document(doc);
    mention->set_document_version(request.version());
    mention->set_type(rm.type);
    mention->set_text(surface);
    *mention->mutable_span() = MakeSpan(offsets, rm.byte_begin, rm.byte_end);
    mention->set_sentence_index(static_cast<uint32_t>(rm.sentence_index));
    mention->set_confidence(rm.confidence);
    mention->set_model(recognizer_->model_id());
    mention->set_normalized_value(rm.normalized_value);
    for (int p = 0; p < request.paragraphs_size(); ++p) {
      if (request.paragraphs(p).span().byte_end() > rm.byte_begin) {
        mention->set_paragraph_index(static_cast<uint32_t>(p));
        break;
      }
    }
    if (!IsNameType(rm.type)) continue;

    const std::string code = rm.type == newsgraph::v1::GPE ? recognizer_->CountryCode(surface) : "";
    const std::string folded = text::FoldForMatching(surface);
    const std::string key = code.empty() ? AliasKey(folded, rm.type)
                                         : AliasKey(absl::StrCat("iso3166:", code), rm.type);
    std::optional<uint64_t> id;
    // Short forms within the document come first: "Zhang" after "Zhang
    // Ming" (family or given name, when only one person of the document has
    // it), "the Organization" after "Shanghai Cooperation Organization". They
    // stay local: the alias table does not learn them, since another
    // document's "Zhang" may be someone else.
    const bool single_word = surface.find(' ') == std::string::npos;
    bool short_form = false;
    if (single_word && (rm.type == newsgraph::v1::PERSON || rm.type == newsgraph::v1::MISC ||
                        rm.type == newsgraph::v1::NORP)) {
      std::optional<uint64_t> match;
      bool ambiguous = false;
      for (const auto& [person, first, last] : doc_persons) {
        if (first != folded && last != folded) continue;
        if (match.has_value() && *match != person) ambiguous = true;
        match = person;
      }
      if (match.has_value() && !ambiguous) {
        id = match;
        short_form = true;
      }
    }
    // The tagger may call such a word MISC or NORP; the document's own
    // definition decides, and the mention becomes an ORG.
    if (!id.has_value() && single_word &&
        (rm.type == newsgraph::v1::ORG || rm.type == newsgraph::v1::MISC ||
         rm.type == newsgraph::v1::NORP) &&
        IsGenericOrgHead(FoldSpelling(folded))) {
      const std::string head = FoldSpelling(folded);
      for (const auto& [org, org_head] : doc_org_heads) {
        if (org_head == head) id = org;  // the latest one defined
      }
      short_form = id.has_value();
      if (short_form) mention->set_type(newsgraph::v1::ORG);
    }
    if (id.has_value()) {
      // resolved above
    } else if (auto it = learned_aliases.find(key); it != learned_aliases.end()) {
      id = it->second;
    } else {
      NG_ASSIGN_OR_RETURN(std::optional<std::string> found, store_->Get(cf::kAliases, key));
      if (found.has_value() && found->size() == 8) id = storage::DecodeBigEndian64(found->data());
    }
    if (!id.has_value() && single_word && surface.size() >= 2 && surface.size() <= 6) {
      for (const auto& [org, initials] : doc_orgs) {
        if (initials == folded) id = org;
      }
    }
    // A new long name whose initials are a known organisation's acronym that
    // this document also uses is that organisation ("Shanghai Cooperation
    // Organization" and "SCO"). Without the acronym in the document, initials
    // alone prove nothing ("Supreme Court of Ontario" is not the SCO).
    if (!id.has_value() && rm.type == newsgraph::v1::ORG && !single_word) {
      const std::string initials = Initials(surface);
      if (initials.size() >= 2 && document_acronyms.contains(initials)) {
        const std::string key = AliasKey(initials, newsgraph::v1::ORG);
        if (auto it = learned_aliases.find(key); it != learned_aliases.end()) {
          id = it->second;
        } else {
          NG_ASSIGN_OR_RETURN(std::optional<std::string> found, store_->Get(cf::kAliases, key));
          if (found.has_value() && found->size() == 8)
            id = storage::DecodeBigEndian64(found->data());
        }
      }
    }
    // Weakly typed mentions (NORP, MISC) of a name already known with a
    // stronger type join that entity instead of starting a new one.
    if (!id.has_value() && (rm.type == newsgraph::v1::NORP || rm.type == newsgraph::v1::MISC)) {
      const std::string prefix = KeyBuilder().AddString(folded).key();
      storage::ReadOptions scan;
      scan.upper_bound = storage::PrefixSuccessor(prefix);
      std::unique_ptr<storage::Iterator> it = store_->NewIterator(cf::kAliases, scan);
      int64_t best_mentions = 0;
      for (it->Seek(prefix); it->Valid(); it->Next()) {
        if (it->value().size() != 8) continue;
        const uint64_t candidate = storage::DecodeBigEndian64(it->value().data());
        NG_ASSIGN_OR_RETURN(std::optional<Entity> entity, ReadEntity(candidate));
        if (!entity.has_value() || entity->type() == newsgraph::v1::NORP ||
            entity->type() == newsgraph::v1::MISC) {
          continue;
        }
        if (entity->mention_count() > best_mentions) {
          best_mentions = entity->mention_count();
          id = candidate;
        }
      }
      NG_RETURN_IF_ERROR(it->status());
    }
    if (!id.has_value()) {
      id = next_entity_id_++;
      Entity created;
      created.set_name(EntityName(*id));
      created.set_type(rm.type);
      created.set_canonical_name(surface);
      *created.mutable_first_seen_time() = seen;
      *created.mutable_last_seen_time() = seen;
      if (!code.empty()) (*created.mutable_external_ids())["iso3166"] = code;
      changes.Create(*id, std::move(created));
    }
    if (!short_form && !learned_aliases.contains(key)) {
      learned_aliases[key] = *id;
      batch.Put(cf::kAliases, key, EncodeBigEndian64(*id));
      // The surface form is also reachable as text (for ResolveEntities).
      if (!code.empty()) batch.Put(cf::kAliases, AliasKey(folded, rm.type), EncodeBigEndian64(*id));
    }
    NG_ASSIGN_OR_RETURN(auto resolved, changes.LoadResolved(*id));  // Follows merges.
    id = resolved.first;
    Entity* entity = resolved.second;
    if (entity->type() != rm.type) mention->set_type(entity->type());
    entity->set_mention_count(entity->mention_count() + 1);
    AdjustAlias(entity, surface, +1);
    if (FromTimestamp(seen) < FromTimestamp(entity->first_seen_time())) {
      *entity->mutable_first_seen_time() = seen;
    }
    if (FromTimestamp(seen) > FromTimestamp(entity->last_seen_time())) {
      *entity->mutable_last_seen_time() = seen;
    }
    mention->set_entity(EntityName(*id));
    ++in_document.try_emplace(*id, 0, rm.byte_begin).first->second.first;
    // Full names define the short forms later mentions may use, whether or
    // not the entity was first mentioned by a short form ("SCO" before
    // "Shanghai Cooperation Organization").
    if (!single_word && defined_in_document.emplace(*id, surface).second) {
      if (entity->type() == newsgraph::v1::PERSON) {
        doc_persons.emplace_back(*id, FirstWordFolded(surface), LastWordFolded(surface));
      } else if (entity->type() == newsgraph::v1::ORG) {
        doc_orgs.emplace_back(*id, Initials(surface));
        doc_org_heads.emplace_back(*id, FoldSpelling(LastWordFolded(surface)));
      }
    }
    batch.Put(cf::kEntityMentions, MentionKey(*id, doc, rm.byte_begin),
              mention->SerializeAsString());
  }

  // Salience: share of the document's mentions, plus how early the entity
  // first appears, plus a bonus for appearing in the title.
  const std::string folded_title = text::FoldForMatching(request.title());
  const double total = std::max<size_t>(1, response.mentions_size());
  for (const auto& [id, stats] : in_document) {
    NG_ASSIGN_OR_RETURN(Entity * entity, changes.Load(id));
    entity->set_document_count(entity->document_count() + 1);
    const double share = stats.first / total;
    const double early = 1.0 - static_cast<double>(stats.second) / std::max<size_t>(1, text.size());
    bool in_title = false;
    for (const auto& alias : entity->aliases()) {
      if (!folded_title.empty() &&
          absl::StrContains(folded_title, text::FoldForMatching(alias.text()))) {
        in_title = true;
      }
    }
    newsgraph::v1::DocumentEntity* de = response.add_entities();
    de->set_entity(EntityName(id));
    de->set_canonical_name(entity->canonical_name());
    de->set_type(entity->type());
    de->set_mention_count(stats.first);
    de->set_salience(static_cast<float>(
        std::min(1.0, 0.55 * std::sqrt(share) + 0.25 * early + (in_title ? 0.2 : 0.0))));
  }
  std::sort(response.mutable_entities()->begin(), response.mutable_entities()->end(),
            [](const auto& a, const auto& b) {
              return a.salience() != b.salience() ? a.salience() > b.salience()
                                                  : a.entity() < b.entity();
            });

  // The first store error of the alias lookups below; the annotation fails
  // with it rather than storing roles and quotes resolved without the store.
  absl::Status lookup_error;
  auto keep_error = [&lookup_error](const absl::Status& status) {
    if (lookup_error.ok()) lookup_error = status;
  };
  // Roles: "SCO Secretary-General Zhang Ming", "Chinese Foreign Minister Wang Yi".
  auto resolve_organization = [&](const Mention& m) -> std::string {
    if (m.type() != newsgraph::v1::NORP) return m.entity();
    // A nationality stands for its country's entity, when it is known.
    const std::string code = recognizer_->CountryCodeOfDemonym(m.text());
    if (code.empty()) return "";
    const std::string key = AliasKey(absl::StrCat("iso3166:", code), newsgraph::v1::GPE);
    if (auto it = learned_aliases.find(key); it != learned_aliases.end()) {
      return EntityName(it->second);
    }
    absl::StatusOr<std::optional<std::string>> found = store_->Get(cf::kAliases, key);
    if (!found.ok()) {
      keep_error(found.status());
      return "";
    }
    if (!found->has_value() || (*found)->size() != 8) return "";
    absl::StatusOr<uint64_t> resolved = ResolveMerged(storage::DecodeBigEndian64((*found)->data()));
    if (!resolved.ok()) {
      keep_error(resolved.status());
      return "";
    }
    return EntityName(*resolved);
  };
  for (newsgraph::v1::RoleMention& role :
       FindRoles(text, recognition.sentences, response.mentions(), resolve_organization)) {
    const size_t begin = role.span().byte_begin();
    const size_t end = role.span().byte_end();
    *role.mutable_span() = MakeSpan(offsets, begin, end);
    NG_ASSIGN_OR_RETURN(uint64_t person, ParseEntityName(role.person()));
    NG_ASSIGN_OR_RETURN(Entity * entity, changes.Load(person));
    AdjustRole(entity, role, +1);
    *response.add_roles() = std::move(role);
  }
  NG_RETURN_IF_ERROR(lookup_error);

  changes.WriteTo(&batch);
  // Quotes: interview answers and reported speech, attributed to people.
  auto resolve_speaker = [&](absl::string_view speaker) -> std::optional<std::string> {
    // A person of this document whose name ends the attribution
    // ("SCO Secretary-General Zhang Ming" -> "Zhang Ming"), longest first.
    const std::string folded_speaker = text::FoldForMatching(speaker);
    std::optional<std::string> best;
    size_t best_length = 0;
    for (const Mention& m : response.mentions()) {
      if (m.type() != newsgraph::v1::PERSON || m.entity().empty()) continue;
      const std::string name = text::FoldForMatching(m.text());
      if (name.size() > best_length && absl::EndsWith(folded_speaker, name)) {
        best = m.entity();
        best_length = name.size();
      }
    }
    if (best.has_value()) return best;
    // Else the person named in the attribution, through the alias table.
    for (const RecognizedMention& m : recognizer_->Recognize(speaker).mentions) {
      if (m.type != newsgraph::v1::PERSON) continue;
      const std::string key =
          AliasKey(text::FoldForMatching(speaker.substr(m.byte_begin, m.byte_end - m.byte_begin)),
                   newsgraph::v1::PERSON);
      if (auto it = learned_aliases.find(key); it != learned_aliases.end()) {
        return EntityName(it->second);
      }
      absl::StatusOr<std::optional<std::string>> found = store_->Get(cf::kAliases, key);
      if (!found.ok()) {
        keep_error(found.status());
        return std::nullopt;
      }
      if (found->has_value() && (*found)->size() == 8) {
        return EntityName(storage::DecodeBigEndian64((*found)->data()));
      }
    }
    return std::nullopt;
  };
  for (newsgraph::v1::Quote& quote : FindQuotes(text, recognition.sentences, response.mentions(),
                                                request.passages(), resolve_speaker)) {
    quote.set_document(doc);
    if (request.has_published_time()) *quote.mutable_published_time() = request.published_time();
    *response.add_quotes() = std::move(quote);
  }
  NG_RETURN_IF_ERROR(lookup_error);
  if (previous.has_value()) {
    for (const newsgraph::v1::Quote& quote : previous->quotes()) {
      NG_ASSIGN_OR_RETURN(uint64_t speaker, ParseEntityName(quote.speaker()));
      NG_ASSIGN_OR_RETURN(speaker, ResolveMerged(speaker));
      batch.Delete(cf::kQuotes, keys::QuoteKey(speaker, doc, quote.span().byte_begin()));
    }
  }
  for (const newsgraph::v1::Quote& quote : response.quotes()) {
    NG_ASSIGN_OR_RETURN(uint64_t speaker, ParseEntityName(quote.speaker()));
    batch.Put(cf::kQuotes, keys::QuoteKey(speaker, doc, quote.span().byte_begin()),
              quote.SerializeAsString());
  }

  std::string record = EncodeBigEndian64(static_cast<uint64_t>(request.version()));
  response.AppendToString(&record);
  batch.Put(cf::kDocAnnotations, doc, record);
  batch.Put(cf::kMeta, kNextEntityKey, EncodeBigEndian64(next_entity_id_));
  CooccurrenceUpdate cooccurrence;
  const IdResolver resolve = [this](uint64_t id) { return ResolveMerged(id); };
  if (previous.has_value()) NG_RETURN_IF_ERROR(cooccurrence.RemoveDocument(doc, *previous, resolve));
  NG_RETURN_IF_ERROR(
      cooccurrence.AddDocument(doc, response, text, recognition.sentences, offsets));
  NG_RETURN_IF_ERROR(cooccurrence.WriteTo(*store_, &batch));
  // Synced: the pipeline treats a returned annotation as durable.
  NG_RETURN_IF_ERROR(store_->Write(batch, storage::Durability::kSynced));
  return response;
}

absl::StatusOr<int64_t> EntityCore::DeleteDocumentAnnotations(const std::string& document) {
  if (document.empty()) return absl::InvalidArgumentError("document is required");
  newsgraph::MutexLock lock(&write_mu_);
  NG_ASSIGN_OR_RETURN(std::optional<StoredAnnotation> stored, ReadAnnotation(document));
  if (!stored.has_value()) return 0;
  EntityChanges changes([this](uint64_t id) { return ReadEntity(id); });
  WriteBatch batch;
  NG_RETURN_IF_ERROR(changes.RemoveDocument(document, stored->annotations, &batch));
  changes.WriteTo(&batch);
  CooccurrenceUpdate cooccurrence;
  NG_RETURN_IF_ERROR(cooccurrence.RemoveDocument(
      document, stored->annotations, [this](uint64_t id) { return ResolveMerged(id); }));
  NG_RETURN_IF_ERROR(cooccurrence.WriteTo(*store_, &batch));
  for (const newsgraph::v1::Quote& quote : stored->annotations.quotes()) {
    NG_ASSIGN_OR_RETURN(uint64_t speaker, ParseEntityName(quote.speaker()));
    NG_ASSIGN_OR_RETURN(speaker, ResolveMerged(speaker));
    batch.Delete(cf::kQuotes, keys::QuoteKey(speaker, document, quote.span().byte_begin()));
  }
  batch.Delete(cf::kDocAnnotations, document);
  NG_RETURN_IF_ERROR(store_->Write(batch, storage::Durability::kSynced));
  return stored->annotations.mentions_size();
}

absl::StatusOr<Entity> EntityCore::GetEntity(const std::string& name) const {
  NG_ASSIGN_OR_RETURN(uint64_t id, ParseEntityName(name));
  // Follow merges (bounded, in case of a cycle from manual edits).
  for (int hops = 0; hops < 8; ++hops) {
    NG_ASSIGN_OR_RETURN(std::optional<Entity> entity, ReadEntity(id));
    if (!entity.has_value()) {
      return absl::NotFoundError(absl::StrCat("entity '", name, "' does not exist"));
    }
    if (entity->merged_into().empty()) return *std::move(entity);
    NG_ASSIGN_OR_RETURN(id, ParseEntityName(entity->merged_into()));
  }
  return absl::InternalError(absl::StrCat("entity '", name, "' is merged in a cycle"));
}

absl::StatusOr<uint64_t> EntityCore::ResolveMerged(uint64_t id) const {
  for (int hops = 0; hops < 8; ++hops) {
    NG_ASSIGN_OR_RETURN(std::optional<Entity> entity, ReadEntity(id));
    if (!entity.has_value() || entity->merged_into().empty()) return id;
    NG_ASSIGN_OR_RETURN(id, ParseEntityName(entity->merged_into()));
  }
  return absl::DataLossError(absl::StrCat("entity ", id, " is merged in a cycle"));
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
  for (auto& [other_id, c] : counts) {
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
      std::vector<std::string> keys = {folded};
      const std::string code = recognizer_->CountryCode(surface);
      if (!code.empty()) keys.push_back(absl::StrCat("iso3166:", code));
      std::vector<Entity> candidates;
      for (const std::string& k : keys) {
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
          bool seen = false;
          for (const Entity& c : candidates) seen = seen || c.name() == entity->name();
          if (!seen) candidates.push_back(*std::move(entity));
        }
        NG_RETURN_IF_ERROR(it->status());
      }
      if (candidates.empty()) continue;
      std::sort(candidates.begin(), candidates.end(), [](const Entity& a, const Entity& b) {
        return a.mention_count() > b.mention_count();
      });
      int64_t sum = 0;
      for (const Entity& c : candidates) sum += c.mention_count();
      newsgraph::v1::ResolvedSpan* span = response.add_spans();
      *span->mutable_span() = MakeSpan(offsets, begin, end);
      span->set_text(surface);
      for (int k = 0; k < static_cast<int>(candidates.size()) && k < max_candidates; ++k) {
        newsgraph::v1::ResolvedCandidate* candidate = span->add_candidates();
        candidate->set_score(static_cast<float>(candidates[k].mention_count()) /
                             static_cast<float>(std::max<int64_t>(1, sum)));
        *candidate->mutable_entity() = std::move(candidates[k]);
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
