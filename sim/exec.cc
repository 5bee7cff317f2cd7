// fs/exec.c @ v6.12 (read; the same steps verified on 6.18.44 by nssim trace
// --real): execve() of a plain ELF file, as far as namespaces, fds, creds and
// dumpability see it. do_execveat_common() -> bprm_execve() -> do_open_execat()
// (MAY_EXEC), bprm_creds_from_file() (security/commoncap.c:
// cap_bprm_creds_from_file()), then begin_new_exec(): de_thread(),
// unshare_files(), do_close_on_exec(), would_dump(), exec_mmap(),
// exec_task_namespaces(), the dumpability, commit_creds().
#include "sim/kernel.h"

#include <csignal>
#include <array>
#include <string>
#include <vector>

namespace nssim {

namespace {
constexpr int kMayExec = 1, kMayRead = 4;

// fs/namei.c: acl_permission_check() (no ACLs): the owner's, group's or
// others' bits, chosen by the fsuid and fsgid (supplementary groups are not
// modelled: the sandbox's tasks have none that own the agent binary).
bool mode_allows(const Cred* c, const ExecFile& f, int mask) {
  uint32_t bits = c->fsuid == f.uid ? f.mode >> 6 : c->fsgid == f.gid ? f.mode >> 3 : f.mode;
  return (bits & mask & 7) == static_cast<uint32_t>(mask);
}
}  // namespace

// fs/namei.c: generic_permission() on a regular file: the mode bits, else
// CAP_DAC_OVERRIDE (for MAY_EXEC only when some x bit is set), else
// CAP_DAC_READ_SEARCH for a read; both through capable_wrt_inode_uidgid(): the
// capability in the caller's user namespace, which must map the file's owner
// and group (privileged_wrt_inode_uidgid()).
static bool file_permission(const Kernel& k, const Cred* c, const ExecFile& f, int mask) {
  if (mode_allows(c, f, mask)) return true;
  UserNamespace* ns = c->user_ns;
  bool mapped = k.from_kid(ns, f.uid, false) != INVALID_ID && k.from_kid(ns, f.gid, true) != INVALID_ID;
  if (!mapped) return false;
  if ((!(mask & kMayExec) || (f.mode & 0111)) && k.ns_capable(c, ns, CAP_DAC_OVERRIDE)) return true;
  return mask == kMayRead && k.ns_capable(c, ns, CAP_DAC_READ_SEARCH);
}

// A file an mm maps, opened with `c` (it holds a reference on `c`).
File* Kernel::mapped_file(Cred* c, std::string path) {
  auto* f = new File(reg_, next_id(ObjKind::File));
  f->fkind = FileKind::Regular;
  c->get();
  f->f_cred = c;
  f->path = std::move(path);
  return f;
}

Result<void> Kernel::sys_execve(Task* cur) {
  NSSIM_SCOPE(s, trace, "execve", "{}", cur->comm);
  const ExecFile& exe = cfg_.exe;
  // The program is not under a chroot() directory or a pivot_root() new root
  // (nor is /proc/self/exe, which the live agent runs): fs/exec.c: do_open_execat() looks it up from
  // fs->root @ v6.12: ENOENT.
  if (!proc_reachable(cur, "")) {
    NSSIM_EVENT(trace, "do_open_execat", "the program is not under {}'s root {}: ENOENT", cur->comm,
                rooted_path(cur, "/"));
    return fail(ENOENT);
  }
  // do_open_execat(): may_open(MAY_EXEC) -> inode_permission().
  if (!file_permission(*this, cur->cred, exe, kMayExec)) {
    NSSIM_EVENT(trace, "do_open_execat", "{} may not execute the file (mode {:o}): EACCES", cur->comm, exe.mode);
    return fail(EACCES);
  }
  Cred* old = cur->cred;
  // security/commoncap.c: cap_bprm_creds_from_file() @ v6.12, for a file
  // with no set-id bits and no file capabilities: get_file_caps() clears pP;
  // handle_privileged_root(): root (real or effective, of the cred's user
  // namespace) gets pP = bset | pI, and pE when the euid is root.
  Cred* nw = prepare_creds(old);
  {
    TraceScope b(trace, "cap_bprm_creds_from_file");
    CapSets oc = old->caps(), nc = oc;
    uint32_t root = make_kid(nw->user_ns, 0, false);
    bool effective = nw->euid == root;
    nc.permitted = (nw->euid == root || nw->uid == root) ? (oc.bset | oc.inheritable) : 0;
    // A gain while the fs_struct is shared with another process
    // (check_unsafe_exec(): LSM_UNSAFE_SHARE) is cut back to what it had,
    // and the euid falls back to the uid without CAP_SETUID.
    bool gained = (nc.permitted & ~oc.permitted) != 0;
    bool shared_fs = false;
    if (gained && cur->fs && cur->fs->refs() > 1)
      for (Task* o : tasks_)
        if (o && o->fs == cur->fs && o->group_leader != cur->group_leader && o->state == TaskState::Running)
          shared_fs = true;
    if (shared_fs) {
      NSSIM_EVENT(trace, "cap_bprm_creds_from_file", "fs_struct shared (LSM_UNSAFE_SHARE): no capability gain");
      if (!ns_capable(old, nw->user_ns, CAP_SETUID)) nw->euid = nw->uid, nw->egid = nw->gid;
      nc.permitted &= oc.permitted;
    }
    nw->suid = nw->fsuid = nw->euid;
    nw->sgid = nw->fsgid = nw->egid;
    nc.permitted |= nc.ambient;
    nc.effective = effective ? nc.permitted : nc.ambient;
    nw->set_caps(nc);
    nw->securebits &= ~SECBIT_KEEP_CAPS;  // cap_bprm_creds_from_file() @ v6.12: KEEPCAPS ends at exec
    NSSIM_EVENT(trace, "cap_bprm_creds_from_file", "pP={:#x} pE={:#x}", nc.permitted, nc.effective);
  }
  // begin_new_exec(): de_thread() kills every other thread and waits until
  // each is released (threads are reaped at once: exit_notify()).
  Task* leader = cur->group_leader;
  if (leader->nr_threads > 1) {
    TraceScope d(trace, "de_thread");
    std::vector<Task*> others;  // collected first: a thread is released as it exits
    for (Task* o : tasks_)
      if (o && o != cur && o->group_leader == leader && o->state == TaskState::Running) others.push_back(o);
    for (Task* o : others) {
      NSSIM_EVENT(trace, "zap_other_threads", "{} killed", o->comm);
      do_exit_quiet(o, SIGKILL);
    }
  }
  // unshare_files(): a table shared with another task becomes private.
  if (cur->files && cur->files->refs() > 1) {
    FilesStruct* nf = dup_fd(cur->files);
    NSSIM_EVENT(trace, "unshare_files", "files#{} shared: private copy files#{}", cur->files->id(), nf->id());
    FilesStruct* of = cur->files;
    cur->files = nf;
    put_files_struct(of);
  }
  // do_close_on_exec().
  if (FilesStruct* f = cur->files) {
    for (size_t fd = 0; fd < f->fdt.size(); ++fd)
      if (f->fdt[fd] && f->cloexec(fd)) {
        NSSIM_EVENT(trace, "do_close_on_exec", "fd {} ({})", fd, f->fdt[fd]->path);
        File* file = f->fdt[fd];
        f->fdt[fd] = nullptr;
        f->set_cloexec(fd, false);
        std::erase_if(f->names, [&](const auto& n) { return n.second == static_cast<int>(fd); });
        fput(file);
      }
  }
  // would_dump(): a file the caller may not read makes the mm non-dumpable
  // and moves mm->user_ns up to a user namespace that maps its owner and group.
  UserNamespace* mm_ns = old->user_ns;  // bprm_mm_init() -> mm_alloc(): current_user_ns()
  bool enforce_nondump = !file_permission(*this, old, exe, kMayRead);
  if (enforce_nondump) {
    while (mm_ns != init_user_ns_ &&
           (from_kid(mm_ns, exe.uid, false) == INVALID_ID || from_kid(mm_ns, exe.gid, true) == INVALID_ID))
      mm_ns = mm_ns->parent;
    NSSIM_EVENT(trace, "would_dump", "file not readable: mm not dumpable, mm->user_ns {}", ns_str(mm_ns));
  }
  // exec_mmap(): a new mm (holding mm_ns, and the file as its exe_file:
  // set_mm_exe_file()) replaces the old one, which loses this task as a user
  // (exec_mm_release() wakes a vfork parent; mmput(): the last user frees it).
  // The file was opened with the caller's cred before commit_creds()
  // (do_open_execat()).
  get_ns(mm_ns, "mm");
  auto* mm = new Mm(reg_, next_id(ObjKind::Mm));
  mm->user_ns = mm_ns;  // ownership: the reference just taken
  mm->files[Mm::kExe] = mapped_file(old, "exe of " + cur->comm);
  mmput(cur);
  cur->mm = mm;
  // 7.2: exec_mmap() gives the task a new exec_state (bprm->user_ns, the
  // reference taken above) and puts the one it replaces.
  put_exec_state(cur);
  hold_exec_state(cur, mm);
  cur->vm_child = false;
  // exec_task_namespaces() (kernel/nsproxy.c).
  if (auto r = exec_task_namespaces(cur); !r) {
    put_cred(nw, "exec failed");
    return std::unexpected(r.error());  // after the point of no return the kernel kills the task
  }
  // The dumpability, from the caller's old ids (begin_new_exec() reads
  // current_cred() before commit_creds()): SUID_DUMP_USER unless would_dump()
  // forbade it or the euid/egid differ from the uid/gid, then suid_dumpable.
  bool same_ids = old->euid == old->uid && old->egid == old->gid;
  // Only SUID_DUMP_USER lets ptrace checks skip CAP_SYS_PTRACE (kernel/ptrace.c:
  // __ptrace_may_access()): suid_dumpable 2 (SUID_DUMP_ROOT) is "not dumpable" there.
  mm->dumpable = (enforce_nondump || !same_ids) ? cfg_.suid_dumpable == 1 : true;
  NSSIM_EVENT(trace, "begin_new_exec", "mm {}dumpable", mm->dumpable ? "" : "not ");
  // commit_creds(): an id or capability change makes it non-dumpable again.
  commit_creds(cur, nw);
  // The new program's ld.so opens and maps its shared libraries with the new cred.
  if (exe.dynamic) mm->files[Mm::kLibs] = mapped_file(nw, "libraries of " + cur->comm);
  return {};
}

}  // namespace nssim
