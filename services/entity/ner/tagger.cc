#include "services/entity/ner/tagger.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"

namespace newsgraph::entity::ner {
namespace {

// Whether tag `next` may follow tag `previous` (-1 = sentence start).
bool ValidTransition(int previous, int next) {
  const std::vector<std::string>& tags = BilouTagSet();
  const bool previous_open = previous > 0 && (tags[previous][0] == 'B' || tags[previous][0] == 'I');
  const char kind = tags[next][0];
  const bool continues = kind == 'I' || kind == 'L';
  if (!previous_open) return !continues;
  return continues && tags[next].substr(2) == tags[previous].substr(2);
}

// 0 for O, 1 + type index for an entity tag.
int TypeIdOf(int tag) {
  if (tag <= 0) return 0;
  return (tag - 1) / 4 + 1;
}

bool Capitalized(const std::string& word) {
  return !word.empty() && absl::ascii_isupper(static_cast<unsigned char>(word[0]));
}

// Greedy decoding of one sentence. When `train` is non-null, updates the
// model towards `gold_tags` after each token.
std::vector<int> Decode(const Perceptron& model, const std::vector<TokenInfo>& tokens,
                        absl::flat_hash_map<std::string, int>* document_memory,
                        std::vector<float>* confidences, Perceptron* train,
                        const std::vector<int>* gold_tags) {
  const int n_labels = model.num_labels();
  std::vector<int> tags(tokens.size(), 0);
  std::vector<uint64_t> features;
  std::vector<float> scores;
  int previous = -1;
  int previous_previous = -1;
  for (size_t i = 0; i < tokens.size(); ++i) {
    int memory = -1;
    if (auto it = document_memory->find(tokens[i].lower); it != document_memory->end()) {
      memory = it->second;
    }
    ExtractFeatures(tokens, i, previous, previous_previous, memory, &features);
    model.Score(features, &scores);
    int best = 0;
    float best_score = -std::numeric_limits<float>::infinity();
    for (int l = 0; l < n_labels; ++l) {
      if (!ValidTransition(previous, l)) continue;
      if (scores[l] > best_score) {
        best_score = scores[l];
        best = l;
      }
    }
    if (confidences != nullptr) {
      double total = 0;
      for (int l = 0; l < n_labels; ++l) {
        if (ValidTransition(previous, l)) total += std::exp(scores[l] - best_score);
      }
      confidences->push_back(static_cast<float>(1.0 / total));
    }
    if (train != nullptr) {
      train->Update(features, (*gold_tags)[i], best);
      train->NextExample();
    }
    tags[i] = best;
    if (Capitalized(tokens[i].word) && !document_memory->contains(tokens[i].lower)) {
      (*document_memory)[tokens[i].lower] = TypeIdOf(best);
    }
    previous_previous = previous;
    previous = best;
  }
  return tags;
}

std::vector<Span> SpansOf(const std::vector<int>& tags) {
  std::vector<std::string> names;
  names.reserve(tags.size());
  for (int t : tags) names.push_back(BilouTagSet()[t]);
  return SpansFromBilou(names);
}

// Sentences grouped by document, in order.
std::vector<std::vector<const Sentence*>> ByDocument(const std::vector<Sentence>& sentences) {
  std::vector<std::vector<const Sentence*>> documents;
  for (const Sentence& s : sentences) {
    if (documents.empty() || documents.back().front()->document != s.document)
      documents.emplace_back();
    documents.back().push_back(&s);
  }
  return documents;
}

void Count(const std::vector<Span>& gold, const std::vector<Span>& predicted,
           absl::flat_hash_map<std::string, SpanCounts>* by_type) {
  for (const Span& p : predicted) {
    const bool hit = std::find(gold.begin(), gold.end(), p) != gold.end();
    if (hit)
      ++(*by_type)[p.type].true_positives;
    else
      ++(*by_type)[p.type].false_positives;
  }
  for (const Span& g : gold) {
    if (std::find(predicted.begin(), predicted.end(), g) == predicted.end()) {
      ++(*by_type)[g.type].false_negatives;
    }
  }
}

}  // namespace

absl::flat_hash_set<std::string> DocumentLowercase(
    const std::vector<std::vector<std::string>>& sentences);

const std::vector<std::string>& EntityTypes() {
  static const auto* types = new std::vector<std::string>{"PER", "ORG", "LOC", "MISC"};
  return *types;
}

const std::vector<std::string>& BilouTagSet() {
  static const auto* tags = [] {
    auto* t = new std::vector<std::string>{"O"};
    for (const std::string& type : EntityTypes()) {
      for (const char* prefix : {"B-", "I-", "L-", "U-"}) t->push_back(prefix + type);
    }
    return t;
  }();
  return *tags;
}

absl::flat_hash_set<std::string> DocumentLowercase(
    const std::vector<std::vector<std::string>>& sentences) {
  std::vector<const std::vector<std::string>*> pointers;
  for (const auto& s : sentences) pointers.push_back(&s);
  return LowercaseWords(pointers);
}

std::vector<std::vector<std::pair<Span, float>>> NerTagger::TagDocumentWithConfidence(
    const std::vector<std::vector<std::string>>& sentences) const {
  const absl::flat_hash_set<std::string> lowercase = DocumentLowercase(sentences);
  absl::flat_hash_map<std::string, int> memory;
  std::vector<std::vector<std::pair<Span, float>>> out;
  out.reserve(sentences.size());
  for (const std::vector<std::string>& sentence : sentences) {
    std::vector<float> confidences;
    const std::vector<int> tags = Decode(model_, DescribeTokens(sentence, lexicons_, &lowercase),
                                         &memory, &confidences, nullptr, nullptr);
    std::vector<std::pair<Span, float>> spans;
    for (const Span& span : SpansOf(tags)) {
      double sum = 0;
      for (size_t i = span.begin; i < span.end; ++i) sum += confidences[i];
      spans.emplace_back(span,
                         static_cast<float>(sum / static_cast<double>(span.end - span.begin)));
    }
    out.push_back(std::move(spans));
  }
  return out;
}

std::vector<std::vector<Span>> NerTagger::TagDocument(
    const std::vector<std::vector<std::string>>& sentences) const {
  const absl::flat_hash_set<std::string> lowercase = DocumentLowercase(sentences);
  absl::flat_hash_map<std::string, int> memory;
  std::vector<std::vector<Span>> out;
  out.reserve(sentences.size());
  for (const std::vector<std::string>& sentence : sentences) {
    out.push_back(SpansOf(Decode(model_, DescribeTokens(sentence, lexicons_, &lowercase), &memory,
                                 nullptr, nullptr, nullptr)));
  }
  return out;
}

Perceptron TrainNer(const std::vector<Sentence>& train, const std::vector<Sentence>& dev,
                    const Lexicons& lexicons, const TrainOptions& options,
                    const std::function<void(int epoch, double dev_f1)>& on_epoch) {
  Perceptron model(BilouTagSet());
  absl::flat_hash_map<std::string, int> tag_index;
  for (size_t t = 0; t < BilouTagSet().size(); ++t)
    tag_index[BilouTagSet()[t]] = static_cast<int>(t);
  // Precompute token views and gold tags once.
  struct Prepared {
    std::vector<TokenInfo> tokens;
    std::vector<int> gold;
  };
  std::vector<std::vector<Prepared>> documents;
  for (const std::vector<const Sentence*>& doc : ByDocument(train)) {
    documents.emplace_back();
    std::vector<const std::vector<std::string>*> pointers;
    for (const Sentence* s : doc) pointers.push_back(&s->tokens);
    const absl::flat_hash_set<std::string> lowercase = LowercaseWords(pointers);
    for (const Sentence* s : doc) {
      Prepared p{DescribeTokens(s->tokens, lexicons, &lowercase), {}};
      for (const std::string& tag : BilouFromSpans(s->entities, s->tokens.size())) {
        p.gold.push_back(tag_index.at(tag));
      }
      documents.back().push_back(std::move(p));
    }
  }
  std::mt19937_64 rng(options.seed);
  Perceptron best = model.Averaged();
  double best_f1 = -1;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    std::shuffle(documents.begin(), documents.end(), rng);
    for (const std::vector<Prepared>& doc : documents) {
      absl::flat_hash_map<std::string, int> memory;
      for (const Prepared& s : doc) Decode(model, s.tokens, &memory, nullptr, &model, &s.gold);
    }
    Perceptron averaged = model.Averaged();
    const double f1 = EvaluateNer(NerTagger(averaged, lexicons), dev).micro.F1();
    if (on_epoch) on_epoch(epoch, f1);
    if (f1 > best_f1) {
      best_f1 = f1;
      best = std::move(averaged);
    }
  }
  return best;
}

