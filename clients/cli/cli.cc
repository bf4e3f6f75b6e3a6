#include "clients/cli/cli.h"

#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "clients/cli/verb_help.h"

namespace newsgraph::cli {

Cli::Cli(Args args, std::unique_ptr<Client> client, std::string target)
    : args_(std::move(args)), client_(std::move(client)), target_(std::move(target)) {
  color_ = !args_.Has("no-color") && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == nullptr;
  json_ = args_.Has("json");
}

int Cli::Run() {
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
  if (verb == "admin" && sub == "backup") return AdminBackup();
  if (verb == "admin" && sub == "reindex") return AdminReindex();
  return Usage(verb.empty() ? "missing command"
                            : absl::StrCat("unknown command '", absl::StrJoin(p, " "), "'"));
}

int Cli::Usage(const std::string& problem) {
  std::fprintf(stderr, "newsgraph: %s\n\n%s", problem.c_str(), UsageText());
  return 2;
}

int Cli::Fail(const absl::Status& status, const std::string& what) {
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

void Cli::PrintJson(const google::protobuf::Message& message, bool one_line) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = !one_line && !args_.Has("compact");
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  std::printf("%s\n", out.c_str());
}

std::string Cli::Qualify(const std::string& id, const std::string& collection) {
  return absl::StartsWith(id, collection + "/") ? id : absl::StrCat(collection, "/", id);
}

std::string Cli::Arg(size_t index) const {
  return args_.positional.size() > index ? args_.positional[index] : "";
}

int Cli::PageSize() const {
  int size = 0;
  if (args_.Has("page-size")) (void)absl::SimpleAtoi(args_.Get("page-size"), &size);
  return size;
}

std::string Cli::FormatTime(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(ts.seconds()), absl::UTCTimeZone());
}

std::string Cli::Highlight(const newsgraph::v1::Snippet& snippet) const {
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

void Cli::PrintEntityRow(const newsgraph::v1::Entity& e) {
  std::vector<std::string> aliases;
  for (const auto& a : e.aliases()) {
    if (a.text() != e.canonical_name() && aliases.size() < 3) aliases.push_back(a.text());
  }
  std::printf("%-14s %-8s %8lld %6lld  %s%s\n", e.name().c_str(),
              newsgraph::v1::EntityType_Name(e.type()).c_str(),
              static_cast<long long>(e.mention_count()), static_cast<long long>(e.document_count()),
              e.canonical_name().c_str(),
              aliases.empty() ? "" : Dim("  aka " + absl::StrJoin(aliases, ", ")).c_str());
}

std::string Cli::DateFlag(const char* name, google::protobuf::Timestamp* out) {
  if (!args_.Has(name)) return "";
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d", args_.Get(name), absl::UTCTimeZone(), &t, &err)) {
    return absl::StrCat("--", name, " wants YYYY-MM-DD, got '", args_.Get(name), "'");
  }
  out->set_seconds(absl::ToUnixSeconds(t));
  return "";
}

std::string Cli::TypeFlag(newsgraph::v1::EntityType* out) {
  if (!args_.Has("type")) return "";
  if (!newsgraph::v1::EntityType_Parse(args_.Get("type"), out)) {
    return absl::StrCat("unknown entity type '", args_.Get("type"), "'");
  }
  return "";
}

absl::Status Cli::ReadInput(const std::string& path, std::string* out) {
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

}  // namespace newsgraph::cli
