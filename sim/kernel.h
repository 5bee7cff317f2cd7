// Kernel: the modelled machine. Owns every object, runs the modelled
// syscalls with the kernel's rules, errnos and check order, and records the
// kernel-function events of each call in `trace`.
//
// Syscalls take the calling task and return Result<T>: the value, or the errno
// the kernel returns. A failed call leaves the model exactly as it was (the
// kernel's error paths undo partial work; so does the model).
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim/features.h"
#include "sim/objects.h"
#include "sim/result.h"
#include "sim/trace.h"

namespace nssim {

struct NsSet;  // kernel/nsproxy.c: struct nsset (sim/nsproxy.cc)

// Every task ever made, by model id (Task::id; null once reaped). Ids are
// never reused (they name tasks in outputs, the graph and the fuzzer), so the
// table only grows, 8 bytes per fork: in fixed chunks, so a long replay never
// copies it or faults in a freshly doubled array (a std::vector did both).
// Iterating it visits the live (not yet reaped) tasks only, in id order: they
// are also on a list, as the kernel keeps every task on init_task.tasks
// (kernel/fork.c: copy_process() list_add_tail_rcu(&p->tasks, ...),
// kernel/exit.c: __unhash_process() list_del_rcu()), so scans cost what is
// alive, not the run's history.
class TaskTable {
 public:
  static constexpr size_t kChunk = 4096;
  size_t size() const { return size_; }  // ids handed out (reaped included)
  size_t live() const { return live_; }  // tasks not yet reaped
  Task* operator[](size_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  // Appends t (live) under the next id, t->id.
  void push_back(Task* t) {
    if (size_ % kChunk == 0) chunks_.push_back(std::make_unique<Task*[]>(kChunk));
    const auto id = static_cast<uint32_t>(size_++);
    slot(id) = t;
    t->tasks_prev = tail_;
    t->tasks_next = kNoTaskId;
    (tail_ != kNoTaskId ? slot(tail_)->tasks_next : head_) = id;
    tail_ = id;
    ++live_;
  }
  // The task with this id is reaped: its slot reads null from now on.
  void release(size_t i) {
    Task* t = slot(i);
    (t->tasks_prev != kNoTaskId ? slot(t->tasks_prev)->tasks_next : head_) = t->tasks_next;
    (t->tasks_next != kNoTaskId ? slot(t->tasks_next)->tasks_prev : tail_) = t->tasks_prev;
    t->tasks_prev = t->tasks_next = kNoTaskId;
    slot(i) = nullptr;
    --live_;
  }
  // Over live tasks in id order. The body must not release the task it is at.
  class Iter {
   public:
    Iter(const TaskTable* tt, uint32_t id) : tt_(tt), id_(id) {}
    Task* operator*() const { return (*tt_)[id_]; }
    Iter& operator++() {
      id_ = (*tt_)[id_]->tasks_next;
      return *this;
    }
    bool operator!=(const Iter& o) const { return id_ != o.id_; }

   private:
    const TaskTable* tt_;
    uint32_t id_;
  };
  Iter begin() const { return Iter(this, head_); }
  Iter end() const { return Iter(this, kNoTaskId); }

 private:
  Task*& slot(size_t i) { return chunks_[i / kChunk][i % kChunk]; }
  std::vector<std::unique_ptr<Task*[]>> chunks_;
  size_t size_ = 0;
  size_t live_ = 0;
  uint32_t head_ = kNoTaskId;
  uint32_t tail_ = kNoTaskId;
};

// Fixed inode numbers of the initial namespaces (include/linux/proc_ns.h,
// include/uapi/linux/nsfs.h @ v6.18) and the start of the dynamic range
// (fs/proc/generic.c: PROC_DYNAMIC_FIRST).
inline constexpr uint32_t PROC_IPC_INIT_INO = 0xEFFFFFFFU;     // 4026531839
inline constexpr uint32_t PROC_UTS_INIT_INO = 0xEFFFFFFEU;     // 4026531838
inline constexpr uint32_t PROC_USER_INIT_INO = 0xEFFFFFFDU;    // 4026531837
inline constexpr uint32_t PROC_PID_INIT_INO = 0xEFFFFFFCU;     // 4026531836
inline constexpr uint32_t PROC_CGROUP_INIT_INO = 0xEFFFFFFBU;  // 4026531835
inline constexpr uint32_t PROC_TIME_INIT_INO = 0xEFFFFFFAU;    // 4026531834
inline constexpr uint32_t NET_NS_INIT_INO = 0xEFFFFFF9U;       // 4026531833 (v6.18)
inline constexpr uint32_t MNT_NS_INIT_INO = 0xEFFFFFF8U;       // 4026531832 (v6.18)
inline constexpr uint32_t PROC_DYNAMIC_FIRST = 0xF0000000U;    // 4026531840

inline constexpr uint32_t MAX_PID_NS_LEVEL = 32;   // include/linux/pid_namespace.h
inline constexpr uint32_t MAX_USER_NS_LEVEL = 32;  // kernel/user_namespace.c: create_user_ns()

// Everything ever known about a namespace, kept after it is freed so that
// `let N = ...` and `dead(N)` still answer, and inode reuse stays visible.
struct NsRecord {
  NsType type;
  uint32_t inum;
  NsCommon* ns;  // null once freed
};

// An nsfs file handle (fs/nsfs.c: struct nsfs_file_handle @ v6.18: ns_id,
// ns_type, ns_inum): plain bytes that hold no reference, so it outlives its
// namespace. The model names the namespace by its serial, which, like ns_id,
// is never reused.
struct NsfsHandle {
  uint64_t serial = 0;
  NsType type = NsType::Uts;
  uint32_t inum = 0;
};

// One holder of one counted reference (the refcount ledger).
struct Holder {
  std::string what;  // "nsproxy#3.net", "nsfs inode (fd 3 of a)", "cred of b", ...
};

// The holders of every live namespace, by NsCommon::serial; a namespace with
// none (freed, or never seen) reads as an empty list. Sparse: its size is
// what is alive, not every namespace the run ever made.
class HolderMap {
 public:
  const std::vector<Holder>& operator[](uint64_t serial) const {
    auto it = m_.find(serial);
    return it == m_.end() ? empty_ : it->second;
  }
  std::vector<Holder>& add(uint64_t serial) { return m_[serial]; }

