// Closed-loop gRPC load generator (async API, one completion queue): keeps
// N calls in flight against a running daemon and reports latency
// percentiles and throughput per call kind and concurrency, one JSON line
// each. The no-op floor is grpc.health.v1.Health/Check, answered by the
// same server without touching any service.
//   grpc_load --target=HOST:PORT --queries=FILE [--seconds=S] [--inflight=1,8,32]
//             [--only=noop|search_basic|search_full|annotate] [--corpus=FILE.jsonl.gz]
// With --corpus, "annotate" calls EntityService.AnnotateDocument with
// documents of about 1,000 words made of the corpus's bodies; every call
// carries a new version, so each one recognizes, resolves and stores anew.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench/common/bench_corpus.h"
#include "bench/common/search_request.h"
#include "newsgraph/v1/entity_service.pb.h"
#include "newsgraph/v1/search_service.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string target = "127.0.0.1:7700";
  std::string queries;
  double seconds = 5;
  std::vector<int> inflight = {1, 8, 32};
  std::string only;  // one call kind, e.g. for profiling
  std::string corpus;
};

Options ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      const std::string prefix = std::string("--") + name + "=";
      return a.rfind(prefix, 0) == 0 ? argv[i] + prefix.size() : nullptr;
    };
    if (const char* v = value("target")) options.target = v;
    if (const char* v = value("queries")) options.queries = v;
    if (const char* v = value("seconds")) options.seconds = std::atof(v);
    if (const char* v = value("only")) options.only = v;
    if (const char* v = value("corpus")) options.corpus = v;
    if (const char* v = value("inflight")) {
      options.inflight.clear();
      for (const char* p = v; *p != '\0';) {
        options.inflight.push_back(std::atoi(p));
        while (*p != '\0' && *p != ',') ++p;
        if (*p == ',') ++p;
      }
    }
  }
  return options;
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

struct Call {
  grpc::ClientContext context;
  grpc::ByteBuffer response;
  grpc::Status status;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
  Clock::time_point start;
};

struct Result {
  std::vector<double> micros;
  size_t errors = 0;
  std::string first_error;
  double seconds = 0;
};

