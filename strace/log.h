// Reading strace output (strace -f -yy, as `nssim trace -- CMD` runs it or as
// a user recorded it with `strace -f -yy -o LOG CMD`): one line at a time,
// joining "<unfinished ...>" calls with their "<... NAME resumed>" rest, into
// complete events in the order strace printed them.
//
// Accepted line shapes (PID is the tracer's view; optional when the log has
// one process):
//   PID  NAME(ARGS) = RET [ERRNO (text)] [<0.000010>]
//   [pid PID] NAME(ARGS) = RET                         (-f without -o)
//   PID  NAME(ARGS <unfinished ...>
//   PID  NAME(ARGS <detached ...>                       (strace -p detached; skipped)
//   PID  <... NAME resumed>REST) = RET
//   PID  +++ exited with N +++  |  +++ killed by SIGX [(core dumped)] +++
//   PID  --- SIGX {...} ---      |  --- stopped by SIGSTOP ---
// with optional timestamps after the pid (-t, -tt, -ttt, -r) and a comm
// after the pid (-Y: "PID<comm>"). Every construct, with its test:
// docs/strace-log.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/uapi.h"

namespace nssim::strace {

// A malformed line: where, what, and what would have been fine.
struct LogError {
  int line = 0;
  std::string message;
  std::string hint;
};

// The return part of a call line: "= 3<net:[4026532181]>", "= -1 ENOENT (...)",
// "= 8 /* 21664 in strace's PID NS */", "= ?", "= 0x8000 (flags O_RDONLY)".
struct Ret {
  bool unknown = false;  // "= ?" (exit, exit_group, a killed call)
  int64_t value = 0;
  std::string err;                    // errno name when value is -1 and one is given ("ENOENT")
  std::string decor;                  // what follows the number in <...>: "net:[4026532181]", "/run/netns/x"
  std::optional<int64_t> tracer_pid;  // "/* N in strace's PID NS */"
  std::string rest;                   // anything else after the value ("(flags O_RDONLY|O_LARGEFILE)")
  bool failed() const { return !unknown && value < 0 && !err.empty(); }
};

// A complete system call.
struct Call {
  int pid = 0;
  std::string name;
  std::string args_text;          // between the parentheses, as printed
  std::vector<std::string> args;  // top-level arguments
  Ret ret;
  int line = 0;         // where it completed (the resumed line, or the only line)
  int first_line = 0;   // where it started
  std::string text;     // "PID name(args) = ret" (joined when it was split)
  int exec_thread = 0;  // an execve by a non-leader thread: its tid ("<pid changed to PID ...>"); pid is the leader's
  // A wait4 that failed with ECHILD: the other pids' wait4 calls unfinished at
  // its line, which may have reaped its child first though strace prints them
  // after it (two threads of a process waiting at once).
  struct PendingWait {
    int pid, line;
    int64_t who;  // wait4's first argument (-1: any child)
  };
  std::vector<PendingWait> pending_waits;
};

struct Event {
  enum Kind : uint8_t { Syscall, Exited, Killed, Signal, Superseded } kind = Syscall;
  int pid = 0;
  int line = 0;
  std::string text;    // the log line (joined for split calls)
  Call call;           // Syscall
  int code = 0;        // Exited: exit code; Killed: signal number (0 if unknown); Superseded: the execing thread
  std::string signal;  // Killed/Signal: "SIGTERM"
};

// Joins split calls and turns lines into events. Feed lines in order.
class Reader {
 public:
  // Appends the events this line completes (0 or 1) to `out`; a malformed
  // line appends to `errs` instead.
  void feed(std::string_view line, int lineno, std::vector<Event>& out, std::vector<LogError>& errs);
  // Calls started but never resumed (a task killed while blocked): strace
  // prints nothing more for them. Returns them as (line, pid, name).
  std::vector<std::tuple<int, int, std::string>> pending() const;
  // Whether any line had a pid column / an -yy decoration.
  bool saw_decorations() const { return decorations_; }

 private:
  struct Pending {
    int line;
    std::string name, args_head, text;
    int from_pid = 0;  // an execve whose pid changed (de_thread()): the thread that called it
  };
  std::map<int, Pending> pending_;
  // execve calls of threads, under the leader's pid they take: kept apart from
  // pending_ because the leader's "+++ superseded" line comes in between.
  std::map<int, Pending> changed_;
  // A thread's execve line cut short with neither "<pid changed to ...>" nor
  // "<unfinished ...>" (seen under load): it resumes under the leader's pid,
  // which the line does not name; the next "<... execve resumed>" of a pid
  // with no execve of its own takes it.
  std::optional<Pending> cut_execve_;
  bool decorations_ = false;
};

// Splits an argument list at top-level commas, honouring "strings", [], {}, ()
// and <...> fd decorations. Arguments are trimmed.
std::vector<std::string> split_args(std::string_view s);

// An fd argument: "3<net:[4026532181]>", "AT_FDCWD</tmp>", "5".
struct FdArg {
  int fd = -1;        // -100 for AT_FDCWD
  std::string decor;  // inside <...> ("" without -yy)
};
std::optional<FdArg> parse_fd(std::string_view arg);

// An nsfs decoration "net:[4026532181]" -> type and inode.
std::optional<std::pair<NsType, uint64_t>> parse_ns_decor(std::string_view decor);

// A strace string argument ("0 0 1\n", with C escapes) -> its bytes. `truncated`
// is set when strace cut it ("..."). nullopt when the argument is not a string.
std::optional<std::string> parse_string(std::string_view arg, bool* truncated = nullptr);

// "CLONE_NEWNS|CLONE_NEWPID|0x80" -> bits; unknown names are returned in `unknown`.
uint64_t parse_clone_flags(std::string_view s, std::vector<std::string>* unknown = nullptr);

// An integer argument (decimal, 0x hex, octal with leading 0); nullopt otherwise.
std::optional<int64_t> parse_int(std::string_view s);

// The value of "key=value" inside a struct argument ("{flags=X, exit_signal=Y}"), or "".
std::string struct_field(std::string_view s, std::string_view key);

}  // namespace nssim::strace
