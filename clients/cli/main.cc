// newsgraph: command-line client for the newsgraph services.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "clients/cli/document_files.h"
#include "newsgraph/batch_ingester.h"
#include "newsgraph/client.h"
#include "services/common/auth.h"

namespace newsgraph::cli {
namespace {

constexpr char kUsage[] =
    R"(usage: newsgraph [--target=HOST:PORT] [--json] [--no-color] COMMAND [ARGS]

commands:
  ingest PATH...            ingest files or directories: .txt .md .html, Reuters .sgm,
                            .jsonl (also gzip'd); --source=NAME, --wait
  doc get NAME|ID           show a document and its pipeline state (--full)
  doc list                  list documents (--filter=EXPR, --page-size=N, --page-token=T)
  doc delete NAME|ID        delete a document
  doc retry NAME|ID         send a FAILED document through the pipeline again (--all-failed: every one)
  job get NAME|ID           show a batch ingest job
  search QUERY              search (--page-size=N, --page-token=T, --facet=F, --source=S,
                            --passages=N, --by-passage, --no-entities, --explain)
  entity get NAME|ID        show an entity
  entity list               list entities (--type=T, --prefix=P, --page-size=N, --page-token=T)
  entity resolve TEXT       find the entities a text refers to
  entity mentions NAME|ID   list an entity's mentions (--document=NAME for a document's)
  entity related|quotes NAME|ID, entity merge TARGET SOURCE..., entity update NAME|ID,
  entity annotate FILE --document=NAME --version=N, entity forget DOCUMENT
  analyze FILE|-            recognize entities in a file or stdin
  status                    check that the services answer and show index statistics
  token new NAME SCOPES     make a bearer token and the line for a daemon's --auth_tokens file

`newsgraph VERB --help` explains a verb.

global flags:
  --target=HOST:PORT   newsgraphd address (default 127.0.0.1:7700, or $NEWSGRAPH_TARGET)
  --json               print responses as proto3 JSON
  --no-color           never colour output
  --timeout=SECONDS    per-call deadline (default 10 s for reads, 60 s for writes)
  --tls-ca=FILE        use TLS, verifying the server with this PEM CA (--tls-server-name=N)
  --tls-cert=FILE --tls-key=FILE   client certificate for servers that require mutual TLS
  --token=TOKEN        bearer token (or $NEWSGRAPH_TOKEN); needs --tls-ca
  --verbose            print full error details
)";

// Help for each verb (`newsgraph VERB --help`).
const std::map<std::string, std::string>& VerbHelp() {
  static const auto* help = new std::map<std::string, std::string>{
      {"ingest",
       "newsgraph ingest [--source=NAME] [--wait] PATH...\n"
       "  Streams files to the ingest service: .txt/.md/.html files (one document each),\n"
       "  Reuters-21578 SGML (.sgm, .sgm.gz) and JSON Lines (.jsonl, .jsonl.gz), or\n"
       "  directories of them. Resending is safe: documents carry external ids.\n"
       "  --wait  also wait until the pipeline has indexed every document.\n"},
      {"doc",
       "newsgraph doc get NAME|ID [--full]\n"
       "newsgraph doc list [--filter=EXPR] [--page-size=N] [--page-token=T]\n"
       "newsgraph doc delete NAME|ID\n"
       "newsgraph doc retry NAME|ID | --all-failed\n"
       "  EXPR: state=INDEXED AND source=\"Reuters\" AND external_id=\"x\"\n"},
      {"job", "newsgraph job get NAME|ID\n  Counts of a batch job by pipeline state.\n"},
      {"token",
       "newsgraph token new NAME SCOPE[,SCOPE...]\n"
       "  Prints a new random bearer token (give it to the caller) and the line to add to\n"
       "  the daemon's --auth_tokens file, which stores only the token's SHA-256.\n"
       "  Scopes: ingest.read ingest.write entity.read entity.write entity.admin\n"
       "  search.read search.write internal (the pipeline's calls between services:\n"
       "  ingestd's peer token), or read, write (all but entity.admin and internal), *.\n"},
      {"search",
       "newsgraph search QUERY [--page-size=N] [--page-token=T] [--passages=N]\n"
       "    [--facet=source|entity|entity_type|language|published_year]...\n"
       "    [--source=S]... [--entity=entities/ID]... [--type=ORG]... [--language=en]...\n"
       "    [--after=YYYY-MM-DD] [--before=YYYY-MM-DD] [--no-entities] [--by-passage] [--explain]\n"
       "  --explain: each hit's score broken into the parts that add up to it\n"
       "  --by-passage: hits are passages (Q&A blocks, paragraphs), e.g. for\n"
       "    'said_by:\"Zhang Ming\" asean'\n"
       "  QUERY syntax: docs/query-language.md\n"},
      {"entity",
       "newsgraph entity get NAME|ID\n"
       "newsgraph entity list [--type=T] [--prefix=P] [--page-size=N] [--page-token=T]\n"
       "newsgraph entity resolve TEXT\n"
       "newsgraph entity mentions NAME|ID | --document=NAME\n"
       "newsgraph entity related NAME|ID [--type=T] [--after=YYYY-MM-DD] [--before=YYYY-MM-DD]\n"
       "    [--evidence=N]   entities named in the same sentences, with those sentences\n"
       "newsgraph entity quotes NAME|ID [--about=NAME|ID]   what it said (about another entity)\n"
       "newsgraph entity merge TARGET SOURCE...\n"
       "newsgraph entity annotate FILE|- --document=NAME --version=N [--title=T]\n"
       "    [--published=YYYY-MM-DD]   annotates and stores one text (the pipeline does this\n"
       "    for ingested documents)\n"
       "newsgraph entity forget DOCUMENT   deletes a document's annotations\n"
       "newsgraph entity update NAME|ID [--canonical-name=N] [--type=T] [--description=D]\n"},
      {"analyze",
       "newsgraph analyze FILE|-\n  Recognizes entities in a file or stdin; stores nothing.\n"},
      {"status",
       "newsgraph status\n  Checks that the three services answer; shows index statistics.\n"},
  };
  return *help;
}

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> flags;

