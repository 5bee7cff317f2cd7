// Kernel introspection with BPF: what no /proc file shows — which tasks share
// one struct nsproxy, its `count`, and every namespace's real refcount.
//
// Two BPF iterators (real/bpf/nsintrospect.bpf.c, libbpf CO-RE) walk every
// task (iter/task) and every open file (iter/task_file) in one pass each and
// report, per task, its nsproxy and the ten namespaces it reaches; per open
// file, the namespace it pins (nsfs files, pidfds, sockets, f_cred); and for
// every namespace reached (and its owner and parent chains) its inode number,
// type and refcount (ns_common.__ns_ref in v6.18, ns_common.count before: the
// field is chosen by CO-RE field existence, not by version).
//
// Identity: namespaces are named by inode number (unique among live ones).
// An nsproxy is named by `nsproxy_id`: a SipHash of its kernel address under a
// random key drawn once per process. Two tasks have the same id iff they point
// at the same nsproxy; the id of an nsproxy is stable across calls for the
// life of this process while the nsproxy lives; a freed nsproxy's memory may be
// reused, so a later nsproxy can get the same id (as inode numbers are reused).
// Kernel addresses never leave kernel_introspect.cc and are never printed.
//
// Absolute refcounts include references the model does not have (sockets and
// devices, kernel threads, mounts' s_user_ns, ...): compare changes across a
// step, not values. docs/introspection.md lists them per type.
//
// Needs root (CAP_BPF + CAP_PERFMON), kernel BTF and an nssim built with BPF.
// Thread-safe: passes are serialized. The programs are loaded once, on first use.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/uapi.h"

