#include "clients/cli/cli_flags.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <memory>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

namespace newsgraph::cli {
namespace {

enum class Value {
  kSwitch,    // --wait
  kText,      // --filter=EXPR
  kCount,     // --page-size=N: a whole number >= 0
  kPositive,  // --version=N: a whole number > 0
  kSeconds,   // --timeout=S: a number > 0
  kDate,      // --after=YYYY-MM-DD
};

struct Flag {
  const char* name;
  Value value;
  const char* help;
  bool repeated = false;
};

struct Verb {
  const char* path;       // "entity get"
  const char* arguments;  // "NAME|ID" ("" when none)
  const char* help;
  std::vector<Flag> flags;
};

const std::vector<Flag>& GlobalFlags() {
  static const auto* flags = new std::vector<Flag>{
      {"target", Value::kText, "newsgraphd address (default 127.0.0.1:7700 or $NEWSGRAPH_TARGET)"},
      {"json", Value::kSwitch, "print responses as proto3 JSON"},
      {"compact", Value::kSwitch, "with --json, one line per response"},
      {"no-color", Value::kSwitch, "never colour output"},
      {"timeout", Value::kSeconds, "per-call deadline in seconds"},
      {"tls-ca", Value::kText, "use TLS, verifying the server with this PEM CA"},
      {"tls-server-name", Value::kText, "the server name TLS expects"},
      {"tls-cert", Value::kText, "client certificate (PEM) for mutual TLS"},
      {"tls-key", Value::kText, "client key (PEM) for mutual TLS"},
      {"token", Value::kText, "bearer token (or $NEWSGRAPH_TOKEN)"},
      {"verbose", Value::kSwitch, "print full error details"},
      {"help", Value::kSwitch, "explain the verb"},
  };
  return *flags;
}

const std::vector<Verb>& Verbs() {
  static const auto* verbs = new std::vector<Verb>{
      {"ingest",
       "PATH...",
       "ingest files or directories",
       {{"source", Value::kText, "source name for files without one"},
        {"wait", Value::kSwitch, "wait until every document is indexed"}}},
      {"doc get", "NAME|ID", "show a document", {{"full", Value::kSwitch, "text and structure"}}},
      {"doc list",
       "",
       "list documents",
       {{"filter", Value::kText, "e.g. state=INDEXED AND source=\"Reuters\""},
        {"page-size", Value::kCount, "documents per page"},
        {"page-token", Value::kText, "the page after a previous one"}}},
      {"doc delete", "NAME|ID", "delete a document", {}},
      {"doc retry",
       "NAME|ID",
       "send FAILED documents through the pipeline again",
       {{"all-failed", Value::kSwitch, "every FAILED document"}}},
      {"job get", "NAME|ID", "show a batch ingest job", {}},
      {"search",
       "QUERY...",
       "search",
       {{"page-size", Value::kCount, "hits per page"},
        {"page-token", Value::kText, "the page after a previous one"},
        {"passages", Value::kCount, "passages per hit"},
        {"facet", Value::kText, "source|entity|entity_type|language|published_year", true},
        {"source", Value::kText, "only this source", true},
        {"entity", Value::kText, "only documents mentioning this entity (NAME|ID)", true},
        {"type", Value::kText, "only documents mentioning an entity of this type", true},
        {"language", Value::kText, "only this language", true},
        {"after", Value::kDate, "published on or after"},
        {"before", Value::kDate, "published before"},
        {"no-entities", Value::kSwitch, "words only, no entity resolution"},
        {"by-passage", Value::kSwitch, "hits are passages"},
        {"explain", Value::kSwitch, "each hit's score broken into its parts"}}},
      {"entity get", "NAME|ID", "show an entity", {}},
      {"entity list",
       "",
       "list entities",
       {{"type", Value::kText, "only this type"},
        {"prefix", Value::kText, "canonical names starting so"},
        {"page-size", Value::kCount, "entities per page"},
        {"page-token", Value::kText, "the page after a previous one"}}},
      {"entity resolve", "TEXT...", "find the entities a text refers to", {}},
      {"entity mentions",
       "NAME|ID",
       "list an entity's mentions",
       {{"document", Value::kText, "a document's mentions instead"},
        {"page-size", Value::kCount, "mentions per page"},
        {"page-token", Value::kText, "the page after a previous one"}}},
      {"entity related",
       "NAME|ID",
       "entities named in the same sentences",
       {{"type", Value::kText, "only this type"},
        {"after", Value::kDate, "documents published on or after"},
        {"before", Value::kDate, "documents published before"},
        {"evidence", Value::kCount, "sentences per related entity"},
        {"page-size", Value::kCount, "entities per page"},
        {"page-token", Value::kText, "the page after a previous one"}}},
      {"entity quotes",
       "NAME|ID",
       "what an entity said",
       {{"about", Value::kText, "only quotes mentioning this entity"},
        {"page-size", Value::kCount, "quotes per page"},
        {"page-token", Value::kText, "the page after a previous one"}}},
      {"entity merge", "TARGET SOURCE...", "merge entities into the target", {}},
      {"entity update",
       "NAME|ID",
       "curate an entity",
       {{"canonical-name", Value::kText, "new canonical name"},
        {"type", Value::kText, "new type"},
        {"description", Value::kText, "new description"}}},
      {"entity annotate",
       "FILE|-",
       "annotate and store one text",
       {{"document", Value::kText, "the document's name"},
        {"version", Value::kPositive, "the document's version"},
        {"title", Value::kText, "its title"},
        {"published", Value::kDate, "its publication date"}}},
      {"entity forget", "DOCUMENT", "delete a document's annotations", {}},
      {"analyze", "FILE|-", "recognize entities in a file or stdin", {}},
      {"status", "", "check the services and show index statistics", {}},
      {"token new", "NAME SCOPES", "make a bearer token", {}},
      {"admin backup", "ID", "back up the running deployment (needs --backup_dir)", {}},
      {"admin restore", "BACKUP DATA_DIR", "restore a backup into a stopped deployment", {}},
      {"admin reindex",
       "",
       "rebuild the entity and search state from the stored documents",
       {{"entities", Value::kSwitch,
         "recognize every text again (after a model upgrade); search follows"},
        {"search", Value::kSwitch, "rebuild search from the recorded annotations (the default)"},
        {"after", Value::kText, "resume after this document"}}},
      {"completion bash", "", "print the bash completion script", {}},
  };
  return *verbs;
}

CLI::Validator ValidatorFor(Value value) {
  switch (value) {
    case Value::kCount:
    case Value::kPositive:
      return CLI::Validator(
          [value](std::string& in) -> std::string {
            int64_t n = 0;
            const int64_t least = value == Value::kPositive ? 1 : 0;
            if (!absl::SimpleAtoi(in, &n) || n < least) {
              return absl::StrCat("wants a whole number of at least ", least, ", got '", in, "'");
            }
            return "";
          },
          value == Value::kPositive ? "N>0" : "N");
    case Value::kSeconds:
      return CLI::Validator(
          [](std::string& in) -> std::string {
            double s = 0;
            if (!absl::SimpleAtod(in, &s) || !(s > 0)) {
              return absl::StrCat("wants a positive number of seconds, got '", in, "'");
            }
            return "";
          },
          "SECONDS");
    case Value::kDate:
      return CLI::Validator(
          [](std::string& in) -> std::string {
            absl::Time t;
            std::string error;
            if (!absl::ParseTime("%Y-%m-%d", in, absl::UTCTimeZone(), &t, &error)) {
              return absl::StrCat("wants YYYY-MM-DD, got '", in, "'");
            }
            return "";
          },
          "YYYY-MM-DD");
    default:
      return CLI::Validator();
  }
}

void AddFlag(CLI::App* app, const Flag& flag) {
  const std::string name =
      absl::StrCat(flag.name == std::string("help") ? "-h," : "", "--", flag.name);
  if (flag.value == Value::kSwitch) {
    app->add_flag(name, flag.help)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    return;
  }
  CLI::Option* option = app->add_option(name, flag.help);
  option->type_size(1)->allow_extra_args(false);
  option->multi_option_policy(flag.repeated ? CLI::MultiOptionPolicy::TakeAll
                                            : CLI::MultiOptionPolicy::TakeLast);
  if (flag.value != Value::kText) option->check(ValidatorFor(flag.value));
}

// The app for `verb`'s path below `root` (creating the intermediate ones).
CLI::App* VerbApp(CLI::App* root, const Verb& verb) {
  CLI::App* app = root;
  for (absl::string_view word : absl::StrSplit(verb.path, ' ')) {
    CLI::App* next = nullptr;
    for (CLI::App* sub : app->get_subcommands({})) {
      if (sub->get_name() == word) next = sub;
    }
    if (next == nullptr) next = app->add_subcommand(std::string(word), verb.help);
    app = next;
  }
  return app;
}

struct Definitions {
  std::unique_ptr<CLI::App> root;
  // Per verb: its app and the positional arguments it collects.
  std::vector<std::pair<CLI::App*, std::unique_ptr<std::vector<std::string>>>> verbs;
};

Definitions Define() {
  Definitions d;
  d.root = std::make_unique<CLI::App>("newsgraph: command-line client", "newsgraph");
  // Help is per verb (VerbHelp), so CLI11's own help flag is off everywhere.
  d.root->set_help_flag();
  d.root->set_version_flag("--version", NEWSGRAPH_VERSION);
  // Global flags may come after the verb too.
  d.root->fallthrough();
  for (const Flag& flag : GlobalFlags()) AddFlag(d.root.get(), flag);
  for (const Verb& verb : Verbs()) {
    CLI::App* app = VerbApp(d.root.get(), verb);
    for (const Flag& flag : verb.flags) AddFlag(app, flag);
    auto positional = std::make_unique<std::vector<std::string>>();
    if (verb.arguments[0] != '\0') {
      app->add_option("arguments", *positional, verb.arguments)->expected(0, -1);
    }
    d.verbs.emplace_back(app, std::move(positional));
  }
  // Unknown words at the top are reported as unknown commands below.
  d.root->allow_extras();
  for (auto& [app, positional] : d.verbs) app->allow_extras(false);
  // One verb per command line: once one is chosen, a later word that names
  // another ("search job cuts") is an argument, not a second command.
  d.root->require_subcommand(0, 1);
  for (CLI::App* top : d.root->get_subcommands({})) {
    top->require_subcommand(0, 1);
    for (CLI::App* sub : top->get_subcommands({})) sub->require_subcommand(0, 1);
  }
  return d;
}

// Marks a word that starts with a single dash ("-sanctions", a query's
// exclusion) so that CLI11 takes it for an argument, not a short flag; the
// only short flag is -h. Removed again from every parsed value.
constexpr char kWordMark = '\x01';

std::string Unmarked(std::string value) {
  if (!value.empty() && value[0] == kWordMark) value.erase(0, 1);
  return value;
}

// The command line for CLI11: words before the first "--", single-dash words
// marked. Words after "--" are arguments whatever they look like.
std::vector<std::string> PrepareArguments(int argc, const char* const* argv,
                                          std::vector<std::string>* after_dashes) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") {
      after_dashes->assign(argv + i + 1, argv + argc);
      break;
    }
    if (arg.size() > 1 && arg[0] == '-' && arg[1] != '-' && arg != "-h") arg.insert(0, 1, kWordMark);
    args.push_back(std::move(arg));
  }
  return args;
}

