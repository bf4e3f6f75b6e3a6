// The CLI's help texts: the overview and one text per verb.
#ifndef NEWSGRAPH_CLIENTS_CLI_VERB_HELP_H_
#define NEWSGRAPH_CLIENTS_CLI_VERB_HELP_H_

#include <map>
#include <string>

namespace newsgraph::cli {

// `newsgraph VERB --help`, by verb ("doc", "entity", ...).
const std::map<std::string, std::string>& VerbHelp();

}  // namespace newsgraph::cli

#endif  // NEWSGRAPH_CLIENTS_CLI_VERB_HELP_H_
