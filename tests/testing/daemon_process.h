// Starts a daemon binary as a child process on a free loopback port and
// stops it with a signal. The daemon reports its port through --port_file.
#ifndef NEWSGRAPH_TESTS_TESTING_DAEMON_PROCESS_H_
#define NEWSGRAPH_TESTS_TESTING_DAEMON_PROCESS_H_

#include <signal.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace newsgraph::testing {

class DaemonProcess {
 public:
  // Starts `binary` with `args` plus --listen=`listen` and --port_file, and
  // waits up to `timeout` for the port. Output goes to a log in `work_dir`.
  static absl::StatusOr<DaemonProcess> Start(const std::string& binary,
                                             const std::vector<std::string>& args,
                                             const std::string& work_dir,
                                             absl::Duration timeout = absl::Seconds(30),
                                             const std::string& listen = "127.0.0.1:0");

  // Starts `binary` with exactly `args` (a server that is told its port,
  // e.g. Prometheus) and waits up to `timeout` until 127.0.0.1:`port`
  // accepts connections.
  static absl::StatusOr<DaemonProcess> StartOnPort(const std::string& binary,
                                                   const std::vector<std::string>& args,
                                                   const std::string& work_dir, int port,
                                                   absl::Duration timeout = absl::Seconds(30));

  DaemonProcess(DaemonProcess&& other) noexcept;
  DaemonProcess& operator=(DaemonProcess&& other) noexcept;
  DaemonProcess(const DaemonProcess&) = delete;
  ~DaemonProcess();  // Kills the process (SIGKILL) if it still runs.

  // Sends `signal` and waits for exit; returns the exit code (or 128+signal).
  absl::StatusOr<int> Stop(int signal, absl::Duration timeout = absl::Seconds(30));

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return pid_; }
  // The process's stderr/stdout so far, for failure messages.
  std::string Log() const;

 private:
  // Runs `argv` (the binary first) with its output in `log_path` and polls
  // `ready_port` (the port once the process serves, 0 before) up to
  // `timeout`; `waiting_for` names what it waits for in the error.
  static absl::StatusOr<DaemonProcess> Launch(std::vector<std::string> argv,
                                              const std::string& log_path, absl::Duration timeout,
                                              const std::function<int()>& ready_port,
                                              const std::string& waiting_for);
  DaemonProcess(pid_t pid, int port, std::string log_path)
      : pid_(pid), port_(port), log_path_(std::move(log_path)) {}
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

// Sends `signal` (default SIGTERM) and succeeds when the process exits with
// code 0 in time; otherwise fails with the exit code or the timeout, and the
// process's log. Use as ASSERT_TRUE(StopsCleanly(daemon)).
::testing::AssertionResult StopsCleanly(DaemonProcess& process, int signal = SIGTERM,
                                        absl::Duration timeout = absl::Seconds(30));

// A loopback port that was free a moment ago (for a daemon that must come
// back on the same address after a restart), chosen below the kernel's
// ephemeral range so that no outgoing connection takes it while the daemon
// is down.
int PickFreePort();

}  // namespace newsgraph::testing

#endif  // NEWSGRAPH_TESTS_TESTING_DAEMON_PROCESS_H_
