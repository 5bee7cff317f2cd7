// The modelled kernel objects: struct nsproxy, the eight namespace types on a
// common ns_common base, struct cred, struct pid, struct file, files_struct,
// fs_struct and task_struct. Field names follow the kernel (v6.18) so a reader
// can put this next to include/linux/{nsproxy,ns_common,sched,cred,pid}.h.
//
// Ownership: every pointer that "holds a reference" is commented with the
// reference it holds; the matching put happens in the object's free function.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/pool.h"
#include "sim/refcount.h"
#include "sim/uapi.h"

namespace nssim {

struct Task;
struct UserNamespace;

// include/linux/ns_common.h: type, inum, refcount (ns->__ns_ref in v6.18).
struct NsCommon : RefCounted {
  NsCommon(ObjectRegistry& r, ObjKind k, uint32_t id, NsType t) : RefCounted(r, k, id), type(t) {}
  NsType type;
  bool initial = false;          // one of the boot-time namespaces (fixed inum, never freed)
  uint32_t inum = 0;             // the /proc/PID/ns inode number
  uint32_t serial = 0;           // index in Kernel::ns_records (stable model identity)
  // ns_common.ns_id, what ioctl(NS_GET_ID) returns (Feature::NsGetId): the
  // model's own numbering (Kernel::ns_tree_gen_id()); the live kernel's differ
  // on 6.18 (per-CPU batches), so --real compares them by identity.
  uint64_t ns_id = 0;
  UserNamespace* user_ns = nullptr;  // owner; holds a reference (ns->user_ns / ns->owner)
  // Users of the nsfs inode: open files + bind mounts. While > 0 the inode
  // (its stashed dentry) holds exactly one reference on the namespace.
  uint32_t nsfs_users = 0;
  // The creator's euid (kuid): ns->ucounts is inc_ucount(owner, current_euid())
  // (kernel/utsname.c: inc_uts_namespaces() and its twins @ v6.18), a struct
  // ucounts that holds the owner user namespace (real/kernel_check.cc counts
  // it). Not kept for user namespaces: theirs is on the parent, keyed by owner.
  uint32_t ucounts_euid = 0;
};

struct UtsNamespace : NsCommon {
  using NsCommon::NsCommon;
  std::string nodename;  // name.nodename, what sethostname() sets
};
struct IpcNamespace : NsCommon { using NsCommon::NsCommon; };
struct NetNamespace : NsCommon { using NsCommon::NsCommon; };
// struct cgroup of the default (v2) hierarchy, as far as nssim models it:
// the run's root cgroup (the live backend's per-run directory) and the
// directories a scenario makes under it (kernel/cgroup/cgroup.c @ v6.18). No
// controllers are enabled, so neither the no-internal-process rule nor
// threaded mode applies (cgroup_migrate_vet_dst() passes). Owned by the
// Kernel, never freed before it: a removed one stays, dead, for the fds that
// still name it.
struct Cgroup {
  std::string name;               // kn->name; "" for the root
  Cgroup* parent = nullptr;
  std::vector<Cgroup*> children;  // online children, in creation order
  uint32_t nr_tasks = 0;          // live tasks in it (cgroup_is_populated(); cgroup_exit() takes exited ones out)
  uint32_t uid = 0, gid = 0;      // kernel ids owning the directory and cgroup.procs (the creator's fsuid/fsgid)
  bool dead = false;              // rmdir()ed: offline (CSS_ONLINE cleared)
  bool is_descendant_of(const Cgroup* a) const {  // cgroup_is_descendant(): itself included
    for (const Cgroup* c = this; c; c = c->parent)
      if (c == a) return true;
    return false;
  }
};
// root_cgrp: root_cset->dfl_cgrp, the cgroup its paths are relative to (null:
// the run's root cgroup).
struct CgroupNamespace : NsCommon {
  using NsCommon::NsCommon;
  Cgroup* root_cgrp = nullptr;
};
struct TimeNamespace : NsCommon {
  using NsCommon::NsCommon;
  bool frozen_offsets = false;  // set once a task has entered it (timens_commit)
  // offsets.monotonic, offsets.boottime (struct timens_offsets): written
  // through /proc/PID/timens_offsets before the first task enters.
  struct Offset {
    int64_t sec = 0;
    int64_t nsec = 0;
  };
  Offset monotonic, boottime;
};

struct Mount;
struct MntNamespace : NsCommon {
  using NsCommon::NsCommon;
  // ns.ns_id (v6.18; mnt_ns->seq before): the bind-mount loop check compares
  // it. The model counts up (creation order); the kernel draws ids from
  // per-CPU batches (include/linux/cookie.h: gen_cookie_next()), so two
  // namespaces made on different CPUs can compare either way. With --real the
  // Runner adopts the kernel's ids (Kernel::adopt_ns_id()).
  uint64_t seq = 0;
  std::vector<Mount*> mounts;  // nsfs bind mounts in this namespace, in mount order (each owns itself)
  // Propagation of the namespace's mount tree (fs/pnode.h @ v6.12), kept for
  // the whole tree: nssim changes it only with MS_REC, so the root and every
  // mount under it have the same shape. group: mnt_group_id of its peer group
  // (0: not shared); master: the peer group it receives from (0: not a slave).
  uint32_t group = 0, master = 0;
  // Directory bind mounts, mount(P, P, MS_BIND): P (a path of the tree the
  // namespace started with, like Mount::mountpoint) becomes a mount point.
  // locked: copied into a less privileged mount namespace (lock_mnt_tree()).
  struct DirBind {
    std::string path;
    bool locked = false;
  };
  std::vector<DirBind> dir_binds;
  // pivot_root() (fs/namespace.c: SYSCALL_DEFINE2(pivot_root) @ v6.12): the
  // directory (a path of the tree the namespace started with) that is now its
  // root ("" = the tree's own root); the old root is mounted at old_root_at
  // (same kind of path, "" once detached) and is the directory old_root_dir.
  std::string root_dir, old_root_at, old_root_dir;
  // MNT_LOCKED on the root mount, on the old root at old_root_at, and on the
  // sandbox's tmpfs roots (/run, /srv, /mnt, /media: made in the initial
  // namespace, so locked only in a less privileged copy).
  bool root_locked = false, old_root_locked = false, tmpfs_locked = false;
};

struct PidNamespace : NsCommon {
  using NsCommon::NsCommon;
  PidNamespace* parent = nullptr;  // holds a reference (get_pid_ns(parent))
  uint32_t level = 0;
  Task* child_reaper = nullptr;    // no reference
  // pid_allocated: pids in use; kPidnsAdding is cleared by disable_pid_allocation().
  uint32_t pid_allocated = 0;
  bool adding = true;
  uint32_t pid_max = 4194304;
  uint32_t cursor = 0;             // idr cursor: last allocated nr (idr_alloc_cyclic)
  std::vector<uint64_t> used;      // bitmap of nrs in use (grown on demand)
};

struct UidGidExtent {
  uint32_t first, lower_first, count;
};
// Parses id map text as map_write() accepts it (kernel/user_namespace.c @ v6.18):
// lines of three unsigned numbers (first, lower_first, count), no overlapping
// ranges, 1..340 lines. Appends to `out`; false on anything else. Also reads
// /proc/PID/uid_map output (sim/restore.cc), which the kernel wrote from a map it had accepted.
bool parse_id_map(std::string_view data, std::vector<UidGidExtent>& out);
// The user namespace a live run's initial task is root in when it is not
// the initial one: nssim inside a container's user namespace, or rootless
// (nssim made it). The model boots it as a child of its init_user_ns, which
// then stands for that namespace's parent as seen from inside; it owns every
// other initial namespace (the sandbox creates them there) and the initial
// task's cred is root in it. Observations read ids as a reader inside it does.
struct EnvUserNs {
  std::vector<UidGidExtent> uid_map, gid_map;  // lower ids in the parent's terms (as read from inside)
  uint32_t owner = 0, group = 0;               // the creator's euid/egid, parent's terms
  uint32_t level = 1;                          // nesting level (a lower bound where ancestors are hidden)
  bool setgroups_allowed = true;               // /proc/self/setgroups: "allow"
  // nssim was exec'd inside it (a container), so every task's mm->user_ns is
  // it; false when nssim made it after exec (rootless): the parent's.
  bool exec_inside = true;
};
// The file a scenario's exec() runs (the live backend's agent binary): who
// owns it and its mode decide exec permission, and whether the new mm is
// dumpable and whose user namespace it belongs to (fs/exec.c: would_dump()).
struct ExecFile {
  uint32_t uid = 0, gid = 0;  // kuids/kgids
  uint32_t mode = 0755;
  bool dynamic = true;        // ld.so maps shared libraries into it (Mm::files[kLibs])
};
struct UserNamespace : NsCommon {
  using NsCommon::NsCommon;
  UserNamespace* parent = nullptr;  // holds a reference (the creator cred's, handed over)
  uint32_t level = 0;
  uint32_t owner = 0, group = 0;    // kuid/kgid of the creator's euid/egid
  // Extents map ids of this namespace (first) to kernel ids (lower_first is a
  // kuid/kgid, as map_write() stores it). Empty until written; written once.
  std::vector<UidGidExtent> uid_map, gid_map;
  bool setgroups_allowed = true;    // USERNS_SETGROUPS_ALLOWED (inherited from the parent)
  bool parent_could_setfcap = false;  // creator had CAP_SETFCAP (verify_root_map())
};

// The eight slots of an nsproxy, as bits (NsProxy::unheld; the setns
// shortcut in sim/nsproxy.cc: prepare_nsset()).
enum NsProxySlot : uint8_t {
  kSlotMnt = 1, kSlotUts = 2, kSlotIpc = 4, kSlotPidForChildren = 8,
  kSlotTime = 16, kSlotTimeForChildren = 32, kSlotCgroup = 64, kSlotNet = 128,
};
inline constexpr uint8_t kAllSlots = 0xff;

// include/linux/nsproxy.h: count = tasks pointing at it; each slot holds one
// reference on its namespace (time_ns and time_ns_for_children one each).
// Made and freed on every setns: not listed in the registry, which finds
// live nsproxies in their pool (RefCounted::FoundInPool).
struct NsProxy : RefCounted, Pooled<NsProxy> {
  NsProxy(ObjectRegistry& r, uint32_t id) : RefCounted(r, ObjKind::NsProxy, id, FoundInPool{}) {}
  // Slots holding no reference (bits of NsProxySlot): 0 but for a moment in
  // sys_setns() with tracing off, whose new nsproxy borrows the old one's
  // references; free_nsproxy() skips them.
  uint8_t unheld = 0;
  UtsNamespace* uts_ns = nullptr;
  IpcNamespace* ipc_ns = nullptr;
  MntNamespace* mnt_ns = nullptr;
  PidNamespace* pid_ns_for_children = nullptr;
  NetNamespace* net_ns = nullptr;
  TimeNamespace* time_ns = nullptr;
  TimeNamespace* time_ns_for_children = nullptr;
  CgroupNamespace* cgroup_ns = nullptr;
  uint32_t count() const { return refs(); }
  // sys_setns()'s in-place update (tracing off, count 1): this nsproxy
  // becomes the kernel's new one, with that one's fresh id.
  void renew(uint32_t new_id) { set_id(new_id); }
};

// include/linux/cred.h. Capabilities are bit sets of CAP_* numbers.
using CapSet = uint64_t;
inline constexpr CapSet CAP_FULL_SET = (1ULL << 41) - 1;  // CAP_LAST_CAP == 40 in v6.18
inline constexpr int CAP_LAST_CAP = 40;
inline constexpr int CAP_DAC_OVERRIDE = 1, CAP_DAC_READ_SEARCH = 2, CAP_SETGID = 6, CAP_SETUID = 7, CAP_SETPCAP = 8,
                     CAP_NET_ADMIN = 12,
                     CAP_SYS_CHROOT = 18,
                     CAP_SYS_PTRACE = 19, CAP_SYS_ADMIN = 21, CAP_SYS_TIME = 25, CAP_SETFCAP = 31,
                     CAP_CHECKPOINT_RESTORE = 40;
inline constexpr uint32_t INVALID_ID = 0xffffffffu;  // (uid_t)-1
inline constexpr uint32_t OVERFLOW_ID = 65534;       // overflowuid/overflowgid: an unmapped id
// Creds and struct pids are not in the object registry (they are many, one
// per task): the ledger finds them through tasks and open files, and a cred
// or pid the model forgot to put shows up there as a namespace reference no
// holder accounts for.
// The five capability sets of a cred. Few distinct combinations exist, so
// creds share them through an intern table (a cred stays 56 bytes).
struct CapSets {
  CapSet inheritable = 0, permitted = 0, effective = 0, bset = 0, ambient = 0;
  friend bool operator==(const CapSets&, const CapSets&) = default;
};
uint32_t intern_caps(const CapSets& c);
// The intern table; id 0 is "no capabilities", seeded by intern_caps(), which
// every Kernel calls at boot, before any cred exists. Constant-initialized (no
// guard variable): ns_capable() reads it on every check.
inline constinit std::vector<CapSets> g_cap_table;
inline std::vector<CapSets>& cap_table() { return g_cap_table; }
inline const CapSets& interned_caps(uint32_t id) { return cap_table()[id]; }

// include/uapi/linux/securebits.h: SECURE_KEEP_CAPS (prctl(PR_SET_KEEPCAPS)).
inline constexpr uint8_t SECBIT_KEEP_CAPS = 1 << 4;

struct Cred : RefCount, Pooled<Cred> {
  explicit Cred(uint32_t id) : RefCount(ObjKind::Cred, id) {}
  // cred->securebits (only SECBIT_KEEP_CAPS is modelled). First, so that it
  // fits in RefCount's tail padding and a cred stays 56 bytes.
  uint8_t securebits = 0;
  uint32_t uid = 0, euid = 0, suid = 0, fsuid = 0;  // kuids (init_user_ns values)
  uint32_t gid = 0, egid = 0, sgid = 0, fsgid = 0;
  uint32_t caps_id = 0;              // index of its CapSets (intern_caps())
  UserNamespace* user_ns = nullptr;  // holds a reference
  const CapSets& caps() const { return interned_caps(caps_id); }
  void set_caps(const CapSets& c) { caps_id = intern_caps(c); }
};

// include/linux/pid.h: numbers[0..level]; holds one reference on the pid
// namespace of its deepest level (put_pid() drops it).
struct PidNumber {
  uint32_t nr;
  PidNamespace* ns;
};
// The numbers of one struct pid, one per level: inline for tasks of the root
// pid namespace (the common case), on the heap below it.
class PidNumbers {
 public:
  PidNumbers() = default;
  PidNumbers(const PidNumbers&) = delete;
  PidNumbers& operator=(const PidNumbers&) = delete;
  ~PidNumbers() { delete[] heap_; }
  void resize(uint32_t n) {
    if (n > 1) heap_ = new PidNumber[n];
    size_ = n;
  }
  uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  PidNumber* begin() { return heap_ ? heap_ : &one_; }
  PidNumber* end() { return begin() + size_; }
  const PidNumber* begin() const { return heap_ ? heap_ : &one_; }
  const PidNumber* end() const { return begin() + size_; }
  PidNumber& operator[](uint32_t i) { return begin()[i]; }
  const PidNumber& operator[](uint32_t i) const { return begin()[i]; }
  PidNumber& back() { return begin()[size_ - 1]; }
  const PidNumber& back() const { return begin()[size_ - 1]; }

