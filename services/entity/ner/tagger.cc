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
#include "absl/strings/str_cat.h"
#include "services/entity/ner/lexicons.h"

namespace newsgraph::entity::ner {
namespace {

// Whether tag `next` may follow tag `previous` (-1 = sentence start).
bool ValidTransitionSlow(int previous, int next) {
  const std::vector<std::string>& tags = BilouTagSet();
  const bool previous_open = previous > 0 && (tags[previous][0] == 'B' || tags[previous][0] == 'I');
  const char kind = tags[next][0];
  const bool continues = kind == 'I' || kind == 'L';
  if (!previous_open) return !continues;
  return continues && tags[next].substr(2) == tags[previous].substr(2);
}

constexpr int kMaxTags = 17;
// Tagging extends the 6 best prefixes at each token; training searches
// exhaustively. On CoNLL-2003 dev and test a beam of 6 tags exactly as the full
// search does within 0.0003 F1 and is ~30% faster (5: -0.0012, 4: -0.005).
constexpr int kSearchBeam = 6;

// ValidTransition(previous, next) for previous in -1..16, as a table.
struct TransitionTable {
  bool valid[kMaxTags + 1][kMaxTags];
  bool closes[kMaxTags];  // the tag may end a sentence (O, L-, U-)
  TransitionTable() {
    const int n = static_cast<int>(BilouTagSet().size());
    for (int p = -1; p < n; ++p) {
      for (int l = 0; l < n; ++l) valid[p + 1][l] = ValidTransitionSlow(p, l);
    }
    for (int l = 0; l < n; ++l) closes[l] = ValidTransitionSlow(l, 0);
  }
};

const TransitionTable& Transitions() {
  static const TransitionTable* table = new TransitionTable();
  return *table;
}

// 0 for O, 1 + type index for an entity tag.
int TypeIdOf(int tag) {
  if (tag <= 0) return 0;
  return (tag - 1) / 4 + 1;
}

bool Capitalized(const std::string& word) {
  return !word.empty() && absl::ascii_isupper(static_cast<unsigned char>(word[0]));
}

// The search space of one sentence: per token its features, emission
// scores and (filled on first use) transition scores from each previous tag,
// and the Viterbi table over them.
class Lattice {
 public:
  Lattice(const Perceptron& model, const std::vector<TokenInfo>& tokens,
          const absl::flat_hash_map<std::string, int>& document_memory)
      : model_(model),
        n_(tokens.size()),
        labels_(model.num_labels()),
        features_(n_),
        bases_(n_),
        emission_(n_ * labels_),
        transition_(n_ * (labels_ + 1) * labels_, 0.0f),
        extended_(n_ * (labels_ + 1), false),
        best_(n_ * labels_, kImpossible),
        back_(n_ * labels_, -1) {
    std::vector<float> scores;
    for (size_t i = 0; i < n_; ++i) {
      int memory = -1;
      if (auto it = document_memory.find(tokens[i].lower); it != document_memory.end()) {
        memory = it->second;
      }
      ExtractFeatures(tokens, i, memory, &features_[i]);
      model.Score(features_[i], &scores);
      std::copy(scores.begin(), scores.end(), emission_.begin() + i * labels_);
      bases_[i] = TransitionBases(tokens, i);
    }
  }

  // Viterbi under the BILOU constraints: the tag sequence with the highest
  // sum of emission and transition scores, extending the `beam` best
  // prefixes at each token (kMaxTags = exhaustive).
  std::vector<int> BestTags(int beam) {
    Forward(beam);
    std::vector<int> tags(n_, 0);
    float final_score = kImpossible;
    for (int l = 0; l < labels_; ++l) {
      if (table_.closes[l] && best_[(n_ - 1) * labels_ + l] > final_score) {
        final_score = best_[(n_ - 1) * labels_ + l];
        tags[n_ - 1] = l;
      }
    }
    for (size_t i = n_ - 1; i > 0; --i) tags[i - 1] = back_[i * labels_ + tags[i]];
    return tags;
  }