 private:
  std::unordered_map<uint64_t, std::vector<Holder>> m_;
  static inline const std::vector<Holder> empty_{};
};

// The refcount ledger as flat text, for callers that print it after every
// step (`trace --json`): every holder's text in one buffer, listed per
// namespace in the order all_holders() gives. Reused across calls, so a warm
// one allocates nothing (all_holders() makes a string per holder).
class HolderTexts {
 public:
  // Calls f(std::string_view) for each holder of namespace `serial`, in
  // ledger order (none for a freed or unknown namespace).
  template <class F>
  void for_each(uint64_t serial, F&& f) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), serial,
                               [](const Entry& e, uint64_t s) { return e.serial < s; });
    for (; it != entries_.end() && it->serial == serial; ++it)
      f(std::string_view(buf_).substr(it->begin, it->end - it->begin));
  }

 private:
  friend class Kernel;
  struct Entry {
    uint64_t serial;
    uint32_t begin, end;  // in buf_
  };
  std::string buf_;
  std::vector<Entry> entries_;  // by serial; ledger order within one (stable sort)
  // Scratch of Kernel::holder_texts(), kept for its capacity.
  std::vector<const RefCounted*> objs_;
  std::vector<const NsProxy*> proxies_;
  std::vector<std::pair<const Cred*, const Task*>> cred_users_;
  // task null: a file in flight; fd is then the receiving socket's id.
  struct NsfsUse {
    const NsCommon* ns;
    const Task* task;
    size_t fd;
  };
  std::vector<NsfsUse> nsfs_users_;
  struct SocketUse {
    const File* file;
    const Task* task;
    size_t fd;
  };
  std::vector<SocketUse> socket_users_;  // by file, then task order
  std::vector<const Cred*> creds_;
  std::vector<const Pid*> pids_;
};

class Kernel {
 public:
  struct Config {
    KernelVersion kernel = kDefaultKernel;  // the profile: which kernel's rules (sim/features.h)
    uint32_t pid_max = 4194304;       // /proc/sys/kernel/pid_max (PID_MAX_LIMIT on 64-bit)
    uint32_t root_pid_level = 0;      // kernel level of the scenario's root pid namespace
    std::string hostname = "(none)";  // init_uts_ns nodename (UTS_NODENAME default)
    std::string init_comm = "init";
    std::optional<EnvUserNs> env_user;  // the live run's user namespace, when not the initial one
    bool root_mount_locked = false;     // the initial mount namespace's root is MNT_LOCKED (Backend::root_mount_locked())
    // The initial task's capability sets when not root's full ones (the live
    // run's, when nssim runs with some dropped: its sandbox inherits them).
    std::optional<CapSets> init_caps;
    // What exec() runs (the live backend's agent binary), and
    // /proc/sys/fs/suid_dumpable (the dumpability of an mm exec makes
    // non-dumpable: 0 SUID_DUMP_DISABLE, 1 SUID_DUMP_USER, 2 SUID_DUMP_ROOT).
    ExecFile exe;
    int suid_dumpable = 0;
    // The cgroup2 mount's nsdelegate option (cgrp_dfl_root.flags &
    // CGRP_ROOT_NS_DELEGATE): moving a task into a cgroup outside the mover's
    // cgroup namespace is refused (ENOENT). The live run's, when --real.
    bool cgroup_nsdelegate = false;
  };

  Kernel();
  explicit Kernel(Config cfg);
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  const Config& config() const { return cfg_; }
  // A version-dependent rule applies (sim/features.h: the profile's feature table).
  bool has(Feature f) const { return features_.has(f); }
  Task* init_task() const { return tasks_[0]; }
  // The task with model id `id`, or null once it has been reaped.
  Task* task(uint32_t id) const { return id < tasks_.size() ? tasks_[id] : nullptr; }
  size_t task_slots() const { return tasks_.size(); }
  // Tasks not yet reaped; iterating live_tasks() visits them in id order.
  size_t nr_live_tasks() const { return tasks_.live(); }
  const TaskTable& live_tasks() const { return tasks_; }

