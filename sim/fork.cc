// kernel/fork.c @ v6.18: sys_clone(), sys_clone3(), kernel_clone(),
// copy_process() (the namespace and credential parts, in the kernel's order),
// ksys_unshare() with check_unshare_flags(), unshare_fs(), unshare_fd(),
// unshare_userns() and kernel/nsproxy.c: unshare_nsproxy_namespaces().
#include "sim/kernel.h"

namespace nssim {

// kernel/fork.c: SYSCALL_DEFINE5(clone). The legacy syscall takes one int of
// flags whose low byte (CSIGNAL) is the exit signal, so CLONE_NEWTIME (0x80)
// cannot be expressed: it lands in the exit signal (0x91 with SIGCHLD) and no
// time namespace is made; since Feature::CloneValidExitSignal kernel_clone()
// refuses that signal (EINVAL).
Result<Task*> Kernel::sys_clone(Task* cur, uint64_t flags, std::string comm, int* pidfd) {
  uint64_t raw = (flags | SIGCHLD_NR) & 0xffffffffULL;  // lower_32_bits()
  NSSIM_SCOPE(s, trace, "clone", "flags={}|SIGCHLD", clone_flags_str(flags));
  uint8_t exit_signal = static_cast<uint8_t>(raw & CSIGNAL);
  if (flags & CLONE_NEWTIME)
    NSSIM_EVENT(trace, "clone", "CLONE_NEWTIME (0x80) is inside CSIGNAL: exit_signal={:#x}, no new time namespace",
                exit_signal);
  return kernel_clone(cur, raw & ~CSIGNAL, exit_signal, std::move(comm), false, pidfd);
}

// kernel/fork.c: SYSCALL_DEFINE2(clone3) and clone3_args_valid(). exit_signal
// is SIGCHLD unless CLONE_THREAD or CLONE_PARENT is set (which require 0).
Result<Task*> Kernel::sys_clone3(Task* cur, uint64_t flags, std::string comm, int* pidfd,
                                 std::span<const int32_t> set_tid, int cgroup_fd) {
  NSSIM_SCOPE(s, trace, "clone3", "flags={}", clone_flags_str(flags));
  uint8_t exit_signal = (flags & (CLONE_THREAD | CLONE_PARENT)) ? 0 : SIGCHLD_NR;
  constexpr uint64_t kLegacy = 0xffffffffULL;
  // Feature::EmptyMntns: clone3_args_valid() @ v7.2 knows CLONE_EMPTY_MNTNS.
  const uint64_t empty = has(Feature::EmptyMntns) ? CLONE_EMPTY_MNTNS : 0;
  if (flags & ~(kLegacy | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP | empty)) return fail(EINVAL);
  if (flags & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME))) return fail(EINVAL);
  if ((flags & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) == (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND))
    return fail(EINVAL);
  if (set_tid.size() > MAX_PID_NS_LEVEL) return fail(EINVAL);
  return kernel_clone(cur, flags, exit_signal, std::move(comm), true, pidfd, set_tid, cgroup_fd);
}

Result<void> Kernel::clone_flags_check(Task* cur, uint64_t flags, bool clone3) {
  validate_only_ = true;
  auto r = clone3 ? sys_clone3(cur, flags, "") : sys_clone(cur, flags, "");
  validate_only_ = false;
  if (!r) return std::unexpected(r.error());
  return {};
}

// thread(): the clone flags of pthread_create() (glibc 2.36), minus the TLS
// and tid-address ones that do not concern namespaces.
Result<Task*> Kernel::sys_thread(Task* cur, std::string comm) {
  constexpr uint64_t kFlags =
      CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
  NSSIM_SCOPE(s, trace, "clone", "flags={} (pthread_create)", clone_flags_str(kFlags));
  return kernel_clone(cur, kFlags, 0, std::move(comm), false);
}

Result<Task*> Kernel::kernel_clone(Task* cur, uint64_t flags, uint8_t exit_signal, std::string&& comm,
                                   bool /*clone3*/, int* pidfd, std::span<const int32_t> set_tid, int cgroup_fd) {
  // kernel_clone() @ v7.2: an empty mount namespace is a new one, set before
  // copy_process() so that its CLONE_NEWNS|CLONE_FS check applies.
  if (flags & CLONE_EMPTY_MNTNS) flags |= CLONE_NEWNS;
  // CLONE_PIDFD with CLONE_PARENT_SETTID pointing at the same word: EINVAL.
  if ((flags & CLONE_PIDFD) && (flags & CLONE_PARENT_SETTID)) return fail(EINVAL);
  // Feature::CloneValidExitSignal: kernel_clone() @ v7.2 checks valid_signal()
  // for every caller (before, only clone3 did, in copy_clone_args_from_user()).
  // Only legacy clone can get here with one: CLONE_NEWTIME's 0x80 in CSIGNAL.
  if (has(Feature::CloneValidExitSignal) && exit_signal > NSIG_NR) {
    NSSIM_EVENT(trace, "kernel_clone", "exit_signal {} is not a valid signal (above _NSIG {}): EINVAL", exit_signal,
                NSIG_NR);
    return fail(EINVAL);
  }
  return copy_process(cur, flags, exit_signal, std::move(comm), pidfd, set_tid, cgroup_fd);
}