// The case pattern of every verb path: "doc"|"doc get"|...
std::string PathPattern(const std::map<std::string, std::vector<std::string>>& paths) {
  std::vector<std::string> quoted;
  for (const auto& [path, words] : paths) quoted.push_back(absl::StrCat("\"", path, "\""));
  return absl::StrJoin(quoted, "|");
}

void CollectFlags(const CLI::App& app, const std::vector<Flag>& flags, Args* args) {
  for (const Flag& flag : flags) {
    const CLI::Option* option = app.get_option_no_throw(absl::StrCat("--", flag.name));
    if (option == nullptr || option->count() == 0) continue;
    std::vector<std::string>& values = args->flags[flag.name];
    if (flag.value == Value::kSwitch) {
      values.push_back("");
    } else {
      for (const std::string& v : option->results()) values.push_back(Unmarked(v));
    }
  }
}

ParsedCommandLine UsageError(const std::string& problem) {
  ParsedCommandLine parsed;
  parsed.done = true;
  parsed.exit_code = 2;
  parsed.output = absl::StrCat("newsgraph: ", problem, "\n\n", UsageText());
  return parsed;
}

}  // namespace

std::string Args::Get(const std::string& name, const std::string& fallback) const {
  auto it = flags.find(name);
  return it == flags.end() || it->second.empty() ? fallback : it->second.back();
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  auto it = flags.find(name);
  return it == flags.end() ? std::vector<std::string>{} : it->second;
}