  // ---- syscalls --------------------------------------------------------
  // clone(flags | SIGCHLD): the legacy syscall; bits in CSIGNAL (0xff, which
  // includes CLONE_NEWTIME) become the exit signal. kernel/fork.c: sys_clone().
  // With CLONE_PIDFD, *pidfd gets the new pidfd's number in cur's table.
  Result<Task*> sys_clone(Task* cur, uint64_t flags, std::string comm, int* pidfd = nullptr);
  // clone3({.flags = flags, .exit_signal = SIGCHLD}). kernel/fork.c: sys_clone3().
  // set_tid: the pid to take in each pid namespace, the child's first
  // (clone_args.set_tid / set_tid_size).
  // cgroup_fd: clone_args.cgroup, the fd of the cgroup directory
  // CLONE_INTO_CGROUP starts the child in (0 when not given, as in the struct).
  Result<Task*> sys_clone3(Task* cur, uint64_t flags, std::string comm, int* pidfd = nullptr,
                           std::span<const int32_t> set_tid = {}, int cgroup_fd = 0);
  // Only the flag checks clone/clone3 make before anything is allocated (the
  // EINVALs of sys_clone3() and copy_process()): their errno, or success.
  Result<void> clone_flags_check(Task* cur, uint64_t flags, bool clone3);
  // kernel/fork.c: ksys_unshare().
  Result<void> sys_unshare(Task* cur, uint64_t flags);
  // kernel/nsproxy.c: sys_setns() @ v6.18. fd: an nsfs file (/proc/PID/ns/*;
  // nstype 0 or that namespace's CLONE_NEW* flag) or a pidfd (nstype: one or
  // more CLONE_NEW* flags, entered user first). Errors: EBADF no such fd;
  // EINVAL nstype does not match the file, bad pidfd flags, or another kind
  // of file; pidfd: ESRCH its task is gone, EPERM no ptrace access. Then each
  // namespace's ->install(), in this order: EPERM without CAP_SYS_ADMIN over
  // the namespace's owner and in our user namespace (mnt: CAP_SYS_CHROOT too),
  // after which EINVAL for a pid namespace neither the active one nor below
  // it, or mnt with a shared fs_struct; time checks EUSERS (other threads)
  // before its EPERM; user checks EINVAL (already ours, other threads, a
  // shared fs_struct) before its EPERM. A failed call leaves the model as it
  // was, but for the nsproxy id its copy consumed once past the fd and flag
  // checks (sim/nsproxy.cc: prepare_nsset()).
  Result<void> sys_setns(Task* cur, int fd, uint64_t nstype);
  // kernel/exit.c: do_exit(). Never fails.
  void sys_exit(Task* cur, int code);
  // wait4(child, __WALL|WNOHANG): true when the child was reaped (and is
  // gone), false when it has not exited yet (WNOHANG returns 0).
  // ECHILD when `child` is not a child of cur's thread group.
  Result<bool> sys_wait4(Task* cur, Task* child);
  // open("/proc/TARGET/ns/LINK"): fs/proc/namespaces.c: proc_ns_get_link().
  Result<int> sys_open_nsfs(Task* cur, Task* target, Link link, bool cloexec = false, std::string_view via = {});
  // name_to_handle_at(fd, "", h, &mnt_id, AT_EMPTY_PATH): fs/fhandle.c:
  // do_sys_name_to_handle() -> fs/nsfs.c: nsfs_encode_fh()
  // (Feature::NsfsFileHandles). EBADF no such fd; EOPNOTSUPP a socket, or any
  // nsfs file before 6.18 (no export operations). Pidfds and cgroup
  // directories (pidfs, kernfs handles) are not modelled: the caller says so.
  Result<NsfsHandle> sys_name_to_handle_at(Task* cur, int fd);
  // open_by_handle_at(FD_NSFS_ROOT, h, O_RDONLY[|O_CLOEXEC]): fs/fhandle.c:
  // handle_to_path() -> fs/nsfs.c: nsfs_fh_to_dentry(), which makes every
  // refusal ESTALE (do_handle_to_path()): the namespace is freed, inactive
  // (Feature::ActiveRefs), or the caller is not in it and
  // may_see_all_namespaces() is false. No CAP_DAC_READ_SEARCH is asked
  // (nsfs_export_permission()). A new nsfs fd, whose inode resurrects an
  // inactive namespace.
  Result<int> sys_open_by_handle_at(Task* cur, const NsfsHandle& h, bool cloexec);
  // kernel/nscommon.c: may_see_all_namespaces() @ v7.2 (and stable 6.18.y):
  // the caller's active pid namespace is the initial one (level 0: not the
  // live sandbox's) and it has CAP_SYS_ADMIN in the initial user namespace.
  bool may_see_all_namespaces(const Task* cur) const;
  // close(fd): fs/file.c: close_fd(). EBADF for a free slot.
  Result<void> sys_close(Task* cur, int fd);
  // pidfd_open(pid of target, flags): kernel/pid.c: sys_pidfd_open().
  Result<int> sys_pidfd_open(Task* cur, Task* target, uint32_t flags);
  // sethostname(name): kernel/sys.c: sys_sethostname().
  Result<void> sys_sethostname(Task* cur, std::string_view name);
  // prctl(PR_SET_DUMPABLE, v): kernel/sys.c: v must be 0 or 1 (EINVAL).
  Result<void> sys_prctl_set_dumpable(Task* cur, int v);
  // prctl(PR_SET_CHILD_SUBREAPER, v): kernel/sys.c: never fails; v != 0 also
  // marks the descendants (has_child_subreaper).
  Result<void> sys_prctl_set_child_subreaper(Task* cur, int v);
  // capset(): kernel/capability.c: sys_capset() -> security/commoncap.c:
  // cap_capset(): the caller's own sets only (nssim passes pid 0). EPERM when
  // the new permitted set is not within the old one, the new effective not
  // within the new permitted, or the new inheritable not within old
  // inheritable | bset (and, without CAP_SETPCAP, old inheritable | permitted).
  Result<void> sys_capset(Task* cur, CapSet effective, CapSet permitted, CapSet inheritable);
  // prctl(PR_SET_KEEPCAPS, v): SECBIT_KEEP_CAPS; v > 1 (unsigned) is EINVAL.
  Result<void> sys_prctl_set_keepcaps(Task* cur, int v);
  // prctl(PR_CAPBSET_DROP, cap): EPERM without CAP_SETPCAP in the caller's
  // user namespace, then EINVAL for a cap past CAP_LAST_CAP.
  Result<void> sys_prctl_capbset_drop(Task* cur, int64_t cap);
  // setgroups(gids): kernel/groups.c: EPERM without CAP_SETGID in the
  // caller's user namespace or before its gid_map is written or after
  // "deny" in its /proc/PID/setgroups; EINVAL for a gid not mapped there.
  // The group list itself is not modelled (nothing nssim observes reads it).
  Result<void> sys_setgroups(Task* cur, const std::vector<uint32_t>& gids);
  // thread(): clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|
  // CLONE_SYSVSEM), the flags pthread_create() uses.
  Result<Task*> sys_thread(Task* cur, std::string comm);
  // kernel/sys.c: setuid(), setgid(), setresuid(), setresgid(): ids are in the
  // caller's user namespace (INVALID_ID = -1 = unchanged for the res forms).
  Result<void> sys_setuid(Task* cur, uint32_t uid);
  Result<void> sys_setgid(Task* cur, uint32_t gid);
  Result<void> sys_setresuid(Task* cur, uint32_t r, uint32_t e, uint32_t s);
  Result<void> sys_setresgid(Task* cur, uint32_t r, uint32_t e, uint32_t s);
  // write("/proc/TARGET/{uid_map,gid_map,setgroups,timens_offsets}", data):
  // kernel/user_namespace.c: proc_uid_map_write(), proc_setgroups_write();
  // fs/proc/base.c: timens_offsets_write() (sim/timens.cc).
  enum class ProcFile : uint8_t { UidMap, GidMap, Setgroups, TimensOffsets };
  Result<void> sys_write_proc(Task* cur, Task* target, ProcFile f, std::string_view data, std::string_view via = {});
  Result<void> timens_offsets_write(Task* cur, Task* target, std::string_view data);
  // ioctl(fd, NS_GET_*): fs/nsfs.c: ns_ioctl(). USERNS/PARENT return a new fd,
  // NSTYPE the CLONE_NEW* value, OWNER_UID the owner's uid in the caller's user ns.
  // SiocGskns is sock_ioctl()'s (net/socket.c); on any other file ENOTTY,
  // and the NS_GET_* requests on a socket are ENOTTY. GetId (NS_GET_ID) and
  // GetMntnsId (NS_GET_MNTNS_ID) return an id (Feature::NsGetId,
  // Feature::NsGetMntnsId; ENOTTY before).
  enum class NsIoctl : uint8_t {
    GetUserns, GetParent, GetNstype, GetOwnerUid, SiocGskns, GetId, GetMntnsId,
    // PIDFD_GET_<X>_NAMESPACE (same order as IoctlCmd): pidfd_get_namespace()
    PidfdGetCgroupNs, PidfdGetIpcNs, PidfdGetMntNs, PidfdGetNetNs, PidfdGetPidNs, PidfdGetPidForChildrenNs,
    PidfdGetTimeNs, PidfdGetTimeForChildrenNs, PidfdGetUserNs, PidfdGetUtsNs,
    // NS_GET_{PID,TGID}_{FROM,IN}_PIDNS (same order as IoctlCmd): `arg` a pid number
    GetPidFromPidns, GetTgidFromPidns, GetPidInPidns, GetTgidInPidns,
  };
  // `arg`: the third argument (0 but for the pid translations: a pid number).
  // The pid translations (fs/nsfs.c: ns_ioctl() @ v6.12, v7.2; Feature::
  // NsPidTranslation, ENOTTY before): on a pid namespace fd P, *_IN_PIDNS finds
  // the task whose pid in cur's active pid namespace is `arg` and returns its
  // pid (tgid) in P; *_FROM_PIDNS finds it by its pid in P and returns its pid
  // (tgid) as cur sees it. ESRCH no such task, or no number on the other side;
  // EINVAL another namespace type.
  Result<int64_t> sys_ioctl(Task* cur, int fd, NsIoctl cmd, int64_t arg = 0);
  // include/linux/pid.h: pid_nr_ns(): pid's number in `ns`, 0 when ns is not
  // one of its namespaces (or pid is null).
  static uint32_t pid_nr_ns(const Pid* pid, const PidNamespace* ns);
  // kernel/pid.c: find_task_by_pid_ns(): the task whose pid is `nr` in `ns`
  // (a zombie too, until it is reaped); null if none.
  Task* find_task_by_pid_ns(int64_t nr, const PidNamespace* ns) const;
  // ioctl(pidfd, PIDFD_GET_<X>_NAMESPACE, 0): fs/pidfs.c: pidfd_ioctl() @ v6.12,
  // v7.2: a new nsfs fd (O_CLOEXEC, open_namespace()) on the pidfd's task's
  // namespace X (user: its cred's; pid: its active one). ENOTTY on a file that
  // is no pidfd (an nsfs fd: EINVAL for PIDFD_GET_UTS_NAMESPACE before
  // Feature::NsfsIoctlValid) and before Feature::PidfdIoctl; ESRCH the task was
  // reaped, EACCES ptrace_may_access() refused, ESRCH the task has exited.
  Result<int64_t> pidfd_get_namespace(Task* cur, File* f, NsIoctl cmd);
  // listns(req, ids, nr, flags) with req.user_ns_id the id of the user
  // namespace behind `owner_fd` (kernel/nstree.c: SYSCALL_DEFINE4(listns) @
  // v7.2, do_listns_userns()): how many namespaces that user namespace owns
  // directly are active, of a type in `ns_type` (0: any) and visible to cur
  // (every one with may_see_all_namespaces(), else only cur's own). ENOSYS
  // before Feature::Listns; EINVAL flags != 0, or the fd is no user
  // namespace's nsfs fd; EOPNOTSUPP a type bit outside the CLONE_NEW* ones.
  Result<int64_t> sys_listns(Task* cur, uint64_t ns_type, int owner_fd, uint64_t flags);
  bool is_current_namespace(const Task* cur, const NsCommon* ns) const;  // fs/nsfs.c @ v7.2
  // socket(family, ...): net/socket.c: __sys_socket() -> __sock_create() in
  // current->nsproxy->net_ns; the sock holds that namespace (sk_alloc():
  // get_net()) until the file's last close. Returns the fd. Never fails in
  // the model (families are checked by the parser).
  Result<int> sys_socket(Task* cur, int family);
  // ioctl(fd, SIOCGSKNS) on a socket: net/socket.c: sock_ioctl(): EPERM
  // without CAP_NET_ADMIN over the socket's net namespace's owner, else a new
  // nsfs fd on that namespace (open_related_ns()).
  Result<int> sock_ioctl_siocgskns(Task* cur, File* f);
  // socketpair(AF_UNIX, SOCK_STREAM): two connected socks in cur's net
  // namespace, each holding the other (unix_peer()). Returns both fds.
  Result<std::pair<int, int>> sys_socketpair(Task* cur, int family);
  // sendmsg() of one byte with SCM_RIGHTS [fd] (MSG_NOSIGNAL|MSG_DONTWAIT):
  // the file goes in flight in the peer's receive queue.
  Result<void> sys_send_fd(Task* cur, int sfd, int fd);
  // True when that send would put a unix socket in a queue it reaches
  // through sockets in flight (only the async unix GC frees such a cycle).
  bool send_makes_cycle(const Task* cur, int sfd, int fd) const;
  // recvmsg() of one byte (MSG_DONTWAIT [|MSG_CMSG_CLOEXEC]): the new fd of
  // the first in-flight file, or kRecvEof (0 bytes: the peer is gone).
  static constexpr int kRecvEof = -1;
  Result<int> sys_recv_fd(Task* cur, int sfd, bool cloexec);
  // mount(SRC, DST, MS_BIND) of an nsfs file (SRC is /proc/T/ns/L or a path
  // with an nsfs mount); DST (under /run, /srv, /mnt or /media) is created
  // with its parent directories if missing, as `ip netns add` does. The mount
  // propagates to the receivers of the caller's mount namespace.
  // fs/namespace.c: path_mount() -> do_loopback() -> attach_recursive_mnt().
  struct PathRef {
    Task* task = nullptr;  // /proc/TASK/ns/LINK (null: use `path`, or `gone`)
    Link link = Link::Net;
    std::string path;   // a /run path
    bool gone = false;  // /proc/TASK of a reaped task: the lookup fails ENOENT
    std::string via;    // /proc looked up under this directory ("" = "/")
    bool rec = false;   // MS_REC
  };
  Result<void> sys_mount_bind(Task* cur, const PathRef& src, std::string_view dst);
  // mount("none", "/", MS_REC|type), type kMsPrivate, kMsSlave or kMsShared:
  // fs/namespace.c: do_change_type() on the caller's root mount and every mount under it.
  Result<void> sys_mount_propagation(Task* cur, uint64_t type);
  // The mount namespaces a mount made in `ns` propagates to: its root's peers,
  // their slaves, and on through slaves that are shared (fs/pnode.c: propagation_next()).
  std::vector<MntNamespace*> propagation_receivers(const MntNamespace* ns) const;
  // umount(path): fs/namespace.c: ksys_umount() / can_umount().
  // With MNT_DETACH (`detach`) the mount leaves the tree even while busy: a
  // file opened through it keeps it, and its nsfs pin, until closed.
  Result<void> sys_umount(Task* cur, std::string_view path, bool detach = false);
  // chroot(PATH): fs/open.c: SYSCALL_DEFINE1(chroot) @ v6.12 (PATH created first, as mount does).
  Result<void> sys_chroot(Task* cur, std::string_view path);
  // mount(P, P, MS_BIND[|MS_REC]) of a directory P (created first): P becomes
  // a mount point (fs/namespace.c: do_loopback() @ v6.12).
  Result<void> sys_mount_bind_dir(Task* cur, std::string_view path, bool rec);
  // pivot_root(NEW, OLD): fs/namespace.c: SYSCALL_DEFINE2(pivot_root) @ v6.12
  // (both directories created first, as chroot does).
  Result<void> sys_pivot_root(Task* cur, std::string_view new_root, std::string_view put_old);
  // open_tree(PATH, flags) with OPEN_TREE_NAMESPACE (sim/open_tree.cc;
  // fs/namespace.c: vfs_open_tree() -> create_new_namespace() @ v7.2, since
  // Feature::OpenTreeNamespace, EINVAL before): a new mount namespace owned by
  // the caller's user namespace, rooted at a copy of PATH's mount, that no
  // task is in; returns the nsfs fd that holds it. PATH is created first (a
  // directory, as chroot does).
  Result<int> sys_open_tree_namespace(Task* cur, std::string_view path, uint64_t flags);
  // The root is a directory chroot() moved it to (FsStruct::root_dir).
  bool chrooted_in_dir(const Task* t) const { return t->fs && !t->fs->root_dir.empty(); }
  // An absolute path as `t` looks it up, as a path of the tree its mount
  // namespace started with: under its chroot directory, or under the
  // namespace's root after pivot_root() (through the old root at put_old).
  std::string rooted_path(const Task* t, std::string_view path) const;
  // ns_path(): a path from the root of `ns` as a path of its original tree.
  static std::string ns_path(const MntNamespace* ns, std::string_view path);
  // A path of the original tree (as rooted_path() gives) is on a mount that
  // left `ns` with the old root of a pivot_root() (umount(MNT_DETACH)): only
  // a task chrooted there still reaches it.
  static bool detached(const MntNamespace* ns, std::string_view g);
  // /proc, looked up under `via`, is the procfs the tree started with.
  bool proc_reachable(const Task* t, std::string_view via) const {
    return rooted_path(t, std::string(via) + "/proc") == "/proc";
  }
  // Whether `path` (as `cur` looks it up) is the directory of a directory bind mount.
  bool is_dir_bind(const Task* cur, std::string_view path) const;
  // open("/run/...") : the nsfs file mounted there, or the plain file.
  Result<int> sys_open_path(Task* cur, std::string_view path, bool cloexec = false);
  // The cgroup v2 hierarchy below the run's root cgroup (sim/cgroup.cc).
  // Paths are relative to the run's root: "" is the root, "a/b" its
  // grandchild. mkdir(): EEXIST, ENOENT (no parent), EACCES (no write
  // permission on the parent directory); the new cgroup belongs to the
  // caller's fsuid/fsgid (cgroup_mkdir()). rmdir(): ENOENT, EACCES, EBUSY (a
  // live task in it, or a child cgroup; cgroup_destroy_locked()). open(): an
  // O_DIRECTORY fd of the cgroup's directory, for clone3's CLONE_INTO_CGROUP.
  Result<void> sys_mkdir_cgroup(Task* cur, std::string_view path);
  Result<void> sys_rmdir_cgroup(Task* cur, std::string_view path);
  Result<int> sys_open_cgroup(Task* cur, std::string_view path, bool cloexec = false);
  // The online cgroup at `path` (relative to the run's root), or null.
  Cgroup* cgroup_lookup(std::string_view path) const;
  // task_dfl_cgroup(t): never null (the run's root for a task that has no other).
  Cgroup* task_dfl_cgroup(const Task* t) const { return t->cgroup ? t->cgroup : cgrp_root_.get(); }
  Cgroup* cgroup_root() const { return cgrp_root_.get(); }
  // A cgroup's path from the run's root ("/", "/a/b").
  static std::string cgroup_path(const Cgroup* c);
  // /proc/PID/cgroup's "0::PATH" line's PATH for task t as `reader` reads it:
  // relative to the reader's cgroup namespace root (kernfs_path_from_node():
  // "/.." for each level up), " (deleted)" after a removed cgroup
  // (kernel/cgroup/cgroup.c: proc_cgroup_show() @ v6.18).
  std::string proc_cgroup_show(const Task* reader, const Task* t) const;
  // execve() of Config::exe, a plain ELF file (no set-id bits, no file
  // capabilities): fs/exec.c: do_execveat_common() -> begin_new_exec().
  // EACCES when the caller may not execute it. The caller must lead its
  // thread group (a thread's exec takes over the leader's pid: not modelled).
  Result<void> sys_execve(Task* cur);
  File* mapped_file(Cred* c, std::string path);

