// How promptly ingest normalization notices a stopped call: normalizes an
// 8 MiB HTML page and an 8 MiB plain-text document (both synthesized) with a
// stop predicate that never fires but records when it was asked, and prints
// one JSON line per document: total time and the longest stretch between
// two polls (the worst delay between a call's deadline and the work
// stopping), in milliseconds; the best of three passes.
//
//   stop_latency_bench
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <tuple>

#include "services/ingest/document_builder.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Probe {
  double total_ms = 0;
  double longest_gap_ms = 0;
  int polls = 0;
};

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

Probe Measure(const newsgraph::v1::DocumentInput& input) {
  Probe probe;
  const Clock::time_point start = Clock::now();
  Clock::time_point last = start;
  auto stop = [&] {
    const Clock::time_point now = Clock::now();
    probe.longest_gap_ms = std::max(probe.longest_gap_ms, Ms(now - last));
    last = now;
    ++probe.polls;
    return false;
  };
  (void)newsgraph::ingest::BuildDocument(input, false, {}, {}, stop);
  const Clock::time_point end = Clock::now();
  probe.longest_gap_ms = std::max(probe.longest_gap_ms, Ms(end - last));
  probe.total_ms = Ms(end - start);
  return probe;
}

}  // namespace

int main() {
  std::string paragraphs;
  for (int i = 0; paragraphs.size() < (8u << 20) - 65536; ++i) {
    paragraphs += "The port authority said cargo volumes rose " + std::to_string(i % 97) +
                  " percent as ferries to Tallinn and Riga resumed.\n\n";
  }
  std::string page = "<html><head><title>Port report</title></head><body><article>";
  for (int i = 0; page.size() < (8u << 20) - 65536; ++i) {
    page += "<p>The port authority said cargo volumes rose <b>" + std::to_string(i % 97) +
            "</b> percent as ferries to Tallinn and Riga resumed.</p>";
  }
  page += "</article></body></html>";
  for (const auto& [name, content, type] :
       {std::tuple{"html", &page, newsgraph::v1::TEXT_HTML},
        std::tuple{"plain", &paragraphs, newsgraph::v1::TEXT_PLAIN}}) {
    newsgraph::v1::DocumentInput input;
    input.set_content(*content);
    input.set_content_type(type);
    Probe best;
    for (int pass = 0; pass < 3; ++pass) {
      const Probe probe = Measure(input);
      if (pass == 0 || probe.longest_gap_ms < best.longest_gap_ms) best = probe;
    }
    std::printf(
        "{\"document\": \"%s\", \"bytes\": %zu, \"total_ms\": %.1f, \"polls\": %d, "
        "\"longest_gap_ms\": %.1f}\n",
        name, content->size(), best.total_ms, best.polls, best.longest_gap_ms);
  }
  return 0;
}
