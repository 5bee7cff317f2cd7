// fs/proc/namespaces.c: proc_ns_get_link(); fs/nsfs.c: ns_get_path() and the
// nsfs inode's single reference; fs/file.c: alloc_fd(), close_fd(), fput();
// kernel/sys.c: sethostname() @ v6.18.
#include "sim/kernel.h"

namespace nssim {

// The ->get() of each /proc/PID/ns link type @ v6.18. Links that go through
// the nsproxy (uts, ipc, mnt, net, cgroup, time, time_for_children,
// pid_for_children) vanish at exit_task_namespaces(); `pid` (from the task's
// struct pid) and `user` (from its cred) stay readable on a zombie (verified
// live). pid_for_children is ENOENT until its namespace has a child_reaper.
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
    case Link::PidForChildren: return p->pid_ns_for_children->child_reaper ? p->pid_ns_for_children : nullptr;
    case Link::Time: return p->time_ns;
    case Link::TimeForChildren: return p->time_ns_for_children;
    case Link::Uts: return p->uts_ns;
    default: return nullptr;
  }
}

int Kernel::alloc_fd(FilesStruct* files, File* f) {
  // Lowest free descriptor; 0-2 are taken by stdio in every modelled task.
  for (size_t fd = 3; fd < files->fdt.size(); ++fd)
    if (!files->fdt[fd]) return files->fdt[fd] = f, static_cast<int>(fd);
  if (files->fdt.size() < 3) files->fdt.resize(3, nullptr);
  files->fdt.push_back(f);
  return static_cast<int>(files->fdt.size() - 1);
}

// kernel/ptrace.c: __ptrace_may_access() @ v6.18 (PTRACE_MODE_READ_FSCREDS or
// _REALCREDS): same thread group, or the same uid/gid triple (fsuid or uid of
// the caller against the target's uid, euid and suid), or CAP_SYS_PTRACE over
// the target's user namespace.
bool Kernel::ptrace_may_access(const Task* cur, const Task* t, bool realcreds) const {
  if (cur->group_leader == t->group_leader) return true;
  const Cred* c = cur->cred;
  const Cred* tc = t->cred;
  uint32_t uid = realcreds ? c->uid : c->fsuid, gid = realcreds ? c->gid : c->fsgid;
  if (uid == tc->euid && uid == tc->suid && uid == tc->uid && gid == tc->egid && gid == tc->sgid && gid == tc->gid)
    return true;
  return ns_capable(c, tc->user_ns, CAP_SYS_PTRACE);
}

// open("/proc/TARGET/ns/LINK"): fs/proc/namespaces.c: proc_ns_get_link() ->
// fs/nsfs.c: ns_get_path(). The first opener's reference stays with the nsfs
// inode (stashed dentry); later opens share that inode and drop theirs.
Result<int> Kernel::sys_open_nsfs(Task* cur, Task* target, Link link) {
  TraceScope s(trace, "proc_ns_get_link", "/proc/{}/ns/{}", target ? target->comm : "?", link_name(link));
  if (!target || target->state == TaskState::Reaped) return fail(ENOENT);  // no /proc/PID
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
  int fd = alloc_fd(cur->files, f);
  NSSIM_EVENT(trace, "fd_install", "fd {} -> {}", fd, ns_str(ns));
  return fd;
}

// fs/file_table.c: fput() -> __fput(): the last reference to an nsfs file
// releases its use of the inode; the last use evicts the inode, which puts
// the namespace (fs/nsfs.c: nsfs_evict()).
void Kernel::fput(File* f) {
  if (!f->put()) return;
  TraceScope s(trace, "__fput", "{}", f->path);
  if (f->fkind == FileKind::Nsfs) {
    if (--f->ns->nsfs_users == 0) put_ns(f->ns, "nsfs inode evicted");
  } else {
    put_pid(f->pid);
  }
  Cred* c = f->f_cred;
  delete f;
  put_cred(c, "f_cred");
}

// fs/file.c: close_fd() @ v6.18.
Result<void> Kernel::sys_close(Task* cur, int fd) {
  TraceScope s(trace, "close_fd", "fd {}", fd);
  FilesStruct* files = cur->files;
  if (!files || fd < 0 || static_cast<size_t>(fd) >= files->fdt.size() || !files->fdt[fd]) return fail(EBADF);
  File* f = files->fdt[fd];
  files->fdt[fd] = nullptr;
  fput(f);
  return {};
}

void Kernel::put_files_struct(FilesStruct* fs) {
  if (!fs->put()) return;
  TraceScope s(trace, "put_files_struct", "files#{} freed: closing its fds", fs->id());
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
  TraceScope s(trace, "sethostname", "\"{}\"", name);
  UtsNamespace* u = cur->nsproxy->uts_ns;
  if (!ns_capable(cur->cred, u->user_ns, CAP_SYS_ADMIN)) return fail(EPERM);
  if (name.size() > 64) return fail(EINVAL);
  u->nodename = std::string(name);
  NSSIM_EVENT(trace, "sethostname", "{} nodename = \"{}\"", ns_str(u), name);
  return {};
}

}  // namespace nssim