  // kernel/user_namespace.c: make_kuid()/from_kuid() (INVALID_ID when unmapped),
  // from_kuid_munged() (OVERFLOW_ID when unmapped).
  uint32_t make_kid(const UserNamespace* ns, uint32_t id, bool gid) const;
  uint32_t from_kid(const UserNamespace* ns, uint32_t kid, bool gid) const;
  uint32_t from_kid_munged(const UserNamespace* ns, uint32_t kid, bool gid) const;
  // The user namespace /proc is read from: the live run's (Config::env_user),
  // else init_user_ns. Ids and maps in observations are as it reads them.
  const UserNamespace* observer_user_ns() const { return env_user_ns_ ? env_user_ns_ : init_user_ns_; }
  // Whether that reader (root there, every capability) may read t's ns links
  // and fds: kernel/ptrace.c: ptrace_may_access(PTRACE_MODE_READ_FSCREDS).
  bool observer_may_read(const Task* t) const;
  // ...and search /proc/PID/fd (that directory's owner and mode).
  bool observer_may_search_fd_dir(const Task* t) const;
  // Files and directories that exist under /run, /srv, /mnt, /media (the
  // roots, /run/netns, and what mount created).
  bool run_file_exists(std::string_view path) const;
  // The lookup of such a path: 0, ENOENT, or ENOTDIR (a parent is a file).
  int run_path_lookup(std::string_view path) const;
  bool run_dir_exists(std::string_view path) const;
  // The mount namespace t's absolute paths resolve in: the one its root is in
  // (null when that namespace is gone).
  MntNamespace* path_mnt_ns(const Task* t) const;
  // The topmost nsfs mount at `path` in a mount namespace, or null.
  const Mount* mount_at(const MntNamespace* ns, std::string_view path) const;

