// RealBackend: runs a scenario on the live kernel. Every scenario task is a
// real process created by its parent task's real clone/clone3 (see
// protocol.h). The whole run lives in a sandbox: the initial task is pid 1 of
// a new pid namespace, in a private mount namespace and a fresh UTS
// namespace, so nothing touches the host; killing it (also on Ctrl-C, or when
// nssim is killed: PR_SET_PDEATHSIG and EOF on its channel) makes the kernel
// kill every other task (zap_pid_ns_processes()), and the namespaces go with them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/backend.h"

namespace nssim::real {

class RealBackend : public Backend {
 public:
  struct Options {
    std::string init_name = "init";
    int step_timeout_ms = 5000;
    std::string hostname = "(none)";  // the sandbox UTS namespace starts with the model's nodename
    // Read every task afresh after every step (today's full check), instead
    // of only what the step can have changed (docs/design.md, "What --real
    // reads per step").
    bool paranoid = false;
    // The run uses cgroup statements (mkdir/rmdir/open of /sys/fs/cgroup/...,
    // clone3's CLONE_INTO_CGROUP): the sandbox starts in a cgroup2 directory
    // of its own (nssim-PID-RANDOM, below nssim's cgroup), removed at the end
    // or, if nssim is killed, by a detached cleaner. create() fails with the
    // reason when cgroup2 is not writable here.
    bool cgroup = false;
  };
  // Starts the sandbox. Null with `why` set when the kernel or privileges do
  // not allow it (not root, a namespace type missing, ...).
  static std::unique_ptr<RealBackend> create(const Options& opt, std::string& why);
  ~RealBackend() override;

  std::string_view name() const override { return "real"; }
  CallOutcome call(const CallStmt& c) override;
  // What /proc shows now. After a call, only the tasks that call can have
  // changed are read again (the caller and the tasks listed in mark_changed());
  // the others keep their last observation. Every task is read on the first
  // observe(), with Options::paranoid, after scope_observation(full = true),
  // and after a call whose effect cannot be bounded (a write to a /proc file,
  // an agent that timed out or died).
  Observation observe() override;
  void scope_observation(bool full, const std::vector<std::string>& tasks) override;

  // What the last observe() did: tasks read from /proc (links, status, maps,
  // fds, hostname) and tasks whose earlier observation was kept.
  struct ObserveCost {
    size_t read = 0;
    size_t kept = 0;
    bool full = false;
  };
  ObserveCost last_observe_cost() const { return cost_; }
  // The live task of that name as nssim's pid namespace numbers it (BPF task
  // records, waitpid); 0 when unknown or reaped.
  int ctlpid_of(const std::string& name) const;
  // Its thread id there (== ctlpid_of() for a thread group leader); 0 likewise.
  int ctltid_of(const std::string& name) const;

  // Kernel level of the sandbox pid namespace (the scenario's root).
  uint32_t root_pid_level() const override { return abs_level_; }
  bool root_mount_locked() const override { return root_mount_locked_; }
  // The user namespace the sandbox runs in, when not the initial one
  // (nssim in a container's user namespace, or rootless).
  std::optional<EnvUserNs> env_user() const override { return env_user_; }
  std::optional<CapSets> init_caps() const override { return init_caps_; }
  std::optional<ExecFile> exec_file() const override { return exe_; }
  std::optional<int> suid_dumpable() const override { return suid_dumpable_; }
  std::optional<std::string> kernel_release() const override { return release_; }
  std::optional<uint32_t> global_pid_max() const override {
    return pid_max_ ? std::optional<uint32_t>(pid_max_) : std::nullopt;
  }
  std::optional<bool> cgroup_nsdelegate() const override {
    return cg_dir_.empty() ? std::nullopt : std::optional<bool>(cg_nsdelegate_);
  }
  // The run's own cgroup2 directory (host path), empty when Options::cgroup is off.
  const std::string& cgroup_dir() const { return cg_dir_; }
  std::string describe() const;
  // What this environment keeps nssim from checking, one sentence each
  // (empty as root on the host): printed once, never silently skipped.
  const std::vector<std::string>& notes() const { return notes_; }
  bool rootless() const { return rootless_; }
  // Host pids of live agents (for tests that check nothing is left behind).
  std::vector<int> host_pids() const;
  int sandbox_pid() const;

  struct Agent;
  struct FdNames;
  struct KernelNs;
  // Empty, or why namespace liveness cannot be compared on this kernel.
  const std::string& liveness_note() const { return liveness_note_; }

 private:
  RealBackend() = default;
  bool start(const Options& opt, std::string& why);
  Agent* find(const std::string& name);
  bool request(Agent& a, const struct Msg& m, int passfd, struct Reply& r, std::string& note);
  void refresh(Agent& a);
  void wait_settled(Agent& a, int timeout_ms);

