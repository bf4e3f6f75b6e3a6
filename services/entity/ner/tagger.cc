#include "services/entity/ner/tagger.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "services/entity/ner/lexicons.h"

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

// Fills first_pass_type / first_pass_majority of a document's tokens from
// first-pass tags.
void AddFirstPassEvidence(const std::vector<std::vector<int>>& first_pass_tags,
                          std::vector<std::vector<TokenInfo>>* document) {
  absl::flat_hash_map<std::string, std::array<int, 5>> votes;
  for (size_t s = 0; s < document->size(); ++s) {
    for (size_t i = 0; i < (*document)[s].size(); ++i) {
      ++votes[(*document)[s][i].lower][TypeIdOf(first_pass_tags[s][i])];
    }
  }
  for (size_t s = 0; s < document->size(); ++s) {
    for (size_t i = 0; i < (*document)[s].size(); ++i) {
      TokenInfo& token = (*document)[s][i];
      token.first_pass_type = TypeIdOf(first_pass_tags[s][i]);
      const std::array<int, 5>& v = votes[token.lower];
      int majority = 0;
      for (int t = 1; t < 5; ++t) {
        if (v[t] > v[majority] || (majority == 0 && v[t] > 0)) majority = t;
      }
      token.first_pass_majority = majority;
    }
  }
}