  // ---- what /proc shows --------------------------------------------------
  // The namespace /proc/PID/ns/LINK of `t` resolves to, or null when opening
  // it fails (ENOENT): exited tasks, pid_for_children before its init exists.
  NsCommon* ns_of_link(const Task* t, Link l) const;
  // pid numbers of t from the root pid namespace down (NSpid in /proc/PID/status).
  std::vector<uint32_t> nspid(const Task* t) const;
  // kernel/pid_namespace.c: task_active_pid_ns() @ v6.18: the pid namespace
  // of t's deepest pid number (null once t's pid is gone). Inline: every
  // setns(pid) reads it.
  PidNamespace* task_active_pid_ns(const Task* t) const {
    return t->thread_pid ? t->thread_pid->numbers.back().ns : nullptr;
  }

  // ---- the refcount ledger ----------------------------------------------
  const std::vector<NsRecord>& ns_records() const { return records_; }
  // Feature::ActiveRefs (6.19+): which namespaces are active, by serial (1:
  // active; 0: inactive or freed). Derived from what holds them, as the
  // kernel's __ns_ref_active counts (include/linux/ns/ns_common_types.h,
  // kernel/nscommon.c: __ns_ref_active_get()/_put() @ v7.2): a live nsproxy's
  // slots (nsproxy_ns_active_get(): pid_for_children, not the task's pid), an
  // unreaped task's cred->user_ns (get_cred_namespaces() .. release_task()'s
  // exit_cred_namespaces()) and the pid namespace of its struct pid's deepest
  // number (alloc_pid() .. free_pid()), an nsfs inode (open fd, bind mount),
  // an active namespace's owner (each active namespace holds one on its user
  // namespace, cascading up), and the initial namespaces, always. Not counted:
  // internal references (sockets, open files' f_cred, pidfds, a child pid
  // namespace's parent). Empty before 6.19, where the model has no such state.
  std::vector<uint8_t> active_namespaces() const;
  // --real: the live kernel's ns_id of namespace `serial` (NS_GET_ID), adopted
  // so that mnt_ns_loop() compares what the kernel compares. 6.18 draws ns_ids
  // from per-CPU batches (include/linux/cookie.h: gen_cookie_next() via
  // kernel/nstree.c: ns_tree_gen_id() @ v6.18): creation order is not id order.
  void adopt_ns_id(uint64_t serial, uint64_t kernel_ns_id);
  // kernel/nstree.c: ns_tree_gen_id() @ v6.18 / __ns_tree_gen_id() @ v7.2:
  // the next namespace id. One counter for every type: on 6.18 from 1 in the
  // model's boot order (the kernel's per-CPU batches make its numbers
  // unpredictable), with Feature::FixedInitNsIds from NS_LAST_INIT_ID + 2 = 10,
  // the initial namespaces having the fixed ids 1..8 (ns_init_id()).
  uint64_t ns_tree_gen_id() { return ++ns_id_cookie_; }
  // Who holds each counted reference of `ns` (size == ns->refs() when the model is consistent).
  std::vector<Holder> holders(const NsCommon* ns) const;
  // holders() of every live namespace at once, by NsCommon::serial. Costs
  // what is alive (live tasks and objects), not the run's history.
  HolderMap all_holders() const;
  // The same ledger written into `out` (its previous content replaced).
  void holder_texts(HolderTexts& out) const;
  // Live nsproxies in id order. Found through the live tasks using them
  // (every counted reference to an nsproxy is a task's, as in the kernel):
  // O(live tasks), not a scan of the nsproxy pool.
  std::vector<const NsProxy*> nsproxies() const;
  void nsproxies(std::vector<const NsProxy*>& out) const;  // into `out`, its capacity reused
  const ObjectRegistry& registry() const { return reg_; }
  // Objects that exist from boot and are never freed (leak-check allowance).
  std::vector<const RefCounted*> boot_objects() const;
  // A restored snapshot (sim/restore.h): references held for holders the
  // model does not represent (a socket, a pidfd, an f_cred, or none visible),
  // one per pinned namespace, listed in the ledger as "external: WHY".
  const std::vector<std::pair<NsCommon*, std::string>>& external_pins() const { return external_pins_; }
  // Drops every external pin (as if those holders closed); frees what only they kept.
  void drop_external_pins();