// kernel/fork.c: copy_process() @ v6.18, the parts that concern namespaces.
Result<Task*> Kernel::copy_process(Task* cur, uint64_t flags, uint8_t exit_signal, std::string&& comm,
                                   int* pidfd, std::span<const int32_t> set_tid, int cgroup_fd) {
  TraceScope s(trace, "copy_process");
  NsProxy* nsp = cur->nsproxy;
  auto einval = [&](const char* why) {
    NSSIM_EVENT(trace, "copy_process", "{}: EINVAL", why);
    return fail(EINVAL);
  };
  if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS))
    return einval("CLONE_NEWNS with CLONE_FS");
  if ((flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
    return einval("CLONE_NEWUSER with CLONE_FS");
  if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) return einval("CLONE_THREAD without CLONE_SIGHAND");
  if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)) return einval("CLONE_SIGHAND without CLONE_VM");
  // SIGNAL_UNKILLABLE is per thread group: any thread of the init (after the
  // leader exits the reaper is another of its threads) is refused. Found by
  // nssim fuzz --real.
  if ((flags & CLONE_PARENT) && task_active_pid_ns(cur)->child_reaper &&
      task_active_pid_ns(cur)->child_reaper->group_leader == cur->group_leader)
    return einval("CLONE_PARENT from a pid namespace's init (SIGNAL_UNKILLABLE)");
  // A thread must stay in its creator's pid and user namespace.
  if (flags & CLONE_THREAD) {
    if (flags & (CLONE_NEWUSER | CLONE_NEWPID)) return einval("CLONE_THREAD with CLONE_NEWUSER/CLONE_NEWPID");
    if (task_active_pid_ns(cur) != nsp->pid_ns_for_children)
      return einval("CLONE_THREAD while pid_for_children differs from the active pid namespace");
  }
  // Before Feature::TimensForCloneVm (kernel/fork.c: copy_process() @ v6.1):
  // a child that would enter another time namespace may not share the mm.
  if (!has(Feature::TimensForCloneVm) && (flags & (CLONE_THREAD | CLONE_VM)) &&
      nsp->time_ns != nsp->time_ns_for_children)
    return einval("CLONE_VM/CLONE_THREAD while time_for_children differs from time (before v6.2)");
  if ((flags & CLONE_PIDFD) && (flags & CLONE_DETACHED)) return einval("CLONE_PIDFD with CLONE_DETACHED");
  if (validate_only_) return nullptr;  // clone_flags_check(): nothing is made

  auto* p = new Task;
  p->comm = std::move(comm);
  p->exit_signal = (flags & CLONE_THREAD) ? 0 : exit_signal;
  p->nsproxy = nsp;  // dup_task_struct(): the child starts as a copy of the parent
  p->dumpable = cur->group_leader->dumpable;  // dup_mm() copies mm->flags (of an implicit private mm)

  // kernel/cred.c: copy_creds() — threads share the cred, others get a copy;
  // CLONE_NEWUSER makes the child's user namespace here, before the others.
  {
    TraceScope c(trace, "copy_creds");
    if (flags & CLONE_THREAD) {
      cur->cred->get();
      p->cred = cur->cred;
      NSSIM_EVENT(trace, "get_cred", "cred#{} shared with the new thread", p->cred->id());
    } else {
      p->cred = prepare_creds(cur->cred);
      if (flags & CLONE_NEWUSER) {
        auto r = create_user_ns(p->cred, current_chrooted(cur));
        if (!r) {
          put_cred(p->cred, "copy_creds failed");
          delete p;
          return std::unexpected(r.error());
        }
      }
    }
  }
  // kernel/fork.c: copy_files(), copy_fs(). (An empty private table and a
  // private fs are left null until needed; see Task::files.)
  if (flags & CLONE_FILES) {
    FilesStruct* f = files_of(cur);
    f->get();
    p->files = f;
  } else if (cur->files) {
    p->files = dup_fd(cur->files);
    NSSIM_EVENT(trace, "dup_fd", "files#{} copied (open fds are shared files)", p->files->id());
  }
  if (flags & CLONE_FS) {
    FsStruct* fs = fs_of(cur);
    fs->get();
    p->fs = fs;
  } else if (cur->fs && (cur->fs->root_mnt || !cur->fs->root_dir.empty()) && !(flags & CLONE_EMPTY_MNTNS)) {
    // (An empty mount namespace resets root and cwd to its one mount:
    // copy_mnt_ns() @ v7.2; the child's fs is then the default.)
    // copy_fs_struct(): the root comes along (copy_mnt_ns() may move it below),
    // a chroot() directory too (kernel/fork.c: copy_fs() @ v6.12).
    uint64_t root = cur->fs->root_mnt;
    if ((flags & CLONE_NEWNS) && root - 1 == cur->nsproxy->mnt_ns->serial) root = 0;
    p->fs = fs_with_root(root, cur->fs->root_dir);
  }
  // copy_mm(): CLONE_VM (threads too) shares the creator's mm (mmget());
  // else dup_mm(): a copy (mm_init() takes its own user_ns reference;
  // dup_mmap() maps the same files; mm->flags, the dumpability, is copied).
  if (flags & CLONE_VM) {
    Mm* mm = (flags & CLONE_THREAD) ? cur->mm : share_mm(cur);  // a thread's group shares one already
    if (mm) mm->get();
    p->mm = mm;
    hold_exec_state(p, mm);  // copy_exec_state(): CLONE_VM shares it
  } else if (const Mm* om = cur->mm) {
    auto* mm = new Mm(reg_, next_id(ObjKind::Mm));
    mm->dumpable = om->dumpable;
    if ((mm->user_ns = om->user_ns)) get_ns(mm->user_ns, "mm");  // 7.2: the exec_state copy's reference
    mm->files = om->files;
    for (File* f : mm->files)
      if (f) f->get();
    p->mm = mm;
    hold_exec_state(p, mm);
  }
  p->vm_child = (flags & CLONE_VM) && !(flags & CLONE_THREAD);
  if (flags & CLONE_VFORK) {
    // The creating thread sleeps in wait_for_vfork_done() once the child runs.
    p->vfork_parent = cur;
    cur->in_vfork = true;
  }
  bool ns_held = false;  // p holds a count on p->nsproxy once copy_namespaces() succeeded
  auto undo = [&](Errno e) -> Result<Task*> {
    TraceScope u(trace, "bad_fork_cleanup");
    if (ns_held) put_nsproxy(p->nsproxy);  // bad_fork_cleanup_namespaces
    if (p->fs) put_fs_struct(p->fs);
    if (p->files) put_files_struct(p->files);
    p->vfork_parent = nullptr;
    cur->in_vfork = false;
    mmput(p);  // bad_fork_cleanup_mm
    put_exec_state(p);  // free_task()
    put_cred(p->cred, "bad_fork_cleanup_cred");
    delete p;
    return std::unexpected(e);
  };
  // kernel/nsproxy.c: copy_namespaces().
  if (auto r = copy_namespaces(flags, p, cur); !r) {
    p->nsproxy = nullptr;
    return undo(r.error());
  }
  ns_held = true;
  // kernel/pid.c: alloc_pid() in the child's pid_for_children (CLONE_THREAD
  // uses the same namespace, checked above).
  auto pid = alloc_pid(p->nsproxy->pid_ns_for_children, set_tid, cur->cred);
  if (!pid) return undo(pid.error());
  // cgroup_can_fork() -> cgroup_css_set_fork(): the cgroup the child starts
  // in, CLONE_INTO_CGROUP's checks. The kernel runs it after pidfd_prepare(),
  // which cannot fail in the model and whose fd is installed only at the
  // end: checking first gives the same errno and leaves no fd behind. A
  // failure gives the pid back (the cursors stay where alloc_pid() left them).
  auto cgrp = cgroup_css_set_fork(cur, flags, cgroup_fd);
  if (!cgrp) {
    free_unattached_pid(*pid);
    return undo(cgrp.error());
  }
  // CLONE_PIDFD: pidfd_prepare() on the new struct pid, an O_CLOEXEC fd in
  // the creator's table (shared with the child under CLONE_FILES; a copied
  // table was made before it), a thread's with PIDFD_THREAD. Nothing after
  // this point fails in the model, so no fd is ever given back.
  if (flags & CLONE_PIDFD) {
    auto* f = new File(reg_, next_id(ObjKind::File));
    f->fkind = FileKind::Pidfd;
    (*pid)->get();
    f->pid = *pid;
    cur->cred->get();
    f->f_cred = cur->cred;
    f->path = "pidfd:" + p->comm;
    int fd = alloc_fd(files_of(cur), f, /*cloexec=*/true);
    if (pidfd) *pidfd = fd;
    NSSIM_EVENT(trace, "pidfd_prepare", "CLONE_PIDFD: fd {} -> struct pid {} of {}", fd, (*pid)->numbers.back().nr,
                p->comm);
  }

  // Success: link the task in (attach_pid(), the parent's children list).
  // cgroup_post_fork(): the css_set's cgroup; a new cgroup namespace made for
  // the child is rooted there (so with CLONE_INTO_CGROUP at the destination,
  // not at the creator's cgroup copy_cgroup_ns() saw).
  p->cgroup = *cgrp == cgrp_root_.get() ? nullptr : *cgrp;
  ++(*cgrp)->nr_tasks;
  if (flags & CLONE_NEWCGROUP) {
    p->nsproxy->cgroup_ns->root_cgrp = *cgrp;
    NSSIM_EVENT(trace, "cgroup_post_fork", "{}'s new cgroup namespace is rooted at {}", p->comm, cgroup_path(*cgrp));
  }
  p->id = static_cast<uint32_t>(tasks_.size());
  tasks_.push_back(p);
  p->thread_pid = *pid;
  (*pid)->task = p;
  if (flags & CLONE_THREAD) {
    p->group_leader = cur->group_leader;
    p->real_parent = cur->group_leader->real_parent;
    ++p->group_leader->nr_threads;
  } else {
    // The creating thread is the parent (kernel: p->real_parent = current);
    // with CLONE_PARENT, the creator's own parent. Found by nssim fuzz --real:
    // children of a thread follow that thread's exit, not the leader's.
    p->real_parent = (flags & CLONE_PARENT) ? cur->real_parent : cur;
    if (p->real_parent) p->real_parent->link_child(p);
    // A new thread group inherits has_child_subreaper from its parent's
    // group, as the kernel does when linking it (copy_process() @ v6.18).
    if (Task* rp = p->real_parent ? p->real_parent->group_leader : nullptr)
      p->has_child_subreaper = rp->has_child_subreaper || rp->is_child_subreaper;
  }
  if (flags & CLONE_PARENT) p->exit_signal = cur->group_leader->exit_signal;
  // is_child_reaper(): pid 1 of its namespace becomes that namespace's init.
  PidNamespace* pns = (*pid)->numbers.back().ns;
  if ((*pid)->numbers.back().nr == 1) {
    pns->child_reaper = p;
    NSSIM_EVENT(trace, "copy_process", "{} is pid 1 of {}: child_reaper", p->comm, ns_str(pns));
  }
  NSSIM_EVENT(trace, "copy_process", "{} created: pid {} in {}, nsproxy#{} count={}", p->comm,
              (*pid)->numbers.back().nr, ns_str(pns), p->nsproxy->id(), p->nsproxy->count());
  return p;
}

