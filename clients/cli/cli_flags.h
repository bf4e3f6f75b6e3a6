// The newsgraph CLI's command line: every verb, its arguments and flags,
// defined once with CLI11. Parsing rejects unknown verbs and flags and bad
// numbers; the same definitions generate the bash completion script.
#ifndef NEWSGRAPH_CLIENTS_CLI_CLI_FLAGS_H_
#define NEWSGRAPH_CLIENTS_CLI_CLI_FLAGS_H_

#include <map>
#include <string>
#include <vector>

namespace newsgraph::cli {

// A parsed command line: the verb path and its arguments in `positional`
// ("entity", "get", "entities/7"), and every flag given, by long name
// without dashes, with its values in order ("" for a switch).
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> flags;

  bool Has(const std::string& name) const { return flags.contains(name); }
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> GetAll(const std::string& name) const;
};

// What ParseCommandLine found: the arguments to run, or an exit code and
// what to print (help and version to stdout, usage errors to stderr).
struct ParsedCommandLine {
  Args args;
  bool done = false;  // nothing to run: print `output` and exit
  int exit_code = 0;
  std::string output;
};

ParsedCommandLine ParseCommandLine(int argc, const char* const* argv);

// The overview of every verb and the global flags.
const char* UsageText();

// The bash completion script for the definitions above
// (`source <(newsgraph completion bash)`).
std::string BashCompletion();

}  // namespace newsgraph::cli

#endif  // NEWSGRAPH_CLIENTS_CLI_CLI_FLAGS_H_
