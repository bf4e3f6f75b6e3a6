// Request-level fuzzing of the ingest service core: a real IngestCore on a
// temporary RocksDB takes sequences of structured requests built from the
// input: IngestDocument with HTML (deep, unclosed, any element), Markdown
// and text content, labels, ids and extreme timestamps; ListDocuments with
// filters, page sizes and forged or reused page tokens; Get, Delete and
// RetryDocument on real and made-up names; CreateJob, ingest into a job
// and GetJob on real and made-up job names.
#include <cstddef>
#include <cstdint>

#include "fuzz/request_fuzzing.h"
#include "services/ingest/ingest_core.h"
#include "services/ingest/ingest_keyspace.h"
#include "storage/rocksdb_kv_store.h"

namespace {

using newsgraph::fuzzing::EdgeInt;
using newsgraph::fuzzing::FillTimestamp;
using newsgraph::fuzzing::Text;

struct World {
  std::unique_ptr<newsgraph::storage::KvStore> store;
  std::unique_ptr<newsgraph::ingest::IngestCore> core;
};

World* MakeWorld() {
  auto* world = new World;
  world->store =
      newsgraph::fuzzing::OpenTempStore("fuzz-ingest", newsgraph::ingest::IngestColumnFamilies());
  world->core = *newsgraph::ingest::IngestCore::Open(world->store.get());
  return world;
}

// HTML built from tags, often nested deeply and left open.
std::string Html(FuzzedDataProvider& in) {
  static const char* kTags[] = {"b", "i", "div", "span", "a", "table", "tr", "td", "p", "li",
                                "ul", "script", "style", "article", "svg", "font", "x-y"};
  std::string html = "<html><body>";
  const int pieces = in.ConsumeIntegralInRange<int>(0, 200);
  for (int i = 0; i < pieces && in.remaining_bytes() > 0; ++i) {
    const char* tag = kTags[in.ConsumeIntegralInRange<size_t>(0, std::size(kTags) - 1)];
    const int depth = in.ConsumeIntegralInRange<int>(0, in.ConsumeBool() ? 4 : 20000);
    const bool close = in.ConsumeBool();
    for (int d = 0; d < depth; ++d) html += std::string("<") + tag + ">";
    html += in.ConsumeRandomLengthString(64);
    if (close) {
      for (int d = 0; d < depth; ++d) html += std::string("</") + tag + ">";
    }
  }
  return html;
}

void Ingest(World& world, FuzzedDataProvider& in) {
  newsgraph::v1::DocumentInput input;
  const auto type = static_cast<newsgraph::v1::ContentType>(in.ConsumeIntegralInRange<int>(0, 4));
  input.set_content_type(type);
  input.set_content(type == newsgraph::v1::TEXT_HTML && in.ConsumeBool() ? Html(in)
                                                                         : Text(in, 8192));
  if (in.ConsumeBool()) input.set_external_id(Text(in, in.ConsumeBool() ? 16 : 1024));
  input.set_title(Text(in, 64));
  input.set_source(Text(in, 16));
  input.set_url(Text(in, 32));
  if (in.ConsumeBool()) FillTimestamp(in, input.mutable_published_time());
  const int labels = in.ConsumeIntegralInRange<int>(0, in.ConsumeBool() ? 3 : 100);
  for (int i = 0; i < labels; ++i) (*input.mutable_labels())[Text(in, 8)] = Text(in, 8);
  newsgraph::fuzzing::CheckClientStatus(world.core->Ingest(input, in.ConsumeBool()).status());
}

std::string Name(FuzzedDataProvider& in) {
  return in.ConsumeBool() ? "documents/" + std::to_string(EdgeInt<int64_t>(in)) : Text(in, 32);
}

void Other(World& world, FuzzedDataProvider& in, std::string* token) {
  absl::Status status;
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0: {
      newsgraph::v1::ListDocumentsRequest request;
      request.set_page_size(EdgeInt<int32_t>(in));
      request.set_page_token(in.ConsumeBool() ? *token : newsgraph::fuzzing::ValidUtf8(in.ConsumeRandomLengthString(64)));
      static const char* kFilters[] = {"state=INDEXED", "state=FAILED", "source=\"x\"",
                                       "external_id=\"a\" AND state=RECEIVED", "state=", "AND",
                                       "bogus=1"};
      request.set_filter(in.ConsumeBool()
                             ? kFilters[in.ConsumeIntegralInRange<size_t>(0, std::size(kFilters) - 1)]
                             : Text(in, 64));
      request.set_view(static_cast<newsgraph::v1::DocumentView>(EdgeInt<int32_t>(in)));
      auto response = world.core->ListDocuments(request);
      status = response.status();
      if (response.ok() && !response->next_page_token().empty()) *token = response->next_page_token();
      break;
    }
    case 1:
      status = world.core
                   ->GetDocument(Name(in), static_cast<newsgraph::v1::DocumentView>(
                                               EdgeInt<int32_t>(in)))
                   .status();
      break;
    case 2:
      status = world.core->DeleteDocument(Name(in));
      break;
    case 3: {
      absl::StatusOr<std::string> job = world.core->CreateJob();
      status = job.status();
      if (job.ok()) {
        newsgraph::v1::DocumentInput input;
        input.set_content(Text(in, 256));
        status = world.core->Ingest(input, false, *job).status();
        newsgraph::fuzzing::CheckClientStatus(status);
        status = world.core->GetJob(*job).status();
      }
      break;
    }
    case 4:
      status = world.core
                   ->GetJob(in.ConsumeBool() ? "jobs/" + std::to_string(EdgeInt<int64_t>(in))
                                             : Text(in, 32))
                   .status();
      break;
    default:
      status = world.core->RetryDocument(Name(in)).status();
      break;
  }
  newsgraph::fuzzing::CheckClientStatus(status);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = MakeWorld();
  FuzzedDataProvider in(data, size);
  std::string token;
  for (int round = 0; round < 6 && in.remaining_bytes() > 0; ++round) {
    if (in.ConsumeBool()) {
      Ingest(*world, in);
    } else {
      Other(*world, in, &token);
    }
  }
  return 0;
}
