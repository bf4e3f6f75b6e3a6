// Request-level fuzzing of the search service core: a real SearchIndex on a
// temporary RocksDB and a Searcher (with a fake entity resolver) answer
// structured SearchRequests built from the input: query syntax, repeated
// facets, extreme page sizes, timestamps and page tokens, both units and
// views, explain. Between searches, IndexDocument, IndexDocuments (a batch)
// and RemoveDocument change the index with arbitrary documents: texts,
// paragraph and passage spans (mostly in order, sometimes not), entities,
// extreme versions and timestamps. Each search runs under a 2 s work budget
// (StopCheck), so a runaway loop shows up as the budget error's absence in
// a -timeout run.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/time/clock.h"
#include "fuzz/request_fuzzing.h"
#include "services/search/search_index.h"
#include "services/search/search_keyspace.h"
#include "services/search/searcher.h"
#include "storage/rocksdb_kv_store.h"

namespace {

using newsgraph::fuzzing::EdgeInt;
using newsgraph::fuzzing::FillTimestamp;
using newsgraph::fuzzing::Text;

// Recognizes "sco" and "tass" anywhere in the text.
class FakeResolver : public newsgraph::search::EntityResolver {
 public:
  absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> Resolve(absl::string_view text) override {
    newsgraph::v1::ResolveEntitiesResponse response;
    for (const char* surface : {"sco", "tass"}) {
      const size_t at = text.find(surface);
      if (at == absl::string_view::npos) continue;
      auto* span = response.add_spans();
      span->set_text(std::string(text.substr(at, 3)));
      span->mutable_span()->set_byte_begin(static_cast<uint32_t>(at));
      span->mutable_span()->set_byte_end(static_cast<uint32_t>(at + std::string(surface).size()));
      auto* candidate = span->add_candidates();
      candidate->set_score(1);
      candidate->mutable_entity()->set_name("entities/1");
      candidate->mutable_entity()->set_document_count(2);
    }
    return response;
  }
};

struct World {
  std::unique_ptr<newsgraph::storage::KvStore> store;
  std::unique_ptr<newsgraph::search::SearchIndex> index;
  FakeResolver resolver;
  std::unique_ptr<newsgraph::search::Searcher> searcher;
};

World* MakeWorld() {
  auto* world = new World;
  world->store =
      newsgraph::fuzzing::OpenTempStore("fuzz-search", newsgraph::search::SearchColumnFamilies());
  world->index = *newsgraph::search::SearchIndex::Open(world->store.get());
  const char* texts[] = {"Q: What about trade? (TASS)\nZhang Ming: Trade grew with the SCO.",
                         "Wheat prices rose after the harvest in Kazakhstan.",
                         "The central bank raised rates; the SCO summit opened in Astana."};
  for (int i = 0; i < 3; ++i) {
    newsgraph::v1::IndexDocumentRequest request;
    auto* doc = request.mutable_document();
    doc->set_name("documents/" + std::to_string(i + 1));
    doc->set_version(1);
    doc->set_title(i == 0 ? "Press conference" : "News");
    doc->set_text(texts[i]);
    doc->set_source(i == 0 ? "TASS" : "Reuters");
    doc->mutable_published_time()->set_seconds(1700000000 + i * 86400);
    auto* paragraph = doc->add_paragraphs()->mutable_span();
    paragraph->set_byte_end(static_cast<uint32_t>(doc->text().size()));
    if (i == 0) {
      auto* passage = doc->add_passages();
      *passage->mutable_span() = *paragraph;
      passage->set_asked_by("TASS");
      passage->set_answered_by("Zhang Ming");
    }
    auto* entity = request.add_entities();
    entity->set_entity("entities/1");
    entity->set_type(newsgraph::v1::ORG);
    entity->set_salience(0.5f);
    (void)world->index->IndexDocument(request);
  }
  world->searcher =
      std::make_unique<newsgraph::search::Searcher>(world->index.get(), &world->resolver);
  return world;
}

void FillSpan(FuzzedDataProvider& in, uint32_t* offset, newsgraph::v1::TextSpan* span) {
  if (in.ConsumeIntegralInRange<int>(0, 9) == 0) {
    span->set_byte_begin(EdgeInt<uint32_t>(in));
    span->set_byte_end(EdgeInt<uint32_t>(in));
    return;
  }
  *offset += in.ConsumeIntegralInRange<uint32_t>(0, 32);
  span->set_byte_begin(*offset);
  *offset += in.ConsumeIntegralInRange<uint32_t>(0, 128);
  span->set_byte_end(*offset);
}

// An IndexDocumentRequest for one of documents/1..6 (the seeded ones and
// new ones), with fields drawn from the input.
newsgraph::v1::IndexDocumentRequest MakeIndexRequest(FuzzedDataProvider& in) {
  newsgraph::v1::IndexDocumentRequest request;
  auto* doc = request.mutable_document();
  doc->set_name(in.ConsumeBool() ? "documents/" + std::to_string(in.ConsumeIntegralInRange(1, 6))
                                 : Text(in, 24));
  doc->set_version(in.ConsumeBool() ? in.ConsumeIntegralInRange<int64_t>(1, 4)
                                    : EdgeInt<int64_t>(in));
  doc->set_title(Text(in, 64));
  doc->set_text(Text(in, 2048));
  doc->set_source(in.ConsumeBool() ? "TASS" : Text(in, 16));
  if (in.ConsumeBool()) FillTimestamp(in, doc->mutable_published_time());
  uint32_t offset = 0;
  const int paragraphs = in.ConsumeIntegralInRange<int>(0, in.ConsumeBool() ? 4 : 300);
  for (int i = 0; i < paragraphs; ++i) FillSpan(in, &offset, doc->add_paragraphs()->mutable_span());
  offset = 0;
  const int passages = in.ConsumeIntegralInRange<int>(0, in.ConsumeBool() ? 2 : 100);
  for (int i = 0; i < passages; ++i) {
    auto* passage = doc->add_passages();
    FillSpan(in, &offset, passage->mutable_span());
    passage->set_asked_by(in.ConsumeBool() ? "TASS" : Text(in, 16));
    passage->set_answered_by(Text(in, 16));
  }
  const int entities = in.ConsumeIntegralInRange<int>(0, in.ConsumeBool() ? 3 : 200);
  for (int i = 0; i < entities; ++i) {
    auto* entity = request.add_entities();
    entity->set_entity(in.ConsumeBool()
                           ? "entities/" + std::to_string(in.ConsumeIntegralInRange(1, 3))
                           : Text(in, 24));
    entity->set_type(static_cast<newsgraph::v1::EntityType>(EdgeInt<int32_t>(in)));
    entity->set_salience(in.ConsumeFloatingPoint<float>());
    entity->set_mention_count(EdgeInt<int32_t>(in));
  }
  return request;
}

// Changes the index: one document, a batch, or a removal.
void ChangeIndex(World* world, FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0:
      newsgraph::fuzzing::CheckClientStatus(
          world->index->IndexDocument(MakeIndexRequest(in)).status());
      break;
    case 1: {
      std::vector<newsgraph::v1::IndexDocumentRequest> batch(in.ConsumeIntegralInRange(0, 6));
      for (auto& request : batch) request = MakeIndexRequest(in);
      newsgraph::fuzzing::CheckClientStatus(
          world->index->IndexDocuments(absl::MakeConstSpan(batch)).status());
      break;
    }
    default:
      newsgraph::fuzzing::CheckClientStatus(
          world->index
              ->RemoveDocument(in.ConsumeBool()
                                   ? "documents/" + std::to_string(in.ConsumeIntegralInRange(1, 6))
                                   : Text(in, 24))
              .status());
      break;
  }
}

