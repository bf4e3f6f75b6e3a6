#include "bench/common/bench_corpus.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>

#include <unistd.h>

#include "base/file_reading.h"

namespace newsgraph::bench {
namespace {

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text + " ") {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      if (word.size() >= 4) words.push_back(word);
      word.clear();
    }
  }
  return words;
}

}  // namespace

std::vector<BenchDocument> ReadCorpus(const std::string& jsonl_gz, size_t limit) {
  std::vector<BenchDocument> docs;
  const std::string content = ReadMaybeGzippedFile(jsonl_gz).value_or("");
  if (content.empty()) {
    // A benchmark over nothing would report zeros as if they were measured.
    std::fprintf(stderr, "cannot read corpus %s (a .jsonl or .jsonl.gz file is expected)\n",
                 jsonl_gz.c_str());
    std::exit(2);
  }
  std::istringstream in(content);
  std::string line;
  while (std::getline(in, line) && (limit == 0 || docs.size() < limit)) {
    google::protobuf::Struct object;
    if (!google::protobuf::util::JsonStringToMessage(line, &object).ok()) continue;
    const auto& f = object.fields();
    BenchDocument doc;
    doc.id = f.count("id") ? f.at("id").string_value() : "";
    doc.title = f.count("title") ? f.at("title").string_value() : "";
    doc.body = f.count("body") ? f.at("body").string_value() : "";
    if (doc.title.empty() && doc.body.empty()) continue;
    docs.push_back(std::move(doc));
  }
  return docs;
}

namespace {

// Splits a body into sentences: at ". ", "? " or "! " before an upper-case
// letter and at blank lines; whitespace runs become one space.
std::vector<std::string> Sentences(const std::string& body) {
  std::vector<std::string> out;
  std::string current;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    const bool space = c == ' ' || c == '\n' || c == '\t';
    if (space) {
      if (!current.empty() && current.back() != ' ') current.push_back(' ');
    } else {
      current.push_back(c);
    }
    const bool end_mark = (c == '.' || c == '?' || c == '!') && i + 2 < body.size() &&
                          (body[i + 1] == ' ' || body[i + 1] == '\n') &&
                          std::isupper(static_cast<unsigned char>(body[i + 2]));
    const bool blank_line = c == '\n' && i + 1 < body.size() && body[i + 1] == '\n';
    if (end_mark || blank_line) {
      while (!current.empty() && current.back() == ' ') current.pop_back();
      if (current.size() >= 20) out.push_back(current);
      current.clear();
    }
  }
  while (!current.empty() && current.back() == ' ') current.pop_back();
  if (current.size() >= 20) out.push_back(current);
  return out;
}

}  // namespace

std::vector<BenchDocument> SynthesizeCorpus(const std::vector<BenchDocument>& base, size_t count,
                                            uint64_t seed) {
  std::vector<std::string> pool;
  std::vector<size_t> lengths;
  std::vector<const std::string*> titles;
  for (const BenchDocument& d : base) {
    std::vector<std::string> sentences = Sentences(d.body);
    if (sentences.empty()) continue;
    lengths.push_back(sentences.size());
    if (!d.title.empty()) titles.push_back(&d.title);
    for (std::string& s : sentences) pool.push_back(std::move(s));
  }
  std::vector<BenchDocument> out;
  if (pool.empty() || titles.empty()) return out;
  std::mt19937_64 rng(seed);
  out.reserve(count);
  for (size_t n = 0; n < count; ++n) {
    BenchDocument doc;
    doc.id = "synthetic:" + std::to_string(n + 1);
    doc.title = *titles[rng() % titles.size()];
    const size_t sentences = std::clamp<size_t>(lengths[rng() % lengths.size()], 1, 60);
    for (size_t k = 0; k < sentences; ++k) {
      if (k > 0) doc.body += (k % 4 == 0) ? "\n\n" : " ";
      doc.body += pool[rng() % pool.size()];
    }
    out.push_back(std::move(doc));
  }
  return out;
}