double SpanCounts::Precision() const {
  const long d = true_positives + false_positives;
  return d == 0 ? 0 : static_cast<double>(true_positives) / d;
}
double SpanCounts::Recall() const {
  const long d = true_positives + false_negatives;
  return d == 0 ? 0 : static_cast<double>(true_positives) / d;
}
double SpanCounts::F1() const {
  const double p = Precision();
  const double r = Recall();
  return p + r == 0 ? 0 : 2 * p * r / (p + r);
}

NerEvaluation EvaluateNer(const NerTagger& tagger, const std::vector<Sentence>& gold) {
  absl::flat_hash_map<std::string, SpanCounts> by_type;
  for (const std::vector<const Sentence*>& doc : ByDocument(gold)) {
    std::vector<std::vector<std::string>> tokens;
    for (const Sentence* s : doc) tokens.push_back(s->tokens);
    const std::vector<std::vector<Span>> predicted = tagger.TagDocument(tokens);
    for (size_t k = 0; k < doc.size(); ++k) Count(doc[k]->entities, predicted[k], &by_type);
  }
  NerEvaluation evaluation;
  for (const std::string& type : EntityTypes()) {
    const SpanCounts& c = by_type[type];
    evaluation.by_type.emplace_back(type, c);
    evaluation.micro.true_positives += c.true_positives;
    evaluation.micro.false_positives += c.false_positives;
    evaluation.micro.false_negatives += c.false_negatives;
  }
  return evaluation;
}

}  // namespace newsgraph::entity::ner
