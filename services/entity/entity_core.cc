#include "services/entity/entity_core.h"

#include <algorithm>
#include <functional>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "base/mutex.h"
#include "base/page_token.h"
#include "base/parallel_for.h"
#include "base/span_order.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "services/entity/cooccurrence.h"
#include "services/entity/entity_changes.h"
#include "services/entity/entity_keyspace.h"
#include "services/entity/mention_resolver.h"
#include "services/entity/name_forms.h"
#include "services/entity/quotes.h"
#include "services/entity/roles.h"
#include "services/entity/salience.h"
#include "services/entity/text_fields.h"
#include "services/text/normalizer.h"
#include "services/text/utf8.h"
#include "storage/key_codec.h"
#include "storage/page_token_key.h"

namespace newsgraph::entity {
namespace {

using keys::IdKey;
using newsgraph::v1::AnnotateDocumentRequest;
using newsgraph::v1::AnnotateDocumentResponse;
using newsgraph::v1::Entity;
using newsgraph::v1::Mention;
using storage::EncodeBigEndian64;
using storage::WriteBatch;

constexpr char kEntityPrefix[] = "entities/";
constexpr char kNextEntityKey[] = "next_entity_id";

// Failures that are the document's own (a stale version, a bad field)
// rather than the store's.
bool IsDocumentError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition ||
         status.code() == absl::StatusCode::kInvalidArgument;
}

absl::Status ValidateAnnotateRequest(const AnnotateDocumentRequest& request, size_t max_bytes) {
  if (request.document().empty()) return absl::InvalidArgumentError("document is required");
  if (request.version() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("version must be positive (got ", request.version(), ")"));
  }
  NG_RETURN_IF_ERROR(ValidateText(request.text(), "text", max_bytes));
  NG_RETURN_IF_ERROR(CheckSpansInOrder(request.paragraphs(), request.text().size(), "paragraphs"));
  NG_RETURN_IF_ERROR(CheckSpansInOrder(request.passages(), request.text().size(), "passages"));
  if (request.has_published_time()) {
    NG_RETURN_IF_ERROR(ValidateTimestamp("published_time", request.published_time()));
  }
  return absl::OkStatus();
}

// One mention record per recognized mention, in text order. Names of
// several words are resolved first, so that the full names a document uses
// define its short forms wherever these appear ("Blunkett" in a headline
// before "David Blunkett" in the text).
absl::Status AddMentions(const AnnotateDocumentRequest& request, const Recognition& recognition,
                         const text::CodePointOffsets& offsets, const std::string& model,
                         MentionResolver* resolver, AnnotateDocumentResponse* response) {
  const size_t first = static_cast<size_t>(response->mentions_size());
  for (const RecognizedMention& rm : recognition.mentions) {
    Mention* mention = response->add_mentions();
    mention->set_document(request.document());
    mention->set_document_version(request.version());
    mention->set_type(rm.type);
    mention->set_text(request.text().substr(rm.byte_begin, rm.byte_end - rm.byte_begin));
    *mention->mutable_span() = MakeSpan(offsets, rm.byte_begin, rm.byte_end);
    mention->set_sentence_index(static_cast<uint32_t>(rm.sentence_index));
    mention->set_confidence(rm.confidence);
    mention->set_model(model);
    mention->set_normalized_value(rm.normalized_value);
    // The first paragraph ending after the mention's start (paragraphs are
    // in text order: ValidateAnnotateRequest).
    const auto paragraph = std::upper_bound(
        request.paragraphs().begin(), request.paragraphs().end(), rm.byte_begin,
        [](size_t offset, const newsgraph::v1::Paragraph& p) { return offset < p.span().byte_end(); });
    if (paragraph != request.paragraphs().end()) {
      mention->set_paragraph_index(
          static_cast<uint32_t>(paragraph - request.paragraphs().begin()));
    }
  }
  for (const bool single_word : {false, true}) {
    for (size_t i = 0; i < recognition.mentions.size(); ++i) {
      const RecognizedMention& rm = recognition.mentions[i];
      if (!IsNameType(rm.type)) continue;
      if (MentionResolver::IsSingleWord(request.text(), rm) != single_word) continue;
      NG_RETURN_IF_ERROR(
          resolver->Resolve(rm, response->mutable_mentions(static_cast<int>(first + i))));
    }
  }
  return absl::OkStatus();
}