std::vector<BenchQuery> GenerateQueries(const std::vector<BenchDocument>& docs, size_t count,
                                        uint64_t seed) {
  std::unordered_map<std::string, size_t> df;
  std::vector<std::vector<std::string>> doc_words;
  for (const BenchDocument& d : docs) {
    std::vector<std::string> words = Words(d.title + " " + d.body);
    std::set<std::string> unique(words.begin(), words.end());
    for (const std::string& w : unique) ++df[w];
    doc_words.emplace_back(unique.begin(), unique.end());
  }
  std::mt19937_64 rng(seed);
  std::vector<BenchQuery> queries;
  for (int kind = 0; kind < 2; ++kind) {
    size_t made = 0;
    size_t attempts = 0;
    while (made < count && attempts++ < count * 1000) {
      const auto& words = doc_words[rng() % doc_words.size()];
      std::vector<std::string> good;
      for (const std::string& w : words) {
        if (df[w] >= 20 && df[w] <= 2000) good.push_back(w);
      }
      if (good.size() < 2) continue;
      const std::string a = good[rng() % good.size()];
      const std::string b = good[rng() % good.size()];
      if (a == b) continue;
      queries.push_back({kind == 0, {a, b}});
      ++made;
    }
  }
  return queries;
}

void WriteQueries(const std::vector<BenchQuery>& queries, const std::string& path) {
  std::ofstream out(path);
  for (const BenchQuery& q : queries) {
    out << (q.conjunctive ? "AND" : "OR");
    for (const std::string& w : q.words) out << ' ' << w;
    out << '\n';
  }
}

std::vector<BenchQuery> ReadQueries(const std::string& path) {
  std::vector<BenchQuery> queries;
  std::ifstream in(path);
  std::string line;
  std::string group = "generated";
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string kind;
    if (!(fields >> kind)) continue;
    if (kind[0] == '#') {
      // "# group NAME" starts a group; other '#' lines are comments.
      std::istringstream comment(line.substr(line.find('#') + 1));
      std::string word, name;
      if (comment >> word >> name && word == "group") group = name;
      continue;
    }
    BenchQuery q;
    q.conjunctive = kind == "AND";
    q.group = group;
    std::string w;
    while (fields >> w) q.words.push_back(w);
    if (!q.words.empty()) queries.push_back(q);
  }
  return queries;
}

