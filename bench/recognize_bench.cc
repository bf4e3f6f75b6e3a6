// Recognition on raw text, in process and on one thread: what the entity
// service does to a document before resolution (sentence splitting,
// tokenization, the two-pass tagger, the date/amount grammar, name typing).
//
//   recognize_bench --corpus=FILE.jsonl.gz --model=models/ner-conll2003.ngpm
//                   [--limit=N] [--repeat=K] [--join=J]
//
// --join=J recognizes texts of J corpus documents each (the large-document
// path: long texts are tagged in chunks of sentences).
// Prints one JSON line: documents, words (word tokens of the text), the best
// of K passes as words/s and ms per 1,000 words, mentions found with a
// digest of them (text, span and type: equal digests, equal output), model
// load time, the resident memory the loaded recognizer added and the peak
// resident memory of the process.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bench/common/bench_corpus.h"
#include "services/entity/recognizer.h"
#include "services/text/tokenizer.h"
#include "xxhash.h"

namespace {

using Clock = std::chrono::steady_clock;

// Resident set size of this process in MiB (Linux /proc).
// A field of /proc/self/status ("VmRSS:", "VmHWM:") in MiB.
double StatusMib(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const size_t length = std::strlen(field);
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::strtod(line.c_str() + length, nullptr) / 1024.0;
  }
  return 0;
}
double ResidentMib() { return StatusMib("VmRSS:"); }
double PeakResidentMib() { return StatusMib("VmHWM:"); }

}  // namespace

int main(int argc, char** argv) {
  std::string corpus;
  std::string model = "models/ner-conll2003.ngpm";
  size_t limit = 0;
  int repeat = 3;
  size_t join = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      const std::string prefix = std::string("--") + name + "=";
      return a.rfind(prefix, 0) == 0 ? argv[i] + prefix.size() : nullptr;
    };
    if (const char* v = value("corpus")) corpus = v;
    if (const char* v = value("model")) model = v;
    if (const char* v = value("limit")) limit = std::strtoul(v, nullptr, 10);
    if (const char* v = value("repeat")) repeat = std::max(1, std::atoi(v));
    if (const char* v = value("join")) join = std::max<size_t>(1, std::strtoul(v, nullptr, 10));
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "usage: recognize_bench --corpus=FILE.jsonl.gz [--model=PATH] [--limit=N]\n");
    return 2;
  }
  std::vector<std::string> texts;
  size_t words = 0;
  size_t joined = 0;
  for (const auto& d : newsgraph::bench::ReadCorpus(corpus, limit)) {
    std::string text = d.title.empty() ? d.body : d.title + "\n\n" + d.body;
    if (text.empty()) continue;
    for (const auto& t : newsgraph::text::Tokenize(text)) {
      words += t.kind == newsgraph::text::TokenKind::kWord ? 1 : 0;
    }
    if (joined++ % join != 0) {
      texts.back() += "\n\n" + text;
    } else {
      texts.push_back(std::move(text));
    }
  }
  const double rss_before = ResidentMib();
  const auto load_start = Clock::now();
  auto recognizer = newsgraph::entity::LoadRecognizer(model);
  if (!recognizer.ok()) {
    std::fprintf(stderr, "recognize_bench: %s\n", recognizer.status().ToString().c_str());
    return 1;
  }
  const double load_seconds = std::chrono::duration<double>(Clock::now() - load_start).count();
  const double model_mib = ResidentMib() - rss_before;
  double best = 0;
  size_t mentions = 0;
  uint64_t digest = 0;
  for (int pass = 0; pass < repeat; ++pass) {
    size_t found = 0;
    uint64_t hash = 0;
    const auto start = Clock::now();
    for (const std::string& text : texts) {
      const auto recognition = (*recognizer)->Recognize(text);
      found += recognition.mentions.size();
      for (const auto& m : recognition.mentions) {
        const uint64_t fields[] = {m.byte_begin, m.byte_end, static_cast<uint64_t>(m.type)};
        hash = XXH64(fields, sizeof(fields), hash);
      }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (pass == 0 || seconds < best) best = seconds;
    mentions = found;
    digest = hash;
  }
  std::printf(
      "{\"documents\":%zu,\"texts\":%zu,\"words\":%zu,\"mentions\":%zu,"
      "\"mentions_digest\":\"%016llx\",\"words_per_second\":%.0f,"
      "\"ms_per_1000_words\":%.3f,\"model_load_seconds\":%.2f,\"model_rss_mib\":%.1f,"
      "\"peak_rss_mib\":%.1f}\n",
      joined, texts.size(), words, mentions, static_cast<unsigned long long>(digest), words / best,
      best * 1000.0 / (words / 1000.0), load_seconds, model_mib, PeakResidentMib());
  return 0;
}
