// fs/proc/namespaces.c: proc_ns_get_link(); fs/nsfs.c: ns_get_path() and the
// nsfs inode's single reference; fs/file.c: alloc_fd(), close_fd(), fput();
// kernel/sys.c: sethostname() @ v6.18.
#include "sim/kernel.h"

namespace nssim {

// The ->get() of each /proc/PID/ns link type @ v6.18. Links that go through
// the nsproxy (uts, ipc, mnt, net, cgroup, time, time_for_children,
// pid_for_children) vanish at exit_task_namespaces(); `pid` (from the task's
// struct pid) and `user` (from its cred) stay readable on a zombie (verified
// live). pid_for_children is ENOENT until its namespace has a child_reaper
// (Feature::PidForChildrenBeforeInit: since 7.1 it opens at once;
// kernel/pid_namespace.c: pidns_for_children_get() @ v7.2 has no such check).
NsCommon* Kernel::ns_of_link(const Task* t, Link l) const {
  if (!t || t->state == TaskState::Reaped) return nullptr;
  const NsProxy* p = t->nsproxy;
  switch (l) {
    case Link::Pid: return task_active_pid_ns(t);
    case Link::User: return t->cred ? t->cred->user_ns : nullptr;
    default: break;
  }
  if (!p) return nullptr;
  switch (l) {
    case Link::Cgroup: return p->cgroup_ns;
    case Link::Ipc: return p->ipc_ns;
    case Link::Mnt: return p->mnt_ns;
    case Link::Net: return p->net_ns;
    case Link::PidForChildren:
      if (has(Feature::PidForChildrenBeforeInit)) return p->pid_ns_for_children;
      return p->pid_ns_for_children->child_reaper ? p->pid_ns_for_children : nullptr;
    case Link::Time: return p->time_ns;
    case Link::TimeForChildren: return p->time_ns_for_children;
    case Link::Uts: return p->uts_ns;
    default: return nullptr;
  }
}

std::vector<uint8_t> Kernel::active_namespaces() const {
  std::vector<uint8_t> a;
  if (!has(Feature::ActiveRefs)) return a;
  a.resize(records_.size());
  auto mark = [&](const NsCommon* ns) {
    if (ns) a[ns->serial] = 1;
  };
  for (const Task* t : live_tasks()) {
    if (const NsProxy* p = t->nsproxy) {
      mark(p->uts_ns), mark(p->ipc_ns), mark(p->mnt_ns), mark(p->pid_ns_for_children);
      mark(p->net_ns), mark(p->time_ns), mark(p->time_ns_for_children), mark(p->cgroup_ns);
    }
    if (t->cred) mark(t->cred->user_ns);
    mark(task_active_pid_ns(t));
  }
  for (const NsRecord& r : records_)
    if (r.ns && (r.ns->initial || r.ns->nsfs_users)) mark(r.ns);
  // ns_owner(): an owner is made before what it owns (a lower serial), so one
  // pass from the newest carries each active reference up the chain.
  for (size_t i = records_.size(); i-- > 0;) {
    const NsCommon* ns = records_[i].ns;
    if (!a[i] || !ns) continue;
    const NsCommon* owner =
        ns->type == NsType::User ? static_cast<const UserNamespace*>(ns)->parent : ns->user_ns;
    mark(owner);
  }
  return a;
}

FilesStruct* Kernel::files_of(Task* t) {
  if (!t->files) t->files = new FilesStruct(reg_, next_id(ObjKind::FilesStruct));
  return t->files;
}

namespace {
// `path` is `dir` or under it.
bool under_or_at(std::string_view path, std::string_view dir) {
  return path == dir || (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/');
}
}  // namespace

MntNamespace* Kernel::path_mnt_ns(const Task* t) const {
  if (!root_in_other_ns(t)) return t->nsproxy->mnt_ns;
  return static_cast<MntNamespace*>(records_[t->fs->root_mnt - 1].ns);
}

FsStruct* Kernel::fs_with_root(uint64_t root_mnt, std::string root_dir) {
  if (!root_mnt && root_dir.empty()) return nullptr;
  auto* fs = new FsStruct(reg_, next_id(ObjKind::FsStruct));
  fs->root_mnt = root_mnt;
  fs->root_dir = std::move(root_dir);
  return fs;
}

FsStruct* Kernel::fs_of(Task* t) {
  if (!t->fs) t->fs = new FsStruct(reg_, next_id(ObjKind::FsStruct));
  return t->fs;
}

int Kernel::alloc_fd(FilesStruct* files, File* f, bool cloexec) {
  // Lowest free descriptor; 0-2 are taken by stdio in every modelled task.
  size_t fd = 3;
  while (fd < files->fdt.size() && files->fdt[fd]) ++fd;
  if (fd >= files->fdt.size()) files->fdt.resize(fd + 1, nullptr);
  files->fdt[fd] = f;
  files->set_cloexec(fd, cloexec);  // fd_install() after get_unused_fd_flags(O_CLOEXEC or not)
  return static_cast<int>(fd);
}

FilesStruct* Kernel::dup_fd(const FilesStruct* old) {
  auto* nf = new FilesStruct(reg_, next_id(ObjKind::FilesStruct));
  nf->fdt = old->fdt;
  nf->names = old->names;
  nf->close_on_exec = old->close_on_exec;
  for (File* f : nf->fdt)
    if (f) f->get();
  return nf;
}

// kernel/ptrace.c: __ptrace_may_access() @ v6.18 (PTRACE_MODE_READ_FSCREDS or
// _REALCREDS): same thread group, or the same uid/gid triple (fsuid or uid of
// the caller against the target's uid, euid and suid), or CAP_SYS_PTRACE over
// the target's user namespace.
bool Kernel::ptrace_may_access(const Task* cur, const Task* t, bool realcreds) const {
  if (cur->group_leader == t->group_leader) return true;
  return ptrace_may_access_cred(cur->cred, t, realcreds);
}

// What nssim itself may read of a task's /proc (its ns links, its fds): the
// same check for a reader that is root, with every capability, in the
// observer's user namespace (Kernel::observer_user_ns()) — inside a user
// namespace, a non-dumpable task's links are hidden from it too.
bool Kernel::observer_may_read(const Task* t) const { return ptrace_may_access_cred(observer_cred_, t, false); }

// Listing /proc/PID/fd needs, besides observer_may_read(), search permission on that 0500 directory:
// owned by the task's euid, or by root (of mm->user_ns) once the task is not
// dumpable (fs/proc/base.c: task_dump_owner()); else CAP_DAC_READ_SEARCH or
// CAP_DAC_OVERRIDE (fs/namei.c: generic_permission()). Only a reader without
// those capabilities (a container that drops them) ever fails here.
bool Kernel::observer_may_search_fd_dir(const Task* t) const {
  const Cred* c = observer_cred_;
  CapSet eff = c->caps().effective;
  if (((eff >> CAP_DAC_READ_SEARCH) & 1) || ((eff >> CAP_DAC_OVERRIDE) & 1)) return true;
  bool dumpable = ptrace_dumpable(t);
  uint32_t root = make_kid(has(Feature::TaskExecState) ? ptrace_user_ns(t) : mm_user_ns_of(t), 0, false);
  uint32_t owner = dumpable ? t->cred->euid : (root == INVALID_ID ? 0 : root);
  return c->fsuid == owner;
}

bool Kernel::ptrace_may_access_cred(const Cred* c, const Task* t, bool realcreds) const {
  const Cred* tc = t->cred;
  uint32_t uid = realcreds ? c->uid : c->fsuid, gid = realcreds ? c->gid : c->fsgid;
  bool same = uid == tc->euid && uid == tc->suid && uid == tc->uid && gid == tc->egid && gid == tc->sgid &&
              gid == tc->gid;
  if (!same && !ns_capable(c, tc->user_ns, CAP_SYS_PTRACE)) return false;
  // A non-dumpable mm (after a credential change) also needs CAP_SYS_PTRACE
  // over mm->user_ns: the user namespace nssim was exec'd in, for every nssim
  // task (the initial one, or the run's when nssim started inside it).
  // Surprise (found by nssim fuzz --real, verified live on 6.18.44): a zombie
  // keeps the dumpability its mm had at exit, so the check applies to
  // zombies too (an unprivileged caller gets EACCES, not ENOENT).
  // For an exited task, the dumpability exit_mm() saved (task->user_dumpable):
  // found by nssim fuzz --real, a leader that exited keeps its own even when
  // its live threads later change the mm's with prctl(PR_SET_DUMPABLE).
  // kernel/ptrace.c: task_still_dumpable() (commit 31e62c2ebbfd, in 6.18.y):
  // with no mm left the kernel cannot know mm->user_ns and asks for
  // CAP_SYS_PTRACE in init_user_ns (found by nssim fuzz --real in a user namespace).
  // With Feature::TaskExecState (7.2: task_still_dumpable() reads
  // task->exec_state) an exited task's check is a live one: its threads'
  // prctl(PR_SET_DUMPABLE) changes it, and the capability is asked over the
  // state's user namespace (found by make kernels on 7.2).
  if (!ptrace_dumpable(t) && !ns_capable(c, ptrace_user_ns(t), CAP_SYS_PTRACE)) return false;
  // security/commoncap.c: cap_ptrace_access_check() @ v6.18 (the LSM hook):
  // same user namespace with at least the target's permitted capabilities
  // (effective ones for FSCREDS, permitted for REALCREDS), or CAP_SYS_PTRACE
  // over the target's user namespace. Found by `nssim fuzz --real`: a task in
  // a child user namespace cannot open the ns links of a root task outside,
  // even with the same uid.
  CapSet caller = realcreds ? c->caps().permitted : c->caps().effective;
  if (c->user_ns == tc->user_ns && (tc->caps().permitted & ~caller) == 0) return true;
  return ns_capable(c, tc->user_ns, CAP_SYS_PTRACE);
}

// open("/proc/TARGET/ns/LINK"): fs/proc/namespaces.c: proc_ns_get_link() ->
// fs/nsfs.c: ns_get_path(). The first opener's reference stays with the nsfs
// inode (stashed dentry); later opens share that inode and drop theirs.
Result<int> Kernel::sys_open_nsfs(Task* cur, Task* target, Link link, bool cloexec, std::string_view via) {
  NSSIM_SCOPE(s, trace, "proc_ns_get_link", "/proc/{}/ns/{}", target ? target->comm : "?", link_name(link));
  if (!target || target->state == TaskState::Reaped) return fail(ENOENT);  // no /proc/PID
  if (!proc_reachable(cur, via)) return proc_outside_root(cur);
  if (!ptrace_may_access(cur, target, /*realcreds=*/false)) {
    NSSIM_EVENT(trace, "ptrace_may_access", "{} may not read {}: EACCES", cur->comm, target->comm);
    return fail(EACCES);
  }
  NsCommon* ns = ns_of_link(target, link);
  if (!ns) {
    NSSIM_EVENT(trace, "ns_get_path", "{}'s {} link has no namespace now: ENOENT", target->comm, link_name(link));
    return fail(ENOENT);
  }
  if (ns->nsfs_users++ == 0)
    get_ns(ns, "nsfs inode");
  else
    NSSIM_EVENT(trace, "ns_get_path", "{} inode already exists: shared", ns_str(ns));
  auto* f = new File(reg_, next_id(ObjKind::File));
  f->fkind = FileKind::Nsfs;
  f->ns = ns;
  cur->cred->get();
  f->f_cred = cur->cred;
  f->path = fmt::format("/proc/{}/ns/{}", target->comm, link_name(link));
  int fd = alloc_fd(files_of(cur), f, cloexec);
  NSSIM_EVENT(trace, "fd_install", "fd {} -> {}", fd, ns_str(ns));
  return fd;
}

// fs/file_table.c: fput() -> __fput(): the last reference to an nsfs file
// releases its use of the inode; the last use evicts the inode, which puts
// the namespace (fs/nsfs.c: nsfs_evict()).
void Kernel::fput(File* f) {
  if (!f->put()) return;
  NSSIM_SCOPE(s, trace, "__fput", "{}", f->path);
  if (f->fkind == FileKind::Nsfs) {
    if (--f->ns->nsfs_users == 0) put_ns(f->ns, "nsfs inode evicted");
  } else if (f->fkind == FileKind::Pidfd) {
    put_pid(f->pid);
  } else if (f->fkind == FileKind::Socket) {
    // net/socket.c: sock_close() -> __sock_release(); the sock's last put
    // (net/core/sock.c: __sk_destruct()) drops its net namespace. The kernel
    // may defer it by an RCU grace period; the checker waits for late frees.
    sock_release(f->sock);
  }
  Cred* c = f->f_cred;
  Mount* m = f->mnt;
  delete f;
  put_cred(c, "f_cred");
  if (m) put_mount(m);
}

// fs/file.c: close_fd() @ v6.18.
Result<void> Kernel::sys_close(Task* cur, int fd) {
  NSSIM_SCOPE(s, trace, "close_fd", "fd {}", fd);
  FilesStruct* files = cur->files;
  if (!files || fd < 0 || static_cast<size_t>(fd) >= files->fdt.size() || !files->fdt[fd]) return fail(EBADF);
  File* f = files->fdt[fd];
  files->fdt[fd] = nullptr;
  files->set_cloexec(fd, false);
  fput(f);
  return {};
}

void Kernel::put_files_struct(FilesStruct* fs) {
  if (!fs->put()) return;
  NSSIM_SCOPE(s, trace, "put_files_struct", "files#{} freed: closing its fds", fs->id());
  auto fdt = std::move(fs->fdt);
  delete fs;
  for (File* f : fdt)
    if (f) fput(f);
}

void Kernel::put_fs_struct(FsStruct* fs) {
  if (fs->put()) delete fs;
}

// kernel/sys.c: SYSCALL_DEFINE2(sethostname) @ v6.18: CAP_SYS_ADMIN over the
// owner of the caller's uts namespace; at most __NEW_UTS_LEN (64) bytes.
Result<void> Kernel::sys_sethostname(Task* cur, std::string_view name) {
  NSSIM_SCOPE(s, trace, "sethostname", "\"{}\"", name);
  UtsNamespace* u = cur->nsproxy->uts_ns;
  if (!ns_capable(cur->cred, u->user_ns, CAP_SYS_ADMIN)) return fail(EPERM);
  if (name.size() > 64) return fail(EINVAL);
  u->nodename = std::string(name);
  NSSIM_EVENT(trace, "sethostname", "{} nodename = \"{}\"", ns_str(u), name);
  return {};
}

}  // namespace nssim

namespace nssim {

namespace {
// fs/nsfs.c: open_related_ns(): a new nsfs fd on `ns` (the inode's reference
// is taken if it is the first user), with the caller's cred.
// open_related_ns() always asks for O_CLOEXEC; an open() of a mount, as told.
int open_nsfs_fd(Kernel& k, ObjectRegistry& reg, uint32_t id, Task* cur, NsCommon* ns, std::string path,
                 bool cloexec = true) {
  if (ns->nsfs_users++ == 0) k.get_ns(ns, "nsfs inode");
  auto* f = new File(reg, id);
  f->fkind = FileKind::Nsfs;
  f->ns = ns;
  cur->cred->get();
  f->f_cred = cur->cred;
  f->path = std::move(path);
  int fd = k.alloc_fd(k.files_of(cur), f, cloexec);
  NSSIM_EVENT(k.trace, "fd_install", "fd {} -> {}", fd, k.ns_str(ns));
  return fd;
}
}  // namespace

int Kernel::open_related_ns(Task* cur, NsCommon* ns, std::string path) {
  return open_nsfs_fd(*this, reg_, next_id(ObjKind::File), cur, ns, std::move(path));
}

int Kernel::open_handle_ns(Task* cur, NsCommon* ns, bool cloexec) {
  return open_nsfs_fd(*this, reg_, next_id(ObjKind::File), cur, ns, "handle of " + ns_str(ns), cloexec);
}

// fs/nsfs.c: ns_ioctl() @ v6.18; SIOCGSKNS on a socket: net/socket.c:
// sock_ioctl() @ v6.18.
Result<int64_t> Kernel::sys_ioctl(Task* cur, int fd, NsIoctl cmd, int64_t arg) {
  static constexpr const char* kNames[] = {"NS_GET_USERNS", "NS_GET_PARENT",   "NS_GET_NSTYPE",  "NS_GET_OWNER_UID",
                                           "SIOCGSKNS",     "NS_GET_ID",       "NS_GET_MNTNS_ID",
                                           // PIDFD_GET_<X>_NAMESPACE
                                           "PIDFD_GET_CGROUP_NAMESPACE", "PIDFD_GET_IPC_NAMESPACE",
                                           "PIDFD_GET_MNT_NAMESPACE", "PIDFD_GET_NET_NAMESPACE",
                                           "PIDFD_GET_PID_NAMESPACE", "PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE",
                                           "PIDFD_GET_TIME_NAMESPACE", "PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE",
                                           "PIDFD_GET_USER_NAMESPACE", "PIDFD_GET_UTS_NAMESPACE",
                                           // pid translation
                                           "NS_GET_PID_FROM_PIDNS", "NS_GET_TGID_FROM_PIDNS",
                                           "NS_GET_PID_IN_PIDNS", "NS_GET_TGID_IN_PIDNS"};
  NSSIM_SCOPE(s, trace, "ns_ioctl", "fd {} {} {}", fd, kNames[static_cast<int>(cmd)], arg);
  const bool pid_translation = cmd >= NsIoctl::GetPidFromPidns;
  File* f = (cur->files && fd >= 0 && static_cast<size_t>(fd) < cur->files->fdt.size()) ? cur->files->fdt[fd]
                                                                                        : nullptr;
  if (!f) return fail(EBADF);
  if (f->fkind == FileKind::Socket) {
    // sock_ioctl() handles SIOCGSKNS itself; every NS_GET_* request goes on
    // to the protocol (sock_do_ioctl()), which knows none of them: ENOTTY.
    if (cmd != NsIoctl::SiocGskns) return fail(ENOTTY);
    auto r = sock_ioctl_siocgskns(cur, f);
    if (!r) return std::unexpected(r.error());
    return *r;
  }
  if (cmd >= NsIoctl::PidfdGetCgroupNs && !pid_translation) return pidfd_get_namespace(cur, f, cmd);
  // fs/pidfs.c: pidfd_ioctl() @ v6.12: from Feature::PidfdIoctl until
  // Feature::PidfsIoctlValid a pidfd knows none of these commands, but finds
  // out only after its checks of the argument and the task. NS_GET_OWNER_UID,
  // NS_GET_ID and NS_GET_MNTNS_ID pass an argument (a pointer); the others pass 0.
  // Before Feature::PidfdIoctl (and since Feature::PidfsIoctlValid) they are
  // ENOTTY below.
  if (f->fkind == FileKind::Pidfd && has(Feature::PidfdIoctl) && !has(Feature::PidfsIoctlValid)) {
    Task* tsk = f->pid ? f->pid->task : nullptr;  // get_pid_task(PIDTYPE_PID)
    if (cmd == NsIoctl::GetOwnerUid || cmd == NsIoctl::GetId || cmd == NsIoctl::GetMntnsId ||
        (pid_translation && arg != 0)) {
      NSSIM_EVENT(trace, "pidfd_ioctl", "a non-zero argument: EINVAL");
      return fail(EINVAL);
    }
    if (!tsk) {
      NSSIM_EVENT(trace, "pidfd_ioctl", "the task was reaped: ESRCH");
      return fail(ESRCH);
    }
    if (!ptrace_may_access(cur, tsk, /*realcreds=*/false)) {
      NSSIM_EVENT(trace, "pidfd_ioctl", "ptrace_may_access({}) denied: EACCES", tsk->comm);
      return fail(EACCES);
    }
    if (!tsk->nsproxy) {
      NSSIM_EVENT(trace, "pidfd_ioctl", "{} has exited (no nsproxy): ESRCH", tsk->comm);
      return fail(ESRCH);
    }
    NSSIM_EVENT(trace, "pidfd_ioctl", "not a pidfd command: ENOTTY");
    return fail(ENOTTY);
  }
  // SIOCGSKNS on an nsfs file, a pidfd or a plain file: no handler (ENOTTY);
  // a pidfd since Feature::PidfsIoctlValid: pidfs_ioctl_valid() @ v6.18;
  // before Feature::PidfdIoctl: no ->unlocked_ioctl (fs/ioctl.c: vfs_ioctl() @ v6.1).
  if (f->fkind != FileKind::Nsfs || cmd == NsIoctl::SiocGskns) return fail(ENOTTY);
  NsCommon* ns = f->ns;
  const UserNamespace* mine = cur->cred->user_ns;
  // ns_get_owner(): the owner must be the caller's user namespace or below it.
  auto owner_in_scope = [&](UserNamespace* owner) -> Result<UserNamespace*> {
    if (!owner) return fail(EPERM);
    for (const UserNamespace* p = owner;; p = p->parent) {
      if (p == mine) return owner;
      if (!p->parent) {
        NSSIM_EVENT(trace, "ns_get_owner", "{} is outside the caller's {}: EPERM", ns_str(owner), ns_str(mine));
        return fail(EPERM);
      }
    }
  };
  switch (cmd) {
    case NsIoctl::GetUserns: {
      UserNamespace* owner = ns->type == NsType::User ? static_cast<UserNamespace*>(ns)->parent : ns->user_ns;
      auto r = owner_in_scope(owner);
      if (!r) return std::unexpected(r.error());
      return open_nsfs_fd(*this, reg_, next_id(ObjKind::File), cur, *r, "NS_GET_USERNS of " + ns_str(ns));
    }
    case NsIoctl::GetParent: {
      if (ns->type == NsType::User) {
        auto r = owner_in_scope(static_cast<UserNamespace*>(ns)->parent);
        if (!r) return std::unexpected(r.error());
        return open_nsfs_fd(*this, reg_, next_id(ObjKind::File), cur, *r, "NS_GET_PARENT of " + ns_str(ns));
      }
      if (ns->type != NsType::Pid) return fail(EINVAL);  // no ->get_parent
      // kernel/pid_namespace.c: pidns_get_parent(): the parent must be the
      // caller's active pid namespace or below it.
      PidNamespace* parent = static_cast<PidNamespace*>(ns)->parent;
      PidNamespace* active = task_active_pid_ns(cur);
      for (PidNamespace* p = parent;; p = p->parent) {
        if (!p) {
          NSSIM_EVENT(trace, "pidns_get_parent", "parent of {} is outside {}'s pid namespace: EPERM", ns_str(ns),
                      cur->comm);
          return fail(EPERM);
        }
        if (p == active) break;
      }
      return open_nsfs_fd(*this, reg_, next_id(ObjKind::File), cur, parent, "NS_GET_PARENT of " + ns_str(ns));
    }
    case NsIoctl::GetNstype: return static_cast<int64_t>(ns_type_clone_flag(ns->type));
    case NsIoctl::GetOwnerUid:
      if (ns->type != NsType::User) return fail(EINVAL);
      return from_kid_munged(mine, static_cast<UserNamespace*>(ns)->owner, false);
    case NsIoctl::SiocGskns: break;  // ENOTTY above
    // fs/nsfs.c: ns_ioctl() @ v6.18: NS_GET_ID copies out ns->ns_id, for any
    // type and any caller. Before it (6.12) the request is unknown: ENOTTY.
    case NsIoctl::GetId:
      if (!has(Feature::NsGetId)) return fail(ENOTTY);
      return static_cast<int64_t>(ns->ns_id);
    // NS_GET_MNTNS_ID: a mount namespace's id, EINVAL for another type
    // (ns_ioctl() @ v6.12: mnt_ns->seq; @ v6.18: the common ns_id); ENOTTY
    // before it existed (6.1).
    case NsIoctl::GetMntnsId:
      if (!has(Feature::NsGetMntnsId)) return fail(ENOTTY);
      if (ns->type != NsType::Mnt) return fail(EINVAL);
      if (has(Feature::NsGetId)) return static_cast<int64_t>(ns->ns_id);
      return static_cast<int64_t>(static_cast<MntNamespace*>(ns)->seq);
    default: break;
  }
  if (pid_translation) {
    // fs/nsfs.c: ns_ioctl() @ v6.12, @ v7.2: *_IN_PIDNS looks the pid up in
    // the caller's active pid namespace (find_task_by_vpid()) and answers in
    // the fd's, *_FROM_PIDNS the other way round; a number of 0 (the task has
    // none there) is ESRCH. ENOTTY before Feature::NsPidTranslation.
    if (!has(Feature::NsPidTranslation)) return fail(ENOTTY);
    if (ns->type != NsType::Pid) return fail(EINVAL);
    auto* pid_ns = static_cast<PidNamespace*>(ns);
    PidNamespace* active = task_active_pid_ns(cur);
    const bool in = cmd == NsIoctl::GetPidInPidns || cmd == NsIoctl::GetTgidInPidns;
    // ns_ioctl() passes the unsigned long on as a pid_t.
    const int64_t nr = static_cast<int32_t>(static_cast<uint32_t>(arg));
    Task* tsk = find_task_by_pid_ns(nr, in ? active : pid_ns);
    if (!tsk) {
      NSSIM_EVENT(trace, "ns_ioctl", "no task with pid {} in {}: ESRCH", nr, ns_str(in ? active : pid_ns));
      return fail(ESRCH);
    }
    const bool tgid = cmd == NsIoctl::GetTgidFromPidns || cmd == NsIoctl::GetTgidInPidns;
    // task_tgid_nr_ns(): the thread group leader's struct pid.
    const Pid* p = tgid ? tsk->group_leader->thread_pid : tsk->thread_pid;
    uint32_t ret = pid_nr_ns(p, in ? pid_ns : active);
    if (ret == 0) {
      NSSIM_EVENT(trace, "ns_ioctl", "{} has no number in {}: ESRCH", tsk->comm, ns_str(in ? pid_ns : active));
      return fail(ESRCH);
    }
    return static_cast<int64_t>(ret);
  }
  return fail(ENOTTY);
}

uint32_t Kernel::pid_nr_ns(const Pid* pid, const PidNamespace* ns) {
  if (!pid || !ns) return 0;
  for (uint32_t i = 0; i < pid->numbers.size(); ++i)
    if (pid->numbers[i].ns == ns) return pid->numbers[i].nr;
  return 0;
}

Task* Kernel::find_task_by_pid_ns(int64_t nr, const PidNamespace* ns) const {
  if (nr <= 0 || !ns) return nullptr;
  for (Task* t : tasks_)
    if (t->thread_pid && pid_nr_ns(t->thread_pid, ns) == nr) return t;
  return nullptr;
}

// fs/pidfs.c: pidfd_ioctl() @ v6.12 and @ v7.2 (PIDFD_GET_<X>_NAMESPACE; the
// scenario passes 0 as the argument, so 6.12's argument check, first, and
// 7.2's, after the task lookup, both pass). Since Feature::PidfsIoctlValid
// pidfs_ioctl_valid() knows these commands, so the order is the same before
// and after it: the task, ptrace_may_access(), the nsproxy, the namespace.
// No child_reaper check: pid_for_children opens before the namespace has its
// init, where /proc/PID/ns/pid_for_children is ENOENT before 7.1 (verified
// live on 6.18).
Result<int64_t> Kernel::pidfd_get_namespace(Task* cur, File* f, NsIoctl cmd) {
  if (f->fkind != FileKind::Pidfd) {
    // fs/nsfs.c: ns_ioctl() @ v6.12 matches its extensible requests by
    // _IOC_NR() only: nr 10 (PIDFD_GET_UTS_NAMESPACE) is NS_MNT_GET_INFO's,
    // which refuses a NULL argument (and any type but mnt) with EINVAL. 6.1
    // has no extensible requests (Feature::NsGetMntnsId came with them), and
    // nsfs_ioctl_valid() (Feature::NsfsIoctlValid) refuses it first: ENOTTY.
    // Any other file: no handler for the command (ENOTTY).
    if (f->fkind == FileKind::Nsfs && cmd == NsIoctl::PidfdGetUtsNs && has(Feature::NsGetMntnsId) &&
        !has(Feature::NsfsIoctlValid)) {
      NSSIM_EVENT(trace, "ns_ioctl", "_IOC_NR 10 taken for NS_MNT_GET_INFO, NULL argument: EINVAL");
      return fail(EINVAL);
    }
    return fail(ENOTTY);
  }
  // Before Feature::PidfdIoctl pidfd_fops has no ioctl (kernel/fork.c @ v6.1;
  // fs/ioctl.c: vfs_ioctl()).
  if (!has(Feature::PidfdIoctl)) return fail(ENOTTY);
  Task* tsk = f->pid ? f->pid->task : nullptr;  // get_pid_task(PIDTYPE_PID)
  if (!tsk) {
    NSSIM_EVENT(trace, "pidfd_ioctl", "the task was reaped: ESRCH");
    return fail(ESRCH);
  }
  if (!ptrace_may_access(cur, tsk, /*realcreds=*/false)) {  // PTRACE_MODE_READ_FSCREDS
    NSSIM_EVENT(trace, "pidfd_ioctl", "ptrace_may_access({}) denied: EACCES", tsk->comm);
    return fail(EACCES);
  }
  NsProxy* nsp = tsk->nsproxy;
  if (!nsp) {
    NSSIM_EVENT(trace, "pidfd_ioctl", "{} has exited (no nsproxy): ESRCH", tsk->comm);
    return fail(ESRCH);
  }
  NsCommon* ns = nullptr;
  const char* what = "";
  switch (cmd) {
    case NsIoctl::PidfdGetCgroupNs: ns = nsp->cgroup_ns, what = "cgroup"; break;
    case NsIoctl::PidfdGetIpcNs: ns = nsp->ipc_ns, what = "ipc"; break;
    case NsIoctl::PidfdGetMntNs: ns = nsp->mnt_ns, what = "mnt"; break;
    case NsIoctl::PidfdGetNetNs: ns = nsp->net_ns, what = "net"; break;
    case NsIoctl::PidfdGetPidForChildrenNs: ns = nsp->pid_ns_for_children, what = "pid_for_children"; break;
    case NsIoctl::PidfdGetTimeNs: ns = nsp->time_ns, what = "time"; break;
    case NsIoctl::PidfdGetTimeForChildrenNs: ns = nsp->time_ns_for_children, what = "time_for_children"; break;
    case NsIoctl::PidfdGetUtsNs: ns = nsp->uts_ns, what = "uts"; break;
    // Not on the nsproxy: the task's cred's user namespace (task_cred_xxx())
    // and its active pid namespace (task_active_pid_ns()).
    case NsIoctl::PidfdGetUserNs: ns = tsk->cred->user_ns, what = "user"; break;
    case NsIoctl::PidfdGetPidNs: ns = task_active_pid_ns(tsk), what = "pid"; break;
    default: return fail(ENOTTY);
  }
  if (!ns) return fail(EOPNOTSUPP);  // no such namespace (!ns_common): not reached with an nsproxy
  NSSIM_EVENT(trace, "pidfd_ioctl", "{}'s {}: {}", tsk->comm, what, ns_str(ns));
  return open_related_ns(cur, ns, fmt::format("pidfd {} of {}", what, tsk->comm));
}

bool Kernel::run_dir_exists(std::string_view path) const {
  if (created_path_root(path) || path == "/run/netns") return true;
  for (auto& p : run_dirs_)
    if (p == path) return true;
  return false;
}

bool Kernel::run_file_exists(std::string_view path) const {
  if (run_dir_exists(path)) return true;
  for (auto& p : run_files_)
    if (p == path) return true;
  return false;
}

// fs/namei.c: link_path_walk() @ v6.12: every component before the last must
// be a directory (ENOTDIR for a file, ENOENT when missing).
int Kernel::run_path_lookup(std::string_view path) const {
  for (size_t slash = path.find('/', 1); slash != std::string_view::npos; slash = path.find('/', slash + 1)) {
    std::string_view dir = path.substr(0, slash);
    if (run_dir_exists(dir)) continue;
    return run_file_exists(dir) ? ENOTDIR : ENOENT;
  }
  return run_file_exists(path) ? 0 : ENOENT;
}

const Mount* Kernel::mount_at(const MntNamespace* ns, std::string_view path) const {
  for (auto it = ns->mounts.rbegin(); it != ns->mounts.rend(); ++it)
    if ((*it)->mountpoint == path) return *it;
  return nullptr;
}

// Resolves a mount source to the namespace behind it.
Result<NsCommon*> Kernel::resolve_nsfs(Task* cur, const PathRef& p) {
  if (p.gone) return fail(ENOENT);
  if (p.task) {
    if (!proc_reachable(cur, p.via)) return proc_outside_root(cur);
    if (p.task->state == TaskState::Reaped) return fail(ENOENT);
    if (!ptrace_may_access(cur, p.task, false)) return fail(EACCES);
    NsCommon* ns = ns_of_link(p.task, p.link);
    if (!ns) return fail(ENOENT);
    return ns;
  }
  std::string path = rooted_path(cur, p.path);
  if (MntNamespace* at = path_mnt_ns(cur))
    if (const Mount* m = mount_at(at, path)) return m->ns;
  if (int e = run_path_lookup(path)) return fail(e);
  return fail(EINVAL);  // a plain file or directory: not something nssim can bind
}

// fs/pnode.c: propagation_next() @ v6.12, for whole trees: the peers of the
// namespace's root, the slaves of every peer group reached, and the peers of
// a slave that is shared too. A slave that is not shared sends nothing.
std::vector<MntNamespace*> Kernel::propagation_receivers(const MntNamespace* ns) const {
  std::vector<MntNamespace*> out;
  if (!ns->group) return out;
  std::vector<uint32_t> groups{ns->group};
  auto reached = [&](uint32_t g) { return g && std::find(groups.begin(), groups.end(), g) != groups.end(); };
  for (bool more = true; more;) {
    more = false;
    for (const NsRecord& r : records_) {
      if (!r.ns || r.ns->type != NsType::Mnt || r.ns == ns) continue;
      auto* m = static_cast<MntNamespace*>(r.ns);
      if (std::find(out.begin(), out.end(), m) != out.end()) continue;
      if (!reached(m->group) && !reached(m->master)) continue;
      out.push_back(m);
      if (m->group && !reached(m->group)) groups.push_back(m->group);
      more = true;
    }
  }
  return out;
}

// Where a mount made in `src` at `path` on top of `parent` (null: on the
// tree's own directory) is copied: fs/pnode.c: propagate_mnt() ->
// propagate_one() @ v6.12 copies it onto each receiver of the parent (a
// receiver without a copy of that parent is not one); attach_recursive_mnt()
// tucks the copy under whatever that receiver already has mounted there
// (mnt_change_mountpoint()). Each entry: the receiver, the index to insert at.
std::vector<std::pair<MntNamespace*, size_t>> Kernel::propagation_targets(MntNamespace* src, const Mount* parent,
                                                                         std::string_view path) const {
  std::vector<std::pair<MntNamespace*, size_t>> out;
  for (MntNamespace* r : propagation_receivers(src)) {
    // A receiver whose tree holds only what is under its root (open_tree()'s
    // namespace, a pivot_root() whose old root is gone) has no copy of the
    // parent outside it (propagate_one(): the mountpoint must be reachable
    // from the peer's root; found with --vm 7.2).
    if (detached(r, path)) continue;
    auto& v = r->mounts;
    auto at = v.end();
    if (parent) {
      auto p = std::find_if(v.begin(), v.end(),
                            [&](Mount* x) { return x->mountpoint == path && x->origin == parent->origin; });
      if (p == v.end()) continue;
      at = std::next(p);
    } else {
      at = std::find_if(v.begin(), v.end(), [&](Mount* x) { return x->mountpoint == path; });
    }
    out.emplace_back(r, static_cast<size_t>(at - v.begin()));
  }
  return out;
}

// mount(SRC, DST, MS_BIND): fs/namespace.c: path_mount() -> do_loopback() @ v6.12.
// Order: DST lookup, may_mount(), SRC lookup, mnt_ns_loop(), check_mnt(),
// graft_tree() (ENOTDIR onto a directory), attach_recursive_mnt().
Result<void> Kernel::sys_mount_bind(Task* cur, const PathRef& src, std::string_view dst_arg) {
  NSSIM_SCOPE(s, trace, "mount", "{} -> {} MS_BIND", src.task ? fmt::format("/proc/{}/ns/{}", src.task->comm,
                                                                            link_name(src.link))
                                                            : src.path,
               dst_arg);
  // mount(P, P, MS_BIND) of a directory (or of P missing: nssim creates it).
  if (!src.task && !src.gone && src.path == dst_arg) {
    const std::string p = rooted_path(cur, dst_arg);
    if (run_dir_exists(p) || !run_file_exists(p)) return sys_mount_bind_dir(cur, dst_arg, src.rec);
  }
  // A chrooted caller's paths resolve under its root directory.
  const std::string dst_full = rooted_path(cur, dst_arg);
  std::string_view dst = dst_full;
  // The mountpoint and its parent directories are created first (as `ip netns
  // add` and nssim's agent do: mkdir -p, open(DST, O_CREAT)), so they exist
  // even when the mount then fails. Found by nssim fuzz --real: a later umount
  // of it is EINVAL, not ENOENT. A file on the way stops it: ENOTDIR.
  for (size_t slash = dst.find('/', 1); slash != std::string_view::npos; slash = dst.find('/', slash + 1)) {
    std::string_view dir = dst.substr(0, slash);
    if (run_dir_exists(dir)) continue;
    if (run_file_exists(dir)) return fail(ENOTDIR);
    run_dirs_.emplace_back(dir);
    NSSIM_EVENT(trace, "mount", "created directory {}", dir);
  }
  if (!run_file_exists(dst)) {
    run_files_.emplace_back(dst);
    NSSIM_EVENT(trace, "mount", "created mountpoint {}", dst);
  }
  MntNamespace* mnt_ns = cur->nsproxy->mnt_ns;
  // may_mount(): CAP_SYS_ADMIN over the owner of the caller's mount namespace.
  if (!ns_capable(cur->cred, mnt_ns->user_ns, CAP_SYS_ADMIN)) {
    NSSIM_EVENT(trace, "may_mount", "no CAP_SYS_ADMIN over {}: EPERM", ns_str(mnt_ns->user_ns));
    return fail(EPERM);
  }
  auto r = resolve_nsfs(cur, src);
  if (!r) return std::unexpected(r.error());
  NsCommon* ns = *r;
  // mnt_ns_loop(): only mount namespaces newer than ours may be bind-mounted.
  if (ns->type == NsType::Mnt && mnt_ns->seq >= static_cast<MntNamespace*>(ns)->seq) {
    NSSIM_EVENT(trace, "mnt_ns_loop", "{} is not newer than {}: EINVAL", ns_str(ns), ns_str(mnt_ns));
    return fail(EINVAL);
  }
  // lock_mount(DST): on a mount that was detached (the old root of a
  // pivot_root() and what was under it): ENOENT (do_lock_mount() @ v6.12).
  if (!root_in_other_ns(cur) && detached(mnt_ns, dst)) {
    NSSIM_EVENT(trace, "lock_mount", "{} is on a detached mount: ENOENT", dst);
    return fail(ENOENT);
  }
  // check_mnt(parent): DST resolved under a root in another mount namespace
  // (a chroot() directory in the caller's own tree passes).
  if (root_in_other_ns(cur)) {
    NSSIM_EVENT(trace, "do_loopback", "{} is not in the caller's {}: EINVAL", dst, ns_str(mnt_ns));
    return fail(EINVAL);
  }
  // fs/namespace.c: graft_tree() @ v6.12: a file cannot go onto a directory.
  if (run_dir_exists(dst)) {
    NSSIM_EVENT(trace, "graft_tree", "{} is a directory, the namespace file is not: ENOTDIR", dst);
    return fail(ENOTDIR);
  }
  const Mount* parent = mount_at(mnt_ns, dst);  // lock_mount(): the topmost mount there
  auto targets = propagation_targets(mnt_ns, parent, dst);
  // propagate_one() copies with copy_tree(), which refuses a mount-namespace
  // file (no CL_COPY_MNT_NS_FILE): the whole mount fails once it would reach
  // any receiver (found by --real; fs/namespace.c: copy_tree() @ v6.12).
  if (ns->type == NsType::Mnt && !targets.empty()) {
    NSSIM_EVENT(trace, "propagate_one", "{} would be copied into {}: copy_tree() refuses a mount namespace file: EINVAL",
                dst, ns_str(targets.front().first));
    return fail(EINVAL);
  }
  auto* m = new Mount(reg_, next_id(ObjKind::Mount));
  m->ns = ns;
  m->mountpoint = std::string(dst);
  m->origin = m->id();
  if (ns->nsfs_users++ == 0) get_ns(ns, "nsfs inode");
  mnt_ns->mounts.push_back(m);
  NSSIM_EVENT(trace, "do_loopback", "{} in {} pins {}", dst, ns_str(mnt_ns), ns_str(ns));
  // Each copy holds its own nsfs use; it is never locked (attach_recursive_mnt()
  // clears MNT_LOCKED on it after lock_mnt_tree()).
  for (auto& [r, at] : targets) {
    auto* copy = new Mount(reg_, next_id(ObjKind::Mount));
    copy->ns = ns;
    copy->mountpoint = m->mountpoint;
    copy->origin = m->origin;
    ++ns->nsfs_users;
    r->mounts.insert(r->mounts.begin() + static_cast<std::ptrdiff_t>(at), copy);
    NSSIM_EVENT(trace, "propagate_one", "{} propagated to {}: pins {}", dst, ns_str(r), ns_str(ns));
  }
  return {};
}

// fs/pnode.c: do_make_slave() @ v6.12 (for change_mnt_propagation() and for a
// namespace's tree going away in umount_tree()): the root leaves its peer
// group; when it was the group's last member, the group's slaves are handed
// to its own master (or become private when it has none).
void Kernel::leave_peer_group(MntNamespace* ns) {
  if (!ns->group) return;
  uint32_t g = ns->group;
  ns->group = 0;
  for (const NsRecord& r : records_)
    if (r.ns && r.ns->type == NsType::Mnt && static_cast<MntNamespace*>(r.ns)->group == g) return;  // peers remain
  for (const NsRecord& r : records_)
    if (r.ns && r.ns->type == NsType::Mnt && static_cast<MntNamespace*>(r.ns)->master == g)
      static_cast<MntNamespace*>(r.ns)->master = ns->master;
}

// mount("none", "/", MS_REC|type): fs/namespace.c: path_mount() (may_mount()
// on the caller's mount namespace) -> do_change_type() @ v6.12:
// may_change_propagation() wants CAP_SYS_ADMIN over the owner of the
// namespace the root mount is in (another one for a chrooted task), then
// change_mnt_propagation() on every mount of the tree.
Result<void> Kernel::sys_mount_propagation(Task* cur, uint64_t type) {
  NSSIM_SCOPE(s, trace, "mount", "none -> / MS_REC|{}",
              type == kMsShared ? "MS_SHARED" : type == kMsSlave ? "MS_SLAVE" : "MS_PRIVATE");
  MntNamespace* own = cur->nsproxy->mnt_ns;
  if (!ns_capable(cur->cred, own->user_ns, CAP_SYS_ADMIN)) {
    NSSIM_EVENT(trace, "may_mount", "no CAP_SYS_ADMIN over {}: EPERM", ns_str(own->user_ns));
    return fail(EPERM);
  }
  MntNamespace* ns = path_mnt_ns(cur);
  if (!ns) return fail(EINVAL);  // the root's namespace is gone: not mounted (is_mounted())
  // do_change_type(): "/" must be the root of a mount (path_mounted()); a
  // chroot() directory is not (fs/namespace.c: do_change_type() @ v6.12).
  if (chrooted_in_dir(cur) && !is_dir_bind(cur, "/")) {
    NSSIM_EVENT(trace, "do_change_type", "the root {} is a directory, not a mount: EINVAL", cur->fs->root_dir);
    return fail(EINVAL);
  }
  if (!ns_capable(cur->cred, ns->user_ns, CAP_SYS_ADMIN)) {
    NSSIM_EVENT(trace, "may_change_propagation", "no CAP_SYS_ADMIN over {}: EPERM", ns_str(ns->user_ns));
    return fail(EPERM);
  }
  if (type == kMsShared) {
    // invent_group_ids(): a mount already shared keeps its group.
    if (!ns->group) ns->group = ++mnt_group_seq_;
  } else {
    // do_make_slave(): with peers left, the group becomes the master;
    // alone, it keeps its own master.
    uint32_t g = ns->group;
    bool peers = false;
    for (const NsRecord& r : records_)
      if (r.ns && r.ns != ns && r.ns->type == NsType::Mnt && static_cast<MntNamespace*>(r.ns)->group == g && g)
        peers = true;
    leave_peer_group(ns);
    if (peers) ns->master = g;
    if (type == kMsPrivate) ns->master = 0;  // change_mnt_propagation(MS_PRIVATE): leaves its master too
  }
  NSSIM_EVENT(trace, "change_mnt_propagation", "{}: peer group {}, master {}", ns_str(ns), ns->group, ns->master);
  return {};
}

// umount2(PATH, 0 or MNT_DETACH): fs/namespace.c: path_umount() ->
// can_umount(), do_umount() @ v6.12. The busy check (propagate_mount_busy())
// is made only without MNT_DETACH, on the mount and on its copies in the
// receivers; a lazy unmount takes the mount out of the namespace at once
// (umount_tree()) and the last mntput() — the close of the last file opened
// through it — releases it with its nsfs pin. Both propagate
// (UMOUNT_PROPAGATE): fs/pnode.c: propagate_umount() takes out, in each
// receiver of the parent, the mount directly on the receiver's copy of the
// parent at that place, locked or not.
Result<void> Kernel::sys_umount(Task* cur, std::string_view path_arg, bool detach) {
  NSSIM_SCOPE(s, trace, "umount", "{}{}", path_arg, detach ? ", MNT_DETACH" : "");
  const std::string path_full = rooted_path(cur, path_arg);
  std::string_view path = path_full;
  // The old root pivot_root() put at put_old (the path is "/" of the old tree).
  const MntNamespace* at_ns = path_mnt_ns(cur);
  const bool old_root = !chrooted_in_dir(cur) && at_ns && !at_ns->old_root_at.empty() &&
                        at_ns->root_dir + std::string(path_arg) == at_ns->old_root_at;
  if (!old_root)
    if (int e = run_path_lookup(path)) return fail(e);
  MntNamespace* mnt_ns = cur->nsproxy->mnt_ns;
  if (!ns_capable(cur->cred, mnt_ns->user_ns, CAP_SYS_ADMIN)) return fail(EPERM);
  // can_umount(): check_mnt() fails for a path resolved in another namespace.
  if (root_in_other_ns(cur)) return fail(EINVAL);
  auto& v = mnt_ns->mounts;
  auto top = std::find_if(v.rbegin(), v.rend(), [&](Mount* m) { return m->mountpoint == path; });
  if (top == v.rend()) {
    if (old_root) return umount_old_root(cur, mnt_ns, detach);
    auto b = std::find_if(mnt_ns->dir_binds.rbegin(), mnt_ns->dir_binds.rend(),
                          [&](const MntNamespace::DirBind& d) { return d.path == path; });
    if (b != mnt_ns->dir_binds.rend() && path != mnt_ns->root_dir) return umount_dir_bind(cur, mnt_ns, path, detach);
    return fail(EINVAL);  // not a mount point
  }
  Mount* m = *top;
  if (m->locked) {
    NSSIM_EVENT(trace, "can_umount", "{} is locked (copied into a less privileged mount namespace): EINVAL", path);
    return fail(EINVAL);
  }
  auto below = std::find_if(std::next(top), v.rend(), [&](Mount* x) { return x->mountpoint == path; });
  const Mount* parent = below == v.rend() ? nullptr : *below;
  // The candidates: in each receiver, the mount right on its copy of the parent.
  std::vector<std::pair<MntNamespace*, Mount*>> victims;
  for (MntNamespace* r : propagation_receivers(mnt_ns)) {
    auto& rv = r->mounts;
    auto it = rv.begin();
    if (parent) {
      it = std::find_if(rv.begin(), rv.end(),
                        [&](Mount* x) { return x->mountpoint == path && x->origin == parent->origin; });
      if (it == rv.end()) continue;
      ++it;
    }
    it = std::find_if(it, rv.end(), [&](Mount* x) { return x->mountpoint == path; });
    if (it != rv.end()) victims.emplace_back(r, *it);
  }
  if (!detach) {
    auto busy = [](const Mount* x) { return x->refs() > 1; };
    if (busy(m) || std::any_of(victims.begin(), victims.end(), [&](auto& p) { return busy(p.second); })) {
      NSSIM_EVENT(trace, "propagate_mount_busy", "{} or a copy of it is busy (a file is open through it): EBUSY",
                  path);
      return fail(EBUSY);
    }
  }
  v.erase(std::next(top).base());
  NSSIM_EVENT(trace, "umount_tree", "{} unmounted from {}{}", path, ns_str(mnt_ns),
              m->refs() > 1 ? fmt::format(" (detached: {} open file(s) keep it)", m->refs() - 1) : "");
  put_mount(m);
  // umount_tree() first clears MNT_LOCKED on every candidate
  // (propagate_mount_unlock() @ v6.12; found by --real): a locked copy in a
  // less privileged namespace goes too.
  for (auto& [r, x] : victims) {
    r->mounts.erase(std::find(r->mounts.begin(), r->mounts.end(), x));
    NSSIM_EVENT(trace, "propagate_umount", "{} unmounted from {}", path, ns_str(r));
    put_mount(x);
  }
  return {};
}

// umount(put_old) after pivot_root(): the old root has mounts under it (/proc,
// the sandbox's tmpfs roots): EBUSY without MNT_DETACH (propagate_mount_busy());
// with it, umount_tree() takes it out with everything mounted under it that
// is not under the new root, in this namespace and in the receivers whose old
// root is at the same place (propagate_umount()). pivot_root() moved
// MNT_LOCKED to the new root, so the old root is not locked.
Result<void> Kernel::umount_old_root(Task* cur, MntNamespace* mnt_ns, bool detach) {
  (void)cur;
  if (mnt_ns->old_root_locked) {
    NSSIM_EVENT(trace, "can_umount", "the old root is locked (copied into a less privileged mount namespace): EINVAL");
    return fail(EINVAL);
  }
  if (!detach) {
    NSSIM_EVENT(trace, "propagate_mount_busy", "the old root at {} has mounts under it: EBUSY", mnt_ns->old_root_at);
    return fail(EBUSY);
  }
  std::vector<MntNamespace*> all{mnt_ns};
  for (MntNamespace* r : propagation_receivers(mnt_ns))
    if (r->old_root_at == mnt_ns->old_root_at && r->root_dir == mnt_ns->root_dir) all.push_back(r);
  for (MntNamespace* ns : all) {
    NSSIM_EVENT(trace, "umount_tree", "the old root at {} detached from {}", ns->old_root_at, ns_str(ns));
    ns->old_root_at.clear();
    std::erase_if(ns->dir_binds, [&](const MntNamespace::DirBind& d) { return !under_or_at(d.path, ns->root_dir); });
    std::vector<Mount*> gone;
    std::erase_if(ns->mounts, [&](Mount* m) {
      if (under_or_at(m->mountpoint, ns->root_dir)) return false;
      gone.push_back(m);
      return true;
    });
    for (Mount* m : gone) put_mount(m);
  }
  return {};
}

// umount(P) of a directory bind mount: EBUSY without MNT_DETACH while
// something is mounted under it or a task's root is in it; with it, the
// mounts under it go too. Propagates to the receivers' copies.
Result<void> Kernel::umount_dir_bind(Task* cur, MntNamespace* mnt_ns, std::string_view path, bool detach) {
  (void)cur;
  auto own = std::find_if(mnt_ns->dir_binds.rbegin(), mnt_ns->dir_binds.rend(), [&](auto& d) { return d.path == path; });
  if (own->locked) {
    NSSIM_EVENT(trace, "can_umount", "{} is locked (copied into a less privileged mount namespace): EINVAL", path);
    return fail(EINVAL);
  }
  std::vector<MntNamespace*> all{mnt_ns};
  for (MntNamespace* r : propagation_receivers(mnt_ns))
    if (std::any_of(r->dir_binds.begin(), r->dir_binds.end(), [&](auto& d) { return d.path == path; }))
      all.push_back(r);
  if (!detach) {
    for (MntNamespace* ns : all) {
      bool busy = std::any_of(ns->mounts.begin(), ns->mounts.end(),
                              [&](Mount* m) { return under_or_at(m->mountpoint, path); });
      int n = 0;
      for (auto& d : ns->dir_binds) n += under_or_at(d.path, path);
      busy |= n > 1;
      for (size_t i = 0; i < tasks_.size() && !busy; ++i)
        if (Task* t = tasks_[i]; t && t->state != TaskState::Reaped && t->fs && chrooted_in_dir(t) &&
                                 under_or_at(t->fs->root_dir, path) && t->nsproxy && path_mnt_ns(t) == ns)
          busy = true;
      if (busy) {
        NSSIM_EVENT(trace, "propagate_mount_busy", "{} in {} has mounts under it or a root in it: EBUSY", path,
                    ns_str(ns));
        return fail(EBUSY);
      }
    }
  }
  for (MntNamespace* ns : all) {
    auto top = std::find_if(ns->dir_binds.rbegin(), ns->dir_binds.rend(), [&](auto& d) { return d.path == path; });
    ns->dir_binds.erase(std::next(top).base());
    bool last = std::none_of(ns->dir_binds.begin(), ns->dir_binds.end(), [&](auto& d) { return d.path == path; });
    NSSIM_EVENT(trace, "umount_tree", "{} unmounted from {}", path, ns_str(ns));
    if (!last) continue;
    std::erase_if(ns->dir_binds, [&](auto& d) { return under_or_at(d.path, path); });
    std::vector<Mount*> gone;
    std::erase_if(ns->mounts, [&](Mount* m) {
      if (!under_or_at(m->mountpoint, path)) return false;
      gone.push_back(m);
      return true;
    });
    for (Mount* m : gone) put_mount(m);
  }
  return {};
}

// A detached mount goes with its last reference, releasing its nsfs pin.
void Kernel::put_mount(Mount* m) {
  if (!m->put()) return;
  NsCommon* ns = m->ns;
  NSSIM_EVENT(trace, "mntput", "{} released", m->mountpoint);
  delete m;
  if (--ns->nsfs_users == 0) put_ns(ns, "nsfs inode evicted");
}

// open("/run/..."): the nsfs file mounted there (the file keeps the mount
// busy), or the plain file.
Result<int> Kernel::sys_open_path(Task* cur, std::string_view path_arg, bool cloexec) {
  NSSIM_SCOPE(s, trace, "do_sys_open", "{}", path_arg);
  const std::string path_full = rooted_path(cur, path_arg);
  std::string_view path = path_full;
  MntNamespace* at = path_mnt_ns(cur);
  if (const Mount* cm = at ? mount_at(at, path) : nullptr) {
    Mount* m = const_cast<Mount*>(cm);
    int fd = open_nsfs_fd(*this, reg_, next_id(ObjKind::File), cur, m->ns, std::string(path), cloexec);
    m->get();
    cur->files->fdt[fd]->mnt = m;
    return fd;
  }
  if (int e = run_path_lookup(path)) return fail(e);
  auto* f = new File(reg_, next_id(ObjKind::File));
  f->fkind = FileKind::Regular;
  cur->cred->get();
  f->f_cred = cur->cred;
  f->path = std::string(path);
  return alloc_fd(files_of(cur), f, cloexec);
}

}  // namespace nssim

namespace nssim {

// A /proc path looked up by a task chrooted into a directory, or under the
// new root of a pivot_root(): /proc is not mounted there (fs/namei.c:
// path_init() starts at fs->root @ v6.12).
std::unexpected<Errno> Kernel::proc_outside_root(const Task* cur) {
  NSSIM_EVENT(trace, "path_init", "{}'s root is {}, which has no /proc there: ENOENT", cur->comm,
              rooted_path(cur, "/"));
  return fail(ENOENT);
}

bool Kernel::detached(const MntNamespace* ns, std::string_view g) {
  return !ns->root_dir.empty() && ns->old_root_at.empty() && !under_or_at(g, ns->root_dir);
}

std::string Kernel::ns_path(const MntNamespace* ns, std::string_view path) {
  std::string g = ns->root_dir + std::string(path);
  if (!ns->old_root_at.empty() && under_or_at(g, ns->old_root_at)) {
    std::string rest = g.substr(ns->old_root_at.size());
    g = ns->old_root_dir + rest;
    if (g.empty()) g = "/";
  }
  return g;
}

std::string Kernel::rooted_path(const Task* t, std::string_view path) const {
  if (chrooted_in_dir(t)) return t->fs->root_dir + std::string(path);
  const MntNamespace* ns = t->nsproxy ? path_mnt_ns(t) : nullptr;
  return ns ? ns_path(ns, path) : std::string(path);
}

bool Kernel::is_dir_bind(const Task* cur, std::string_view path) const {
  const MntNamespace* ns = path_mnt_ns(cur);
  if (!ns) return false;
  std::string g = path == "/" && chrooted_in_dir(cur) ? cur->fs->root_dir : rooted_path(cur, path);
  for (auto& b : ns->dir_binds)
    if (b.path == g) return true;
  return false;
}

// The mount a path of the original tree is on, as nssim names it: the deepest
// directory bind mount at or above it, else the sandbox tmpfs root it is
// under ("/run", "/srv", ...), else "/" (the tree's root). A namespace's root
// after pivot_root() is its root_dir.
static std::string mount_of(const MntNamespace* ns, std::string_view g) {
  std::string best;
  for (auto& b : ns->dir_binds)
    if (under_or_at(g, b.path) && b.path.size() > best.size()) best = b.path;
  if (!best.empty()) return best;
  for (std::string_view r : kCreatedPathRoots)
    if (under_or_at(g, r)) return std::string(r);
  return "/";
}

// mount(P, P, MS_BIND[|MS_REC]) of a directory: fs/namespace.c: path_mount()
// -> do_loopback() @ v6.12: the target lookup (nssim creates P and its
// parents first), may_mount() (EPERM), check_mnt() on both (EINVAL), then
// graft_tree() of a directory onto a directory; it propagates to the
// receivers of the caller's tree (attach_recursive_mnt()).
Result<void> Kernel::sys_mount_bind_dir(Task* cur, std::string_view path_arg, bool rec) {
  NSSIM_SCOPE(s, trace, "mount", "{} -> {} MS_BIND{}", path_arg, path_arg, rec ? "|MS_REC" : "");
  const std::string path = rooted_path(cur, path_arg);
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    std::string_view dir = std::string_view(path).substr(0, slash);
    if (!run_dir_exists(dir)) {
      if (run_file_exists(dir)) {
        NSSIM_EVENT(trace, "user_path_at", "{} is not a directory: ENOTDIR", dir);
        return fail(ENOTDIR);
      }
      run_dirs_.emplace_back(dir);
      NSSIM_EVENT(trace, "mount", "created directory {}", dir);
    }
    if (slash == std::string::npos) break;
  }
  MntNamespace* mnt_ns = cur->nsproxy->mnt_ns;
  if (!ns_capable(cur->cred, mnt_ns->user_ns, CAP_SYS_ADMIN)) {
    NSSIM_EVENT(trace, "may_mount", "no CAP_SYS_ADMIN over {}: EPERM", ns_str(mnt_ns->user_ns));
    return fail(EPERM);
  }
  if (detached(mnt_ns, path)) {
    NSSIM_EVENT(trace, "lock_mount", "{} is on a detached mount: ENOENT", path);
    return fail(ENOENT);
  }
  if (root_in_other_ns(cur)) {
    NSSIM_EVENT(trace, "do_loopback", "{} is not in the caller's {}: EINVAL", path, ns_str(mnt_ns));
    return fail(EINVAL);
  }
  mnt_ns->dir_binds.push_back({path, false});
  NSSIM_EVENT(trace, "do_loopback", "{} is a mount point in {}", path, ns_str(mnt_ns));
  for (MntNamespace* r : propagation_receivers(mnt_ns)) {
    if (detached(r, path)) continue;  // outside its tree (as in propagation_targets())
    r->dir_binds.push_back({path, false});
    NSSIM_EVENT(trace, "propagate_one", "{} propagated to {}", path, ns_str(r));
  }
  return {};
}

// pivot_root(NEW, OLD): fs/namespace.c: SYSCALL_DEFINE2(pivot_root) @ v6.12,
// its checks in its order: may_mount() (EPERM), the lookups of new_root and
// put_old (LOOKUP_DIRECTORY: ENOTDIR; nssim creates both first, as chroot
// does), check_mnt() of the root and new_root (EINVAL), a shared mount under
// put_old or above new_root or the root (EINVAL: why runtimes make / private
// first), a locked new_root (EINVAL), new_root or put_old on the root mount
// (EBUSY), a root that is not a mount's root (chroot(): EINVAL), new_root not
// a mount point (EINVAL), put_old not under new_root (EINVAL). Then the old
// root goes onto put_old, new_root becomes the root, and chroot_fs_refs()
// (fs/fs_struct.c) moves every task whose root was the old root: in nssim
// those at their namespace's root follow it, and tasks whose root is
// new_root's own directory are at the root now.
Result<void> Kernel::sys_pivot_root(Task* cur, std::string_view new_arg, std::string_view old_arg) {
  NSSIM_SCOPE(s, trace, "pivot_root", "{}, {}", new_arg, old_arg);
  const std::string new_g = rooted_path(cur, new_arg), old_g = rooted_path(cur, old_arg);
  auto make = [&](const std::string& path) -> int {
    for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
      std::string_view dir = std::string_view(path).substr(0, slash);
      if (!run_dir_exists(dir)) {
        if (run_file_exists(dir)) return ENOTDIR;
        run_dirs_.emplace_back(dir);
        NSSIM_EVENT(trace, "pivot_root", "created directory {}", dir);
      }
      if (slash == std::string::npos) break;
    }
    return 0;
  };
  int e_new = make(new_g), e_old = make(old_g);
  MntNamespace* ns = cur->nsproxy->mnt_ns;
  if (!ns_capable(cur->cred, ns->user_ns, CAP_SYS_ADMIN)) {
    NSSIM_EVENT(trace, "may_mount", "no CAP_SYS_ADMIN over {}: EPERM", ns_str(ns->user_ns));
    return fail(EPERM);
  }
  for (int e : {e_new, e_old})
    if (e) {
      NSSIM_EVENT(trace, "user_path_at", "a file on the way or at the end: ENOTDIR");
      return fail(e);
    }
  // lock_mount(put_old): its mount was detached (umount(MNT_DETACH) of the
  // old root it was under): ENOENT (fs/namespace.c: do_lock_mount() @ v6.12).
  // Before Feature::LockMountChecksMounted lock_mount() took it, and the
  // checks below refuse the pivot (v6.1).
  if (has(Feature::LockMountChecksMounted) && detached(ns, old_g)) {
    NSSIM_EVENT(trace, "lock_mount", "{} is on a detached mount: ENOENT", old_arg);
    return fail(ENOENT);
  }
  // check_mnt(root_mnt): also false for a root whose mount was detached (its
  // mnt_ns is gone), e.g. a chroot into the old root's /run after
  // umount(put_old, MNT_DETACH) (verified on 6.1 with --vm).
  if (root_in_other_ns(cur) || (chrooted_in_dir(cur) && detached(ns, cur->fs->root_dir))) {
    NSSIM_EVENT(trace, "check_mnt", "the root is not in the caller's {}: EINVAL", ns_str(ns));
    return fail(EINVAL);
  }
  // nssim keeps one propagation for the whole tree: put_old's mount,
  // new_root's parent and the root's are shared together.
  if (ns->group) {
    NSSIM_EVENT(trace, "IS_MNT_SHARED", "{}'s mounts are shared (peer group {}): EINVAL", ns_str(ns), ns->group);
    return fail(EINVAL);
  }
  const std::string new_mnt = mount_of(ns, new_g), old_mnt = mount_of(ns, old_g);
  const std::string root_mnt = chrooted_in_dir(cur) ? mount_of(ns, cur->fs->root_dir)
                               : ns->root_dir.empty() ? std::string("/")
                                                      : ns->root_dir;
  // new_mnt->mnt.mnt_flags & MNT_LOCKED: the root's lock, a directory bind
  // mount's, or a sandbox tmpfs root's in a less privileged copy.
  const std::string ns_root = ns->root_dir.empty() ? std::string("/") : ns->root_dir;
  bool locked = new_mnt == ns_root ? ns->root_locked : ns->tmpfs_locked && created_path_root(new_mnt);
  for (auto& b : ns->dir_binds)
    if (b.path == new_mnt && new_mnt != ns_root) locked = b.locked;
  if (locked) {
    NSSIM_EVENT(trace, "pivot_root", "{} is locked (copied into a less privileged mount namespace): EINVAL", new_mnt);
    return fail(EINVAL);
  }
  if (new_mnt == root_mnt || old_mnt == root_mnt) {
    NSSIM_EVENT(trace, "pivot_root", "new_root or put_old is on the root mount {}: EBUSY", root_mnt);
    return fail(EBUSY);
  }
  if (chrooted_in_dir(cur) && mount_of(ns, cur->fs->root_dir) != cur->fs->root_dir) {
    NSSIM_EVENT(trace, "path_mounted", "the root {} is not the root of a mount: EINVAL", cur->fs->root_dir);
    return fail(EINVAL);
  }
  if (new_mnt != new_g) {
    NSSIM_EVENT(trace, "path_mounted", "{} is not a mount point: EINVAL", new_arg);
    return fail(EINVAL);
  }
  if (!under_or_at(old_g, new_g)) {
    NSSIM_EVENT(trace, "is_path_reachable", "{} is not under {}: EINVAL", old_arg, new_arg);
    return fail(EINVAL);
  }
  ns->old_root_dir = ns->root_dir;
  ns->old_root_at = old_g;
  ns->root_dir = new_g;
  // MNT_LOCKED moves from the old root to the new one.
  bool was_locked = ns->root_locked;
  for (auto& b : ns->dir_binds)
    if (b.path == new_g) ns->root_locked = was_locked || b.locked;
  ns->old_root_locked = false;
  NSSIM_EVENT(trace, "attach_mnt", "{}'s root is {} now; the old root is at {}", ns_str(ns), new_g, old_arg);
  for (size_t i = 0; i < tasks_.size(); ++i)
    if (Task* t = tasks_[i]; t && t->state != TaskState::Reaped && t->fs && t->nsproxy && t->fs->root_dir == new_g &&
                             path_mnt_ns(t) == ns) {
      t->fs->root_dir.clear();
      NSSIM_EVENT(trace, "chroot_fs_refs", "{}'s root is the namespace's root", t->comm);
    }
  return {};
}

