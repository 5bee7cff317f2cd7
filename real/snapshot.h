// `nssim snapshot`: every namespace on the live system, what is in it, and —
// for the ones no process is in — what keeps it alive.
//
// Discovery (read-only: /proc, nsfs ioctls, the BPF iterators; no mount, no
// write, nothing left behind):
//  * with BPF (real/kernel_introspect.h), first, in one pass: every thread's
//    links, nsproxy and count, what its /proc status shows (ppid, state, ids,
//    caps, NSpid), every namespace's refcount, owner, parent and level, and the
//    files that pin namespaces (nsfs fds, pidfds, sockets, f_cred); no
//    per-task /proc read (the command line only of each namespace's first
//    process, as lsns);
//  * without BPF: every thread's ten /proc/PID/task/TID/ns links and status,
//    every process's open nsfs fds (/proc/PID/fd);
//  * nsfs bind mounts in every mount namespace: /proc/PID/mountinfo of a
//    process in it (still in it after the read), or, for a mount namespace no
//    process is in (kept by an fd or a bind mount), a short-lived helper child
//    that setns()es into it, reads its mountinfo and exits;
//  * owners and parents (NS_GET_USERNS, NS_GET_PARENT) of what BPF did not
//    reach, transitively; NS_GET_OWNER_UID.
// The snapshot's own transient fds are never reported as holders; refcounts are
// read before the snapshot opens any namespace file.
//
// Consistency: the system keeps running meanwhile, and a freed namespace's
// inode number is reused at once by any type. The first sighting of a number
// fixes its type; a later link, fd, mount, owner, parent or file naming it
// with another type is a half-seen object and is left out (so are an nsproxy
// seen with two sets of slots, and mounts of a task that left its mount
// namespace during the read). If anything was left out the snapshot is taken
// once more; the second is kept either way, its `notes` naming what was left
// out. Every snapshot is accepted by snapshot_from_json() and restore.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sim/uapi.h"

namespace nssim {
struct RestoreInput;
}