namespace nssim::real {

// "" when BPF introspection works here; otherwise why not, as one sentence
// (nssim built without BPF and why, no kernel BTF, no CAP_BPF, the kernel
// refused the program...). The first call loads the programs (tens of ms).
std::string bpf_unavailable_reason();

// Runs the calling thread once on every CPU it may use, so that a CPU that
// went idle after an exiting task ran there lets go of that task's mm: the
// idle task keeps the last mm as its lazy-TLB mm (kernel/sched/core.c:
// context_switch() @ v6.18) until it switches to another user task, and the
// mm's references (mm->user_ns, mm->exe_file with its f_cred) go only then.
void flush_lazy_tlb_mms();

// The eight struct nsproxy slots, in the kernel's field order.
enum class KSlot : uint8_t { Uts, Ipc, Mnt, PidForChildren, Net, Time, TimeForChildren, Cgroup };
inline constexpr int kKSlots = 8;
std::string_view kslot_name(KSlot s);  // the /proc/PID/ns link name: "pid_for_children"
NsType kslot_type(KSlot s);

inline constexpr uint32_t kRefsUnknown = 0xffffffffu;  // the kernel's refcount field was not found

// One reference to a namespace: its inode number (0: the pointer is NULL) and
// its refcount at the time of the pass (kRefsUnknown when unreadable).
struct KNsRef {
  uint32_t inum = 0;
  uint32_t refs = 0;
  explicit operator bool() const { return inum != 0; }
  friend bool operator==(const KNsRef&, const KNsRef&) = default;
};

// One task (thread) as the kernel has it.
struct KTaskNs {
  // Thread id and thread group id as the caller's pid namespace numbers them
  // (what getpid()/gettid() and its /proc show; the iterator only visits
  // tasks of the caller's pid namespace and its descendants).
  int pid = 0;
  int tgid = 0;
  std::string comm;
  bool kthread = false;  // PF_KTHREAD
  int exit_state = 0;    // 0 running, 16 zombie, 32 dead (being reaped)
  // 0 when the task has no nsproxy (it has passed exit_task_namespaces()).
  uint64_t nsproxy_id = 0;
  uint32_t nsproxy_count = 0;        // nsproxy->count
  std::array<KNsRef, kKSlots> ns{};  // nsproxy slots (all empty without an nsproxy)
  KNsRef user;                       // real_cred->user_ns (what /proc/PID/ns/user shows)
  KNsRef pid_active;                 // task_active_pid_ns(): thread_pid's deepest level
  // real_cred->ucounts (v5.14+): one struct ucounts per (user namespace, euid)
  // in use, shared by every cred with that pair; each holds one reference on
  // its user namespace (kernel/ucount.c: alloc_ucounts()) that the model does
  // not have. ucounts_id is a keyed hash like nsproxy_id, 0: none.
  uint64_t ucounts_id = 0;
  uint32_t ucounts_user_inum = 0;  // ucounts->ns
  uint32_t ucounts_uid = 0;        // ucounts->uid: the cred's euid as a kernel uid
  // What /proc/PID/task/TID/status shows (fs/proc/array.c: proc_pid_status()),
  // read in the same pass, so a snapshot needs no per-task /proc read.
  int ppid = 0;                            // the parent's tgid, 0: outside the reader's pid namespace
  char state = '?';                        // "RSDTtXZPI" (task_state_index())
  std::array<uint32_t, 4> uids{}, gids{};  // real, effective, saved, fs (kuids = the initial namespace's ids)
  uint64_t cap_inh = 0, cap_prm = 0, cap_eff = 0, cap_bnd = 0, cap_amb = 0;
  std::vector<uint32_t> nspid;  // NSpid: from the reader's pid namespace level down to the task's own
  // pid_for_children has no child reaper yet: /proc/PID/ns/pid_for_children
  // cannot be opened (fs/proc/namespaces.c via pidns_for_children_get()), though the slot is set.
  bool pid_for_children_hidden = false;
  const KNsRef& slot(KSlot s) const { return ns[static_cast<int>(s)]; }
  // What /proc/PID/ns/LINK resolves to (pid: the active one; user: the cred's).
  KNsRef link(Link l) const;
};

// One namespace reached by a pass.
struct KNs {
  uint32_t inum = 0;
  NsType type = NsType::Net;
  uint32_t refs = 0;         // kRefsUnknown when unreadable
  uint64_t ns_id = 0;        // ns_common.ns_id (unique for the boot, never reused; v6.18+), 0: none
  uint32_t level = 0;        // pid and user namespaces: nesting level (0: initial)
  uint32_t owner_inum = 0;   // owning user namespace (for user namespaces: the parent); 0: none
  uint32_t parent_inum = 0;  // pid and user namespaces: the parent; 0: none
  // Users of its nsfs inode — open files plus mounts (the nsfs dentry's
  // d_lockref.count) — when the pass reached it through an nsfs file; 0: not known.
  // While it is > 0 the inode holds exactly one of `refs`.
  uint32_t nsfs_users = 0;
};

// One open file that pins a namespace.
struct KFileRef {
  enum class Kind : uint8_t {
    Nsfs,      // an nsfs file (opened /proc/PID/ns/X, an nsfs bind mount, NS_GET_* result)
    Pidfd,     // a pidfd: holds a struct pid, which holds its deepest pid namespace
    Socket,    // a socket: holds its network namespace
    FileCred,  // any file: f_cred holds its user namespace (reported for non-initial ones only)
  };
  Kind kind = Kind::Nsfs;
  int pid = 0;  // the task whose fd table holds it (thread ids as in KTaskNs)
  int tgid = 0;
  int fd = -1;
  uint32_t inum = 0;  // the namespace it pins
  NsType type = NsType::Net;
  uint32_t nsfs_users = 0;  // Nsfs: open files + mounts of that namespace's nsfs inode
};
std::string_view kfile_kind_name(KFileRef::Kind k);  // "nsfs", "pidfd", "socket", "f_cred"

struct KSnapshot {
  std::vector<KTaskNs> tasks;          // every task, kernel threads included, in iteration (pid) order
  std::vector<KNs> namespaces;         // every namespace reached, sorted by inum
  std::vector<KFileRef> files;         // only when asked for (bpf_snapshot(with_files))
  uint64_t dropped = 0;                // namespaces the BPF work list had no room for (0 in practice)
  const KNs* ns(uint32_t inum) const;  // null when not reached
  const KTaskNs* task(int pid) const;  // by thread id; null when absent
  // How many distinct struct ucounts of user namespace `inum` the tasks' creds
  // use: references on it outside the model. (Open files' f_cred and creds
  // waiting for their RCU grace period can hold more that no task shows.)
  uint32_t task_ucounts(uint32_t user_inum) const;
};

// One iter/task pass: every task with its nsproxy and namespaces. Empty with
// `err` set when BPF is unavailable or the pass failed.
std::vector<KTaskNs> bpf_task_snapshot(std::string& err);

// An iter/task pass, plus (with_files) an iter/task_file pass over every open
// file (only_tgid > 0: only that process's files). nullopt with `err` set on failure.
std::optional<KSnapshot> bpf_snapshot(std::string& err, bool with_files = true, int only_tgid = 0);

// The namespace an nsfs fd of this process refers to, with its refcount. This
// is how to read a namespace no task or other file reaches (one pinned only by
// a bind mount: open the mount). The refcount includes the nsfs inode's one
// reference; if `nsfs_users` is 1, this fd is the inode's only user and opening
// it added that reference (refs - 1 is the count without the probe).
// nullopt with `err` set when fd is not an nsfs file or BPF is unavailable.
std::optional<KNs> bpf_ns_of_fd(int fd, std::string& err);

}  // namespace nssim::real
