// The newsgraph CLI's commands: one method per verb, printing text or
// proto3 JSON, over the client library. Defined across cli.cc (output and
// shared helpers), document_commands.cc, search_command.cc,
// entity_commands.cc and status_commands.cc.
#ifndef NEWSGRAPH_CLIENTS_CLI_CLI_H_
#define NEWSGRAPH_CLIENTS_CLI_CLI_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clients/cli/cli_flags.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "newsgraph/client.h"

namespace newsgraph::cli {

class Cli {
 public:
  Cli(Args args, std::unique_ptr<Client> client, std::string target);
  // Runs the verb in args; returns the exit code (0, 1 failed, 2 usage, 3
  // unreachable).
  int Run();

 private:
  int Usage(const std::string& problem);
  int Fail(const absl::Status& status, const std::string& what);

  // One object; with `one_line`, compact (JSON Lines for streams).
  void PrintJson(const google::protobuf::Message& message, bool one_line = false);
  static std::string Qualify(const std::string& id, const std::string& collection);
  // The resource name of the entity the user typed: "entities/ID", "ID", or
  // one of its names (ChooseEntity in entity_names.h; a note on stderr when
  // rarer candidates were passed over).
  // `strict`: only an unambiguous name (for merges and updates).
  absl::StatusOr<std::string> EntityNamed(const std::string& typed, bool strict = false);
  std::string Arg(size_t index) const;
  int PageSize() const;
  static std::string FormatTime(const google::protobuf::Timestamp& ts);
  std::string Highlight(const newsgraph::v1::Snippet& snippet) const;
  void PrintEntityRow(const newsgraph::v1::Entity& e);

  // Reads --NAME=YYYY-MM-DD into `out` when given; returns a usage error or "".
  std::string DateFlag(const char* name, google::protobuf::Timestamp* out);

  // Reads --type=T when given; returns a usage error or "".
  std::string TypeFlag(newsgraph::v1::EntityType* out);

  // Reads FILE, or standard input for "-", into `out`.
  absl::Status ReadInput(const std::string& path, std::string* out);
  int Ingest();
  int DocGet();
  int DocList();
  int DocDelete();

  // Retries one FAILED document, or with --all-failed every FAILED one
  // (listed first, so documents that fail again are not retried twice).
  int DocRetry();
  int JobGet();
  int SearchCmd();
  int EntityGet();
  int EntityList();
  int EntityResolve();
  int EntityMentions();
  int EntityRelated();
  int EntityQuotes();
  int EntityMerge();
  int EntityUpdate();
  int EntityAnnotate();
  int EntityForget();
  int Analyze();
  int Status();
  int AdminBackup();
  int AdminReindex();
  std::string Bold(const std::string& s) const { return color_ ? "\033[1m" + s + "\033[0m" : s; }
  std::string Dim(const std::string& s) const { return color_ ? "\033[2m" + s + "\033[0m" : s; }
  std::string Mark(const std::string& s) const {
    return color_ ? "\033[1;33m" + s + "\033[0m" : "[" + s + "]";
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

  Args args_;
  std::unique_ptr<Client> client_;
  std::string target_;
  bool color_ = false;
  bool json_ = false;
};

}  // namespace newsgraph::cli

#endif  // NEWSGRAPH_CLIENTS_CLI_CLI_H_
