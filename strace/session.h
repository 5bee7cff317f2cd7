// From strace events to the model: each event that touches namespaces is
// translated into a scenario statement (the .nss language), run at once on
// the model through the Runner's SimBackend, and its result asserted with the
// kernel's (`= RESULT`). Every nsfs inode strace reports (fd decodings
// `net:[4026532417]`, /proc/PID/ns readlinks, the initial namespaces of a
// live run) is mapped to a model namespace; a contradiction — one model
// namespace seen as two kernel inodes or the reverse, a result the model
// predicts differently, a pid number the model allocates differently — is
// reported with the strace line. Events the model does not know are counted
// per kind, each with whether it can affect namespaces.
//
// Used by `nssim trace -- CMD` (streaming, live) and `nssim import LOG`.
#pragma once

#include <array>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/runner.h"
#include "strace/log.h"

namespace nssim::strace {

struct SessionOptions {
  // The log comes from `nssim trace -- CMD`: the first process is pid 1 of
  // the sandbox's pid namespace, so pid numbers in it are comparable.
  bool live = false;
  int init_pid = 0;                            // pid column of the first process (0: the first pid seen)
  std::map<int, std::string> names;            // pid -> task name; default "p<PID>"
  uint32_t root_pid_level = 0;                 // kernel level of the run's root pid namespace
  std::string hostname = "(none)";             // the initial uts namespace's nodename
  std::array<uint64_t, kLinks> init_inodes{};  // live: kernel inodes of the first process's links (0: unknown)
  std::string source_name = "strace";          // for messages ("LOG")
  // A recorded log whose first process exits while others still make calls
  // (podman run: conmon's `podman container cleanup` outlives it): the model's
  // first task is pid 1, whose exit would kill every other task, so the
  // scenario starts with an init of its own that clones the first process.
  bool init_parent = false;
  // Processes alive before the log starts (`strace -p` logs, several
  // processes): pid column -> the kernel inodes of its /proc/PID/ns links as
  // far as the log shows them before it changes namespaces (kAllLinks order,
  // 0: unknown). The model's init stands for the host's; each such process is
  // a clone of it (or of an existing process it shares the most with) with a
  // new namespace of each type whose inode differs; without any inode, it has
  // the initial namespaces (said in the step's note). Implies init_parent.
  std::map<int, std::array<uint64_t, kLinks>> existing;
  // An existing process's parent, when the log shows it (the parent reaps it):
  // made by a clone of that parent (made first if need be), not of the init.
  std::map<int, int> existing_parent;
  // An existing pid -> the existing pid whose thread the log shows it is
  // (existing_pids()): made by thread() of that one (made first if need be).
  std::map<int, int> existing_thread_of;
  // `nssim trace --attach`: the model starts from a snapshot of the live
  // system taken at attach time (sim/restore.h; Runner::Options::initial), so
  // its namespaces have the kernel's inodes; `restored` names the restored
  // tasks by pid column ("p123", a thread "t124"). Pids the model allocates
  // are not compared with the kernel's (the host allocates its own meanwhile).
  std::function<std::unique_ptr<SimBackend>(const Kernel::Config&)> initial;
  std::map<int, std::string> restored;
};

// One thing the session produced, in order.
struct Output {
  enum Kind : uint8_t { Step, Comment, Contradiction } kind = Step;
  int strace_line = 0;   // where the event completed
  int strace_first = 0;  // where it started (a call split by <unfinished ...>)
  std::string strace_text;
  // Step: a statement fed to the model. record.call points into the session.
  StepRecord record;
  std::string stmt;                 // "p7: unshare(CLONE_NEWNET) = 0"
  std::string note;                 // a remark, or why a statement was synthesized ("execve closes O_CLOEXEC fds")
  bool implied = false;             // synthesized from the line (execve's closes...), not the call itself
  std::vector<std::string> kernel;  // model namespace = kernel inode, first sightings (Step, Comment)
  // Comment: a line kept as a comment (what and why)
  std::string comment;
  bool relevant = false;  // the call can affect namespaces
  // Contradiction outside a step (a readlink, an fd decoration of another call)
  std::string message;
};

// A kind of event the model does not know.
struct NotModelled {
  std::string what;  // "execve", "mount (proc)", "openat (other files)"
  std::string why;   // what it does to namespaces, or "no namespace effect"
  bool relevant = false;
  int count = 0;
  int first_line = 0;
};

// A sign that the traced program looked at whether it is sandboxed.
struct SandboxProbe {
  int line = 0;      // strace line
  std::string path;  // "/proc/1/comm"
  std::string text;  // the strace line's text
};

class Session {
 public:
  explicit Session(SessionOptions opt);
  ~Session();