ParsedCommandLine ParseCommandLine(int argc, const char* const* argv) {
  Definitions d = Define();
  std::vector<std::string> after_dashes;
  std::vector<std::string> args = PrepareArguments(argc, argv, &after_dashes);
  try {
    // CLI11 takes a vector in reverse order.
    std::reverse(args.begin(), args.end());
    d.root->parse(args);
  } catch (const CLI::CallForVersion&) {
    ParsedCommandLine parsed;
    parsed.done = true;
    parsed.output = absl::StrCat("newsgraph ", NEWSGRAPH_VERSION, "\n");
    return parsed;
  } catch (const CLI::ParseError& e) {
    return UsageError(absl::StrReplaceAll(e.what(), {{std::string(1, kWordMark), ""}}));
  }
  ParsedCommandLine parsed;
  CollectFlags(*d.root, GlobalFlags(), &parsed.args);
  const CLI::App* leaf = d.root.get();
  for (size_t i = 0; i < Verbs().size(); ++i) {
    const auto& [app, positional] = d.verbs[i];
    if (!app->parsed() || !app->get_subcommands().empty()) continue;
    // The parsed verb without a parsed sub-verb: "doc get", not "doc".
    for (absl::string_view word : absl::StrSplit(Verbs()[i].path, ' ')) {
      parsed.args.positional.emplace_back(word);
    }
    for (const std::string& a : *positional) parsed.args.positional.push_back(Unmarked(a));
    for (const std::string& a : after_dashes) parsed.args.positional.push_back(a);
    CollectFlags(*app, Verbs()[i].flags, &parsed.args);
    leaf = app;
    break;
  }
  std::vector<std::string> extras = d.root->remaining();
  for (std::string& e : extras) e = Unmarked(std::move(e));
  if (leaf == d.root.get()) {
    // A verb with sub-verbs ("doc") given alone, or no verb at all.
    for (const CLI::App* sub : d.root->get_subcommands()) {
      parsed.args.positional.insert(parsed.args.positional.begin(), sub->get_name());
    }
    for (const std::string& e : extras) parsed.args.positional.push_back(e);
    for (const std::string& a : after_dashes) parsed.args.positional.push_back(a);
    return parsed;
  }
  if (!extras.empty()) {
    return UsageError(absl::StrCat("unknown flag or argument '", absl::StrJoin(extras, " "),
                                   "' for '", absl::StrJoin(parsed.args.positional, " "), "'"));
  }
  return parsed;
}