  bool Has(const std::string& name) const { return flags.contains(name); }
  std::string Get(const std::string& name, const std::string& fallback = "") const {
    auto it = flags.find(name);
    return it == flags.end() || it->second.empty() ? fallback : it->second.back();
  }
  std::vector<std::string> GetAll(const std::string& name) const {
    auto it = flags.find(name);
    return it == flags.end() ? std::vector<std::string>{} : it->second;
  }
};

Args ParseArgs(int argc, char** argv) {
  Args args;
  bool flags_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!flags_done && arg == "--") {
      flags_done = true;
    } else if (!flags_done && absl::StartsWith(arg, "--")) {
      const size_t eq = arg.find('=');
      if (eq == std::string::npos) {
        args.flags[arg.substr(2)].push_back("");
      } else {
        args.flags[arg.substr(2, eq - 2)].push_back(arg.substr(eq + 1));
      }
    } else if (!flags_done && arg == "-h") {
      args.flags["help"].push_back("");
    } else {
      args.positional.push_back(arg);
    }
  }
  return args;
}

class Cli {
 public:
  Cli(Args args, std::unique_ptr<Client> client, std::string target)
      : args_(std::move(args)), client_(std::move(client)), target_(std::move(target)) {
    color_ = !args_.Has("no-color") && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == nullptr;
    json_ = args_.Has("json");
  }

  int Run() {
    const std::vector<std::string>& p = args_.positional;
    const std::string verb = p.empty() ? "" : p[0];
    const std::string sub = p.size() > 1 ? p[1] : "";
    if (args_.Has("help")) {
      auto it = VerbHelp().find(verb);
      if (it == VerbHelp().end()) return Usage(absl::StrCat("no help for '", verb, "'"));
      std::printf("%s", it->second.c_str());
      return 0;
    }
    if (verb == "ingest") return Ingest();
    if (verb == "doc" && sub == "get") return DocGet();
    if (verb == "doc" && sub == "list") return DocList();
    if (verb == "doc" && sub == "delete") return DocDelete();
    if (verb == "doc" && sub == "retry") return DocRetry();
    if (verb == "job" && sub == "get") return JobGet();
    if (verb == "search") return SearchCmd();
    if (verb == "entity" && sub == "get") return EntityGet();
    if (verb == "entity" && sub == "list") return EntityList();
    if (verb == "entity" && sub == "resolve") return EntityResolve();
    if (verb == "entity" && sub == "mentions") return EntityMentions();
    if (verb == "entity" && sub == "related") return EntityRelated();
    if (verb == "entity" && sub == "quotes") return EntityQuotes();
    if (verb == "entity" && sub == "merge") return EntityMerge();
    if (verb == "entity" && sub == "update") return EntityUpdate();
    if (verb == "entity" && sub == "annotate") return EntityAnnotate();
    if (verb == "entity" && sub == "forget") return EntityForget();
    if (verb == "analyze") return Analyze();
    if (verb == "status") return Status();
    return Usage(verb.empty() ? "missing command"
                              : absl::StrCat("unknown command '", absl::StrJoin(p, " "), "'"));
  }

 private:
  int Usage(const std::string& problem) {
    std::fprintf(stderr, "newsgraph: %s\n\n%s", problem.c_str(), kUsage);
    return 2;
  }

  int Fail(const absl::Status& status, const std::string& what) {
    std::string message;
    switch (status.code()) {
      case absl::StatusCode::kUnavailable:
        message = absl::StrCat("cannot reach newsgraph at ", target_,
                               " (is newsgraphd running? scripts/run starts it)");
        break;
      case absl::StatusCode::kUnauthenticated:
      case absl::StatusCode::kPermissionDenied:
        message = absl::StrCat(what, ": ", status.message(), " (check --token)");
        break;
      case absl::StatusCode::kDeadlineExceeded:
        message = absl::StrCat(what, ": no answer from ", target_, " before the deadline");
        break;
      default:
        message = absl::StrCat(what, ": ", status.message());
    }
    std::fprintf(stderr, "newsgraph: %s\n", message.c_str());
    if (args_.Has("verbose")) std::fprintf(stderr, "  status: %s\n", status.ToString().c_str());
    return status.code() == absl::StatusCode::kUnavailable ? 3 : 1;
  }

  std::string Bold(const std::string& s) const { return color_ ? "\033[1m" + s + "\033[0m" : s; }
  std::string Dim(const std::string& s) const { return color_ ? "\033[2m" + s + "\033[0m" : s; }
  std::string Mark(const std::string& s) const {
    return color_ ? "\033[1;33m" + s + "\033[0m" : "[" + s + "]";
  }

  // One object; with `one_line`, compact (JSON Lines for streams).
  void PrintJson(const google::protobuf::Message& message, bool one_line = false) {
    std::string out;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = !one_line && !args_.Has("compact");
    (void)google::protobuf::util::MessageToJsonString(message, &out, options);
    std::printf("%s\n", out.c_str());
  }

  static std::string Qualify(const std::string& id, const std::string& collection) {
    return absl::StartsWith(id, collection + "/") ? id : absl::StrCat(collection, "/", id);
  }

  std::string Arg(size_t index) const {
    return args_.positional.size() > index ? args_.positional[index] : "";
  }

  int PageSize() const {
    int size = 0;
    if (args_.Has("page-size")) (void)absl::SimpleAtoi(args_.Get("page-size"), &size);
    return size;
  }

