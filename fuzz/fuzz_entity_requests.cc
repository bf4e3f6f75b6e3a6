// Request-level fuzzing of the entity service core: a real EntityCore on a
// temporary RocksDB (rule-based recognizer with the country gazetteer, no
// statistical model, so each input runs fast) takes sequences of structured
// requests built from the input: AnnotateDocument and BatchAnnotateDocuments
// with arbitrary text, spans, versions and timestamps, then the queries (ListRelatedEntities with
// extreme time windows, ListEntities, ResolveEntities, ListMentions,
// ListQuotes, GetEntity) with extreme page sizes and forged or reused page
// tokens; AnalyzeText; UpdateEntity and MergeEntities with repeated fields.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz/request_fuzzing.h"
#include "services/entity/entity_core.h"
#include "services/entity/entity_keyspace.h"
#include "services/entity/recognizer.h"
#include "storage/rocksdb_kv_store.h"

namespace {

using newsgraph::fuzzing::EdgeInt;
using newsgraph::fuzzing::FillTimestamp;
using newsgraph::fuzzing::Text;

struct World {
  std::unique_ptr<newsgraph::entity::Recognizer> recognizer;
  std::unique_ptr<newsgraph::storage::KvStore> store;
  std::unique_ptr<newsgraph::entity::EntityCore> core;
};

World* MakeWorld() {
  auto* world = new World;
  world->recognizer = std::make_unique<newsgraph::entity::Recognizer>(
      *newsgraph::entity::LoadCountryGazetteer());
  world->store =
      newsgraph::fuzzing::OpenTempStore("fuzz-entity", newsgraph::entity::EntityColumnFamilies());
  world->core = *newsgraph::entity::EntityCore::Open(world->store.get(), world->recognizer.get());
  return world;
}

std::string EntityName(FuzzedDataProvider& in) {
  return in.ConsumeBool() ? "entities/" + std::to_string(EdgeInt<int64_t>(in)) : Text(in, 32);
}

std::string DocumentName(FuzzedDataProvider& in) {
  return in.ConsumeBool() ? "documents/" + std::to_string(in.ConsumeIntegralInRange<int>(1, 4))
                          : Text(in, 32);
}

void FillSpan(FuzzedDataProvider& in, newsgraph::v1::TextSpan* span) {
  span->set_byte_begin(EdgeInt<uint32_t>(in));
  span->set_byte_end(EdgeInt<uint32_t>(in));
  span->set_begin(EdgeInt<uint32_t>(in));
  span->set_end(EdgeInt<uint32_t>(in));
}

void FillAnnotateRequest(FuzzedDataProvider& in, newsgraph::v1::AnnotateDocumentRequest* out) {
  static const char* kSentences[] = {
      "Zhang Ming met Wang Yi in Beijing on Monday. ",
      "Q: What about trade? (TASS)\nZhang Ming: Trade grew, the SCO said. ",
      "Russia and China signed the accord, Secretary-General Zhang Ming said. ",
      "India paid $5 billion, up 3% from 2022, on 12 May. "};
  newsgraph::v1::AnnotateDocumentRequest request;
  request.set_document(DocumentName(in));
  request.set_version(in.ConsumeBool() ? in.ConsumeIntegralInRange<int64_t>(1, 3)
                                       : EdgeInt<int64_t>(in));
  if (in.ConsumeBool()) {
    std::string text;
    const int n = in.ConsumeIntegralInRange<int>(0, 200);
    for (int i = 0; i < n; ++i) {
      text += kSentences[in.ConsumeIntegralInRange<size_t>(0, std::size(kSentences) - 1)];
    }
    request.set_text(text);
  } else {
    request.set_text(Text(in, 4096));
  }
  request.set_title(Text(in, 64));
  if (in.ConsumeBool()) FillTimestamp(in, request.mutable_published_time());
  // Mostly spans in order (as ingest sends them), sometimes arbitrary.
  const int paragraphs = in.ConsumeIntegralInRange<int>(0, in.ConsumeBool() ? 4 : 400);
  uint32_t offset = 0;
  for (int i = 0; i < paragraphs; ++i) {
    auto* span = request.add_paragraphs()->mutable_span();
    if (in.ConsumeIntegralInRange<int>(0, 9) == 0) {
      FillSpan(in, span);
      continue;
    }
    offset += in.ConsumeIntegralInRange<uint32_t>(0, 64);
    span->set_byte_begin(offset);
    offset += in.ConsumeIntegralInRange<uint32_t>(0, 256);
    span->set_byte_end(offset);
  }
  const int passages = in.ConsumeIntegralInRange<int>(0, 4);
  for (int i = 0; i < passages; ++i) {
    auto* passage = request.add_passages();
    FillSpan(in, passage->mutable_span());
    passage->set_asked_by(Text(in, 16));
    passage->set_answered_by(Text(in, 16));
    passage->set_question(Text(in, 32));
    passage->set_answer(Text(in, 32));
  }
  request.set_language(in.ConsumeBool() ? "en" : Text(in, 8));
  *out = std::move(request);
}

void Annotate(World& world, FuzzedDataProvider& in) {
  newsgraph::v1::AnnotateDocumentRequest request;
  FillAnnotateRequest(in, &request);
  newsgraph::fuzzing::CheckClientStatus(
      world.core->AnnotateDocument(request, [] { return false; }).status());
}

// BatchAnnotateDocuments with up to 8 documents (names may repeat, which
// the batch must refuse as a whole), each checked on its own.
void AnnotateBatch(World& world, FuzzedDataProvider& in) {
  std::vector<newsgraph::v1::AnnotateDocumentRequest> requests(
      in.ConsumeIntegralInRange<size_t>(0, 8));
  for (auto& request : requests) FillAnnotateRequest(in, &request);
  std::vector<const newsgraph::v1::AnnotateDocumentRequest*> pointers;
  for (const auto& request : requests) pointers.push_back(&request);
  auto results = world.core->BatchAnnotateDocuments(pointers, [] { return false; });
  newsgraph::fuzzing::CheckClientStatus(results.status());
  if (!results.ok()) return;
  if (results->size() != requests.size()) abort();
  for (const auto& result : *results) newsgraph::fuzzing::CheckClientStatus(result.status());
}

void Query(World& world, FuzzedDataProvider& in, std::string* token) {
  const std::string page_token = in.ConsumeBool() ? *token : newsgraph::fuzzing::ValidUtf8(in.ConsumeRandomLengthString(64));
  absl::Status status;
  std::string next;
  switch (in.ConsumeIntegralInRange<int>(0, 9)) {
    case 0: {
      newsgraph::v1::ListRelatedEntitiesRequest request;
      request.set_entity(EntityName(in));
      request.set_page_size(EdgeInt<int32_t>(in));
      request.set_page_token(page_token);
      request.set_type(static_cast<newsgraph::v1::EntityType>(EdgeInt<int32_t>(in)));
      if (in.ConsumeBool()) FillTimestamp(in, request.mutable_start_time());
      if (in.ConsumeBool()) FillTimestamp(in, request.mutable_end_time());
      request.set_max_evidence(EdgeInt<int32_t>(in));
      auto response = world.core->ListRelatedEntities(request);
      status = response.status();
      if (response.ok()) next = response->next_page_token();
      break;
    }
    case 1: {
      newsgraph::v1::ListEntitiesRequest request;
      request.set_page_size(EdgeInt<int32_t>(in));
      request.set_page_token(page_token);
      request.set_type(static_cast<newsgraph::v1::EntityType>(EdgeInt<int32_t>(in)));
      request.set_name_prefix(Text(in, 16));
      auto response = world.core->ListEntities(request);
      status = response.status();
      if (response.ok()) next = response->next_page_token();
      break;
    }
    case 2: {
      newsgraph::v1::ResolveEntitiesRequest request;
      request.set_text(Text(in, 2048));
      status = world.core->ResolveEntities(request).status();
      break;
    }
    case 3: {
      newsgraph::v1::ListMentionsRequest request;
      if (in.ConsumeBool()) request.set_entity(EntityName(in));
      if (in.ConsumeBool()) request.set_document(DocumentName(in));
      request.set_page_size(EdgeInt<int32_t>(in));
      request.set_page_token(page_token);
      auto response = world.core->ListMentions(request);
      status = response.status();
      if (response.ok()) next = response->next_page_token();
      break;
    }
    case 4: {
      newsgraph::v1::ListQuotesRequest request;
      request.set_entity(EntityName(in));
      request.set_page_size(EdgeInt<int32_t>(in));
      request.set_page_token(page_token);
      if (in.ConsumeBool()) request.set_mentioned_entity(EntityName(in));
      auto response = world.core->ListQuotes(request);
      status = response.status();
      if (response.ok()) next = response->next_page_token();
      break;
    }
    case 5: {
      newsgraph::v1::AnalyzeTextRequest request;
      request.set_text(Text(in, 4096));
      if (in.ConsumeBool()) FillTimestamp(in, request.mutable_reference_time());
      status = world.core->AnalyzeText(request, [] { return false; }).status();
      break;
    }
    case 6:
      status = world.core->GetEntity(EntityName(in)).status();
      break;
    case 7: {
      newsgraph::v1::UpdateEntityRequest request;
      request.mutable_entity()->set_name(EntityName(in));
      static const char* kPaths[] = {
          "canonical_name", "type", "description", "external_ids", "aliases", "mention_count", ""};
      const int paths = in.ConsumeIntegralInRange<int>(0, in.ConsumeBool() ? 3 : 40);
      for (int i = 0; i < paths; ++i) {
        request.mutable_update_mask()->add_paths(
            kPaths[in.ConsumeIntegralInRange<size_t>(0, std::size(kPaths) - 1)]);
      }
      request.mutable_entity()->set_canonical_name(Text(in, 64));
      request.mutable_entity()->set_type(
          static_cast<newsgraph::v1::EntityType>(EdgeInt<int32_t>(in)));
      request.mutable_entity()->set_description(Text(in, 64));
      const int aliases = in.ConsumeIntegralInRange<int>(0, in.ConsumeBool() ? 3 : 600);
      for (int i = 0; i < aliases; ++i)
        request.mutable_entity()->add_aliases()->set_text(Text(in, 8));
      const int ids = in.ConsumeIntegralInRange<int>(0, in.ConsumeBool() ? 2 : 100);
      for (int i = 0; i < ids; ++i) {
        (*request.mutable_entity()->mutable_external_ids())[Text(in, 8)] = Text(in, 8);
      }
      status = world.core->UpdateEntity(request).status();
      break;
    }
    case 8: {
      newsgraph::v1::MergeEntitiesRequest request;
      request.set_target(EntityName(in));
      const int sources = in.ConsumeIntegralInRange<int>(0, in.ConsumeBool() ? 3 : 200);
      for (int i = 0; i < sources; ++i) request.add_sources(EntityName(in));
      status = world.core->MergeEntities(request, [] { return false; }).status();
      break;
    }
    default:
      status = world.core->DeleteDocumentAnnotations(DocumentName(in)).status();
      break;
  }
  newsgraph::fuzzing::CheckClientStatus(status);
  if (!next.empty()) *token = next;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = MakeWorld();
  FuzzedDataProvider in(data, size);
  std::string token;
  for (int round = 0; round < 6 && in.remaining_bytes() > 0; ++round) {
    const int action = in.ConsumeIntegralInRange<int>(0, 5);
    if (action == 0) {
      Annotate(*world, in);
    } else if (action == 1) {
      AnnotateBatch(*world, in);
    } else {
      Query(*world, in, &token);
    }
  }
  return 0;
}
