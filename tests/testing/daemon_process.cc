#include "tests/testing/daemon_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"

namespace newsgraph::testing {
namespace {

std::atomic<int> counter{0};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

namespace {

// Forks and executes `argv_storage` (the binary first) with stdout and
// stderr going to `log_path`; returns the child's pid.
absl::StatusOr<pid_t> Spawn(std::vector<std::string> argv_storage, const std::string& log_path) {
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    // Signals blocked by the test's threads must not stay blocked in the child.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// Whether something accepts TCP connections on 127.0.0.1:`port`.
bool Accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected =
      connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

}  // namespace

absl::StatusOr<DaemonProcess> DaemonProcess::Launch(std::vector<std::string> argv,
                                                    const std::string& log_path,
                                                    absl::Duration timeout,
                                                    const std::function<int()>& ready_port,
                                                    const std::string& waiting_for) {
  const std::string binary = argv[0];
  NG_ASSIGN_OR_RETURN(const pid_t pid, Spawn(std::move(argv), log_path));
  DaemonProcess process(pid, 0, log_path);
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      process.pid_ = -1;
      return absl::FailedPreconditionError(
          absl::StrCat(binary, " exited during start-up:\n", ReadFile(log_path)));
    }
    if (const int port = ready_port(); port > 0) {
      process.port_ = port;
      return process;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat(binary, " did not ", waiting_for, " within ",
                                                  absl::FormatDuration(timeout), ":\n",
                                                  ReadFile(log_path)));
}

absl::StatusOr<DaemonProcess> DaemonProcess::StartOnPort(const std::string& binary,
                                                         const std::vector<std::string>& args,
                                                         const std::string& work_dir, int port,
                                                         absl::Duration timeout) {
  const std::string log_path = absl::StrCat(work_dir, "/log-", getpid(), "-", counter.fetch_add(1));
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  return Launch(
      std::move(argv), log_path, timeout, [port] { return Accepts(port) ? port : 0; },
      absl::StrCat("listen on port ", port));
}

absl::StatusOr<DaemonProcess> DaemonProcess::Start(const std::string& binary,
                                                   const std::vector<std::string>& args,
                                                   const std::string& work_dir,
                                                   absl::Duration timeout,
                                                   const std::string& listen) {
  const int id = counter.fetch_add(1);
  const std::string port_file = absl::StrCat(work_dir, "/port-", getpid(), "-", id);
  const std::string log_path = absl::StrCat(work_dir, "/log-", getpid(), "-", id);
  unlink(port_file.c_str());
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--listen=" + listen);
  argv.push_back("--port_file=" + port_file);
  auto reported_port = [&port_file] {
    int port = 0;
    return absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadFile(port_file)), &port) ? port : 0;
  };
  return Launch(std::move(argv), log_path, timeout, reported_port, "report a port");
}

DaemonProcess::DaemonProcess(DaemonProcess&& other) noexcept
    : pid_(other.pid_), port_(other.port_), log_path_(std::move(other.log_path_)) {
  other.pid_ = -1;
}

DaemonProcess& DaemonProcess::operator=(DaemonProcess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = other.pid_;
    port_ = other.port_;
    log_path_ = std::move(other.log_path_);
    other.pid_ = -1;
  }
  return *this;
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

absl::StatusOr<int> DaemonProcess::Stop(int signal, absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("process is not running");
  kill(pid_, signal);
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::DeadlineExceededError("process did not exit in time:\n" + Log());
}

std::string DaemonProcess::Log() const { return ReadFile(log_path_); }

::testing::AssertionResult StopsCleanly(DaemonProcess& process, int signal,
                                        absl::Duration timeout) {
  absl::StatusOr<int> code = process.Stop(signal, timeout);
  if (!code.ok()) return ::testing::AssertionFailure() << code.status().ToString();
  if (*code != 0) {
    return ::testing::AssertionFailure() << "exit code " << *code << "; log:\n" << process.Log();
  }
  return ::testing::AssertionSuccess();
}

namespace {

// Whether `port` can be bound on loopback right now (0: any port; the port
// bound is returned through `bound`).
bool Bindable(int port, int* bound) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof(addr);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  if (ok) *bound = ntohs(addr.sin_port);
  close(fd);
  return ok;
}

// The first port of the kernel's ephemeral range (source ports of outgoing
// connections and of bind to port 0).
int EphemeralRangeStart() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  return range >> low ? low : 32768;
}

}  // namespace

// A port below the ephemeral range: a daemon restarted on the same port (the
// crash and reliability tests) cannot find it taken by the source port of
// some test's outgoing connection, as a port from the ephemeral range can.
// Random per process, never the same twice in one process, and bindable
// when picked.
int PickFreePort() {
  static std::mutex mu;
  static std::mt19937 rng{std::random_device{}()};
  static std::set<int> given;
  constexpr int kLow = 10000;
  const int high = EphemeralRangeStart() - 1;
  int port = 0;
  if (high - kLow >= 1000) {
    std::lock_guard<std::mutex> lock(mu);
    std::uniform_int_distribution<int> pick(kLow, high);
    for (int attempt = 0; attempt < 200; ++attempt) {
      const int candidate = pick(rng);
      if (given.count(candidate) == 0 && Bindable(candidate, &port)) {
        given.insert(candidate);
        return candidate;
      }
    }
  }
  return Bindable(0, &port) ? port : 0;
}

}  // namespace newsgraph::testing