 private:
  PidNumber one_{0, nullptr};
  PidNumber* heap_ = nullptr;
  uint32_t size_ = 0;
};
struct Pid : RefCount, Pooled<Pid> {
  explicit Pid(uint32_t id) : RefCount(ObjKind::Pid, id) {}
  uint32_t level = 0;
  PidNumbers numbers;
  Task* task = nullptr;  // the task attached as PIDTYPE_PID (null once reaped)
};

struct File;
// struct sock of a user socket. sk_refcnt: its struct socket (until the
// file's last close releases it) + a connected peer's unix_peer() reference
// (net/unix/af_unix.c: unix_socketpair(), unix_release_sock() @ v6.12); the
// last put drops its net namespace (net/core/sock.c: __sk_destruct()). Not
// registered: the ledger finds socks through socket files and their peers.
// The id is its first file's (the ledger's "socket#ID").
struct Sock : RefCount {
  explicit Sock(uint32_t id) : RefCount(ObjKind::Sock, id) {}
  int family = 0;              // AF_*
  bool paired = false;         // made by socketpair(): a connected AF_UNIX SOCK_STREAM socket
  NsCommon* sk_net = nullptr;  // holds a reference (a user socket: sk_net_refcnt)
  File* file = nullptr;        // sock->file: no reference; null once released
  Sock* peer = nullptr;        // unix_peer(sk): holds a reference (sock_hold()); null once released
  // SO_PEERCRED of a socketpair end: the creator's thread-group pid and cred,
  // each holding a reference (net/unix/af_unix.c: init_peercred() @ v6.12;
  // put by __sk_destruct()). Found by --real.
  Pid* sk_peer_pid = nullptr;
  Cred* sk_peer_cred = nullptr;
  bool shutdown = false;       // sk_shutdown == SHUTDOWN_MASK (its peer was released)
  int sk_err = 0;              // ECONNRESET: the peer was released with data still queued
  // sk_receive_queue: one skb per send(), each carrying one in-flight file
  // (holds a file reference: scm_fp_copy()'s get_file(), moved by unix_attach_fds()).
  std::vector<File*> queue;
};

// struct file: f_count = fd slots + mounts + skbs carrying it (SCM_RIGHTS in
// flight) referring to it; f_cred holds a cred.
// Socket: a user socket (struct socket + struct sock), whose sock holds its
// net namespace (net/core/sock.c: sk_alloc() @ v6.18).
enum class FileKind : uint8_t { Nsfs, Pidfd, Regular, Socket };
struct File : RefCounted, Pooled<File> {
  File(ObjectRegistry& r, uint32_t id) : RefCounted(r, ObjKind::File, id) {}
  FileKind fkind = FileKind::Nsfs;
  NsCommon* ns = nullptr;  // nsfs: one use of ns's nsfs inode (not a direct ns reference)
  Pid* pid = nullptr;      // pidfd: holds a reference on the struct pid
  Sock* sock = nullptr;    // socket: holds the struct socket's sk_refcnt reference until released
  Cred* f_cred = nullptr;  // holds a reference
  Mount* mnt = nullptr;    // opened through a bind mount: holds a reference (it makes the mount busy)
  std::string path;        // how it was opened, for display ("/proc/b/ns/net")
  Cgroup* cgrp = nullptr;  // Regular: a cgroup directory (open("/sys/fs/cgroup/...")); not a reference
};

// A bind mount of an nsfs file: holds one use of the namespace's nsfs inode.
// refs: 1 while attached to a mount namespace, +1 per file opened through it.
struct Mount : RefCounted, Pooled<Mount> {
  Mount(ObjectRegistry& r, uint32_t id) : RefCounted(r, ObjKind::Mount, id) {}
  NsCommon* ns = nullptr;
  std::string mountpoint;
  // The mount this one is a copy of, through copy_mnt_ns() or propagation (its
  // own id for an original): tells the copies of a stacked mount's parent apart.
  uint32_t origin = 0;
  bool locked = false;  // MNT_LOCKED: copied into a less privileged mount namespace (lock_mnt_tree())
};

// files_struct: count = tasks sharing it (CLONE_FILES). fd numbers index fdt.
struct FilesStruct : RefCounted, Pooled<FilesStruct> {
  FilesStruct(ObjectRegistry& r, uint32_t id) : RefCounted(r, ObjKind::FilesStruct, id) {}
  std::vector<File*> fdt;  // fd -> file (holds a file reference), null = free slot
  std::vector<std::pair<std::string, int>> names;  // scenario names of fds
  std::vector<uint8_t> close_on_exec;  // fdtable's close_on_exec bitmap, by fd (shorter = 0)
  bool cloexec(size_t fd) const { return fd < close_on_exec.size() && close_on_exec[fd]; }
  void set_cloexec(size_t fd, bool v) {
    if (fd >= close_on_exec.size()) {
      if (!v) return;
      close_on_exec.resize(fd + 1, 0);
    }
    close_on_exec[fd] = v;
  }
  int name_to_fd(std::string_view n) const {
    for (auto& [name, fd] : names)
      if (name == n) return fd;
    return -1;
  }
};

// fs_struct: users = tasks sharing it (CLONE_FS).
struct FsStruct : RefCounted, Pooled<FsStruct> {
  FsStruct(ObjectRegistry& r, uint32_t id) : RefCounted(r, ObjKind::FsStruct, id) {}
  // fs->root: 0 = the root of its users' own mount namespace (the usual case);
  // else 1 + serial of the mount namespace whose root it is. They differ after
  // setns(pidfd, CLONE_NEWNS|...) moved the root of an fs_struct that other
  // threads share (commit_nsset(): set_fs_root()), and in that task's later
  // forks: those tasks are "chrooted" (Kernel::current_chrooted()).
  uint64_t root_mnt = 0;
  // chroot(PATH) (fs/open.c: SYSCALL_DEFINE1(chroot) -> set_fs_root() @ v6.12):
  // the directory, a path in the tree of that mount namespace, the root is
  // moved to ("" = the tree's own root). Absolute paths the users look up
  // resolve under it (root_dir + path); /proc is not mounted there.
  std::string root_dir;
};

// mm_struct, as far as namespaces see it. refs = mm_users: one per task using
// it (the threads of a group, CLONE_VM children); the last one's exit_mm()
// or exec (mmput() -> __mmput()) drops the mapped files and, at __mmdrop(),
// the user_ns reference.
struct Mm : RefCounted, Pooled<Mm> {
  Mm(ObjectRegistry& r, uint32_t id) : RefCounted(r, ObjKind::Mm, id) {}
  // mm->user_ns: holds a reference (mm_init(); dropped by __mmdrop()). Null:
  // the mm nssim itself was exec'd with (Kernel::mm_user_ns_), not counted.
  UserNamespace* user_ns = nullptr;
  // Files the mm maps, each holding a reference, null until an exec (nssim's
  // own are not modelled): [kExe] the program and its ELF interpreter, opened
  // by the kernel with the cred from before the exec (mm->exe_file,
  // do_open_execat(), load_elf_binary()); [kLibs] the shared libraries ld.so
  // opens after it, with the new cred (absent for a static binary). Each
  // f_cred, and with it that cred's user namespace, lives as long as some mm
  // that forked from this one (dup_mmap() copies the mappings; __mmput() ->
  // exit_mmap() drops them). Found by --real.
  static constexpr int kExe = 0, kLibs = 1;
  std::array<File*, 2> files{};
  bool dumpable = true;  // mm->flags' dumpability (MMF_DUMPABLE bits)
  // Feature::TaskExecState (7.2): the tasks whose task->exec_state this mm's
  // dumpability and user_ns stand for (Task::exec_mm). That state outlives
  // the mm's users (an exited task keeps it until it is reaped), so the mm
  // object stays, with users_gone set, until the last of them lets go; then
  // its user_ns reference goes (kernel/exec_state.c: put_task_exec_state()).
  uint32_t exec_refs = 0;
  bool users_gone = false;  // __mmput() has run (files dropped)
};

// Exiting: do_exit() has released files, fs and nsproxy, but the task is a
// pid namespace's init waiting in zap_pid_ns_processes() for the other tasks
// of its namespace to be reaped (by parents outside it).
enum class TaskState : uint8_t { Running, Exiting, Zombie, Reaped };
const char* task_state_name(TaskState s);

// task_struct. Not refcounted in the model: the Kernel owns it from
// copy_process() to release_task() (reaping), as the task list does.
inline constexpr uint32_t kNoTaskId = 0xffffffffu;  // "no task" in id-linked lists

struct Task : Pooled<Task> {
  std::string comm;             // the scenario's name for the task
  Task* real_parent = nullptr;
  Task* group_leader = this;
  // Real children, an intrusive list as in the kernel (O(1) unlink at reap);
  // first_child->prev_sibling is the last child.
  Task* first_child = nullptr;
  Task* next_sibling = nullptr;
  Task* prev_sibling = nullptr;
  NsProxy* nsproxy = nullptr;   // holds one count; null after exit_task_namespaces()
  Cred* cred = nullptr;         // holds a reference (real_cred == cred in the model)
  Pid* thread_pid = nullptr;    // holds a reference until release_task()
  // files_struct and fs_struct, each holding a reference. Null means private
  // and empty (files) / private (fs): the model allocates them only when a
  // table gets an fd or is shared (CLONE_FILES/CLONE_FS), which the kernel
  // does at every fork; nothing observable differs. Null after exit too.
  FilesStruct* files = nullptr;
  FsStruct* fs = nullptr;
  // The cgroup of its css_set on the default hierarchy (task_dfl_cgroup());
  // null: the run's root cgroup.
  Cgroup* cgroup = nullptr;
  uint32_t id = 0;              // model id (index in Kernel's task table)
  // Kernel's list of live tasks (task_struct.tasks), in creation order,
  // unlinked at reap: neighbours' ids (kNoTaskId at the ends), not pointers,
  // to keep a task within its memory budget (docs/benchmarks.md).
  uint32_t tasks_prev = kNoTaskId;
  uint32_t tasks_next = kNoTaskId;
  int exit_code = 0;
  uint32_t nr_threads = 1;      // leader only: live threads in the group
  TaskState state = TaskState::Running;
  uint8_t exit_signal = 0;      // SIGCHLD for clone(FLAGS); legacy clone may set others
  // The dumpability of the group's private mm while Task::mm is null (then on
  // the leader; an Mm keeps its own): commit_creds() clears it when the
  // euid/egid/fsuid/fsgid change; /proc/PID/ns then needs CAP_SYS_PTRACE.
  bool dumpable : 1 = true;
  // This thread sleeps in vfork() (kernel: wait_for_vfork_done()) until the
  // child whose vfork_parent it is execs or exits.
  bool in_vfork : 1 = false;
  // Made by clone(CLONE_VM) without CLONE_THREAD and not exec'd since: it
  // runs in its creator's memory (nssim's live agent on a borrowed stack).
  bool vm_child : 1 = false;
  // task->user_dumpable: the mm's dumpability saved by exit_mm() when this
  // task let go of its mm (kernel/exit.c: exit_mm() @ v6.18); ptrace checks
  // on an exited task use it, not the mm its live threads still change.
  bool user_dumpable : 1 = true;
  // signal->is_child_subreaper and signal->has_child_subreaper (per thread
  // group: read and written on the group leader). has_child_subreaper: some
  // ancestor in the same pid namespace is or was a subreaper, so an orphan's
  // new parent is looked for up the tree (kernel/exit.c: find_new_reaper()).
  bool is_child_subreaper : 1 = false;
  bool has_child_subreaper : 1 = false;
  // The mm (mm_struct), holding one mm_users reference per task using it
  // (threads, and CLONE_VM children of other thread groups), null after
  // exit_mm(). Also null for a private mm that never exec'd since nssim
  // started (every fork copies that one): its user_ns is Kernel::mm_user_ns_,
  // it maps no modelled file and its dumpability is the `dumpable` bit of the
  // group leader. Made on demand (Kernel::share_mm()), so a plain fork costs
  // no allocation. Read it through Kernel::mm_dumpable()/mm_user_ns_of().
  Mm* mm = nullptr;
  // Feature::TaskExecState only: task->exec_state, as the mm it was made
  // with (equal to `mm` while the task runs; kept after exit_mm() until the
  // task is reaped). Null with an implicit private mm (then the group
  // leader's `dumpable` bit and Kernel::mm_user_ns_ are the state).
  Mm* exec_mm = nullptr;
  // vfork(): the parent (the creating thread) sleeps in wait_for_vfork_done()
  // until this child releases the mm (exec or exit: mm_release() ->
  // complete_vfork_done()). Set on the child while that lasts.
  Task* vfork_parent = nullptr;

