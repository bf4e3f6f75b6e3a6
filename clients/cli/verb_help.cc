#include "clients/cli/verb_help.h"

#include "clients/cli/cli_flags.h"

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
  completion bash           print the bash completion script (source <(newsgraph completion bash))
  token new NAME SCOPES     make a bearer token and the line for a daemon's --auth_tokens file

`newsgraph VERB --help` explains a verb; `newsgraph --version` prints the version.
Flags take their value as --flag=VALUE or --flag VALUE; unknown flags are errors.

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

}  // namespace

const char* UsageText() { return kUsage; }

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
       "  ingestd's peer token), admin (backups), or read, write (all but entity.admin,\n"
       "  admin and internal), *. SIGHUP makes a daemon read its token file again.\n"},
      {"search",
       "newsgraph search QUERY [--page-size=N] [--page-token=T] [--passages=N]\n"
       "    [--facet=source|entity|entity_type|language|published_year]...\n"
       "    [--source=S]... [--entity=NAME|ID]... [--type=ORG]... [--language=en]...\n"
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
       "newsgraph entity update NAME|ID [--canonical-name=N] [--type=T] [--description=D]\n"
       "  NAME|ID: entities/42, 42, or a name the entity is known by (\"Zhang Ming\", \"SCO\");\n"
       "  a name several entities share is an error that lists them\n"},
      {"analyze",
       "newsgraph analyze FILE|-\n  Recognizes entities in a file or stdin; stores nothing.\n"},
      {"status",
       "newsgraph status\n  Checks that the three services answer; shows index statistics.\n"},
      {"admin",
       "newsgraph admin backup ID\n"
       "  Backs up the running deployment while it keeps accepting documents: each service\n"
       "  writes a checkpoint of its store to <its --backup_dir>/ID/<service> while the\n"
       "  pipeline is held (the token needs the admin scope). ID: [a-z0-9-], at most 63.\n"
       "newsgraph admin restore BACKUP DATA_DIR\n"
       "  Copies the checkpoints in BACKUP (a <backup_dir>/ID directory) into DATA_DIR/<service>,\n"
       "  which must be empty; run it with the daemons stopped, then start them on DATA_DIR.\n"
       "  Documents the pipeline had not finished at the backup are replayed on start.\n"
       "newsgraph admin reindex [--entities] [--search] [--after=DOCUMENT]\n"
       "  Sends every stored document through the pipeline again while the deployment\n"
       "  serves, printing progress until it is through. --search (the default) rebuilds\n"
       "  the search index from the annotations the entity service recorded; it annotates\n"
       "  anew only the documents it lost (after losing the entity or search data).\n"
       "  --entities recognizes every text again (after a model upgrade) and search\n"
       "  follows, since it indexes the entities. Interrupted, it resumes with\n"
       "  --after=<the last document it queued>.\n"},
  };
  return *help;
}

}  // namespace newsgraph::cli