std::string BashCompletion() {
  Definitions d = Define();
  // Words that may follow each verb path: its sub-verbs and its flags.
  std::string cases;
  std::vector<std::string> globals;
  for (const Flag& flag : GlobalFlags()) globals.push_back(absl::StrCat("--", flag.name));
  std::vector<std::string> top;
  for (const CLI::App* sub : d.root->get_subcommands({})) top.push_back(sub->get_name());
  absl::StrAppend(&cases, "    \"\") words=\"", absl::StrJoin(top, " "), "\" ;;\n");
  std::map<std::string, std::vector<std::string>> next;
  for (const Verb& verb : Verbs()) {
    const std::vector<std::string> path = absl::StrSplit(verb.path, ' ');
    for (size_t k = 1; k < path.size(); ++k) {
      std::vector<std::string>& words =
          next[absl::StrJoin(path.begin(), path.begin() + static_cast<long>(k), " ")];
      if (std::find(words.begin(), words.end(), path[k]) == words.end()) words.push_back(path[k]);
    }
    for (const Flag& flag : verb.flags) next[verb.path].push_back(absl::StrCat("--", flag.name));
    next[verb.path];
  }
  for (const auto& [path, words] : next) {
    absl::StrAppend(&cases, "    \"", path, "\") words=\"", absl::StrJoin(words, " "), "\" ;;\n");
  }
  return absl::StrCat(
      "# bash completion for newsgraph; generated by `newsgraph completion bash`.\n",
      "_newsgraph() {\n", "  local cur=${COMP_WORDS[COMP_CWORD]} path=\"\" w words\n",
      "  for w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n",
      "    case \"$w\" in -*) ;; *) case \"${path:+$path }$w\" in\n", PathPattern(next),
      ") path=\"${path:+$path }$w\" ;; esac ;; esac\n", "  done\n", "  case \"$path\" in\n", cases,
      "    *) words=\"\" ;;\n  esac\n", "  COMPREPLY=($(compgen -W \"$words ",
      absl::StrJoin(globals, " "), "\" -- \"$cur\"))\n", "}\n",
      "complete -o default -F _newsgraph newsgraph\n");
}

}  // namespace newsgraph::cli
