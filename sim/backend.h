// The one backend-shaped interface both the simulator and the live kernel
// implement, so the same scenario and the same conformance tests run on both.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/objects.h"
#include "sim/scenario.h"

namespace nssim {

// The outcome of one call.
struct CallOutcome {
  bool ok = false;
  int err = 0;              // errno when !ok
  std::string result;       // "0", an errno name, or the name bound by '-> NAME'
  // Non-empty when the call could not be run at all (unknown task, a task
  // that has exited, an unknown fd name...): a scenario error, not an errno.
  std::string usage_error;
  std::string note;         // backend remark (e.g. "timed out after 5 s")
};

// What /proc shows about one named task.
struct TaskObs {
  std::string name;
  TaskState state = TaskState::Running;
  std::vector<uint32_t> nspid;  // pid per level, scenario root pid namespace first
  // For each link (kAllLinks order): an identity token of the namespace it
  // resolves to (same token <=> same namespace), or nullopt when it cannot be
  // opened; and the inode number to show.
  std::array<std::optional<uint64_t>, kLinks> ns{};
  std::array<uint32_t, kLinks> inum{};
  // Credentials as /proc/PID/status shows them to the initial user namespace
  // (kernel ids): real, effective, saved, fs.
  std::array<uint32_t, 4> uids{}, gids{};
  // Capability sets as /proc/PID/status shows them (CapInh, CapPrm, CapEff,
  // CapBnd, CapAmb): the cred's raw bits, whatever its user namespace.
  std::array<uint64_t, 5> caps{};
  // The task's user namespace's maps, lower ids as kernel ids, one
  // "first lower count" triple per line ("" while unwritten).
  std::string uid_map, gid_map;
  std::optional<std::string> hostname;  // nodename of its uts namespace (running tasks)
  // Its cgroup as it reads it itself in /proc/thread-self/cgroup's "0::"
  // line (relative to its cgroup namespace's root; running tasks; the live
  // backend reads it only in runs that use cgroup statements).
  std::optional<std::string> cgroup;
  bool in_vfork = false;  // asleep in vfork() until its CLONE_VFORK child execs or exits
  // Open fds 3..999 (the scenario's): fd number -> what it is: an nsfs file
  // ("ns", with the namespace's token and inode), a pidfd, a socket, or a
  // plain file.
  struct Fd {
    int fd;
    enum Kind : uint8_t { Ns, Pidfd, Plain, Socket } kind;
    uint64_t token = 0;
    uint32_t inum = 0;
    NsType type = NsType::Net;
    friend bool operator==(const Fd&, const Fd&) = default;
  };
  std::vector<Fd> fds;
  friend bool operator==(const TaskObs&, const TaskObs&) = default;
};

// Whether one namespace the backend knows is still allocated.
struct NsLiveness {
  uint64_t token;  // the identity token used in TaskObs::ns
  uint32_t inum;
  NsType type;
  bool alive;
};

struct Observation {
  std::vector<TaskObs> tasks;  // every task the scenario has named, in creation order
  // Every namespace the backend has seen, alive or not (empty when the
  // backend cannot tell: a kernel without nsfs file handles).
  std::vector<NsLiveness> liveness;
  bool has_liveness = false;
  const TaskObs* find(std::string_view name) const {
    for (auto& t : tasks)
      if (t.name == name) return &t;
    return nullptr;
  }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;  // "sim" or "real"
  // Runs one call statement. Task and fd names are the scenario's.
  virtual CallOutcome call(const CallStmt& c) = 0;
  // What /proc shows now.
  virtual Observation observe() = 0;
  // Before the observe() that follows a call: what that observe() must read
  // afresh. A backend that keeps earlier observations of tasks a call cannot
  // have changed (RealBackend, docs/design.md "What --real reads per step")
  // also reads `tasks` (by name: those whose observation the model's step
  // changed), or every task when `full`. Until the next call() the scope
  // stays, so repeated observe()s of one step read the same tasks.
  virtual void scope_observation(bool full, const std::vector<std::string>& tasks) {
    (void)full;
    (void)tasks;
  }
  // Kernel level of the scenario's root pid namespace (the model's
  // Kernel::Config::root_pid_level must match it for nesting limits).
  virtual uint32_t root_pid_level() const { return 0; }
  // The user namespace the scenario's initial task is root in, when it is not
  // the initial one (Kernel::Config::env_user must match it).
  virtual std::optional<EnvUserNs> env_user() const { return std::nullopt; }
  // The scenario's initial mount namespace is a copy owned by a less
  // privileged user namespace than the one it was copied from, so its root
  // mount is MNT_LOCKED (lock_mnt_tree()) (Kernel::Config::root_mount_locked).
  virtual bool root_mount_locked() const { return false; }
  // The initial task's capability sets when not root's full ones (Kernel::Config::init_caps).
  virtual std::optional<CapSets> init_caps() const { return std::nullopt; }
  // The file exec() runs, and /proc/sys/fs/suid_dumpable (Kernel::Config::exe, ::suid_dumpable).
  virtual std::optional<ExecFile> exec_file() const { return std::nullopt; }
  virtual std::optional<int> suid_dumpable() const { return std::nullopt; }
  // uname -r of the kernel the backend runs on ("6.18.44-..."); the model
  // follows that version's rules (Runner::adopt_environment()).
  virtual std::optional<std::string> kernel_release() const { return std::nullopt; }
  // /proc/sys/kernel/pid_max as nssim reads it (the global one before v6.14).
  virtual std::optional<uint32_t> global_pid_max() const { return std::nullopt; }
  // The cgroup2 mount's nsdelegate option (Kernel::Config::cgroup_nsdelegate).
  virtual std::optional<bool> cgroup_nsdelegate() const { return std::nullopt; }
};

}  // namespace nssim