  static std::string FormatTime(const google::protobuf::Timestamp& ts) {
    if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
    return absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(ts.seconds()), absl::UTCTimeZone());
  }

  int Ingest() {
    std::vector<std::string> paths(args_.positional.begin() + 1, args_.positional.end());
    if (paths.empty()) return Usage("ingest needs at least one file or directory");
    absl::StatusOr<std::vector<newsgraph::v1::DocumentInput>> docs =
        LoadDocuments(paths, args_.Get("source"));
    if (!docs.ok()) return Fail(docs.status(), "ingest");
    if (docs->empty()) {
      return Fail(absl::NotFoundError("no .txt, .md, .html, .sgm or .jsonl files found"), "ingest");
    }
    const bool tty = isatty(STDERR_FILENO) && !json_;
    const absl::Time start = absl::Now();
    const size_t total = docs->size();
    size_t done = 0;
    size_t errors = 0;
    BatchIngesterOptions options;
    options.wait_until_indexed = args_.Has("wait");
    options.on_result = [&](const BatchItemResult& result) {
      ++done;
      if (json_) {
        PrintJson(result.ack, /*one_line=*/true);
      } else if (result.ack.error_code() != 0) {
        ++errors;
        std::fprintf(stderr, "%s%s: rejected: %s\n", tty ? "\r\033[K" : "",
                     (*docs)[static_cast<size_t>(result.index)].external_id().c_str(),
                     result.ack.error_message().c_str());
      }
      if (tty && (done % 64 == 0 || done == total)) {
        const double secs = std::max(1e-3, absl::ToDoubleSeconds(absl::Now() - start));
        const double rate = done / secs;
        const int width = 30;
        const int filled = static_cast<int>(width * done / total);
        std::fprintf(stderr, "\r[%s%s] %zu/%zu docs  %.0f docs/s  ETA %.0f s  %zu errors ",
                     std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                     done, total, rate, (total - done) / std::max(rate, 1e-3), errors);
      }
    };
    absl::Time acked_at = absl::InfinitePast();
    options.on_progress = [&](const newsgraph::v1::IngestJob& job) {
      if (acked_at == absl::InfinitePast()) acked_at = absl::Now();
      if (tty) {
        std::fprintf(stderr, "\r\033[Kpipeline: %lld indexed, %lld failed, %lld pending",
                     static_cast<long long>(job.indexed_count()),
                     static_cast<long long>(job.failed_count()),
                     static_cast<long long>(job.received_count() + job.annotated_count()));
      }
    };
    BatchIngester ingester(client_.get(), options);
    for (newsgraph::v1::DocumentInput& doc : *docs) {
      if (absl::Status added = ingester.Add(doc); !added.ok()) return Fail(added, "ingest");
    }
    absl::StatusOr<BatchSummary> summary = ingester.Finish();
    if (tty) std::fprintf(stderr, "\n");
    if (!summary.ok()) return Fail(summary.status(), "ingest");
    if (!json_) {
      const double all = absl::ToDoubleSeconds(summary->elapsed);
      const double acked =
          acked_at == absl::InfinitePast() ? all : absl::ToDoubleSeconds(acked_at - start);
      std::printf(
          "%s: %lld accepted (%lld unchanged or duplicate), %lld rejected in %.1f s (%.0f docs/s "
          "acknowledged); %lld exact and %lld near duplicates of earlier documents%s\n",
          summary->job.c_str(), static_cast<long long>(summary->accepted),
          static_cast<long long>(summary->unchanged), static_cast<long long>(summary->rejected),
          acked, static_cast<double>(total) / std::max(acked, 1e-3),
          static_cast<long long>(summary->exact_duplicates),
          static_cast<long long>(summary->near_duplicates),
          summary->reconnects > 0
              ? absl::StrCat("; reconnected ", summary->reconnects, " times").c_str()
              : "");
      if (args_.Has("wait")) {
        std::printf("pipeline drained %.1f s later: %lld indexed, %lld failed\n", all - acked,
                    static_cast<long long>(summary->indexed),
                    static_cast<long long>(summary->failed));
      }
    }
    return summary->rejected > 0 ? 1 : 0;
  }

  int DocGet() {
    if (Arg(2).empty()) return Usage("doc get needs a document name or id");
    absl::StatusOr<newsgraph::v1::Document> doc =
        client_->GetDocument(Qualify(Arg(2), "documents"),
                             args_.Has("full") ? newsgraph::v1::FULL : newsgraph::v1::BASIC);
    if (!doc.ok()) return Fail(doc.status(), "doc get");
    if (json_) {
      PrintJson(*doc);
      return 0;
    }
    std::printf("%s  %s\n", Bold(doc->name()).c_str(), doc->title().c_str());
    std::printf("state: %s  version: %lld  source: %s  published: %s  external_id: %s\n",
                newsgraph::v1::PipelineState_Name(doc->state()).c_str(),
                static_cast<long long>(doc->version()), doc->source().c_str(),
                FormatTime(doc->published_time()).c_str(), doc->external_id().c_str());
    if (!doc->pipeline_error().empty()) std::printf("error: %s\n", doc->pipeline_error().c_str());
    if (!doc->duplicate_of().empty())
      std::printf("duplicate of: %s\n", doc->duplicate_of().c_str());
    for (const std::string& w : doc->warnings()) std::printf("warning: %s\n", w.c_str());
    std::printf("%d paragraphs, %u characters\n\n%s\n", doc->paragraphs_size(), doc->text_length(),
                doc->text().c_str());
    return 0;
  }

  int DocList() {
    newsgraph::v1::ListDocumentsRequest request;
    request.set_page_size(PageSize());
    request.set_page_token(args_.Get("page-token"));
    request.set_filter(args_.Get("filter"));
    absl::StatusOr<newsgraph::v1::ListDocumentsResponse> list = client_->ListDocuments(request);
    if (!list.ok()) return Fail(list.status(), "doc list");
    if (json_) {
      PrintJson(*list);
      return 0;
    }
    std::printf("%s\n", Bold(absl::StrFormat("%-16s %-10s %-4s %-10s %s", "NAME", "STATE", "VER",
                                             "PUBLISHED", "TITLE"))
                            .c_str());
    for (const auto& d : list->documents()) {
      std::printf("%-16s %-10s %-4lld %-10s %s\n", d.name().c_str(),
                  newsgraph::v1::PipelineState_Name(d.state()).c_str(),
                  static_cast<long long>(d.version()), FormatTime(d.published_time()).c_str(),
                  d.title().substr(0, 70).c_str());
    }
    if (!list->next_page_token().empty()) {
      std::printf("%s\n", Dim("more: --page-token=" + list->next_page_token()).c_str());
    }
    return 0;
  }

  int DocDelete() {
    if (Arg(2).empty()) return Usage("doc delete needs a document name or id");
    const std::string name = Qualify(Arg(2), "documents");
    absl::Status status = client_->DeleteDocument(name);
    if (!status.ok()) return Fail(status, "doc delete");
    if (!json_) std::printf("deleted %s\n", name.c_str());
    return 0;
  }

  // Retries one FAILED document, or with --all-failed every FAILED one
  // (listed first, so documents that fail again are not retried twice).
  int DocRetry() {
    std::vector<std::string> names;
    if (args_.Has("all-failed")) {
      newsgraph::v1::ListDocumentsRequest request;
      request.set_page_size(1000);
      request.set_filter("state=FAILED");
      do {
        absl::StatusOr<newsgraph::v1::ListDocumentsResponse> list = client_->ListDocuments(request);
        if (!list.ok()) return Fail(list.status(), "doc retry");
        for (const auto& d : list->documents()) names.push_back(d.name());
        request.set_page_token(list->next_page_token());
      } while (!request.page_token().empty());
    } else {
      if (Arg(2).empty()) return Usage("doc retry needs a document name or id, or --all-failed");
      names.push_back(Qualify(Arg(2), "documents"));
    }
    for (const std::string& name : names) {
      absl::StatusOr<newsgraph::v1::Document> doc = client_->RetryDocument(name);
      if (!doc.ok()) return Fail(doc.status(), "doc retry");
      if (json_) {
        PrintJson(*doc);
      } else {
        std::printf("retrying %s v%lld\n", name.c_str(), static_cast<long long>(doc->version()));
      }
    }
    if (!json_ && names.empty()) std::printf("no FAILED documents\n");
    return 0;
  }

  int JobGet() {
    if (Arg(2).empty()) return Usage("job get needs a job name or id");
    absl::StatusOr<newsgraph::v1::IngestJob> job = client_->GetIngestJob(Qualify(Arg(2), "jobs"));
    if (!job.ok()) return Fail(job.status(), "job get");
    if (json_) {
      PrintJson(*job);
      return 0;
    }
    std::printf("%s: accepted %lld, rejected %lld, duplicates %lld, indexed %lld, failed %lld\n",
                job->name().c_str(), static_cast<long long>(job->accepted_count()),
                static_cast<long long>(job->rejected_count()),
                static_cast<long long>(job->duplicate_count()),
                static_cast<long long>(job->indexed_count()),
                static_cast<long long>(job->failed_count()));
    return 0;
  }

  std::string Highlight(const newsgraph::v1::Snippet& snippet) const {
    std::string out;
    size_t pos = 0;
    const std::string& text = snippet.text();
    for (const auto& h : snippet.highlights()) {
      if (h.byte_begin() < pos || h.byte_end() > text.size()) continue;
      out += text.substr(pos, h.byte_begin() - pos);
      out += Mark(text.substr(h.byte_begin(), h.byte_end() - h.byte_begin()));
      pos = h.byte_end();
    }
    out += text.substr(pos);
    for (char& c : out) {
      if (c == '\n') c = ' ';
    }
    return out;
  }

  int SearchCmd() {
    std::vector<std::string> words(args_.positional.begin() + 1, args_.positional.end());
    newsgraph::v1::SearchRequest request;
    request.set_query(absl::StrJoin(words, " "));
    request.set_page_size(PageSize());
    request.set_page_token(args_.Get("page-token"));
    int passages = 0;
    if (args_.Has("passages")) (void)absl::SimpleAtoi(args_.Get("passages"), &passages);
    request.set_max_passages(passages);
    request.set_disable_entity_resolution(args_.Has("no-entities"));
    if (args_.Has("by-passage")) request.set_unit(newsgraph::v1::SEARCH_UNIT_PASSAGE);
    request.set_explain(args_.Has("explain"));
    for (const std::string& f : args_.GetAll("facet")) request.add_facets(f);
    for (const std::string& s : args_.GetAll("source")) request.mutable_filter()->add_sources(s);
    for (const std::string& e : args_.GetAll("entity")) {
      request.mutable_filter()->add_entities(Qualify(e, "entities"));
    }
    for (const std::string& l : args_.GetAll("language"))
      request.mutable_filter()->add_languages(l);
    for (const std::string& t : args_.GetAll("type")) {
      newsgraph::v1::EntityType type;
      if (!newsgraph::v1::EntityType_Parse(t, &type)) {
        return Usage(absl::StrCat("unknown entity type '", t, "'"));
      }
      request.mutable_filter()->add_entity_types(type);
    }
    if (args_.Has("after")) {
      const std::string error = DateFlag("after", request.mutable_filter()->mutable_published_after());
      if (!error.empty()) return Usage(error);
    }
    if (args_.Has("before")) {
      const std::string error =
          DateFlag("before", request.mutable_filter()->mutable_published_before());
      if (!error.empty()) return Usage(error);
    }
    if (request.query().empty() && request.filter().ByteSizeLong() == 0) {
      return Usage("search needs a query or a filter");
    }
    absl::StatusOr<newsgraph::v1::SearchResponse> response = client_->Search(request);
    if (!response.ok()) return Fail(response.status(), "search");
    if (json_) {
      PrintJson(*response);
      return 0;
    }
    for (const std::string& w : response->warnings()) std::printf("warning: %s\n", w.c_str());
    for (const auto& span : response->recognized_entities()) {
      if (span.candidates().empty()) continue;
      const auto& e = span.candidates(0).entity();
      std::printf("%s\n",
                  Dim(absl::StrCat("entity: \"", span.text(), "\" -> ", e.canonical_name(), " (",
                                   newsgraph::v1::EntityType_Name(e.type()), ", ", e.name(), ")"))
                      .c_str());
    }
    for (const std::string& c : response->corrections()) {
      std::printf("%s\n", Dim("searched instead: " + c).c_str());
    }
    const auto& interpretation = response->interpretation();
    if (!interpretation.ignored_words().empty()) {
      std::printf("%s\n", Dim(absl::StrCat("ignored: ",
                                            absl::StrJoin(interpretation.ignored_words(), " ")))
                              .c_str());
    }
    if (interpretation.relaxed()) {
      std::printf("%s\n", Dim("some hits lack some words (+word requires one)").c_str());
    }
    std::printf("%lld hits\n", static_cast<long long>(response->total_hits()));
    int rank = 0;
    for (const auto& hit : response->hits()) {
      ++rank;
      std::printf("\n%2d. %s  %s\n", rank,
                  Bold(hit.title().empty() ? "(untitled)" : hit.title()).c_str(),
                  Dim(absl::StrFormat("%s  score %.2f  %s %s", hit.document(), hit.score(),
                                      hit.source(), FormatTime(hit.published_time())))
                      .c_str());
      if (hit.cluster_size() > 1) {
        std::printf(
            "    %s\n",
            Dim(absl::StrCat("+", hit.cluster_size() - 1, " more from the same story")).c_str());
      }
      if (hit.has_passage() && !hit.passage().answered_by().empty()) {
        std::printf("    %s\n", Dim(absl::StrCat("answered by ", hit.passage().answered_by(),
                                                 hit.passage().asked_by().empty()
                                                     ? ""
                                                     : ", asked by " + hit.passage().asked_by()))
                                     .c_str());
      }
      for (const auto& snippet : hit.snippets()) {
        std::printf("    %s\n", Highlight(snippet).c_str());
      }
      for (const auto& part : hit.explanation().components()) {
        std::printf("    %s\n",
                    Dim(absl::StrFormat("%+9.3f  %s", part.value(), part.description())).c_str());
      }
    }
    for (const auto& facet : response->facets()) {
      std::printf("\n%s:", Bold(facet.field()).c_str());
      for (const auto& v : facet.values()) {
        std::printf("  %s (%lld)", (v.label().empty() ? v.value() : v.label()).c_str(),
                    static_cast<long long>(v.count()));
      }
      std::printf("\n");
    }
    if (!response->next_page_token().empty()) {
      std::printf("\n%s\n", Dim("more: --page-token=" + response->next_page_token()).c_str());
    }
    return 0;
  }

  void PrintEntityRow(const newsgraph::v1::Entity& e) {
    std::vector<std::string> aliases;
    for (const auto& a : e.aliases()) {
      if (a.text() != e.canonical_name() && aliases.size() < 3) aliases.push_back(a.text());
    }
    std::printf("%-14s %-8s %8lld %6lld  %s%s\n", e.name().c_str(),
                newsgraph::v1::EntityType_Name(e.type()).c_str(),
                static_cast<long long>(e.mention_count()),
                static_cast<long long>(e.document_count()), e.canonical_name().c_str(),
                aliases.empty() ? "" : Dim("  aka " + absl::StrJoin(aliases, ", ")).c_str());
  }

  // Reads --NAME=YYYY-MM-DD into `out` when given; returns a usage error or "".
  std::string DateFlag(const char* name, google::protobuf::Timestamp* out) {
    if (!args_.Has(name)) return "";
    absl::Time t;
    std::string err;
    if (!absl::ParseTime("%Y-%m-%d", args_.Get(name), absl::UTCTimeZone(), &t, &err)) {
      return absl::StrCat("--", name, " wants YYYY-MM-DD, got '", args_.Get(name), "'");
    }
    out->set_seconds(absl::ToUnixSeconds(t));
    return "";
  }

  // Reads --type=T when given; returns a usage error or "".
  std::string TypeFlag(newsgraph::v1::EntityType* out) {
    if (!args_.Has("type")) return "";
    if (!newsgraph::v1::EntityType_Parse(args_.Get("type"), out)) {
      return absl::StrCat("unknown entity type '", args_.Get("type"), "'");
    }
    return "";
  }

  int EntityGet() {
    if (Arg(2).empty()) return Usage("entity get needs an entity name or id");
    absl::StatusOr<newsgraph::v1::Entity> entity = client_->GetEntity(Qualify(Arg(2), "entities"));
    if (!entity.ok()) return Fail(entity.status(), "entity get");
    if (json_) {
      PrintJson(*entity);
      return 0;
    }
    std::printf("%s  %s (%s)\n", Bold(entity->name()).c_str(), entity->canonical_name().c_str(),
                newsgraph::v1::EntityType_Name(entity->type()).c_str());
    std::printf("mentions: %lld in %lld documents; first seen %s, last seen %s\n",
                static_cast<long long>(entity->mention_count()),
                static_cast<long long>(entity->document_count()),
                FormatTime(entity->first_seen_time()).c_str(),
                FormatTime(entity->last_seen_time()).c_str());
    for (const auto& a : entity->aliases()) {
      std::printf("  alias %-40s %lld\n", a.text().c_str(),
                  static_cast<long long>(a.mention_count()));
    }
    for (const auto& r : entity->roles()) {
      std::printf("  role  %-40s %lld\n",
                  (r.organization_text().empty() ? r.title()
                                                 : absl::StrCat(r.title(), " (", r.organization_text(),
                                                                r.organization().empty() ? "" : ", ",
                                                                r.organization(), ")"))
                      .c_str(),
                  static_cast<long long>(r.mention_count()));
    }
    return 0;
  }

  int EntityList() {
    newsgraph::v1::ListEntitiesRequest request;
    request.set_page_size(PageSize());
    request.set_page_token(args_.Get("page-token"));
    request.set_name_prefix(args_.Get("prefix"));
    newsgraph::v1::EntityType type = newsgraph::v1::ENTITY_TYPE_UNSPECIFIED;
    if (const std::string error = TypeFlag(&type); !error.empty()) return Usage(error);
    request.set_type(type);
    absl::StatusOr<newsgraph::v1::ListEntitiesResponse> list = client_->ListEntities(request);
    if (!list.ok()) return Fail(list.status(), "entity list");
    if (json_) {
      PrintJson(*list);
      return 0;
    }
    std::printf("%s\n", Bold(absl::StrFormat("%-14s %-8s %8s %6s  %s", "NAME", "TYPE", "MENTIONS",
                                             "DOCS", "CANONICAL NAME"))
                            .c_str());
    for (const auto& e : list->entities()) PrintEntityRow(e);
    if (!list->next_page_token().empty()) {
      std::printf("%s\n", Dim("more: --page-token=" + list->next_page_token()).c_str());
    }
    return 0;
  }

  int EntityResolve() {
    std::vector<std::string> words(args_.positional.begin() + 2, args_.positional.end());
    if (words.empty()) return Usage("entity resolve needs a text");
    absl::StatusOr<newsgraph::v1::ResolveEntitiesResponse> resolved =
        client_->ResolveEntities(absl::StrJoin(words, " "));
    if (!resolved.ok()) return Fail(resolved.status(), "entity resolve");
    if (json_) {
      PrintJson(*resolved);
      return 0;
    }
    if (resolved->spans().empty()) std::printf("no known entities\n");
    for (const auto& span : resolved->spans()) {
      std::printf("\"%s\"\n", span.text().c_str());
      for (const auto& c : span.candidates()) {
        std::printf("  %.2f  ", c.score());
        PrintEntityRow(c.entity());
      }
    }
    return 0;
  }

  int EntityMentions() {
    newsgraph::v1::ListMentionsRequest request;
    if (args_.Has("document")) {
      request.set_document(Qualify(args_.Get("document"), "documents"));
    } else if (!Arg(2).empty()) {
      request.set_entity(Qualify(Arg(2), "entities"));
    } else {
      return Usage("entity mentions needs an entity, or --document=NAME");
    }
    request.set_page_size(PageSize());
    request.set_page_token(args_.Get("page-token"));
    absl::StatusOr<newsgraph::v1::ListMentionsResponse> list = client_->ListMentions(request);
    if (!list.ok()) return Fail(list.status(), "entity mentions");
    if (json_) {
      PrintJson(*list);
      return 0;
    }
    for (const auto& m : list->mentions()) {
      std::printf("%-16s %6u-%-6u %-8s %-14s %s\n", m.document().c_str(), m.span().begin(),
                  m.span().end(), newsgraph::v1::EntityType_Name(m.type()).c_str(),
                  m.entity().c_str(), m.text().c_str());
    }
    if (!list->next_page_token().empty()) {
      std::printf("%s\n", Dim("more: --page-token=" + list->next_page_token()).c_str());
    }
    return 0;
  }

  // Runs one EntityService call through the generated stub.
  template <typename Request, typename Response, typename Method>
  absl::StatusOr<Response> CallEntity(const Request& request, Method method) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    Response response;
    grpc::Status status = (client_->entity_stub().*method)(&context, request, &response);
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          status.error_message());
    }
    return response;
  }

  int EntityRelated() {
    if (Arg(2).empty()) return Usage("entity related needs an entity name or id");
    newsgraph::v1::ListRelatedEntitiesRequest request;
    request.set_entity(Qualify(Arg(2), "entities"));
    request.set_page_size(PageSize());
    request.set_page_token(args_.Get("page-token"));
    newsgraph::v1::EntityType type = newsgraph::v1::ENTITY_TYPE_UNSPECIFIED;
    for (const std::string& error :
         {TypeFlag(&type),
          args_.Has("after") ? DateFlag("after", request.mutable_start_time()) : "",
          args_.Has("before") ? DateFlag("before", request.mutable_end_time()) : ""}) {
      if (!error.empty()) return Usage(error);
    }
    request.set_type(type);
    if (args_.Has("evidence")) {
      int evidence = 0;
      if (!absl::SimpleAtoi(args_.Get("evidence"), &evidence)) {
        return Usage(absl::StrCat("--evidence wants a number, got '", args_.Get("evidence"), "'"));
      }
      request.set_max_evidence(evidence);
    }
    auto response = CallEntity<newsgraph::v1::ListRelatedEntitiesRequest,
                               newsgraph::v1::ListRelatedEntitiesResponse>(
        request, &newsgraph::v1::EntityService::Stub::ListRelatedEntities);
    if (!response.ok()) return Fail(response.status(), "entity related");
    if (json_) {
      PrintJson(*response);
      return 0;
    }
    for (const auto& r : response->related_entities()) {
      std::printf("%6.2f  npmi %.3f  %4lld sentences %4lld docs  ", r.weight(), r.strength(),
                  static_cast<long long>(r.sentence_count()),
                  static_cast<long long>(r.document_count()));
      PrintEntityRow(r.entity());
      for (const auto& e : r.evidence()) {
        std::printf("        %s %s  %s\n", Dim(e.document()).c_str(),
                    FormatTime(e.published_time()).c_str(), e.text().c_str());
      }
    }
    if (!response->next_page_token().empty()) {
      std::printf("%s\n", Dim("more: --page-token=" + response->next_page_token()).c_str());
    }
    return 0;
  }

  int EntityQuotes() {
    if (Arg(2).empty()) return Usage("entity quotes needs an entity name or id");
    newsgraph::v1::ListQuotesRequest request;
    request.set_entity(Qualify(Arg(2), "entities"));
    request.set_page_size(PageSize());
    request.set_page_token(args_.Get("page-token"));
    if (args_.Has("about")) request.set_mentioned_entity(Qualify(args_.Get("about"), "entities"));
    auto response = CallEntity<newsgraph::v1::ListQuotesRequest, newsgraph::v1::ListQuotesResponse>(
        request, &newsgraph::v1::EntityService::Stub::ListQuotes);
    if (!response.ok()) return Fail(response.status(), "entity quotes");
    if (json_) {
      PrintJson(*response);
      return 0;
    }
    for (const auto& q : response->quotes()) {
      std::printf("%s  \"%s\"\n", q.document().c_str(), q.text().c_str());
    }
    return 0;
  }

  int EntityMerge() {
    if (args_.positional.size() < 4) return Usage("entity merge needs a target and sources");
    newsgraph::v1::MergeEntitiesRequest request;
    request.set_target(Qualify(Arg(2), "entities"));
    for (size_t i = 3; i < args_.positional.size(); ++i) {
      request.add_sources(Qualify(args_.positional[i], "entities"));
    }
    auto response = CallEntity<newsgraph::v1::MergeEntitiesRequest, newsgraph::v1::Entity>(
        request, &newsgraph::v1::EntityService::Stub::MergeEntities);
    if (!response.ok()) return Fail(response.status(), "entity merge");
    if (json_) {
      PrintJson(*response);
      return 0;
    }
    PrintEntityRow(*response);
    return 0;
  }

  int EntityUpdate() {
    if (Arg(2).empty()) return Usage("entity update needs an entity name or id");
    newsgraph::v1::UpdateEntityRequest request;
    request.mutable_entity()->set_name(Qualify(Arg(2), "entities"));
    if (args_.Has("canonical-name")) {
      request.mutable_entity()->set_canonical_name(args_.Get("canonical-name"));
      request.mutable_update_mask()->add_paths("canonical_name");
    }
    if (args_.Has("description")) {
      request.mutable_entity()->set_description(args_.Get("description"));
      request.mutable_update_mask()->add_paths("description");
    }
    if (args_.Has("type")) {
      newsgraph::v1::EntityType type;
      if (!newsgraph::v1::EntityType_Parse(args_.Get("type"), &type)) {
        return Usage(absl::StrCat("unknown entity type '", args_.Get("type"), "'"));
      }
      request.mutable_entity()->set_type(type);
      request.mutable_update_mask()->add_paths("type");
    }
    if (request.update_mask().paths().empty()) {
      return Usage("entity update needs --canonical-name, --type or --description");
    }
    auto response = CallEntity<newsgraph::v1::UpdateEntityRequest, newsgraph::v1::Entity>(
        request, &newsgraph::v1::EntityService::Stub::UpdateEntity);
    if (!response.ok()) return Fail(response.status(), "entity update");
    if (json_) {
      PrintJson(*response);
      return 0;
    }
    PrintEntityRow(*response);
    return 0;
  }

  // Reads FILE, or standard input for "-", into `out`.
  absl::Status ReadInput(const std::string& path, std::string* out) {
    std::stringstream buffer;
    if (path == "-") {
      buffer << std::cin.rdbuf();
    } else {
      std::ifstream in(path, std::ios::binary);
      if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
      buffer << in.rdbuf();
    }
    *out = buffer.str();
    return absl::OkStatus();
  }

  int EntityAnnotate() {
    if (Arg(2).empty()) return Usage("entity annotate needs a file, or - for standard input");
    if (!args_.Has("document")) return Usage("entity annotate needs --document=NAME");
    newsgraph::v1::AnnotateDocumentRequest request;
    request.set_document(Qualify(args_.Get("document"), "documents"));
    int64_t version = 0;
    if (!absl::SimpleAtoi(args_.Get("version"), &version) || version <= 0) {
      return Usage(absl::StrCat("--version wants a positive number, got '", args_.Get("version"),
                                "'"));
    }
    request.set_version(version);
    request.set_title(args_.Get("title"));
    if (args_.Has("published")) {
      const std::string error = DateFlag("published", request.mutable_published_time());
      if (!error.empty()) return Usage(error);
    }
    std::string text;
    if (absl::Status read = ReadInput(Arg(2), &text); !read.ok()) {
      return Fail(read, "entity annotate");
    }
    request.set_text(text);
    auto response =
        CallEntity<newsgraph::v1::AnnotateDocumentRequest, newsgraph::v1::AnnotateDocumentResponse>(
            request, &newsgraph::v1::EntityService::Stub::AnnotateDocument);
    if (!response.ok()) return Fail(response.status(), "entity annotate");
    if (json_) {
      PrintJson(*response);
      return 0;
    }
    std::printf("%s v%lld: %d mentions, %d entities, %d quotes, %d roles%s\n",
                request.document().c_str(), static_cast<long long>(version),
                response->mentions_size(), response->entities_size(), response->quotes_size(),
                response->roles_size(), response->already_annotated() ? " (already annotated)" : "");
    for (const auto& e : response->entities()) {
      std::printf("  %.2f  %-14s %-8s %s\n", e.salience(), e.entity().c_str(),
                  newsgraph::v1::EntityType_Name(e.type()).c_str(), e.canonical_name().c_str());
    }
    return 0;
  }

  int EntityForget() {
    if (Arg(2).empty()) return Usage("entity forget needs a document name");
    newsgraph::v1::DeleteDocumentAnnotationsRequest request;
    request.set_document(Qualify(Arg(2), "documents"));
    auto response = CallEntity<newsgraph::v1::DeleteDocumentAnnotationsRequest,
                               newsgraph::v1::DeleteDocumentAnnotationsResponse>(
        request, &newsgraph::v1::EntityService::Stub::DeleteDocumentAnnotations);
    if (!response.ok()) return Fail(response.status(), "entity forget");
    if (json_) {
      PrintJson(*response);
      return 0;
    }
    std::printf("%s: %lld mentions removed\n", request.document().c_str(),
                static_cast<long long>(response->removed_mention_count()));
    return 0;
  }

  int Analyze() {
    const std::string path = Arg(1);
    if (path.empty()) return Usage("analyze needs a file, or - for standard input");
    std::string text;
    if (absl::Status read = ReadInput(path, &text); !read.ok()) return Fail(read, "analyze");
    absl::StatusOr<newsgraph::v1::AnalyzeTextResponse> response = client_->AnalyzeText(text);
    if (!response.ok()) return Fail(response.status(), "analyze");
    if (json_) {
      PrintJson(*response);
      return 0;
    }
    std::printf("%d sentences, %d mentions (model %s)\n", response->sentences_size(),
                response->mentions_size(), response->model().c_str());
    for (const auto& m : response->mentions()) {
      std::printf("%6u-%-6u %-8s %.2f  %s%s\n", m.span().begin(), m.span().end(),
                  newsgraph::v1::EntityType_Name(m.type()).c_str(), m.confidence(),
                  m.text().c_str(),
                  m.normalized_value().empty() ? "" : Dim("  = " + m.normalized_value()).c_str());
    }
    return 0;
  }

  int Status() {
    newsgraph::v1::ListDocumentsRequest docs_request;
    docs_request.set_page_size(1);
    absl::StatusOr<newsgraph::v1::ListDocumentsResponse> docs =
        client_->ListDocuments(docs_request);
    if (!docs.ok()) return Fail(docs.status(), "ingest service");
    newsgraph::v1::ListEntitiesRequest entities_request;
    entities_request.set_page_size(1);
    absl::StatusOr<newsgraph::v1::ListEntitiesResponse> entities =
        client_->ListEntities(entities_request);
    if (!entities.ok()) return Fail(entities.status(), "entity service");
    absl::StatusOr<newsgraph::v1::IndexStats> stats = client_->GetIndexStats();
    if (!stats.ok()) return Fail(stats.status(), "search service");
    if (json_) {
      PrintJson(*stats);
      return 0;
    }
    std::printf("newsgraph at %s: ingest, entity and search services answer\n", target_.c_str());
    std::printf("index: %lld documents, %lld terms, %lld tokens, %lld segments, %.1f MiB on disk\n",
                static_cast<long long>(stats->document_count()),
                static_cast<long long>(stats->term_count()),
                static_cast<long long>(stats->token_count()),
                static_cast<long long>(stats->segment_count()), stats->disk_bytes() / 1048576.0);
    return 0;
  }

  Args args_;
  std::unique_ptr<Client> client_;
  std::string target_;
  bool color_ = false;
  bool json_ = false;
};

