// A split deployment for end-to-end tests: entityd, searchd and ingestd as
// child processes sharing one data directory, entityd and searchd on ports
// picked up front so that a test can stop either and start it again on the
// same address. The including test target must define ENTITYD_PATH,
// SEARCHD_PATH and INGESTD_PATH (tests/CMakeLists.txt: daemon_paths).
#ifndef NEWSGRAPH_TESTS_TESTING_SPLIT_CLUSTER_H_
#define NEWSGRAPH_TESTS_TESTING_SPLIT_CLUSTER_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "newsgraph/client.h"
#include "tests/testing/daemon_process.h"

namespace newsgraph::testing {

struct SplitCluster {
  std::string data;
  std::string entity_listen;
  std::string search_listen;
  // Extra flags for ingestd.
  std::vector<std::string> ingest_extra;
  std::optional<DaemonProcess> entity;
  std::optional<DaemonProcess> search;
  std::optional<DaemonProcess> ingest;

  // Starts (or starts again) entityd on entity_listen.
  absl::Status StartEntity(const std::string& dir) {
    absl::StatusOr<DaemonProcess> p =
        DaemonProcess::Start(ENTITYD_PATH, {data}, dir, absl::Seconds(30), entity_listen);
    if (!p.ok()) return p.status();
    entity.emplace(*std::move(p));
    return absl::OkStatus();
  }
  // Starts (or starts again) searchd on search_listen.
  absl::Status StartSearch(const std::string& dir) {
    absl::StatusOr<DaemonProcess> p =
        DaemonProcess::Start(SEARCHD_PATH, {data, "--entity_address=" + entity_listen}, dir,
                             absl::Seconds(30), search_listen);
    if (!p.ok()) return p.status();
    search.emplace(*std::move(p));
    return absl::OkStatus();
  }
  // Starts the three services with their data under `dir`.
  absl::Status Start(const std::string& dir) {
    data = "--data_dir=" + dir;
    entity_listen = "127.0.0.1:" + std::to_string(PickFreePort());
    search_listen = "127.0.0.1:" + std::to_string(PickFreePort());
    NG_RETURN_IF_ERROR(StartEntity(dir));
    NG_RETURN_IF_ERROR(StartSearch(dir));
    std::vector<std::string> args = {data, "--entity_address=" + entity_listen,
                                     "--search_address=" + search_listen};
    args.insert(args.end(), ingest_extra.begin(), ingest_extra.end());
    absl::StatusOr<DaemonProcess> p = DaemonProcess::Start(INGESTD_PATH, args, dir);
    if (!p.ok()) return p.status();
    ingest.emplace(*std::move(p));
    return absl::OkStatus();
  }
  // A client of all three.
  ClientOptions Options() const {
    ClientOptions options;
    options.target = options.ingest_target = ingest->address();
    options.search_target = search_listen;
    options.entity_target = entity_listen;
    return options;
  }
};

}  // namespace newsgraph::testing

#endif  // NEWSGRAPH_TESTS_TESTING_SPLIT_CLUSTER_H_
