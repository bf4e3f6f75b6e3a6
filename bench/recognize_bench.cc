// Recognition on raw text, in process and on one thread: what the entity
// service does to a document before resolution (sentence splitting,
// tokenization, the two-pass tagger, the date/amount grammar, name typing).
//
//   recognize_bench --corpus=FILE.jsonl.gz --model=models/ner-conll2003.ngpm
//                   [--limit=N] [--repeat=K]
//
// Prints one JSON line: documents, words (word tokens of the text), the best
// of K passes as words/s and ms per 1,000 words, mentions found, model load
// time and the resident memory the loaded recognizer added.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "bench/common/bench_corpus.h"
#include "services/entity/recognizer.h"
#include "services/text/tokenizer.h"

namespace {

using Clock = std::chrono::steady_clock;

// Resident set size of this process in MiB (Linux /proc).
double ResidentMib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus;
  std::string model = "models/ner-conll2003.ngpm";
  size_t limit = 0;
  int repeat = 3;
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
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "usage: recognize_bench --corpus=FILE.jsonl.gz [--model=PATH] [--limit=N]\n");
    return 2;
  }
  std::vector<std::string> texts;
  size_t words = 0;
  for (const auto& d : newsgraph::bench::ReadCorpus(corpus, limit)) {
    std::string text = d.title.empty() ? d.body : d.title + "\n\n" + d.body;
    if (text.empty()) continue;
    for (const auto& t : newsgraph::text::Tokenize(text)) {
      words += t.kind == newsgraph::text::TokenKind::kWord ? 1 : 0;
    }
    texts.push_back(std::move(text));
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
  for (int pass = 0; pass < repeat; ++pass) {
    size_t found = 0;
    const auto start = Clock::now();
    for (const std::string& text : texts) found += (*recognizer)->Recognize(text).mentions.size();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (pass == 0 || seconds < best) best = seconds;
    mentions = found;
  }
  std::printf(
      "{\"documents\":%zu,\"words\":%zu,\"mentions\":%zu,\"words_per_second\":%.0f,"
      "\"ms_per_1000_words\":%.3f,\"model_load_seconds\":%.2f,\"model_rss_mib\":%.1f}\n",
      texts.size(), words, mentions, words / best, best * 1000.0 / (words / 1000.0), load_seconds,
      model_mib);
  return 0;
}