// `newsgraph token new NAME SCOPES`: 32 random bytes, URL-safe base64.
int PrintNewToken(const std::string& name, const std::string& scopes) {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    std::fprintf(stderr, "newsgraph: no secure random bytes available\n");
    return 1;
  }
  const std::string token =
      "ngt_" + absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<char*>(bytes), 32));
  std::printf("token: %s\n", token.c_str());
  std::printf("line for --auth_tokens:\nsha256:%s %s %s\n", newsgraph::HashToken(token).c_str(),
              name.c_str(), scopes.c_str());
  return 0;
}

}  // namespace
}  // namespace newsgraph::cli

int main(int argc, char** argv) {
  using namespace newsgraph::cli;
  Args args = ParseArgs(argc, argv);
  if (args.positional.empty()) {
    std::printf("%s", kUsage);
    return args.Has("help") ? 0 : 2;
  }
  if (args.positional[0] == "token") {
    if (args.Has("help") || args.positional.size() != 4 || args.positional[1] != "new") {
      std::printf("%s", VerbHelp().at("token").c_str());
      return args.Has("help") ? 0 : 2;
    }
    return PrintNewToken(args.positional[2], args.positional[3]);
  }
  newsgraph::ClientOptions options;
  const char* env_target = getenv("NEWSGRAPH_TARGET");
  options.target = args.Get("target", env_target != nullptr ? env_target : options.target);
  if (args.Has("timeout")) {
    double seconds = 0;
    if (!absl::SimpleAtod(args.Get("timeout"), &seconds) || seconds <= 0) {
      std::fprintf(stderr, "newsgraph: --timeout must be a positive number of seconds\n");
      return 2;
    }
    options.read_timeout = options.write_timeout = absl::Seconds(seconds);
  }
  if (args.Has("tls-ca")) {
    std::ifstream ca(args.Get("tls-ca"), std::ios::binary);
    if (!ca) {
      std::fprintf(stderr, "newsgraph: cannot read --tls-ca file %s\n", args.Get("tls-ca").c_str());
      return 2;
    }
    options.tls_ca_pem.assign(std::istreambuf_iterator<char>(ca), std::istreambuf_iterator<char>());
    options.tls_server_name = args.Get("tls-server-name");
  }
  if (args.Has("tls-cert") != args.Has("tls-key")) {
    std::fprintf(stderr, "newsgraph: --tls-cert and --tls-key go together\n");
    return 2;
  }
  if (args.Has("tls-cert")) {
    std::ifstream cert(args.Get("tls-cert"), std::ios::binary);
    std::ifstream key(args.Get("tls-key"), std::ios::binary);
    if (!cert || !key) {
      std::fprintf(stderr, "newsgraph: cannot read --tls-cert or --tls-key\n");
      return 2;
    }
    options.tls_cert_pem.assign(std::istreambuf_iterator<char>(cert),
                                std::istreambuf_iterator<char>());
    options.tls_key_pem.assign(std::istreambuf_iterator<char>(key),
                               std::istreambuf_iterator<char>());
  }
  const char* env_token = getenv("NEWSGRAPH_TOKEN");
  options.bearer_token = args.Get("token", env_token != nullptr ? env_token : "");
  absl::StatusOr<std::unique_ptr<newsgraph::Client>> client = newsgraph::Client::Create(options);
  if (!client.ok()) {
    std::fprintf(stderr, "newsgraph: %s\n", std::string(client.status().message()).c_str());
    return 2;
  }
  Cli cli(std::move(args), *std::move(client), options.target);
  return cli.Run();
}