  // After BestTags: appends for each token the softmax over its tags of the
  // max-marginal scores divided by `temperature` (the chosen tag's share).
  void AppendConfidences(const std::vector<int>& tags, float temperature,
                         std::vector<float>* confidences) {
    const std::vector<float> after = BestSuffixes();
    for (size_t i = 0; i < n_; ++i) {
      const float chosen = best_[i * labels_ + tags[i]] + after[i * labels_ + tags[i]];
      double total = 0;
      for (int l = 0; l < labels_; ++l) {
        const float m = best_[i * labels_ + l] + after[i * labels_ + l];
        if (m != kImpossible) total += std::exp(static_cast<double>(m - chosen) / temperature);
      }
      confidences->push_back(static_cast<float>(1.0 / std::max(total, 1.0)));
    }
  }

  // The structured perceptron update of `train` from `tags` towards `gold`.
  void Update(const std::vector<int>& tags, const std::vector<int>& gold, Perceptron* train) const {
    for (size_t i = 0; i < n_; ++i) {
      const int gold_previous = i == 0 ? -1 : gold[i - 1];
      const int previous = i == 0 ? -1 : tags[i - 1];
      if (gold[i] == tags[i] && gold_previous == previous) continue;
      if (gold[i] != tags[i]) {
        train->Adjust(features_[i], gold[i], 1.0f);
        train->Adjust(features_[i], tags[i], -1.0f);
      }
      for (uint64_t base : bases_[i]) {
        train->Adjust(TransitionFeature(base, gold_previous), gold[i], 1.0f);
        train->Adjust(TransitionFeature(base, previous), tags[i], -1.0f);
      }
    }
    train->NextExample();
  }

 private:
  static constexpr float kImpossible = -std::numeric_limits<float>::infinity();

  // transition[(i * (labels + 1) + p + 1) * labels + l], filled for the
  // previous tags the search extends.
  const float* TransitionAt(size_t i, int p) {
    float* t = transition_.data() + (i * (labels_ + 1) + p + 1) * labels_;
    if (!extended_[i * (labels_ + 1) + p + 1]) {
      extended_[i * (labels_ + 1) + p + 1] = true;
      std::array<uint64_t, kTransitionTemplates> ids;
      for (size_t k = 0; k < kTransitionTemplates; ++k) ids[k] = TransitionFeature(bases_[i][k], p);
      model_.AddWeights(ids.data(), ids.size(), t);
    }
    return t;
  }

  // best[i * labels + l]: the best score of a valid prefix ending in l.
  void Forward(int beam) {
    for (int l = 0; l < labels_; ++l) {
      if (table_.valid[0][l]) best_[l] = emission_[l] + TransitionAt(0, -1)[l];
    }
    std::array<int, kMaxTags + 1> order;  // one spare slot keeps nth_element's end in bounds
    for (size_t i = 1; i < n_; ++i) {
      const float* previous_best = best_.data() + (i - 1) * labels_;
      int kept = 0;
      for (int p = 0; p < labels_; ++p) {
        if (previous_best[p] != kImpossible) order[kept++] = p;
      }
      if (kept > beam) {
        std::nth_element(order.begin(), order.begin() + beam, order.begin() + kept,
                         [&](int a, int b) { return previous_best[a] > previous_best[b]; });
        kept = beam;
      }
      // Start the memory loads of every transition feature to be read.
      for (int k = 0; k < kept; ++k) {
        for (uint64_t base : bases_[i]) model_.Prefetch(TransitionFeature(base, order[k]));
      }
      for (int k = 0; k < kept; ++k) {
        const int p = order[k];
        const float from = previous_best[p];
        const float* t = TransitionAt(i, p);
        for (int l = 0; l < labels_; ++l) {
          if (!table_.valid[p + 1][l]) continue;
          const float score = from + t[l];
          if (score > best_[i * labels_ + l]) {
            best_[i * labels_ + l] = score;
            back_[i * labels_ + l] = p;
          }
        }
      }
      for (int l = 0; l < labels_; ++l) best_[i * labels_ + l] += emission_[i * labels_ + l];
    }
  }

  // after[i * labels + l]: the best score of a valid suffix after token i
  // given tag l at i, over the transitions the forward search extended.
  std::vector<float> BestSuffixes() {
    std::vector<float> after(n_ * labels_, kImpossible);
    for (int l = 0; l < labels_; ++l) {
      if (table_.closes[l]) after[(n_ - 1) * labels_ + l] = 0;
    }
    for (size_t i = n_ - 1; i > 0; --i) {
      for (int p = 0; p < labels_; ++p) {
        if (!extended_[i * (labels_ + 1) + p + 1]) continue;  // outside the beam
        const float* t = TransitionAt(i, p);
        float top = kImpossible;
        for (int l = 0; l < labels_; ++l) {
          if (!table_.valid[p + 1][l] || after[i * labels_ + l] == kImpossible) continue;
          top = std::max(top, t[l] + emission_[i * labels_ + l] + after[i * labels_ + l]);
        }
        after[(i - 1) * labels_ + p] = top;
      }
    }
    return after;
  }