// kernel/fork.c: check_unshare_flags() @ v6.18.
static int check_unshare_flags(const Task* cur, uint64_t f, bool single_threaded) {
  if (f & ~(CLONE_THREAD | CLONE_FS | CLONE_NEWNS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES | CLONE_SYSVSEM |
            CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWCGROUP |
            CLONE_NEWTIME))
    return EINVAL;
  // Not implemented, but pretend it works if there is nothing to unshare.
  if (f & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM))
    if (!cur->thread_group_empty()) return EINVAL;
  // (sighand->count > 1 for CLONE_SIGHAND|CLONE_VM: only threads share
  // signal handlers in the model, and they failed the test above.)
  if ((f & CLONE_VM) && !single_threaded) return EINVAL;  // another process shares the mm
  return 0;
}

// kernel/fork.c: ksys_unshare() @ v6.18.
Result<void> Kernel::sys_unshare(Task* cur, uint64_t flags) {
  NSSIM_SCOPE(s, trace, "unshare", "flags={}", clone_flags_str(flags));
  // Implied flags: a new user namespace needs its own thread group and fs;
  // a new mount namespace needs its own fs.
  if (flags & CLONE_NEWUSER) flags |= CLONE_THREAD | CLONE_FS;
  if (flags & CLONE_VM) flags |= CLONE_SIGHAND;
  if (flags & CLONE_SIGHAND) flags |= CLONE_THREAD;
  // Feature::EmptyMntns (ksys_unshare() @ v7.2): UNSHARE_EMPTY_MNTNS implies
  // CLONE_NEWNS, and unshare_nsproxy_namespaces() turns it into the 64-bit
  // CLONE_EMPTY_MNTNS. Before, the bit is CLONE_PARENT_SETTID: EINVAL below.
  uint64_t empty = 0;
  if ((flags & UNSHARE_EMPTY_MNTNS) && has(Feature::EmptyMntns)) {
    flags = (flags & ~UNSHARE_EMPTY_MNTNS) | CLONE_NEWNS;
    empty = CLONE_EMPTY_MNTNS;
  }
  if (flags & CLONE_NEWNS) flags |= CLONE_FS;
  if (int e = check_unshare_flags(cur, flags, current_is_single_threaded(cur))) {
    NSSIM_EVENT(trace, "check_unshare_flags", "{}: {}", clone_flags_str(flags), errno_name(e));
    return fail(e);
  }
  // unshare_fs(): a private copy with CLONE_NEWNS (its root moves into the new
  // tree) or when the fs_struct is shared; so unshare(CLONE_NEWNS) works even
  // with a CLONE_FS sibling.
  bool new_fs = (flags & CLONE_FS) && ((flags & CLONE_NEWNS) || (cur->fs && cur->fs->refs() > 1));
  if (new_fs) NSSIM_EVENT(trace, "unshare_fs", "fs_struct (users={}) copied", cur->fs ? cur->fs->refs() : 1);
  // unshare_fd(): a private copy when the files table is shared.
  FilesStruct* new_fd = nullptr;
  if ((flags & CLONE_FILES) && cur->files && cur->files->refs() > 1) {
    new_fd = dup_fd(cur->files);
    NSSIM_EVENT(trace, "unshare_fd", "files shared: private copy files#{}", new_fd->id());
  }
  auto cleanup = [&](Errno e, Cred* new_cred) -> Result<void> {
    if (new_cred) put_cred(new_cred, "unshare failed");
    if (new_fd) put_files_struct(new_fd);
    return std::unexpected(e);
  };
  // unshare_userns(): a new cred in a new user namespace.
  Cred* new_cred = nullptr;
  if (flags & CLONE_NEWUSER) {
    TraceScope u(trace, "unshare_userns");
    new_cred = prepare_creds(cur->cred);
    if (auto r = create_user_ns(new_cred, current_chrooted(cur)); !r) return cleanup(r.error(), new_cred);
  }
  // kernel/nsproxy.c: unshare_nsproxy_namespaces(): CAP_SYS_ADMIN in the
  // (possibly new) user namespace, then create_new_namespaces().
  NsProxy* new_nsproxy = nullptr;
  if (flags & (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWCGROUP |
               CLONE_NEWTIME)) {
    TraceScope u(trace, "unshare_nsproxy_namespaces");
    UserNamespace* user_ns = new_cred ? new_cred->user_ns : cur->cred->user_ns;
    if (!ns_capable(new_cred ? new_cred : cur->cred, user_ns, CAP_SYS_ADMIN)) {
      NSSIM_EVENT(trace, "ns_capable", "no CAP_SYS_ADMIN in {}: EPERM", ns_str(user_ns));
      return cleanup(Errno{EPERM}, new_cred);
    }
    auto r = create_new_namespaces(flags | empty, cur, user_ns, cur->fs, cur);
    if (!r) return cleanup(r.error(), new_cred);
    new_nsproxy = *r;
  }
  // Commit, in the kernel's order: fs, nsproxy, files, creds.
  if (new_fs) {
    // copy_mnt_ns() moves the root into the new tree only if it was in the
    // old one (a chrooted root elsewhere stays).
    uint64_t root = cur->fs ? cur->fs->root_mnt : 0;
    if ((flags & CLONE_NEWNS) && root - 1 == cur->nsproxy->mnt_ns->serial) root = 0;
    // A chroot() directory stays: copy_mnt_ns() moves fs->root to the same
    // dentry in the copy of its mount. An empty one resets root and cwd to
    // its one mount whatever they were (copy_mnt_ns() @ v7.2).
    std::string dir = cur->fs ? cur->fs->root_dir : std::string();
    if (empty) root = 0, dir.clear();
    if (cur->fs) put_fs_struct(cur->fs);
    cur->fs = fs_with_root(root, std::move(dir));  // a private fs_struct again
  }
  if (new_nsproxy) switch_task_namespaces(cur, new_nsproxy);  // ownership: count=1 moves to the task
  if (new_fd) {
    put_files_struct(cur->files);
    cur->files = new_fd;
  }
  if (new_cred) commit_creds(cur, new_cred);  // ownership: the task takes new_cred's reference
  return {};
}

}  // namespace nssim