// chroot(PATH): fs/open.c: SYSCALL_DEFINE1(chroot) @ v6.12. nssim creates
// PATH (and its parent directories) first, as mount does its targets, so the
// lookup (LOOKUP_DIRECTORY) fails only on a file on the way or at the end
// (ENOTDIR); path_permission(MAY_EXEC | MAY_CHDIR) passes on the 01777
// directories; then ns_capable(current_user_ns(), CAP_SYS_CHROOT) (EPERM),
// and set_fs_root() on the caller's fs_struct: every task sharing it
// (CLONE_FS) moves too.
Result<void> Kernel::sys_chroot(Task* cur, std::string_view path_arg) {
  NSSIM_SCOPE(s, trace, "chroot", "{}", path_arg);
  const std::string path = rooted_path(cur, path_arg);
  if (path_arg != "/") {
    for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
      std::string_view dir = std::string_view(path).substr(0, slash);
      if (!run_dir_exists(dir)) {
        const MntNamespace* at = path_mnt_ns(cur);
        if (run_file_exists(dir) || (at && mount_at(at, dir))) {
          NSSIM_EVENT(trace, "user_path_at", "{} is not a directory: ENOTDIR", dir);
          return fail(ENOTDIR);
        }
        run_dirs_.emplace_back(dir);
        NSSIM_EVENT(trace, "chroot", "created directory {}", dir);
      }
      if (slash == std::string::npos) break;
    }
  }
  if (!ns_capable(cur->cred, cur->cred->user_ns, CAP_SYS_CHROOT)) {
    NSSIM_EVENT(trace, "ns_capable", "no CAP_SYS_CHROOT in {}: EPERM", ns_str(cur->cred->user_ns));
    return fail(EPERM);
  }
  if (path_arg == "/") return {};  // the root it already has
  fs_of(cur)->root_dir = path;
  NSSIM_EVENT(trace, "set_fs_root", "root of fs#{} ({} user(s)) is now {}", cur->fs->id(), cur->fs->refs(), path);
  return {};
}

}  // namespace nssim