  const Perceptron& model_;
  const TransitionTable& table_ = Transitions();
  const size_t n_;
  const int labels_;
  std::vector<std::vector<uint64_t>> features_;
  std::vector<std::array<uint64_t, kTransitionTemplates>> bases_;
  std::vector<float> emission_;    // emission[i * labels + l]
  std::vector<float> transition_;  // see TransitionAt
  std::vector<bool> extended_;
  std::vector<float> best_;
  std::vector<int> back_;
};

// Decodes one sentence (Lattice::BestTags with `beam`); with `confidences`,
// appends each token's confidence; with `train`, applies the perceptron
// update towards `gold_tags`. Afterwards records the first type given to
// each capitalized word in `document_memory`.
std::vector<int> Decode(const Perceptron& model, const std::vector<TokenInfo>& tokens, int beam,
                        absl::flat_hash_map<std::string, int>* document_memory,
                        std::vector<float>* confidences, float temperature, Perceptron* train,
                        const std::vector<int>* gold_tags) {
  if (tokens.empty()) return {};
  Lattice lattice(model, tokens, *document_memory);
  const std::vector<int> tags = lattice.BestTags(beam);
  if (confidences != nullptr) lattice.AppendConfidences(tags, temperature, confidences);
  if (train != nullptr) lattice.Update(tags, *gold_tags, train);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (Capitalized(tokens[i].word) && !document_memory->contains(tokens[i].lower)) {
      (*document_memory)[tokens[i].lower] = TypeIdOf(tags[i]);
    }
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
  // word -> (length, type) of the longest first-pass span holding it.
  absl::flat_hash_map<std::string, std::pair<int, int>> longest;
  for (size_t s = 0; s < document->size(); ++s) {
    for (size_t i = 0; i < (*document)[s].size(); ++i) {
      ++votes[(*document)[s][i].lower][TypeIdOf(first_pass_tags[s][i])];
    }
    for (const Span& span : SpansOf(first_pass_tags[s])) {
      const int length = static_cast<int>(span.end - span.begin);
      const int type = TypeIdOf(first_pass_tags[s][span.begin]);
      for (size_t i = span.begin; i < span.end; ++i) {
        auto [it, inserted] = longest.try_emplace((*document)[s][i].lower, length, type);
        if (!inserted && length > it->second.first) it->second = {length, type};
      }
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
      token.first_pass_longest_type = 0;
      token.first_pass_longest_length = 0;
      if (auto it = longest.find(token.lower); it != longest.end()) {
        token.first_pass_longest_type = it->second.second;
        token.first_pass_longest_length = std::min(it->second.first, 3);
      }
    }
  }
}

// Sentences between two polls of a stop predicate.
constexpr size_t kStopPollStride = 32;

// True when `stop` is set and, polled at every kStopPollStride-th sentence,
// asks to stop.
bool StopRequested(const std::function<bool()>& stop, size_t sentence) {
  return stop && sentence % kStopPollStride == 0 && stop();
}

// Describes every token of the document; with `first_pass`, adds its tags as
// evidence. Returns fewer sentences than given when `stop` asked to stop.
std::vector<std::vector<TokenInfo>> DescribeDocument(
    const std::vector<std::vector<std::string>>& sentences, const Lexicons& lexicons,
    const Perceptron* first_pass, const std::function<bool()>& stop = nullptr) {
  std::vector<const std::vector<std::string>*> pointers;
  for (const auto& s : sentences) pointers.push_back(&s);
  const absl::flat_hash_set<std::string> lowercase = LowercaseWords(pointers);
  std::vector<std::vector<TokenInfo>> document;
  document.reserve(sentences.size());
  for (const auto& s : sentences) {
    if (StopRequested(stop, document.size())) return document;
    document.push_back(DescribeTokens(s, lexicons, &lowercase));
  }
  if (first_pass != nullptr) {
    absl::flat_hash_map<std::string, int> memory;
    std::vector<std::vector<int>> tags;
    for (const auto& tokens : document) {
      if (StopRequested(stop, tags.size())) return {};
      tags.push_back(Decode(*first_pass, tokens, kSearchBeam, &memory, nullptr, 1, nullptr, nullptr));
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
    const std::vector<std::vector<std::string>>& sentences,
    const std::function<bool()>& stop) const {
  const std::vector<std::vector<TokenInfo>> document =
      DescribeDocument(sentences, lexicons_, first_pass_ ? &*first_pass_ : nullptr, stop);
  if (document.size() < sentences.size()) return {};  // Stopped.
  absl::flat_hash_map<std::string, int> memory;
  std::vector<std::vector<std::pair<Span, float>>> out;
  out.reserve(document.size());
  for (const std::vector<TokenInfo>& tokens : document) {
    // Sentence 0 was polled while describing; poll the later ones again.
    if (!out.empty() && StopRequested(stop, out.size())) return out;
    std::vector<float> confidences;
    const std::vector<int> tags = Decode(model_, tokens, kSearchBeam, &memory, &confidences, temperature_, nullptr, nullptr);
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
    out.push_back(SpansOf(Decode(model_, tokens, kSearchBeam, &memory, nullptr, 1, nullptr, nullptr)));
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
        Decode(model, s.tokens, kMaxTags, &memory, nullptr, 1, &model, &s.gold);
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
        tags.push_back(Decode(held_out_model, s.tokens, kSearchBeam, &memory, nullptr, 1, nullptr, nullptr));
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
  auto check_labels = [&](const Perceptron& loaded, const std::string& path) {
    return loaded.labels() == BilouTagSet()
               ? absl::OkStatus()
               : absl::InvalidArgumentError(
                     absl::StrCat(path, ": labels are not the BILOU tags of PER/ORG/LOC/MISC"));
  };
  if (absl::Status labels = check_labels(*model, model_path); !labels.ok()) return labels;
  absl::StatusOr<Lexicons> lexicons = LoadLexicons(companion("clusters"), companion("paths"));
  if (!lexicons.ok()) return lexicons.status();
  std::optional<Perceptron> first_pass;
  if (const std::string path = companion("first_pass"); !path.empty()) {
    absl::StatusOr<Perceptron> loaded = Perceptron::Load(path, nullptr);
    if (!loaded.ok()) return loaded.status();
    if (absl::Status labels = check_labels(*loaded, path); !labels.ok()) return labels;
    first_pass = *std::move(loaded);
  }
  NerTagger tagger(*std::move(model), *std::move(lexicons), std::move(first_pass));
  if (auto it = meta.fields().find("confidence_temperature"); it != meta.fields().end()) {
    if (it->second.number_value() <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(model_path, ": confidence_temperature must be positive"));
    }
    tagger.set_confidence_temperature(static_cast<float>(it->second.number_value()));
  }
  return tagger;
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

std::vector<std::pair<float, bool>> ScoredSpans(const NerTagger& tagger,
                                                const std::vector<Sentence>& gold) {
  std::vector<std::pair<float, bool>> scored;
  for (const std::vector<const Sentence*>& doc : ByDocument(gold)) {
    std::vector<std::vector<std::string>> tokens;
    for (const Sentence* s : doc) tokens.push_back(s->tokens);
    const auto predicted = tagger.TagDocumentWithConfidence(tokens);
    for (size_t k = 0; k < doc.size(); ++k) {
      for (const auto& [span, confidence] : predicted[k]) {
        const auto& entities = doc[k]->entities;
        scored.emplace_back(confidence,
                            std::find(entities.begin(), entities.end(), span) != entities.end());
      }
    }
  }
  return scored;
}

float FitConfidenceTemperature(NerTagger* tagger, const std::vector<Sentence>& gold) {
  float best_temperature = 1;
  double best_loss = std::numeric_limits<double>::infinity();
  for (float temperature : {1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f, 8.0f, 12.0f, 16.0f, 24.0f, 32.0f,
                            48.0f, 64.0f, 96.0f, 128.0f}) {
    tagger->set_confidence_temperature(temperature);
    double loss = 0;
    for (const auto& [confidence, right] : ScoredSpans(*tagger, gold)) {
      const double p = std::clamp(static_cast<double>(confidence), 1e-6, 1 - 1e-6);
      loss -= std::log(right ? p : 1 - p);
    }
    if (loss < best_loss) {
      best_loss = loss;
      best_temperature = temperature;
    }
  }
  tagger->set_confidence_temperature(best_temperature);
  return best_temperature;
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