// Describes a document's sentences for tagging, with first-pass evidence
// when `first_pass` is set.
std::vector<std::vector<TokenInfo>> DescribeDocument(
    const std::vector<std::vector<std::string>>& sentences, const Lexicons& lexicons,
    const Perceptron* first_pass) {
  std::vector<const std::vector<std::string>*> pointers;
  for (const auto& s : sentences) pointers.push_back(&s);
  const absl::flat_hash_set<std::string> lowercase = LowercaseWords(pointers);
  std::vector<std::vector<TokenInfo>> document;
  document.reserve(sentences.size());
  for (const auto& s : sentences) document.push_back(DescribeTokens(s, lexicons, &lowercase));
  if (first_pass != nullptr) {
    absl::flat_hash_map<std::string, int> memory;
    std::vector<std::vector<int>> tags;
    for (const auto& tokens : document) {
      tags.push_back(Decode(*first_pass, tokens, &memory, nullptr, nullptr, nullptr));
    }
    AddFirstPassEvidence(tags, &document);
  }
  return document;
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

std::vector<std::vector<std::pair<Span, float>>> NerTagger::TagDocumentWithConfidence(
    const std::vector<std::vector<std::string>>& sentences) const {
  const std::vector<std::vector<TokenInfo>> document =
      DescribeDocument(sentences, lexicons_, first_pass_ ? &*first_pass_ : nullptr);
  absl::flat_hash_map<std::string, int> memory;
  std::vector<std::vector<std::pair<Span, float>>> out;
  out.reserve(sentences.size());
  for (const std::vector<TokenInfo>& tokens : document) {
    std::vector<float> confidences;
    const std::vector<int> tags = Decode(model_, tokens, &memory, &confidences, nullptr, nullptr);
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
  const std::vector<std::vector<TokenInfo>> document =
      DescribeDocument(sentences, lexicons_, first_pass_ ? &*first_pass_ : nullptr);
  absl::flat_hash_map<std::string, int> memory;
  std::vector<std::vector<Span>> out;
  out.reserve(sentences.size());
  for (const std::vector<TokenInfo>& tokens : document) {
    out.push_back(SpansOf(Decode(model_, tokens, &memory, nullptr, nullptr, nullptr)));
  }
  return out;
}

namespace {

struct PreparedSentence {
  std::vector<TokenInfo> tokens;
  std::vector<int> gold;
};
using PreparedDocument = std::vector<PreparedSentence>;

// Runs `epochs` perceptron epochs over `documents`; after each, `evaluate`
// (when set) scores the averaged model, and the best is kept. Without
// `evaluate` the last averaged model is returned.
Perceptron TrainPass(std::vector<PreparedDocument> documents, int epochs, uint64_t seed,
                     const std::function<double(const Perceptron&)>& evaluate,
                     const std::function<void(int epoch, double f1)>& on_epoch) {
  Perceptron model(BilouTagSet());
  std::mt19937_64 rng(seed);
  std::optional<Perceptron> best;
  double best_f1 = -1;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    std::shuffle(documents.begin(), documents.end(), rng);
    for (const PreparedDocument& doc : documents) {
      absl::flat_hash_map<std::string, int> memory;
      for (const PreparedSentence& s : doc)
        Decode(model, s.tokens, &memory, nullptr, &model, &s.gold);
    }
    if (!evaluate) continue;
    Perceptron averaged = model.Averaged();
    const double f1 = evaluate(averaged);
    if (on_epoch) on_epoch(epoch, f1);
    if (f1 > best_f1) {
      best_f1 = f1;
      best = std::move(averaged);
    }
  }
  return best.has_value() ? *std::move(best) : model.Averaged();
}

// TrainPass `members` times with consecutive seeds; the mean of the models.
Perceptron TrainMembers(const std::vector<PreparedDocument>& documents, int epochs, uint64_t seed,
                        int members, const std::function<double(const Perceptron&)>& evaluate,
                        const std::function<void(int epoch, double f1)>& on_epoch) {
  if (members <= 1) return TrainPass(documents, epochs, seed, evaluate, on_epoch);
  std::vector<Perceptron> models;
  for (int m = 0; m < members; ++m) {
    models.push_back(TrainPass(documents, epochs, seed + static_cast<uint64_t>(m), evaluate, on_epoch));
  }
  return Perceptron::Mean(models);
}

}  // namespace

TrainedNer TrainNer(const std::vector<Sentence>& train, const std::vector<Sentence>& dev,
                    const Lexicons& lexicons, const TrainOptions& options,
                    const std::function<void(int pass, int epoch, double dev_f1)>& on_epoch) {
  absl::flat_hash_map<std::string, int> tag_index;
  for (size_t t = 0; t < BilouTagSet().size(); ++t)
    tag_index[BilouTagSet()[t]] = static_cast<int>(t);
  std::vector<PreparedDocument> documents;
  std::vector<std::vector<std::vector<std::string>>> document_tokens;
  for (const std::vector<const Sentence*>& doc : ByDocument(train)) {
    std::vector<std::vector<std::string>> tokens;
    for (const Sentence* s : doc) tokens.push_back(s->tokens);
    const std::vector<std::vector<TokenInfo>> described =
        DescribeDocument(tokens, lexicons, nullptr);
    PreparedDocument prepared;
    for (size_t k = 0; k < doc.size(); ++k) {
      PreparedSentence p{described[k], {}};
      for (const std::string& tag : BilouFromSpans(doc[k]->entities, doc[k]->tokens.size())) {
        p.gold.push_back(tag_index.at(tag));
      }
      prepared.push_back(std::move(p));
    }
    documents.push_back(std::move(prepared));
    document_tokens.push_back(std::move(tokens));
  }

  // Pass 1 on everything, tuned on dev.
  Perceptron first = TrainMembers(
      documents, options.epochs, options.seed, options.members,
      [&](const Perceptron& m) { return EvaluateNer(NerTagger(m, lexicons), dev).micro.F1(); },
      [&](int epoch, double f1) {
        if (on_epoch) on_epoch(1, epoch, f1);
      });
  if (!options.two_pass) return TrainedNer{std::move(first), std::nullopt};

  // Jackknifed first-pass evidence for the second pass's training data.
  int best_epoch = options.epochs;
  std::vector<PreparedDocument> stacked = documents;
  for (int fold = 0; fold < options.folds; ++fold) {
    std::vector<PreparedDocument> rest;
    for (size_t d = 0; d < documents.size(); ++d) {
      if (static_cast<int>(d % options.folds) != fold) rest.push_back(documents[d]);
    }
    const Perceptron held_out_model =
        TrainPass(std::move(rest), best_epoch, options.seed + fold, {}, {});
    for (size_t d = fold; d < documents.size(); d += options.folds) {
      absl::flat_hash_map<std::string, int> memory;
      std::vector<std::vector<int>> tags;
      std::vector<std::vector<TokenInfo>> tokens;
      for (const PreparedSentence& s : documents[d]) {
        tags.push_back(Decode(held_out_model, s.tokens, &memory, nullptr, nullptr, nullptr));
        tokens.push_back(s.tokens);
      }
      AddFirstPassEvidence(tags, &tokens);
      for (size_t k = 0; k < tokens.size(); ++k) stacked[d][k].tokens = std::move(tokens[k]);
    }
  }
  Perceptron second = TrainMembers(
      stacked, options.epochs, options.seed, options.members,
      [&](const Perceptron& m) {
        return EvaluateNer(NerTagger(m, lexicons, first), dev).micro.F1();
      },
      [&](int epoch, double f1) {
        if (on_epoch) on_epoch(2, epoch, f1);
      });
  return TrainedNer{std::move(second), std::move(first)};
}

absl::StatusOr<NerTagger> LoadNerTagger(const std::string& model_path, std::string* metadata) {
  std::string meta_json;
  absl::StatusOr<Perceptron> model = Perceptron::Load(model_path, &meta_json);
  if (!model.ok()) return model.status();
  if (metadata != nullptr) *metadata = meta_json;
  google::protobuf::Struct meta;
  (void)google::protobuf::util::JsonStringToMessage(meta_json, &meta);
  const size_t slash = model_path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : model_path.substr(0, slash + 1);
  auto companion = [&](const char* key) -> std::string {
    auto it = meta.fields().find(key);
    return it == meta.fields().end() || it->second.string_value().empty()
               ? ""
               : dir + it->second.string_value();
  };
  absl::StatusOr<Lexicons> lexicons = LoadLexicons(companion("clusters"), companion("paths"));
  if (!lexicons.ok()) return lexicons.status();
  std::optional<Perceptron> first_pass;
  if (const std::string path = companion("first_pass"); !path.empty()) {
    absl::StatusOr<Perceptron> loaded = Perceptron::Load(path, nullptr);
    if (!loaded.ok()) return loaded.status();
    first_pass = *std::move(loaded);
  }
  return NerTagger(*std::move(model), *std::move(lexicons), std::move(first_pass));
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