namespace {

// Jiffies the machine spent busy and in total since boot ("cpu" line of /proc/stat).
bool ReadCpuJiffies(uint64_t* busy, uint64_t* total) {
  std::ifstream stat("/proc/stat");
  std::string label;
  if (!(stat >> label) || label != "cpu") return false;
  // user nice system idle iowait irq softirq steal (guest time is counted in user).
  uint64_t value[8] = {};
  for (uint64_t& v : value) {
    if (!(stat >> v)) return false;
  }
  *total = 0;
  for (uint64_t v : value) *total += v;
  *busy = *total - value[3] - value[4];
  return true;
}

std::string Format(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

// ",\"and_p50_us\":...,\"or_p99_us\":..." for a pair of latency sets.
std::string LatencyFields(const Latencies& and_queries, const Latencies& or_queries) {
  return ",\"and_p50_us\":" + Format("%.1f", and_queries.Percentile(0.5)) +
         ",\"and_p99_us\":" + Format("%.1f", and_queries.Percentile(0.99)) +
         ",\"or_p50_us\":" + Format("%.1f", or_queries.Percentile(0.5)) +
         ",\"or_p99_us\":" + Format("%.1f", or_queries.Percentile(0.99));
}

}  // namespace

CpuIdleCheck WaitForIdleCpu(const std::string& what, double max_wait_seconds,
                            double max_busy_cores) {
  CpuIdleCheck check;
  const long cores = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  const auto start = std::chrono::steady_clock::now();
  while (true) {
    uint64_t busy0, total0, busy1, total1;
    if (!ReadCpuJiffies(&busy0, &total0)) return check;  // Not Linux: nothing to check.
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    if (!ReadCpuJiffies(&busy1, &total1)) return check;
    const uint64_t total = total1 - total0;
    check.busy_cores =
        total == 0 ? 0.0 : static_cast<double>(busy1 - busy0) / static_cast<double>(total) * cores;
    check.waited_seconds = SecondsSince(start);
    check.idle = check.busy_cores < max_busy_cores;
    if (check.idle || check.waited_seconds >= max_wait_seconds) break;
  }
  if (!check.idle) {
    std::fprintf(stderr,
                 "warning: %s: the CPU is not idle (%.2f of %ld cores busy after waiting %.1f s); "
                 "timing anyway\n",
                 what.c_str(), check.busy_cores, cores, check.waited_seconds);
  }
  return check;
}

void PrintResult(const EngineResult& r) {
  std::string json = "{\"engine\":\"" + r.engine + "\"";
  if (r.built) {
    json += ",\"documents\":" + std::to_string(r.documents) +
            ",\"raw_bytes\":" + std::to_string(r.raw_bytes) +
            ",\"index_seconds\":" + Format("%.3f", r.index_seconds) +
            ",\"docs_per_second\":" + Format("%.1f", r.documents / std::max(r.index_seconds, 1e-9)) +
            ",\"index_bytes\":" + std::to_string(r.index_bytes) + ",\"index_to_raw\":" +
            Format("%.3f", static_cast<double>(r.index_bytes) / std::max<uint64_t>(r.raw_bytes, 1)) +
            ",\"cpu_busy_before_build\":" + Format("%.2f", r.cpu_busy_before_build);
  }
  if (r.queried) {
    // Throughput: the median over the timed passes of queries / summed query time.
    std::vector<double> pass_qps;
    for (size_t i = 0; i < r.pass_seconds.size(); ++i) {
      pass_qps.push_back(r.pass_queries[i] / std::max(r.pass_seconds[i], 1e-9));
    }
    std::sort(pass_qps.begin(), pass_qps.end());
    const double qps = pass_qps.empty() ? 0.0
                       : pass_qps.size() % 2 == 1
                           ? pass_qps[pass_qps.size() / 2]
                           : (pass_qps[pass_qps.size() / 2 - 1] + pass_qps[pass_qps.size() / 2]) / 2;
    json += LatencyFields(r.and_queries, r.or_queries) + ",\"qps\":" + Format("%.1f", qps) +
            ",\"timed_passes\":" + std::to_string(r.pass_seconds.size()) +
            ",\"query_set\":" +
            std::to_string(r.pass_queries.empty() ? 0 : r.pass_queries.front()) +
            ",\"top10_hits\":" + std::to_string(r.hits) +
            ",\"cpu_busy_before_queries\":" + Format("%.2f", r.cpu_busy_before_queries);
    json += ",\"groups\":{";
    for (size_t i = 0; i < r.groups.size(); ++i) {
      const QueryGroupResult& g = r.groups[i];
      const size_t passes = std::max<size_t>(r.pass_seconds.size(), 1);
      json += (i ? ",\"" : "\"") + g.name + "\":{\"queries\":" + std::to_string(g.queries / passes) +
              ",\"and\":" + std::to_string(g.and_queries.micros.size() / passes) +
              ",\"or\":" + std::to_string(g.or_queries.micros.size() / passes) +
              LatencyFields(g.and_queries, g.or_queries) +
              ",\"top10_hits\":" + std::to_string(g.hits) + "}";
    }
    json += "}";
  }
  if (r.built || r.queried) json += std::string(",\"cpu_idle\":") + (r.cpu_idle ? "true" : "false");
  json += r.extra_json + "}";
  std::printf("%s\n", json.c_str());
  std::fflush(stdout);
}

}  // namespace newsgraph::bench
