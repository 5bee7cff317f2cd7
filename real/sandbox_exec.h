// Runs a real program under strace inside the same host-protecting sandbox
// as the live-kernel backend (real/real_backend.cc): the program is pid 1 of
// a new pid namespace, in a private mount namespace (/ made MS_REC|MS_PRIVATE,
// a private tmpfs on /run with /run/netns mode 1777, a fresh /proc for the new
// pid namespace) and its own UTS namespace. So `ip netns add` touches no host
// /run/netns, and everything the program leaves behind dies with its pid 1.
//
// How the tracer attaches without missing the first system call:
//   1. nssim forks pid 1 with clone(CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWUTS); it
//      sets up the mounts, says "ready" on a pipe and blocks reading another;
//   2. nssim stops it (SIGSTOP from the parent pid namespace is delivered to a
//      namespace init), reads its /proc/PID/ns/* (the run's initial
//      namespaces), and starts `strace ... -p PID` (strace stays in the host
//      pid namespace: its pid column shows host pids);
//   3. once /proc/PID/status shows the tracer, nssim releases the pipe and
//      sends SIGCONT: a traced task cannot run again before its tracer
//      resumes it, so strace sees the program's execve and everything after.
// Cleanup: pid 1 and strace have PR_SET_PDEATHSIG(SIGKILL) (nssim's death
// kills both, and pid 1's death kills the whole pid namespace); the
// destructor kills pid 1.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/uapi.h"

namespace nssim::real {

class SandboxExec {
 public:
  struct Options {
    std::vector<std::string> command;      // argv of the program (execvp: searched in PATH)
    std::vector<std::string> strace_args;  // strace options before "-p PID" (no -o, no -p)
    int program_stdout = 2;                // where the program's stdout goes (default: nssim's stderr)
    int timeout_ms = 5000;                 // for each setup step
    std::vector<std::string> keep_paths;   // paths the program needs: their root is not covered
    // --host: no sandbox; the program is a plain child of nssim in the host's
    // namespaces and mounts, and changes the host as it would run alone.
    bool host = false;
  };
  // Starts the sandbox and the tracer. Null with `why` set when it cannot run
  // here (not root, strace missing, a namespace type missing...).
  static std::unique_ptr<SandboxExec> start(const Options& opt, std::string& why);
  ~SandboxExec();
  SandboxExec(const SandboxExec&) = delete;
  SandboxExec& operator=(const SandboxExec&) = delete;

  // Read end of strace's output (-o): one line per event; EOF when strace exits.
  int output_fd() const { return out_fd_; }
  // Host pid of the program (pid 1 of the sandbox), as strace's pid column shows it.
  pid_t program_pid() const { return pid1_; }
  // Kernel level of the sandbox pid namespace.
  uint32_t pid_level() const { return level_; }
  // /proc/PID/ns/* of pid 1 before it ran the program (kAllLinks order; 0 if
  // the link could not be read): the inode numbers of the run's initial namespaces.
  const std::array<uint64_t, kLinks>& initial_inodes() const { return inodes_; }
  // The sandbox's hostname (a copy of the host's).
  const std::string& hostname() const { return hostname_; }
  // Waits for strace and the program to end; the program's wait status.
  // strace's own messages (not the trace) are in `strace_stderr`.
  int finish(std::string& strace_stderr);

 private:
  SandboxExec() = default;
  bool run(const Options& opt, std::string& why);

  pid_t pid1_ = -1;
  int pid1fd_ = -1;
  pid_t strace_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;  // strace's stderr (read end)
  uint32_t level_ = 0;
  std::array<uint64_t, kLinks> inodes_{};
  std::string hostname_;
  bool finished_ = false;
  int status_ = 0;
};

// Empty when `nssim trace -- CMD` can run here, else why not (for tests and
// the exit-3 message): root, strace installed, every namespace type present.
std::string sandbox_exec_unavailable_reason();

}  // namespace nssim::real