  // Starts the model (the first process is opt.init_pid, or `first_pid`); feed() does it if needed.
  void begin(std::vector<Output>& out, int first_pid = 0);
  bool started() const { return started_; }
  // Feeds one event (in log order); appends what it produced.
  void feed(const Event& ev, std::vector<Output>& out);
  // End of the log: pids never matched to a clone become errors.
  void finish(std::vector<Output>& out, std::vector<LogError>& errs);

  Runner& runner() { return *runner_; }
  const Scenario& header() const { return header_; }
  const std::string& init_name() const { return init_name_; }
  // The not-modelled kinds, in first-seen order.
  const std::vector<NotModelled>& not_modelled() const { return nm_; }
  // Opens of /proc/1/* other than its ns links: the program looked at pid 1,
  // which in nssim's sandbox is itself (see SandboxProbe); at most 8 kept.
  const std::vector<SandboxProbe>& sandbox_probes() const { return sandbox_probes_; }
  int contradictions() const { return contradictions_; }
  int steps() const { return steps_; }
  // pid -> task name, for the scenario's header comment.
  const std::vector<std::pair<int, std::string>>& task_names() const { return task_names_; }

  struct Task;
  struct FdTable;
  struct FdEntry;

 private:
  struct Ctx;
  void handle(const Event& ev, std::vector<Output>& out);
  void call(const Call& c, Task& t, Ctx& x);
  // Runs "TASK: CALL [= RESULT]" on the model.
  Output* step(Task& t, const std::string& call_text, const std::optional<std::string>& result, Ctx& x,
               const std::string& note = "", bool implied = false);
  void comment(Ctx& x, const std::string& what, const std::string& why, bool relevant, bool count = true);
  void contradiction(Ctx& x, const std::string& msg);
  // Kernel inode (type, inode) seen for model namespace `serial` (-1: the model has none).
  void check_ns(NsType type, uint64_t inode, int64_t serial, const std::string& what, Ctx& x);
  std::string name_for(int pid);
  Task* task_for(int pid);
  Task& new_task(int pid, const std::string& name, std::shared_ptr<FdTable> fds, const std::string& comm);
  // A pid as the task `viewer` sees it (its active pid namespace, or its /proc's) -> task name.
  std::string resolve_pid(int64_t nr, uint32_t pidns_serial);
  uint32_t active_pidns(const std::string& name);
  uint32_t proc_pidns(const std::string& name);
  std::optional<std::string> proc_task(const std::string& component, Task& t);
  int64_t model_fd_ns(const std::string& task, const std::string& fdname);
  std::string fd_name(FdTable& tbl, int fd);
  void drop_fd(Task& t, int fd, Ctx& x, const char* why);
  void on_clone(const Call& c, Task& t, Ctx& x);
  // The lines a pid printed before the model had its task, now that it has.
  void replay_orphans(int pid, std::vector<Output>& out);
  // A pid of opt.existing at its first line: cloned from the init (see SessionOptions::existing).
  void make_existing(const Event& ev, std::vector<Output>& out);
  void on_exec(const Call& c, Task& t, Ctx& x);
  void on_open(const Call& c, Task& t, Ctx& x);
  void on_wait(const Call& c, Task& t, Ctx& x, int64_t reaped);
  void on_exit(Task& t, int code, const std::string& why, Ctx& x);
  void on_msg(const Call& c, Task& t, Ctx& x);
  void on_capset(const Call& c, Task& t, Ctx& x);
  // Events of tasks the model has asleep in vfork() whose child's exec or exit
  // has not been handled yet (strace may print them first): replayed on wake.
  bool hold_if_asleep(const Event& ev, std::vector<Output>& out);
  void release_woken(std::vector<Output>& out);
  void check_fd_args(const Call& c, Task& t, Ctx& x);
  void remember_mnt(const std::string& task, uint32_t before);