// The document's entities with their salience, most salient first; each
// counts one more document.
absl::Status AddDocumentEntities(const AnnotateDocumentRequest& request,
                                 const MentionResolver& resolver, EntityChanges* changes,
                                 AnnotateDocumentResponse* response) {
  const std::string folded_title = text::FoldForMatching(request.title());
  const size_t total = static_cast<size_t>(response->mentions_size());
  for (const auto& [id, stats] : resolver.in_document()) {
    NG_ASSIGN_OR_RETURN(Entity * entity, changes->Load(id));
    entity->set_document_count(entity->document_count() + 1);
    newsgraph::v1::DocumentEntity* de = response->add_entities();
    de->set_entity(EntityCore::EntityName(id));
    de->set_canonical_name(entity->canonical_name());
    de->set_type(entity->type());
    de->set_mention_count(stats.mentions);
    de->set_salience(
        Salience(stats, total, request.text().size(), NamedInTitle(*entity, folded_title)));
  }
  std::sort(response->mutable_entities()->begin(), response->mutable_entities()->end(),
            [](const auto& a, const auto& b) {
              return a.salience() != b.salience() ? a.salience() > b.salience()
                                                  : a.entity() < b.entity();
            });
  return absl::OkStatus();
}

// Roles: "SCO Secretary-General Zhang Ming", "Chinese Foreign Minister Wang Yi".
absl::Status AddRoles(const AnnotateDocumentRequest& request, const Recognition& recognition,
                      const text::CodePointOffsets& offsets, MentionResolver* resolver,
                      EntityChanges* changes, AnnotateDocumentResponse* response) {
  auto organization_of = [resolver](const Mention& m) { return resolver->OrganizationOf(m); };
  for (newsgraph::v1::RoleMention& role : FindRoles(request.text(), recognition.sentences,
                                                    response->mentions(), organization_of)) {
    const size_t begin = role.span().byte_begin();
    const size_t end = role.span().byte_end();
    *role.mutable_span() = MakeSpan(offsets, begin, end);
    NG_ASSIGN_OR_RETURN(uint64_t person, EntityCore::ParseEntityName(role.person()));
    NG_ASSIGN_OR_RETURN(Entity * entity, changes->Load(person));
    AdjustRole(entity, role, +1);
    *response->add_roles() = std::move(role);
  }
  // Resolved without the store, the roles would be wrong: fail instead.
  return resolver->lookup_error();
}

// Quotes: interview answers and reported speech, attributed to people.
absl::Status AddQuotes(const AnnotateDocumentRequest& request, const Recognition& recognition,
                       MentionResolver* resolver, AnnotateDocumentResponse* response) {
  auto speaker_of = [resolver, response](absl::string_view speaker) {
    return resolver->SpeakerOf(speaker, response->mentions());
  };
  for (newsgraph::v1::Quote& quote : FindQuotes(request.text(), recognition.sentences,
                                                response->mentions(), request.passages(),
                                                speaker_of)) {
    quote.set_document(request.document());
    *quote.mutable_published_time() = response->published_time();
    *response->add_quotes() = std::move(quote);
  }
  return resolver->lookup_error();
}

// The time a document's annotations are recorded under: its publication
// time; else the first full date (a DATE mention with a day, month and year)
// in the opening kStoryDateBytes of its text, where a dateline or a
// transcript's heading states it; else now.
google::protobuf::Timestamp StoryTime(const AnnotateDocumentRequest& request,
                                      const Recognition& recognition) {
  if (request.has_published_time()) return request.published_time();
  constexpr size_t kStoryDateBytes = 1000;
  for (const RecognizedMention& m : recognition.mentions) {
    if (m.byte_begin >= kStoryDateBytes) break;
    if (m.type != newsgraph::v1::DATE) continue;
    absl::CivilDay day;
    // A date after tomorrow is an event ahead (an expiry, a meeting), not the
    // story's own date.
    if (m.normalized_value.size() == 10 && absl::ParseCivilTime(m.normalized_value, &day) &&
        day.year() >= 1900 &&
        absl::FromCivil(day, absl::UTCTimeZone()) <= absl::Now() + absl::Hours(24)) {
      return ToTimestamp(absl::FromCivil(day, absl::UTCTimeZone()));
    }
  }
  return NowTimestamp();
}

}  // namespace

std::string EntityCore::EntityName(uint64_t id) { return absl::StrCat(kEntityPrefix, id); }

absl::StatusOr<uint64_t> EntityCore::ParseEntityName(const std::string& name) {
  absl::string_view rest = name;
  uint64_t id = 0;
  // One spelling per entity: "entities/007" is not "entities/7", so names
  // compared as strings (merge sources, page tokens) cannot alias.
  if (!absl::ConsumePrefix(&rest, kEntityPrefix) || !absl::SimpleAtoi(rest, &id) || id == 0 ||
      rest.find_first_not_of("0123456789") != absl::string_view::npos || rest[0] == '0') {
    return absl::InvalidArgumentError(
        absl::StrCat("entity name '", name,
                     "' must have the form entities/{positive integer without leading zeros}"));
  }
  return id;
}

