// Restore: a model kernel whose objects mirror a snapshot of a live system
// (`nssim snapshot`), so that a scenario can start from that state ("what if
// this container's init exits?").
//
// sim/ never includes real/: RestoreInput is the model-side description of a
// snapshot; real/restore_input.h converts a real::Snapshot into it.
//
// What becomes what (docs/introspection.md, "Restore"):
//  * the snapshot's pid 1 is the model's boot task (model id 0) and its ten
//    namespaces are the model's initial ones (they keep the snapshot's inums);
//  * every other snapshot namespace is one model namespace with its type,
//    inum, owner, parent (pid, user) and level; user namespaces get their
//    uid_map/gid_map/setgroups and owner uid when the snapshot has them;
//  * every task (kernel threads excepted) is a model task with its pid numbers
//    (NSpid), parent, thread group, creds and an nsproxy shared as the
//    snapshot's BPF nsproxy ids say (without them: the threads of one process
//    with identical links share one; processes never do);
//  * nsfs fds are files in their process's table (named fdN), bind mounts are
//    mounts in their mount namespace;
//  * the inode allocator is advanced past the largest restored inum.
// Refcounts are never copied: each reference is taken by the model object that
// holds it, so the ledger and the leak checker work as on a booted kernel. A
// namespace none of whose holders the model represents (kept by a socket, a
// pidfd, an open file's f_cred, or nothing visible) gets an external pin
// (Kernel::external_pins()), listed in the ledger as "external: ...".
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/kernel.h"
#include "sim/uapi.h"

namespace nssim {

// Bounds of what a snapshot may say (a saved file is checked against them):
// PID_MAX_LIMIT on 64-bit, and the kernel's default fs.nr_open (fds at or above
// it cannot exist; the model's fd table is dense, so larger ones are refused).
inline constexpr int kRestorePidMax = 4194304;
inline constexpr int kRestoreNrOpen = 1 << 20;

struct RestoreNs {
  uint32_t inum = 0;
  NsType type = NsType::Net;
  uint32_t owner = 0;   // owning user namespace's inum (0: unknown -> the root user namespace)
  uint32_t parent = 0;  // pid/user: parent's inum (0: none or unknown -> the root one)
  uint64_t ns_id = 0;   // kernel ns_id (mnt: the bind-mount loop check's order), 0: unknown
  // user namespaces: "first lower count" lines as /proc/PID/uid_map reads from the initial user namespace.
  std::optional<std::string> uid_map, gid_map;
  std::optional<bool> setgroups_allowed;
  std::optional<uint32_t> owner_uid;  // kuid of the creator
  std::string external;  // holders the model does not represent ("socket fd 3 of pid 77"), for the pin's label
};

struct RestoreTask {
  int pid = 0, tid = 0, ppid = 0;
  char state = 'S';
  bool kthread = false;
  std::array<uint32_t, kLinks> ns{};  // kAllLinks order, 0: unreadable
  uint64_t nsproxy = 0;               // BPF nsproxy id, 0: unknown
  std::vector<uint32_t> nspid;        // root level first; empty: unknown
  bool creds = false;
  std::array<uint32_t, 4> uids{}, gids{};
  uint64_t cap_inh = 0, cap_prm = 0, cap_eff = 0, cap_bnd = 0, cap_amb = 0;
};

// An nsproxy the snapshot read with BPF: slots in the kernel's order (uts ipc
// mnt pid_for_children net time time_for_children cgroup), 0: unknown.
struct RestoreNsProxy {
  uint64_t id = 0;
  std::array<uint32_t, 8> slots{};
};

struct RestoreFd {
  int pid = 0, fd = -1;
  uint32_t inum = 0;
};

struct RestoreMount {
  uint32_t mnt_ns = 0;
  std::string mountpoint;
  uint32_t inum = 0;
};

struct RestoreInput {
  std::vector<RestoreNs> namespaces;
  std::vector<RestoreTask> tasks;
  std::vector<RestoreNsProxy> nsproxies;  // empty: taken without BPF
  std::vector<RestoreFd> fds;
  std::vector<RestoreMount> mounts;
  uint32_t root_pid_level = 0;  // kernel level of pid 1's pid namespace (BPF; 0 when unknown)
};

struct Restored {
  std::unique_ptr<Kernel> kernel;
  // Scenario names of restored tasks and their model ids, by pid: "p4242"
  // (process, its leader thread), "t4243" (another thread of it).
  std::vector<std::pair<std::string, uint32_t>> names;
  std::vector<std::string> notes;  // what was left out or assumed (kernel threads, zombies, ...)
};

// Builds the model. `cfg` gives the profile and the boot task's settings;
// root_pid_level comes from `in`. Errors (a readable sentence): no pid 1, a
// reference to a namespace the snapshot does not list, a type mismatch, an
// inum outside the nsfs range, a cycle of parents.
std::expected<Restored, std::string> restore_kernel(const RestoreInput& in, Kernel::Config cfg);

// The scenario name of a restored process / thread.
std::string restored_task_name(int pid, int tid);

}  // namespace nssim
