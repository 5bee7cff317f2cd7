// `nssim trace --attach PID[,PID...]`: strace follows processes that already
// run (`strace -f -yy -p PID -p PID...`), as `strace -p` would: the tracees
// keep running, nothing else of the host changes, and strace detaches from
// all of them when it ends.
//
// Ending: stop() sends strace SIGINT (it detaches and exits, as on Ctrl-C);
// strace also ends by itself when every traced process has exited. strace has
// PR_SET_PDEATHSIG(SIGTERM): if nssim dies (even by SIGKILL), strace detaches
// cleanly instead of leaving the processes traced (the kernel would detach
// them anyway when strace died; SIGTERM lets strace restore their state).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace nssim::strace {

class Attach {
 public:
  // Starts strace on `pids` with `strace_args` (no -o, no -p) and waits until
  // it traces every one of them (TracerPid in /proc/PID/status). Null with
  // `why` (a readable sentence) when a pid is not a process, strace is
  // missing, or it cannot attach (permissions, another tracer).
  static std::unique_ptr<Attach> start(const std::vector<int>& pids, const std::vector<std::string>& strace_args,
                                       int timeout_ms, std::string& why);
  ~Attach();  // stops strace (detaching) if it still runs
  Attach(const Attach&) = delete;
  Attach& operator=(const Attach&) = delete;

  // Read end of strace's output (-o): one line per event; EOF when strace exits.
  int output_fd() const { return out_fd_; }
  pid_t strace_pid() const { return strace_; }
  // Asks strace to detach and exit (async-signal-safe: callable from a signal handler).
  void stop() const;
  // Waits for strace; returns what it printed on stderr ("Process N attached" lines dropped).
  std::string finish();

 private:
  Attach() = default;
  pid_t strace_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
};

}  // namespace nssim::strace