  SessionOptions opt_;
  Scenario header_;  // empty statements: the runner's scenario
  std::unique_ptr<Runner> runner_;
  std::deque<Scenario> stmts_;  // one parsed line per step (StepRecord::call points here)
  std::string init_name_;
  std::map<int, std::unique_ptr<Task>> tasks_;  // by pid column (the newest task with that pid)
  std::vector<std::unique_ptr<Task>> retired_;  // tasks whose pid was reused
  std::set<std::string> used_names_;
  std::vector<std::pair<int, std::string>> task_names_;
  std::vector<SandboxProbe> sandbox_probes_;
  std::map<int, std::vector<Event>> orphans_;                     // lines of pids not yet matched to a clone
  std::vector<std::pair<std::string, std::vector<Event>>> held_;  // task name -> its events while asleep in vfork
  // SCM_RIGHTS files in flight, by the kernel inode of the receiving unix
  // socket, in queue order; null for a message the model did not get (not translated).
  std::map<uint64_t, std::deque<std::shared_ptr<FdEntry>>> inflight_;
  struct Parked {
    int key;  // the pid the clone returned (in the caller's pid namespace)
    int line;
    std::unique_ptr<Task> task;  // the child, until its pid shows up in the log
  };
  std::vector<Parked> parked_;
  std::vector<std::pair<int, std::string>> existing_made_;  // opt.existing pids made so far, in order
  // Reaps done ahead of where strace printed them, by pid column. See on_wait().
  struct ReapedAhead {
    std::string task;  // the child reaped
    int64_t nr;        // its pid as the waiter sees it (0: not known)
    int line;          // the ECHILD it explains
  };
  std::map<int, ReapedAhead> reaped_ahead_;
  // Thread clones that ended "= ?", by the caller's pid column -> line: one
  // whose new thread's execve then supersedes the caller made that thread.
  std::map<int, int> thread_clone_unknown_;
  std::map<std::pair<uint32_t, int64_t>, std::string> nspids_;  // (pid ns serial, nr) -> task
  std::map<uint32_t, uint32_t> procns_;                         // mnt ns serial -> pid ns serial of its /proc
  std::map<uint32_t, uint64_t> m2k_;                            // model ns serial -> kernel inode
  std::map<std::pair<NsType, uint64_t>, uint32_t> k2m_;
  std::vector<NotModelled> nm_;
  std::map<std::string, size_t> nm_index_;
  int contradictions_ = 0;
  int steps_ = 0;
  int fail_seq_ = 0;
  bool started_ = false;
  bool init_execed_ = false;  // the first process has run its program
};

}  // namespace nssim::strace

namespace nssim::strace {

// The scenario (.nss) for what a session produced: `task INIT`, one statement
// per translated call with its kernel result asserted (`= RESULT`) and its
// strace line, untranslated lines as comments, contradictions as comments,
// and the not-modelled summary. `brief` keeps only the comments of calls that
// can affect namespaces.
struct RenderOptions {
  std::string title;  // first comment line ("Imported from run.log by nssim import")
  bool brief = false;
};
std::string render_scenario(const Session& s, const std::vector<Output>& outs, const RenderOptions& opt);

// The not-modelled summary, one line per kind ("  execve ×3 (first at line 1): ...").
std::vector<std::string> not_modelled_lines(const Session& s);

}  // namespace nssim::strace