  Options opt_;
  std::vector<std::unique_ptr<Agent>> agents_;  // every task ever made, in creation order
  // What a step looks at, so that its cost follows what is live, not the
  // run's history: the newest task of each name, the tasks not reaped before
  // this step began (creation order), the namespaces not seen freed before it.
  std::unordered_map<std::string, Agent*> by_name_;
  std::vector<Agent*> visible_;
  std::vector<size_t> live_kns_;                      // indexes into kns_
  std::unordered_map<uint64_t, size_t> kns_by_id_;    // ns_id -> index into kns_
  std::unordered_map<uint64_t, size_t> kns_by_inum_;  // (type << 32 | inum) of a live, checkable one -> index
  // The scenario's file handles (name_to_handle_at(FD) -> H): the bytes an
  // agent got, by name; any agent may open them (open_by_handle_at(H)).
  std::unordered_map<std::string, std::vector<unsigned char>> handles_;
  void add_agent(std::unique_ptr<Agent> a);
  void begin_step();
  CallOutcome call_impl(const CallStmt& c);
  bool vfork_answered(Agent& parent, int timeout_ms);
  void vfork_released(Agent& child);
  void mark_changed(const CallStmt& c);
  void mark(Agent* a);
  std::vector<Agent*> marked_;  // read again by this step's observe()s
  bool full_ = false;           // this step's observe()s read every task
  Agent* set_hostname_ = nullptr;  // this step's successful sethostname() caller
  ObserveCost cost_;
  void refresh_liveness();
  uint64_t token_for(int tid, Link l, uint32_t inum);
  uint64_t token_for_path(const std::string& path, NsType type, uint32_t inum);
  void read_fds(Agent& a, TaskObs& t);
  bool pid_ns_at_level_is(const Agent& t, uint32_t want, const Agent& viewer) const;
  std::vector<uint64_t> pidns_chain(int fd, uint32_t level) const;

  bool enter_environment(std::string& why);
  bool make_run_cgroup(std::string& why);
  void remove_run_cgroup();
  std::string cgroup_view(const std::string& raw, uint32_t cgns_inum) const;
  std::string cg_dir_;         // the run's cgroup directory (host path)
  int cg_fd_ = -1;             // O_PATH fd of it (CLONE_INTO_CGROUP of the sandbox)
  int cg_lock_ = -1;           // O_RDONLY fd of it holding flock(LOCK_EX) while the run lives (others' sweeps skip it)
  int cg_cleaner_ = -1;        // write end of the cleaner's pipe: 'q' when the run removed its cgroups itself
  bool cg_nsdelegate_ = false;
  std::string cg_prefix_;      // the run's cgroup as the sandbox's initial cgroup namespace names it ("" at its root)
  uint32_t cg_init_inum_ = 0;  // that namespace's inode
  void read_caps();
  void find_levels(const std::vector<int>& pins);
  void calibrate_liveness();
  static bool handle_reopens(int fd, int& err);

  std::vector<int> pins_;  // nsfs fds keeping the sandbox's own namespaces alive (as the model's boot refs)
  uint32_t root_level_ = 0;  // the sandbox's pid namespace level as /proc numbers levels (NSpid indexes)
  uint32_t abs_level_ = 0;   // its kernel level (a lower bound unless level_exact_)
  bool root_mount_locked_ = false;  // the sandbox's mount namespace is owned by a user namespace below its source's
  bool level_exact_ = true;
  size_t ctl_index_ = 0;  // index of nssim's own pid namespace in NSpid lists /proc shows
  bool rootless_ = false;
  std::optional<EnvUserNs> env_user_;
  ExecFile exe_;           // what an agent's exec runs: nssim's own binary (owner, group, mode as kids)
  int suid_dumpable_ = 0;  // /proc/sys/fs/suid_dumpable
  std::string release_;    // uname -r
  uint32_t pid_max_ = 0;   // /proc/sys/kernel/pid_max as nssim (outside the sandbox) reads it
  bool flush_mms_ = false;  // this step exited, exec'd or reaped: a re-read calls flush_lazy_tlb_mms()
  int observes_in_step_ = 0;
  std::optional<CapSets> init_caps_;  // nssim's capability sets, when not root's full ones
  bool handles_see_all_ = true;  // file handles reopen namespaces nssim is not in
  std::vector<std::string> notes_;
  std::vector<KernelNs> kns_;  // every namespace seen, with a file handle
  bool handles_ok_ = true;
  std::string liveness_note_;
};

// Whether the live-kernel backend can run here; empty string when it can,
// otherwise the reason (used by tests to skip with a stated reason).
std::string unavailable_reason();

}  // namespace nssim::real