  Trace trace;

  // ---- internals shared by the sim/*.cc files (kernel-function mirrors) ---
  // kernel/nsproxy.c
  // `current` is the calling task (copy_pid_ns() checks its active pid namespace).
  Result<NsProxy*> create_new_namespaces(uint64_t flags, Task* tsk, UserNamespace* user_ns, FsStruct* fs,
                                         Task* current);
  Result<void> copy_namespaces(uint64_t flags, Task* tsk, Task* current);
  void switch_task_namespaces(Task* p, NsProxy* new_ns);
  Result<void> exec_task_namespaces(Task* tsk);
  void exit_task_namespaces(Task* p);
  void get_nsproxy(NsProxy* ns);
  void put_nsproxy(NsProxy* ns);
  void free_nsproxy(NsProxy* ns);
  // sys_setns() with tracing off: a copy of `old` whose slots borrow old's
  // references, and their settlement (sim/nsproxy.cc: prepare_nsset()).
  NsProxy* copy_nsproxy_borrowed(const NsProxy* old);
  void settle_borrowed(NsProxy* nsp, NsProxy* old, uint8_t borrowed, bool keep);
  // namespaces
  // Inline: every nsproxy copy takes and drops eight of these (setns costs
  // mostly this); the event is formatted out of line, only when tracing.
  // The Why goes to the (cold) event as scalars in registers, so its address
  // is never taken and nothing of it is built while tracing is off.
  [[gnu::always_inline]] void get_ns(NsCommon* ns, const Why& why) {
    ns->get();
    if (trace.on) [[unlikely]] trace_ref(true, ns, why.what, why.slot, why.ns, why.packed_id());
  }
  [[gnu::always_inline]] void put_ns(NsCommon* ns, const Why& why) {
    bool last = ns->put();
    if (trace.on) [[unlikely]] trace_ref(false, ns, why.what, why.slot, why.ns, why.packed_id());
    if (last) free_ns(ns);
  }
  // The "get"/"put" event of a reference; the last four make its Why (Why::unpack()).
  [[gnu::cold, gnu::noinline]] void trace_ref(bool get, const NsCommon* ns, const char* what, const char* slot,
                                              const NsCommon* why_ns, uint64_t packed_id);
  std::string ns_str(const NsCommon* ns) const;  // "net:[4026532000]"
  std::string why_str(const Why& w) const;
  // cred / user namespaces
  Cred* prepare_creds(Cred* old);
  // kernel/cred.c: commit_creds(): install `c` (its reference moves to the task).
  void commit_creds(Task* t, Cred* c);
  void put_cred(Cred* c, const char* why);
  // security/commoncap.c: cap_capable() @ v6.18. A cred has `cap` in `ns` if
  // ns is its own user namespace and the cap is effective, or if ns is a
  // descendant whose creator (owner of the child on the path) is the cred's euid
  // in the parent: the owner of a user namespace has every capability in it.
  // Inline: setns() checks two or three capabilities per namespace.
  bool ns_capable(const Cred* cred, const UserNamespace* ns, int cap) const {
    for (;;) {
      if (ns == cred->user_ns) return (cred->caps().effective >> cap) & 1;
      if (ns->level <= cred->user_ns->level) return false;
      if (ns->parent == cred->user_ns && ns->owner == cred->euid) return true;
      ns = ns->parent;
    }
  }
  bool ptrace_may_access(const Task* cur, const Task* target, bool realcreds) const;
  bool ptrace_may_access_cred(const Cred* cred, const Task* target, bool realcreds) const;
  // pids
  // set_tid's permission checks use `cred` (current_cred(): the creator's).
  Result<Pid*> alloc_pid(PidNamespace* ns, std::span<const int32_t> set_tid = {}, const Cred* cred = nullptr);
  void put_pid(Pid* pid);
  // files
  void fput(File* f);
  // Sockets (sim/socket.cc): a new socket file and its sock; the last
  // close's release (unix_release_sock()); the sock's last put.
  File* sock_alloc_file(Task* cur, int family);
  void sock_release(Sock* sk);
  void put_sock(Sock* sk);
  int alloc_fd(FilesStruct* files, File* f, bool cloexec = false);
  // fs/file.c: dup_fd(): a private copy of a table (every open file gains a reference).
  FilesStruct* dup_fd(const FilesStruct* old);
  // The mm t uses (after exit_mm(): its group leader's, while that lasts).
  const Mm* mm_of(const Task* t) const { return t->mm ? t->mm : t->group_leader->mm; }
  // mm->user_ns of t's mm.
  UserNamespace* mm_user_ns_of(const Task* t) const {
    const Mm* m = mm_of(t);
    return m && m->user_ns ? m->user_ns : mm_user_ns_;
  }
  // The dumpability of t's mm (get_dumpable(mm)); setting it changes every
  // task sharing the mm (set_dumpable()).
  bool mm_dumpable(const Task* t) const {
    const Mm* m = mm_of(t);
    return m ? m->dumpable : t->group_leader->dumpable;
  }
  // What ptrace checks on t read (kernel/ptrace.c: __ptrace_may_access()):
  // a running task's mm; an exited one's dumpability saved at exit_mm() with
  // CAP_SYS_PTRACE asked in init_user_ns, or, with Feature::TaskExecState,
  // its task->exec_state (shared with the threads that still change it).
  bool ptrace_dumpable(const Task* t) const {
    if (has(Feature::TaskExecState)) return t->exec_mm ? t->exec_mm->dumpable : t->group_leader->dumpable;
    return t->state == TaskState::Running ? mm_dumpable(t) : t->user_dumpable;
  }
  UserNamespace* ptrace_user_ns(const Task* t) const {
    if (has(Feature::TaskExecState)) return t->exec_mm && t->exec_mm->user_ns ? t->exec_mm->user_ns : mm_user_ns_;
    return t->state == TaskState::Running ? mm_user_ns_of(t) : init_user_ns_;
  }
  // Feature::TaskExecState: t's exec_state becomes mm's (copy_exec_state(),
  // exec_mmap()); put_exec_state() lets go (free_task(), exec).
  void hold_exec_state(Task* t, Mm* mm);
  void put_exec_state(Task* t);
  void set_mm_dumpable(Task* t, bool v) {
    if (t->mm)
      t->mm->dumpable = v;
    else
      t->group_leader->dumpable = v;
  }
  // t's mm as an object other tasks can share (CLONE_VM): made from the
  // implicit private mm of t's group if it had none.
  Mm* share_mm(Task* t);
  // kernel/fork.c: mmput(): t lets go of its mm (exit_mm(), exec_mmap());
  // the last user's __mmput() drops the mapped files and the user_ns.
  void mmput(Task* t);
  // kernel/fork.c: mm_release() -> complete_vfork_done(): a vfork child
  // gave the mm back (exec or exit): its parent wakes.
  void complete_vfork_done(Task* child);
  // fs/nsfs.c: open_related_ns(): a new nsfs fd on `ns` in cur's table, with
  // cur's cred (the inode's reference is taken by its first user). `path` is
  // for display.
  int open_related_ns(Task* cur, NsCommon* ns, std::string path);
  // The same for open_by_handle_at() (fs/nsfs.c: nsfs_export_open()), whose
  // O_CLOEXEC is the caller's.
  int open_handle_ns(Task* cur, NsCommon* ns, bool cloexec);
  // The task's files table / fs_struct, allocated if it was still implicit (null).
  FilesStruct* files_of(Task* t);
  FsStruct* fs_of(Task* t);
  void put_files_struct(FilesStruct* fs);
  void put_fs_struct(FsStruct* fs);
  void put_mount(Mount* m);
  Result<void> umount_old_root(Task* cur, MntNamespace* mnt_ns, bool detach);
  Result<void> umount_dir_bind(Task* cur, MntNamespace* mnt_ns, std::string_view path, bool detach);
  // exit
  void release_task(Task* p);