  bool is_leader() const { return group_leader == this; }
  Task* last_child() const { return first_child ? first_child->prev_sibling : nullptr; }
  // A copy of the children list (safe while reaping or reparenting them).
  std::vector<Task*> children() const {
    std::vector<Task*> v;
    for (Task* c = first_child; c; c = c->next_sibling) v.push_back(c);
    return v;
  }
  void link_child(Task* c) {
    c->next_sibling = nullptr;
    if (!first_child) {
      first_child = c;
      c->prev_sibling = c;
      return;
    }
    Task* tail = first_child->prev_sibling;
    tail->next_sibling = c;
    c->prev_sibling = tail;
    first_child->prev_sibling = c;
  }
  void unlink_child(Task* c) {
    if (c == first_child) {
      first_child = c->next_sibling;
      if (first_child) first_child->prev_sibling = c->prev_sibling;  // the tail
    } else {
      c->prev_sibling->next_sibling = c->next_sibling;
      (c->next_sibling ? c->next_sibling->prev_sibling : first_child->prev_sibling) = c->prev_sibling;
    }
    c->prev_sibling = c->next_sibling = nullptr;
  }
  // kernel: thread_group_empty(): the leader alone on the thread list (a
  // zombie leader stays on it; exited threads leave it). False for any
  // non-leader thread. (Found by nssim fuzz --real.)
  bool thread_group_empty() const { return is_leader() && nr_threads == 1; }
};

}  // namespace nssim