absl::StatusOr<std::unique_ptr<EntityCore>> EntityCore::Open(storage::KvStore* store,
                                                             const Recognizer* recognizer,
                                                             EntityLimits limits,
                                                             size_t recognition_threads) {
  std::unique_ptr<EntityCore> core(
      new EntityCore(store, recognizer, limits, recognition_threads));
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
  if (request.has_reference_time()) {
    NG_RETURN_IF_ERROR(ValidateTimestamp("reference_time", request.reference_time()));
  }
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

absl::StatusOr<std::optional<AnnotateDocumentResponse>> EntityCore::RecordedAnnotation(
    const AnnotateDocumentRequest& request) const {
  NG_ASSIGN_OR_RETURN(std::optional<StoredAnnotation> stored, ReadAnnotation(request.document()));
  if (!stored.has_value() || stored->version != request.version() || request.reannotate()) {
    return std::nullopt;
  }
  stored->annotations.set_already_annotated(true);
  return std::move(stored->annotations);
}

absl::Status EntityCore::Recognized::Check(const AnnotateDocumentRequest& request) const {
  if (!recognition.stopped) return absl::OkStatus();
  return absl::CancelledError(absl::StrCat("annotation of ", request.document(), " v",
                                           request.version(),
                                           " stopped before it finished: the call was "
                                           "cancelled; nothing was stored"));
}

absl::StatusOr<AnnotateDocumentResponse> EntityCore::AnnotateDocument(
    const AnnotateDocumentRequest& request, const std::function<bool()>& stop) {
  NG_RETURN_IF_ERROR(ValidateAnnotateRequest(request, limits_.max_annotate_bytes));
  // Recognition is the expensive part and needs no lock: concurrent calls
  // recognize in parallel and only resolve and write one at a time. A
  // version already recorded is answered without recognizing again.
  NG_ASSIGN_OR_RETURN(std::optional<AnnotateDocumentResponse> recorded,
                      RecordedAnnotation(request));
  if (recorded.has_value()) {
    // The record may be a batch's that is written but not yet synced (a
    // retry of a call still running). The batch holds write_mu_ until its
    // sync, so taking the lock makes the answer durable before it leaves.
    newsgraph::MutexLock synced(&write_mu_);
    return *std::move(recorded);
  }
  const Recognized recognized{recognizer_->Recognize(request.text(), stop)};
  NG_RETURN_IF_ERROR(recognized.Check(request));
  newsgraph::MutexLock lock(&write_mu_);
  // Synced: the pipeline treats a returned annotation as durable.
  return Record(request, recognized.recognition, storage::Durability::kSynced);
}

absl::Status EntityCore::ValidateBatch(absl::Span<const AnnotateDocumentRequest* const> requests) const {
  if (requests.size() > limits_.max_batch_documents) {
    return absl::InvalidArgumentError(absl::StrCat("requests holds ", requests.size(),
                                                   " documents; the limit is ",
                                                   limits_.max_batch_documents));
  }
  size_t bytes = 0;
  absl::flat_hash_set<absl::string_view> documents;
  for (size_t i = 0; i < requests.size(); ++i) {
    bytes += requests[i]->text().size();
    if (!documents.insert(requests[i]->document()).second) {
      return absl::InvalidArgumentError(absl::StrCat("requests[", i, "].document ",
                                                     requests[i]->document(),
                                                     " appears twice in the batch"));
    }
  }
  if (bytes > limits_.max_annotate_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("the texts of requests add up to ", bytes,
                                                   " bytes; the limit is ",
                                                   limits_.max_annotate_bytes));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<absl::StatusOr<AnnotateDocumentResponse>>>
EntityCore::BatchAnnotateDocuments(absl::Span<const AnnotateDocumentRequest* const> requests,
                                   const std::function<bool()>& stop) {
  NG_RETURN_IF_ERROR(ValidateBatch(requests));
  std::vector<absl::StatusOr<AnnotateDocumentResponse>> results(
      requests.size(), absl::InternalError("not annotated"));
  std::vector<std::optional<Recognized>> recognized(requests.size());
  // Recognition in parallel: it reads only the model and the text.
  recognition_threads_.For(requests.size(), [&](size_t i) {
    const AnnotateDocumentRequest& request = *requests[i];
    absl::Status valid = ValidateAnnotateRequest(request, limits_.max_annotate_bytes);
    if (!valid.ok()) {
      results[i] = absl::Status(valid.code(), absl::StrCat("requests[", i, "]: ", valid.message()));
      return;
    }
    absl::StatusOr<std::optional<AnnotateDocumentResponse>> recorded = RecordedAnnotation(request);
    if (!recorded.ok()) {
      results[i] = recorded.status();
      return;
    }
    if (recorded->has_value()) {
      results[i] = **std::move(recorded);
      return;
    }
    recognized[i].emplace(Recognized{recognizer_->Recognize(request.text(), stop)});
  });
  if (stop && stop()) {
    return absl::CancelledError("the batch was cancelled before anything was stored");
  }
  // Resolution in request order, each document written before the next is
  // resolved (it may name what the previous one created), all made durable
  // by one sync.
  newsgraph::MutexLock lock(&write_mu_);
  absl::Status storage_error;
  for (size_t i = 0; i < requests.size() && storage_error.ok(); ++i) {
    if (!recognized[i].has_value()) continue;
    if (absl::Status stopped = recognized[i]->Check(*requests[i]); !stopped.ok()) {
      results[i] = stopped;
      continue;
    }
    results[i] = Record(*requests[i], recognized[i]->recognition,
                        storage::Durability::kProcessCrashSafe);
    if (!results[i].ok() && !IsDocumentError(results[i].status())) {
      storage_error = results[i].status();
    }
  }
  // Also after a failure: the documents written so far may be answered from
  // their records by a retry, so they must be durable first.
  absl::Status synced = store_->Sync();
  NG_RETURN_IF_ERROR(storage_error);
  NG_RETURN_IF_ERROR(synced);
  return results;
}

absl::StatusOr<AnnotateDocumentResponse> EntityCore::Record(const AnnotateDocumentRequest& request,
                                                            const Recognition& recognition,
                                                            storage::Durability durability) {
  const std::string& doc = request.document();
  std::optional<AnnotateDocumentResponse> previous;
  NG_ASSIGN_OR_RETURN(std::optional<StoredAnnotation> stored, ReadAnnotation(doc));
  if (stored.has_value()) {
    if (stored->version == request.version() && !request.reannotate()) {
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
  const text::CodePointOffsets offsets(request.text());
  AnnotateDocumentResponse response;
  *response.mutable_published_time() = StoryTime(request, recognition);
  MentionResolver resolver(
      {.store = store_,
       .recognizer = recognizer_,
       .changes = &changes,
       .batch = &batch,
       .next_entity_id = &next_entity_id_,
       .seen = response.published_time(),
       .resolve_merged = [this](uint64_t id) { return ResolveMerged(id); },
       .read_entity = [this](uint64_t id) { return ReadEntity(id); }},
      request.text(), recognition.mentions);
  NG_RETURN_IF_ERROR(AddMentions(request, recognition, offsets, recognizer_->model_id(),
                                 &resolver, &response));
  NG_RETURN_IF_ERROR(AddDocumentEntities(request, resolver, &changes, &response));
  NG_RETURN_IF_ERROR(AddRoles(request, recognition, offsets, &resolver, &changes, &response));
  changes.WriteTo(&batch);
  NG_RETURN_IF_ERROR(AddQuotes(request, recognition, &resolver, &response));
  NG_RETURN_IF_ERROR(WriteAnnotation(request, previous, response, recognition, offsets, &batch));
  NG_RETURN_IF_ERROR(store_->Write(batch, durability));
  return response;
}

absl::Status EntityCore::WriteAnnotation(const AnnotateDocumentRequest& request,
                                         const std::optional<AnnotateDocumentResponse>& previous,
                                         const AnnotateDocumentResponse& response,
                                         const Recognition& recognition,
                                         const text::CodePointOffsets& offsets,
                                         WriteBatch* batch) {
  const std::string& doc = request.document();
  if (previous.has_value()) {
    for (const newsgraph::v1::Quote& quote : previous->quotes()) {
      NG_ASSIGN_OR_RETURN(uint64_t speaker, ParseEntityName(quote.speaker()));
      NG_ASSIGN_OR_RETURN(speaker, ResolveMerged(speaker));
      batch->Delete(cf::kQuotes, keys::QuoteKey(speaker, doc, quote.span().byte_begin()));
    }
  }
  for (const newsgraph::v1::Quote& quote : response.quotes()) {
    NG_ASSIGN_OR_RETURN(uint64_t speaker, ParseEntityName(quote.speaker()));
    batch->Put(cf::kQuotes, keys::QuoteKey(speaker, doc, quote.span().byte_begin()),
               quote.SerializeAsString());
  }
  std::string record = EncodeBigEndian64(static_cast<uint64_t>(request.version()));
  response.AppendToString(&record);
  batch->Put(cf::kDocAnnotations, doc, record);
  batch->Put(cf::kMeta, kNextEntityKey, EncodeBigEndian64(next_entity_id_));
  CooccurrenceUpdate cooccurrence;
  const IdResolver resolve = [this](uint64_t id) { return ResolveMerged(id); };
  if (previous.has_value()) NG_RETURN_IF_ERROR(cooccurrence.RemoveDocument(doc, *previous, resolve));
  NG_RETURN_IF_ERROR(
      cooccurrence.AddDocument(doc, response, request.text(), recognition.sentences, offsets));
  return cooccurrence.WriteTo(*store_, batch);
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

}  // namespace newsgraph::entity