 private:
  template <class T>
  T* new_ns(NsType type, UserNamespace* owner);
  void free_ns(NsCommon* ns);
  uint32_t proc_alloc_inum();
  void proc_free_inum(uint32_t inum);
  void boot();
  Result<Task*> kernel_clone(Task* cur, uint64_t flags, uint8_t exit_signal, std::string&& comm, bool clone3,
                             int* pidfd = nullptr, std::span<const int32_t> set_tid = {}, int cgroup_fd = 0);
  Result<Task*> copy_process(Task* cur, uint64_t flags, uint8_t exit_signal, std::string&& comm, int* pidfd,
                             std::span<const int32_t> set_tid, int cgroup_fd = 0);
  // An allocated struct pid not attached to a task, given back (copy_process()'s
  // bad_fork_free_pid: free_pid(), then put_pid()).
  void free_unattached_pid(Pid* pid);
  Result<UserNamespace*> create_user_ns(Cred* new_cred, bool chrooted);
  bool validate_only_ = false;  // copy_process() stops after its flag checks
  // The setns path (sim/nsproxy.cc), templates on the tracer Tr: Trace while
  // tracing, else NoTrace, the same source compiled without any trace hook.
  template <class Tr>
  Result<void> do_setns(Tr& tr, Task* cur, int fd, uint64_t nstype);
  Result<void> sys_setns_traced(Task* cur, int fd, uint64_t nstype);  // do_setns(trace, ...), out of line
  template <class Tr>
  Result<void> setns_nsset(Tr& tr, Task* cur, File* f, NsCommon* one, uint64_t flags);
  template <class Tr>
  int setns_fdget(Tr& tr, Task* cur, int fd, uint64_t& flags, File*& f, NsCommon*& one);
  template <class Tr>
  int prepare_nsset(Tr& tr, NsSet& ns, Task* cur, uint64_t flags, bool in_place, uint32_t& new_id);
  template <class Tr>
  int validate_ns(Tr& tr, NsSet& ns, Task* cur, NsCommon* target);
  template <class Tr, class T>
  void nsset_slot(Tr& tr, NsSet& ns, T*& slot, uint8_t bit, NsCommon* target, const char* name);
  template <class Tr>
  void commit_nsset(Tr& tr, NsSet& ns, Task* cur, NsProxy* old_nsp, uint32_t new_id);
  template <class Tr>
  void put_nsset(Tr& tr, NsSet& ns, NsProxy* old_nsp);
  template <class Tr>
  void setns_get(Tr& tr, NsCommon* ns, const Why& why);
  template <class Tr>
  void setns_put(Tr& tr, NsCommon* ns, const Why& why);
  Result<PidNamespace*> create_pid_namespace(UserNamespace* user_ns, PidNamespace* parent);
  void exit_notify(Task* tsk);
  void forget_original_parent(Task* father);
  Task* find_alive_thread(Task* father);
  // kernel/sched: current_is_single_threaded(): no other live thread in the
  // group (a zombie leader does not count) and no CLONE_VM sharer.
  bool current_is_single_threaded(const Task* t) const;
  // fs/namespace.c: current_chrooted() @ v6.18: t's root is not the root of
  // its own mount namespace (see FsStruct::root_mnt).
  // A root in a directory (chroot()) is not the namespace's root either
  // (fs/namespace.c: current_chrooted() @ v6.12 compares mount and dentry).
  bool current_chrooted(const Task* t) const { return root_in_other_ns(t) || chrooted_in_dir(t); }
  // The root is the root of another mount namespace's tree (setns(pidfd, CLONE_NEWNS|...)).
  bool root_in_other_ns(const Task* t) const {
    return t->fs && t->fs->root_mnt && t->nsproxy && t->fs->root_mnt - 1 != t->nsproxy->mnt_ns->serial;
  }
  // copy_fs_struct() for a task: a private fs_struct with root_mnt and
  // root_dir, or none (the implicit private one) when both are empty.
  FsStruct* fs_with_root(uint64_t root_mnt, std::string root_dir = {});
  // ENOENT for a /proc path looked up under a chroot() directory.
  std::unexpected<Errno> proc_outside_root(const Task* cur);
  // Children of every thread of t's group (what wait4 without __WNOTHREAD sees).
  std::vector<Task*> group_children(const Task* t) const;
  Task* find_child_reaper(Task* father);
  Task* find_new_reaper(Task* father, Task* child_reaper);
  void zap_pid_ns_processes(PidNamespace* ns, Task* init);
  void exit_files(Task* t);
  void do_exit_quiet(Task* t, int code);
  // kernel/cgroup/cgroup.c: cgroup_css_set_fork() and cgroup_attach_permissions()
  // for clone3's CLONE_INTO_CGROUP: the cgroup the child starts in.
  Result<Cgroup*> cgroup_css_set_fork(Task* cur, uint64_t flags, int cgroup_fd);
  bool cgroup_may_write(const Cred* c, const Cgroup* cgrp) const;
  void cgroup_exit(Task* t);
  std::unique_ptr<Cgroup> cgrp_root_ = std::make_unique<Cgroup>();
  std::vector<std::unique_ptr<Cgroup>> cgroups_;  // every cgroup made, dead ones too