namespace nssim::real {

// One thing, other than a task in it, that keeps a namespace alive.
struct SnapHolder {
  enum class Kind : uint8_t {
    ForChildren,  // a task's pid_for_children / time_for_children (not the one it is in)
    Fd,           // an open nsfs file: fd `fd` of process `pid`
    BindMount,    // an nsfs bind mount at `path` in mount namespace `ns`
    Owner,        // (user namespaces) owns namespace `ns`
    Parent,       // (pid and user namespaces) parent of namespace `ns`
    Pidfd,        // (pid namespaces, BPF) a pidfd, fd `fd` of `pid`, of a task whose deepest pid namespace it is
    Socket,       // (net, BPF) a socket, fd `fd` of `pid`
    FileCred,     // (user, BPF) the f_cred of fd `fd` of `pid`
    Nsproxy,      // (BPF) a slot of nsproxy `nsproxy`, used by `pid` — listed only for a namespace no
                  // process is in (a task that came or went between the /proc scan and the BPF pass)
  };
  Kind kind = Kind::Fd;
  int pid = 0;
  int fd = -1;
  std::string comm;              // of `pid`
  std::string path;              // BindMount: mountpoint as the mount namespace sees it
  uint32_t ns = 0;               // BindMount: the mount namespace; Owner / Parent: the owned / child namespace
  NsType ns_type = NsType::Net;  // Owner / Parent: type of `ns`
  uint64_t nsproxy = 0;          // Nsproxy: its id
  std::string text() const;      // "fd 5 of pid 1234 (sleep)", "bind mount at /run/netns/a in mnt:[4026532300]"
  friend bool operator==(const SnapHolder&, const SnapHolder&) = default;
};
std::string_view snap_holder_kind_name(SnapHolder::Kind k);  // "fd", "bind-mount", ...

struct SnapNs {
  uint32_t inum = 0;
  NsType type = NsType::Net;
  // As lsns: processes in it (any of whose threads is in it through the
  // type's own link), the lowest such pid, its parent, uid, user and command.
  uint32_t nprocs = 0;
  uint32_t ntasks = 0;  // threads in it
  int pid = 0;          // 0: none
  int ppid = 0;
  uint32_t uid = 0;
  std::string user, command;
  uint32_t parent = 0;              // PNS: parent (pid, user), 0: none or unknown
  uint32_t owner = 0;               // ONS: owning user namespace, 0: none (the initial user namespace) or unknown
  uint32_t level = 0;               // pid, user: nesting level (BPF; 0 without it)
  std::optional<uint32_t> refs;     // the kernel refcount (BPF)
  uint64_t ns_id = 0;               // the kernel's ns_id (BPF, v6.18+), 0: unknown
  std::vector<uint64_t> nsproxies;  // (BPF) nsproxies with it in a slot
  std::vector<std::string> nsfs;    // NSFS: its bind mount paths
  std::vector<SnapHolder> holders;  // every holder that is not a task in it
  // "" when a process is in it; otherwise why it is alive: the holders, or
  // what is known when none is visible.
  std::string why;
  // (user namespaces) /proc/PID/uid_map, gid_map and setgroups of a process in
  // it, as the snapshotting process (initial user namespace) reads them; the
  // owner's uid (NS_GET_OWNER_UID). Absent: no process in it, or an older snapshot.
  std::optional<std::string> uid_map, gid_map;
  std::optional<bool> setgroups_allowed;
  std::optional<uint32_t> owner_uid;
};

struct SnapTask {
  int pid = 0;  // thread group id
  int tid = 0;
  int ppid = 0;
  uint32_t uid = 0;
  std::string comm;
  char state = '?';
  bool kthread = false;
  // Inode of each /proc link (kAllLinks order), 0: cannot be read (exited,
  // pid_for_children before a child, no permission).
  std::array<uint32_t, kLinks> ns{};
  uint64_t nsproxy = 0;  // (BPF) nsproxy id (kernel_introspect.h), 0: none or unknown
  // From /proc/PID/task/TID/status (absent in older snapshots: `creds` false,
  // `nspid` empty). NSpid: one number per pid namespace level, from the
  // snapshotting process's pid namespace down to the task's own.
  std::vector<uint32_t> nspid;
  bool creds = false;
  std::array<uint32_t, 4> uids{}, gids{};  // real, effective, saved, fs
  uint64_t cap_inh = 0, cap_prm = 0, cap_eff = 0, cap_bnd = 0, cap_amb = 0;
};

struct SnapNsProxy {
  uint64_t id = 0;
  uint32_t count = 0;
  std::array<uint32_t, 8> slots{};  // uts ipc mnt pid_for_children net time time_for_children cgroup
  std::vector<int> tids;            // the tasks pointing at it that the snapshot saw
};

struct SnapMount {
  uint32_t mnt_ns = 0;     // the mount namespace it is in
  std::string mountpoint;  // as that namespace's root sees it
  uint32_t inum = 0;       // the namespace mounted there
  NsType type = NsType::Net;
  int via_pid = 0;  // the process whose mountinfo showed it; 0: a helper that entered mnt_ns
};

struct SnapFd {
  int pid = 0;
  int fd = -1;
  uint32_t inum = 0;
  NsType type = NsType::Net;
};

struct Snapshot {
  std::string kernel;    // uname -r
  bool bpf = false;      // nsproxies and refcounts were read
  std::string bpf_note;  // why not, when !bpf
  int self_pid = 0;      // the snapshotting process (its own fds are not holders)
  std::vector<SnapTask> tasks;
  std::vector<SnapNsProxy> nsproxies;
  std::vector<SnapNs> namespaces;  // sorted by inum
  std::vector<SnapMount> mounts;
  std::vector<SnapFd> fds;
  std::vector<std::string> notes;  // what could not be read (permissions, races)
  const SnapNs* find(uint32_t inum) const;
};

struct SnapshotOptions {
  bool use_bpf = true;
};

// Takes a snapshot of the whole system. Never changes the host. Without root
// it sees only the processes it may ptrace (and says so in `notes`).
Snapshot take_snapshot(const SnapshotOptions& opt = {});

// The lsns-like table (NS TYPE NPROCS PID USER [REFS] COMMAND; for namespaces
// without a process, COMMAND says what holds them). `type`: only that type.
std::string snapshot_table(const Snapshot& s, std::optional<NsType> type = std::nullopt);
// Which tasks share which nsproxy (BPF only).
std::string snapshot_nsproxy_table(const Snapshot& s);

// JSON shaped like `lsns -J --output-all` ("namespaces": [{ns, type, path, nprocs,
// pid, ppid, command, uid, user, nsfs, pns, ons}]) plus nssim's fields (refs,
// nsproxies, holders, why) and the whole model: tasks, nsproxies, mounts, fds.
nlohmann::json snapshot_to_json(const Snapshot& s);
// snapshot_to_json(s).dump(indent, ' ', false, error_handler_t::replace), the
// same text, written directly (no JSON tree: several times faster on a machine
// with thousands of namespaces); `type`: only namespaces of that type listed.
std::string snapshot_json_text(const Snapshot& s, int indent, std::optional<NsType> type = std::nullopt);
// Reads what snapshot_to_json() wrote (a saved snapshot). nullopt + err on a malformed document.
std::optional<Snapshot> snapshot_from_json(const nlohmann::json& j, std::string& err);

// What sim/restore.h needs from a snapshot (the model never sees real::Snapshot).
// Holders the model does not represent (pidfds, sockets, f_cred, BPF-only
// nsproxy slots, or none visible) become each namespace's `external` text.
RestoreInput restore_input(const Snapshot& s);

}  // namespace nssim::real