// Runs `method` with the requests in turn, `inflight` at a time, for
// `seconds` after a warm-up of a fifth of that.
// `make_request(n)` gives the n-th request.
Result Run(grpc::GenericStub* stub, const std::string& method,
           const std::function<grpc::ByteBuffer(size_t)>& make_request, int inflight,
           double seconds) {
  grpc::CompletionQueue cq;
  std::vector<std::unique_ptr<Call>> slots(static_cast<size_t>(inflight));
  size_t next_request = 0;
  auto start_call = [&](size_t slot) {
    auto call = std::make_unique<Call>();
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::ByteBuffer request = make_request(next_request++);
    call->start = Clock::now();
    call->reader = stub->PrepareUnaryCall(&call->context, method, request, &cq);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, reinterpret_cast<void*>(slot));
    slots[slot] = std::move(call);
  };
  Result result;
  const Clock::time_point begin = Clock::now();
  const Clock::time_point measure_from = begin + std::chrono::duration_cast<Clock::duration>(
                                                     std::chrono::duration<double>(seconds / 5));
  const Clock::time_point stop_at =
      measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (size_t s = 0; s < slots.size(); ++s) start_call(s);
  size_t outstanding = slots.size();
  void* tag = nullptr;
  bool ok = false;
  while (outstanding > 0 && cq.Next(&tag, &ok)) {
    const size_t slot = reinterpret_cast<size_t>(tag);
    const Clock::time_point now = Clock::now();
    Call& call = *slots[slot];
    if (!call.status.ok()) {
      if (result.errors++ == 0) result.first_error = call.status.error_message();
    } else if (call.start >= measure_from && now <= stop_at) {
      result.micros.push_back(std::chrono::duration<double, std::micro>(now - call.start).count());
    }
    if (now < stop_at) {
      start_call(slot);
    } else {
      --outstanding;
    }
  }
  result.seconds = seconds;
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return result;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = ParseOptions(argc, argv);
  if (options.queries.empty()) {
    std::fprintf(stderr, "grpc_load: --queries=FILE is required\n");
    return 2;
  }
  const std::vector<newsgraph::bench::BenchQuery> queries =
      newsgraph::bench::ReadQueries(options.queries);
  if (queries.empty()) {
    std::fprintf(stderr, "grpc_load: no queries in %s\n", options.queries.c_str());
    return 2;
  }
  // Basic: what the in-process benchmark asks. Full: the default request
  // (entity resolution through the entity service, highlighted passages).
  std::vector<grpc::ByteBuffer> basic, full, noop;
  for (const auto& q : queries) {
    full.push_back(ToBuffer(newsgraph::bench::MakeSearchRequest(q, false).SerializeAsString()));
    basic.push_back(ToBuffer(newsgraph::bench::MakeSearchRequest(q).SerializeAsString()));
  }
  noop.push_back(ToBuffer(""));  // an empty HealthCheckRequest: the whole server
  // Texts of about 1,000 words. Each annotate call names one of 1,000
  // documents (unique to this process) with a version above any before, so
  // every call recognizes, resolves and stores anew (replacing an earlier
  // version once the names come round) instead of being skipped as stale.
  // Calls now recognize concurrently, so two calls in flight for one name
  // could commit out of version order; 1,000 names keep them far apart.
  std::vector<std::string> annotate_texts;
  if (!options.corpus.empty()) {
    std::string text;
    size_t words = 0;
    for (const auto& d : newsgraph::bench::ReadCorpus(options.corpus, 5000)) {
      text += d.body + "\n\n";
      words += static_cast<size_t>(std::count(d.body.begin(), d.body.end(), ' ')) + 1;
      if (words < 1000) continue;
      annotate_texts.push_back(std::move(text));
      text.clear();
      words = 0;
      if (annotate_texts.size() >= 50) break;
    }
  }
  const std::string run_id = std::to_string(::getpid()) + "-" +
                             std::to_string(Clock::now().time_since_epoch().count());
  std::atomic<int64_t> annotate_version{0};
  auto make_annotate = [&](size_t n) {
    newsgraph::v1::AnnotateDocumentRequest request;
    request.set_document("documents/bench-annotate-" + run_id + "-" + std::to_string(n % 1000));
    request.set_version(++annotate_version);
    request.set_text(annotate_texts[n % annotate_texts.size()]);
    request.set_language("en");
    return ToBuffer(request.SerializeAsString());
  };
  auto channel = grpc::CreateChannel(options.target, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    std::fprintf(stderr, "grpc_load: cannot connect to %s\n", options.target.c_str());
    return 3;
  }
  grpc::GenericStub stub(channel);
  struct Kind {
    const char* name;
    const char* method;
    std::function<grpc::ByteBuffer(size_t)> make_request;
  };
  auto cycle = [](const std::vector<grpc::ByteBuffer>& requests) {
    return [&requests](size_t n) { return requests[n % requests.size()]; };
  };
  std::vector<Kind> kinds = {{"noop", "/grpc.health.v1.Health/Check", cycle(noop)},
                             {"search_basic", "/newsgraph.v1.SearchService/Search", cycle(basic)},
                             {"search_full", "/newsgraph.v1.SearchService/Search", cycle(full)}};
  if (!annotate_texts.empty()) {
    kinds.push_back({"annotate", "/newsgraph.v1.EntityService/AnnotateDocument", make_annotate});
  }
  int exit_code = 0;
  for (int inflight : options.inflight) {
    for (const Kind& kind : kinds) {
      if (!options.only.empty() && options.only != kind.name) continue;
      const Result r = Run(&stub, kind.method, kind.make_request, inflight, options.seconds);
      std::printf(
          "{\"call\":\"%s\",\"inflight\":%d,\"calls\":%zu,\"errors\":%zu,\"p50_us\":%.1f,"
          "\"p99_us\":%.1f,\"qps\":%.1f}\n",
          kind.name, inflight, r.micros.size(), r.errors, Percentile(r.micros, 0.5),
          Percentile(r.micros, 0.99), static_cast<double>(r.micros.size()) / r.seconds);
      std::fflush(stdout);
      if (r.errors > 0) {
        std::fprintf(stderr, "grpc_load: %zu %s calls failed, first: %s\n", r.errors, kind.name,
                     r.first_error.c_str());
        exit_code = 1;
      }
    }
  }
  return exit_code;
}