  Config cfg_;
  KernelFeatures features_;  // of cfg_.kernel
  ObjectRegistry reg_;
  TaskTable tasks_;
  std::vector<NsRecord> records_;
  std::vector<uint64_t> inum_used_;     // ida bitmap, bit i = PROC_DYNAMIC_FIRST + i
  size_t inum_hint_ = 0;                // first word that may have a free bit
  std::vector<std::string> run_files_;  // files created by mount (mountpoints)
  std::vector<std::string> run_dirs_;   // directories mount created for them
  uint32_t mnt_group_seq_ = 0;          // peer group ids (mnt_group_id)
  // Puts a mount namespace's root out of its peer group (a namespace going
  // away, or made private or slave): fs/pnode.c: do_make_slave().
  void leave_peer_group(MntNamespace* ns);
  std::vector<std::pair<MntNamespace*, size_t>> propagation_targets(MntNamespace* src, const Mount* parent,
                                                                   std::string_view path) const;
  uint64_t mnt_seq_ = 0;
  uint64_t ns_id_cookie_ = 0;  // the last ns_id handed out (ns_tree_gen_id())
  Result<NsCommon*> resolve_nsfs(Task* cur, const PathRef& p);
  uint32_t next_obj_id_[24] = {};  // by ObjKind
  NsProxy* init_nsproxy_ = nullptr;
  UserNamespace* init_user_ns_ = nullptr;
  UserNamespace* env_user_ns_ = nullptr;  // Config::env_user, when set
  UserNamespace* mm_user_ns_ = nullptr;   // every task's mm->user_ns: where nssim was exec'd
  Cred* observer_cred_ = nullptr;         // nssim's own, reading /proc; holds no reference (outside the model)
  PidNamespace* init_pid_ns_ = nullptr;
  std::vector<NsCommon*> init_ns_;
  uint32_t next_id(ObjKind k) { return ++next_obj_id_[static_cast<int>(k)]; }
  // The interned id of root's capabilities in its own user namespace (every
  // cap permitted, effective and in the bounding set): what set_cred_user_ns()
  // gives a cred that enters or creates a user namespace. Interned once.
  uint32_t full_caps_id_ = 0;
  friend class Restorer;  // sim/restore.cc builds a kernel from a snapshot
  std::vector<std::pair<NsCommon*, std::string>> external_pins_;
};

}  // namespace nssim