// Query text: random bytes, or a sentence of the query language's pieces.
std::string Query(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) return Text(in, 4096);
  static const char* kPieces[] = {
      "wheat", "sco", "\"central bank\"", "-rates", "+trade", "AND", "OR", "NOT", "(", ")",
      "title:", "body:", "source:TASS", "entity:\"SCO\"", "about:entities/1", "type:ORG",
      "said_by:Ming", "asked_by:\xD0\xA2\xD0\x90SS", "harv*", "w*", "published>=2023",
      "published<1900-13", "who", "the", "a-b-c-d-e-f-g-h", "\"", "*", ":", "International",
      "Business", "Machines", "walmart", "kazakstan"};
  std::string query;
  const int words = in.ConsumeIntegralInRange<int>(0, 40);
  for (int i = 0; i < words; ++i) {
    if (!query.empty()) query += ' ';
    query += kPieces[in.ConsumeIntegralInRange<size_t>(0, std::size(kPieces) - 1)];
  }
  return query;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = MakeWorld();
  FuzzedDataProvider in(data, size);
  std::string previous_token;
  for (int round = 0; round < 4 && in.remaining_bytes() > 0; ++round) {
    if (in.ConsumeIntegralInRange<int>(0, 3) == 0) ChangeIndex(world, in);
    newsgraph::v1::SearchRequest request;
    request.set_query(Query(in));
    request.set_page_size(EdgeInt<int32_t>(in));
    request.set_page_token(in.ConsumeBool() ? previous_token : newsgraph::fuzzing::ValidUtf8(in.ConsumeRandomLengthString(64)));
    const int facets = in.ConsumeIntegralInRange<int>(0, in.ConsumeBool() ? 3 : 3000);
    static const char* kFacets[] = {"source", "entity", "entity_type", "language",
                                    "published_year", "bogus", ""};
    for (int i = 0; i < facets; ++i) {
      request.add_facets(kFacets[in.ConsumeIntegralInRange<size_t>(0, std::size(kFacets) - 1)]);
    }
    request.set_max_passages(EdgeInt<int32_t>(in));
    request.set_disable_entity_resolution(in.ConsumeBool());
    request.set_min_salience(in.ConsumeFloatingPoint<float>());
    request.set_disable_collapse(in.ConsumeBool());
    request.set_disable_typo_tolerance(in.ConsumeBool());
    request.set_view(static_cast<newsgraph::v1::SearchView>(in.ConsumeIntegralInRange<int>(0, 3)));
    request.set_unit(static_cast<newsgraph::v1::SearchUnit>(in.ConsumeIntegralInRange<int>(0, 3)));
    request.set_explain(in.ConsumeBool());
    if (in.ConsumeBool()) FillTimestamp(in, request.mutable_filter()->mutable_published_after());
    if (in.ConsumeBool()) FillTimestamp(in, request.mutable_filter()->mutable_published_before());
    const int sources = in.ConsumeIntegralInRange<int>(0, 4);
    for (int i = 0; i < sources; ++i) request.mutable_filter()->add_sources(Text(in, 16));
    if (in.ConsumeBool()) request.mutable_filter()->add_entities(Text(in, 32));
    if (in.ConsumeBool()) {
      request.mutable_filter()->add_entity_types(
          static_cast<newsgraph::v1::EntityType>(EdgeInt<int32_t>(in)));
    }
    const absl::Time budget = absl::Now() + absl::Seconds(2);
    auto stop = [budget]() -> absl::Status {
      return absl::Now() > budget ? absl::DeadlineExceededError("fuzz budget") : absl::OkStatus();
    };
    absl::StatusOr<newsgraph::v1::SearchResponse> response =
        world->searcher->Search(request, stop);
    newsgraph::fuzzing::CheckClientStatus(response.status());
    if (response.ok()) {
      previous_token = response->next_page_token();
      for (const auto& hit : response->hits()) {
        if (!request.explain()) continue;
        double sum = 0;
        for (const auto& part : hit.explanation().components()) sum += part.value();
        // Explanations add up to the score.
        if (std::abs(sum - hit.score()) > 1e-6 * std::max(1.0, std::abs(hit.score())) &&
            hit.explanation().components_size() > 0) {
          __builtin_trap();
        }
      }
    }
  }
  return 0;
}
