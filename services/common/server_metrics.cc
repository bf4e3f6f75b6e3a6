#include "services/common/server_metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/mutex.h"
#include "services/common/process_metrics.h"

namespace newsgraph {

// The series of one method, made on its first call (a method never called
// has none) and then found without a lock or a label lookup.
struct MethodSeries {
  std::atomic<prometheus::Histogram*> seconds{nullptr};
  std::array<std::atomic<prometheus::Counter*>, grpc::StatusCode::UNAUTHENTICATED + 1> handled{};
};

struct ServerMetrics::Families {
  prometheus::Family<prometheus::Counter>* handled;
  prometheus::Family<prometheus::Histogram>* handling_seconds;
  prometheus::Gauge* in_flight;
  // Per method served and "unknown"; the map is fixed at construction.
  absl::flat_hash_map<std::string, std::unique_ptr<MethodSeries>> methods;
};

// Turns the sources' values into Prometheus families at each scrape.
class ServerMetrics::Sources final : public prometheus::Collectable {
 public:
  void Add(MetricSource source) {
    newsgraph::MutexLock lock(&mu_);
    sources_.push_back(std::move(source));
  }
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<MetricFamilyValues> values = ProcessMetrics();
    {
      newsgraph::MutexLock lock(&mu_);
      for (const MetricSource& source : sources_) {
        for (MetricFamilyValues& family : source()) values.push_back(std::move(family));
      }
    }
    std::vector<prometheus::MetricFamily> families;
    absl::flat_hash_map<std::string, size_t> by_name;
    for (const MetricFamilyValues& family : values) {
      auto [it, added] = by_name.try_emplace(family.name, families.size());
      if (added) families.push_back({family.name, family.help, TypeOf(family.type), {}});
      for (const MetricSample& sample : family.samples) {
        families[it->second].metric.push_back(ToClientMetric(family.type, sample));
      }
    }
    return families;
  }

 private:
  static prometheus::MetricType TypeOf(MetricFamilyValues::Type type) {
    switch (type) {
      case MetricFamilyValues::Type::kCounter:
        return prometheus::MetricType::Counter;
      case MetricFamilyValues::Type::kSummary:
        return prometheus::MetricType::Summary;
      case MetricFamilyValues::Type::kGauge:
        break;
    }
    return prometheus::MetricType::Gauge;
  }
  static prometheus::ClientMetric ToClientMetric(MetricFamilyValues::Type type,
                                                 const MetricSample& sample) {
    prometheus::ClientMetric metric;
    for (const auto& [name, value] : sample.labels) metric.label.push_back({name, value});
    switch (type) {
      case MetricFamilyValues::Type::kCounter:
        metric.counter.value = sample.value;
        break;
      case MetricFamilyValues::Type::kSummary:
        metric.summary.sample_sum = sample.value;
        metric.summary.sample_count = sample.count;
        break;
      case MetricFamilyValues::Type::kGauge:
        metric.gauge.value = sample.value;
        break;
    }
    return metric;
  }

  mutable newsgraph::Mutex mu_;
  std::vector<MetricSource> sources_ ABSL_GUARDED_BY(mu_);
};

namespace {

// Call durations from 100 µs to about 100 s, four buckets per decade.
prometheus::Histogram::BucketBoundaries DurationBuckets() {
  prometheus::Histogram::BucketBoundaries buckets;
  for (double bound = 1e-4; bound < 120; bound *= 1.7782794) buckets.push_back(bound);
  return buckets;
}

}  // namespace

ServerMetrics::ServerMetrics(absl::flat_hash_set<std::string> methods)
    : methods_(std::move(methods)),
      registry_(std::make_shared<prometheus::Registry>()),
      sources_(std::make_shared<Sources>()) {
  families_ = std::make_unique<Families>();
  families_->handled = &prometheus::BuildCounter()
                            .Name("newsgraph_grpc_server_handled_total")
                            .Help("gRPC calls completed, by method and status code.")
                            .Register(*registry_);
  families_->handling_seconds = &prometheus::BuildHistogram()
                                     .Name("newsgraph_grpc_server_handling_seconds")
                                     .Help("Time from a call's start to its end, by method.")
                                     .Register(*registry_);
  families_->in_flight = &prometheus::BuildGauge()
                              .Name("newsgraph_grpc_server_calls_in_flight")
                              .Help("gRPC calls started and not yet completed.")
                              .Register(*registry_)
                              .Add({});
  for (const std::string& method : methods_) {
    families_->methods.emplace(method, std::make_unique<MethodSeries>());
  }
  families_->methods.emplace("unknown", std::make_unique<MethodSeries>());
}

ServerMetrics::~ServerMetrics() = default;

absl::StatusOr<std::unique_ptr<ServerMetrics>> ServerMetrics::Start(
    const std::string& listen_address, absl::flat_hash_set<std::string> methods) {
  std::unique_ptr<ServerMetrics> metrics(new ServerMetrics(std::move(methods)));
  try {
    // One thread: scrapes are rare and cheap.
    metrics->exposer_ = std::make_unique<prometheus::Exposer>(listen_address, 1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", listen_address, ": ", e.what()));
  }
  metrics->exposer_->RegisterCollectable(metrics->registry_);
  metrics->exposer_->RegisterCollectable(metrics->sources_);
  return metrics;
}

void ServerMetrics::AddSource(MetricSource source) { sources_->Add(std::move(source)); }

int ServerMetrics::port() const {
  const std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

void ServerMetrics::CallStarted() { families_->in_flight->Increment(); }

void ServerMetrics::CallFinished(const std::string& called, grpc::StatusCode code, double seconds) {
  families_->in_flight->Decrement();
  auto found = families_->methods.find(called);
  if (found == families_->methods.end()) found = families_->methods.find("unknown");
  const std::string& method = found->first;
  MethodSeries& series = *found->second;
  // Family::Add is thread-safe and returns the one series of a label set,
  // so two calls racing to make a series store the same pointer.
  // A code outside gRPC's counts as UNKNOWN, as StatusCodeName names it.
  int c = static_cast<int>(code);
  if (c < 0 || c >= static_cast<int>(series.handled.size())) c = grpc::StatusCode::UNKNOWN;
  prometheus::Counter* handled = series.handled[c].load(std::memory_order_acquire);
  if (handled == nullptr) {
    handled = &families_->handled->Add(
        {{"grpc_method", method}, {"grpc_code", StatusCodeName(static_cast<grpc::StatusCode>(c))}});
    series.handled[c].store(handled, std::memory_order_release);
  }
  handled->Increment();
  prometheus::Histogram* histogram = series.seconds.load(std::memory_order_acquire);
  if (histogram == nullptr) {
    static const prometheus::Histogram::BucketBoundaries* buckets =
        new prometheus::Histogram::BucketBoundaries(DurationBuckets());
    histogram = &families_->handling_seconds->Add({{"grpc_method", method}}, *buckets);
    series.seconds.store(histogram, std::memory_order_release);
  }
  histogram->Observe(seconds);
}

const char* StatusCodeName(grpc::StatusCode code) {
  // gRPC's codes are Abseil's, number for number.
  static const auto* names = [] {
    auto* table = new std::vector<std::string>();
    for (int c = 0; c <= grpc::StatusCode::UNAUTHENTICATED; ++c) {
      table->push_back(absl::StatusCodeToString(static_cast<absl::StatusCode>(c)));
    }
    return table;
  }();
  const int c = static_cast<int>(code);
  return c >= 0 && c < static_cast<int>(names->size()) ? (*names)[c].c_str() : "UNKNOWN";
}

}  // namespace newsgraph
