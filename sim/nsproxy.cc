// kernel/nsproxy.c @ v6.18, side by side: create_new_namespaces(),
// copy_namespaces(), unshare_nsproxy_namespaces(), switch_task_namespaces(),
// exit_task_namespaces(), free_nsproxy() and setns() with its
// prepare_nsset() / validate_ns[set]() / commit_nsset() / put_nsset().
#include "sim/kernel.h"

namespace nssim {

void Kernel::get_nsproxy(NsProxy* ns) {
  ns->get();
  NSSIM_EVENT(trace, "get_nsproxy", "nsproxy#{} count {}→{}", ns->id(), ns->count() - 1, ns->count());
}

void Kernel::put_nsproxy(NsProxy* ns) {
  bool last = ns->put();
  NSSIM_EVENT(trace, "put_nsproxy", "nsproxy#{} count {}→{}", ns->id(), ns->count() + 1, ns->count());
  if (last) free_nsproxy(ns);
}

// kernel/nsproxy.c: free_nsproxy() — puts each slot, in the kernel's order.
// An unheld slot holds no reference (the model's setns shortcut: its
// reference moved to the nsproxy that replaced this one; see prepare_nsset()).
void Kernel::free_nsproxy(NsProxy* ns) {
  NSSIM_SCOPE(s, trace, "free_nsproxy", "nsproxy#{} freed", ns->id());
  const uint8_t held = static_cast<uint8_t>(~ns->unheld);
  if (held & kSlotMnt) put_ns(ns->mnt_ns, Why("nsproxy", ns->id(), "mnt"));
  if (held & kSlotUts) put_ns(ns->uts_ns, Why("nsproxy", ns->id(), "uts"));
  if (held & kSlotIpc) put_ns(ns->ipc_ns, Why("nsproxy", ns->id(), "ipc"));
  if (held & kSlotPidForChildren) put_ns(ns->pid_ns_for_children, Why("nsproxy", ns->id(), "pid_for_children"));
  if (held & kSlotTime) put_ns(ns->time_ns, Why("nsproxy", ns->id(), "time"));
  if (held & kSlotTimeForChildren) put_ns(ns->time_ns_for_children, Why("nsproxy", ns->id(), "time_for_children"));
  if (held & kSlotCgroup) put_ns(ns->cgroup_ns, Why("nsproxy", ns->id(), "cgroup"));
  if (held & kSlotNet) put_ns(ns->net_ns, Why("nsproxy", ns->id(), "net"));
  delete ns;
}

// kernel/pid_namespace.c: create_pid_namespace() @ v6.18.
Result<PidNamespace*> Kernel::create_pid_namespace(UserNamespace* user_ns, PidNamespace* parent) {
  uint32_t level = parent->level + 1;
  // in_userns(parent->user_ns, user_ns): the new owner must be at or below the parent's owner.
  bool in = false;
  for (UserNamespace* u = user_ns; u; u = u->parent)
    if (u == parent->user_ns) in = true;
  if (!in) return fail(EINVAL);
  if (level > MAX_PID_NS_LEVEL) return fail(ENOSPC);
  auto* ns = new_ns<PidNamespace>(NsType::Pid, user_ns);
  ns->level = level;
  // Feature::PidMaxPerPidNs: its own, PID_MAX_LIMIT; before, the one global
  // pid_max, which every pid namespace shares.
  ns->pid_max = has(Feature::PidMaxPerPidNs) ? 4194304 : parent->pid_max;
  get_ns(parent, Why("parent of", ns));
  ns->parent = parent;
  return ns;
}

// kernel/nsproxy.c: create_new_namespaces() @ v6.18. Copies (or shares, with a
// reference) every namespace of tsk's nsproxy into a new nsproxy with count 1,
// in the kernel's order: mnt, uts, ipc, pid, cgroup, net, time.
Result<NsProxy*> Kernel::create_new_namespaces(uint64_t flags, Task* tsk, UserNamespace* user_ns,
                                               FsStruct* /*new_fs*/, Task* current) {
  NSSIM_SCOPE(s, trace, "create_new_namespaces", "flags={}", clone_flags_str(flags));
  NsProxy* old = tsk->nsproxy;
  auto* nsp = new NsProxy(reg_, next_id(ObjKind::NsProxy));
  NSSIM_EVENT(trace, "create_nsproxy", "nsproxy#{} alloc count=1", nsp->id());
  // Undo in reverse on failure, like the kernel's out_* labels.
  auto unwind = [&](int err) -> Result<NsProxy*> {
    if (nsp->time_ns_for_children) put_ns(nsp->time_ns_for_children, Why("nsproxy", nsp->id(), "time_for_children"));
    if (nsp->net_ns) put_ns(nsp->net_ns, Why("nsproxy", nsp->id(), "net"));
    if (nsp->cgroup_ns) put_ns(nsp->cgroup_ns, Why("nsproxy", nsp->id(), "cgroup"));
    if (nsp->pid_ns_for_children) put_ns(nsp->pid_ns_for_children, Why("nsproxy", nsp->id(), "pid_for_children"));
    if (nsp->ipc_ns) put_ns(nsp->ipc_ns, Why("nsproxy", nsp->id(), "ipc"));
    if (nsp->uts_ns) put_ns(nsp->uts_ns, Why("nsproxy", nsp->id(), "uts"));
    if (nsp->mnt_ns) put_ns(nsp->mnt_ns, Why("nsproxy", nsp->id(), "mnt"));
    (void)nsp->put();
    delete nsp;
    NSSIM_EVENT(trace, "create_new_namespaces", "failed: {}", errno_name(err));
    return fail(err);
  };
  auto share = [&](auto* ns, const char* slot) {
    get_ns(ns, Why("nsproxy", nsp->id(), slot));
    return ns;
  };

  // fs/namespace.c: copy_mnt_ns(). The copy gets the bind mounts of the old
  // namespace (copy_tree() skips only mount-namespace files).
  if (flags & CLONE_NEWNS) {
    TraceScope c(trace, "copy_mnt_ns");
    auto* m = new_ns<MntNamespace>(NsType::Mnt, user_ns);
    m->ucounts_euid = current->cred->euid;
    m->seq = ++mnt_seq_;
    // A copy owned by another user namespace has its mounts locked (lock_mnt_tree()).
    bool lock = user_ns != old->mnt_ns->user_ns;
    // fs/namespace.c: copy_mnt_ns() -> copy_tree() -> clone_mnt() @ v6.12: the
    // copy joins the old root's peer group and master; a less privileged one
    // (CL_SHARED_TO_SLAVE) is made a slave of a shared root instead.
    if (lock && old->mnt_ns->group) {
      m->master = old->mnt_ns->group;
    } else {
      m->group = lock ? 0 : old->mnt_ns->group;
      m->master = old->mnt_ns->master;
    }
    // A mount-namespace file is skipped with everything mounted on top of it
    // (copy_tree(): skip_mnt_tree() @ v6.12; found by --real): the mounts
    // stacked at its path after it in mount order.
    std::vector<std::string_view> skipped;
    // Feature::EmptyMntns: CLONE_EMPTY_MNTNS copies the root mount alone
    // (clone_mnt(), not copy_tree(), @ v7.2): no bind mount comes along.
    const bool empty = flags & CLONE_EMPTY_MNTNS;
    if (empty) NSSIM_EVENT(trace, "copy_mnt_ns", "CLONE_EMPTY_MNTNS: the root mount alone");
    for (Mount* src : empty ? std::vector<Mount*>{} : old->mnt_ns->mounts) {
      if (std::find(skipped.begin(), skipped.end(), src->mountpoint) != skipped.end()) continue;
      if (src->ns->type == NsType::Mnt) {
        skipped.push_back(src->mountpoint);
        continue;
      }
      auto* mnt = new Mount(reg_, next_id(ObjKind::Mount));
      mnt->ns = src->ns;
      mnt->mountpoint = src->mountpoint;
      mnt->origin = src->origin;
      mnt->locked = src->locked || lock;
      ++src->ns->nsfs_users;
      m->mounts.push_back(mnt);
      NSSIM_EVENT(trace, "copy_tree", "{} -> {} copied", mnt->mountpoint, ns_str(mnt->ns));
    }
    // Directory bind mounts and the root pivot_root() chose come along.
    if (!empty)
      for (auto& b : old->mnt_ns->dir_binds) m->dir_binds.push_back({b.path, b.locked || lock});
    m->root_dir = old->mnt_ns->root_dir;
    if (!empty) {
      m->old_root_at = old->mnt_ns->old_root_at;
      m->old_root_dir = old->mnt_ns->old_root_dir;
    }
    m->root_locked = old->mnt_ns->root_locked || lock;
    m->old_root_locked = old->mnt_ns->old_root_locked || lock;
    m->tmpfs_locked = old->mnt_ns->tmpfs_locked || lock;
    nsp->mnt_ns = m;
  } else {
    nsp->mnt_ns = share(old->mnt_ns, "mnt");
  }
  // kernel/utsname.c: copy_utsname() — a new one starts with the old nodename.
  if (flags & CLONE_NEWUTS) {
    TraceScope c(trace, "copy_utsname");
    auto* u = new_ns<UtsNamespace>(NsType::Uts, user_ns);
    u->ucounts_euid = current->cred->euid;
    u->nodename = old->uts_ns->nodename;
    nsp->uts_ns = u;
  } else {
    nsp->uts_ns = share(old->uts_ns, "uts");
  }
  // ipc/namespace.c: copy_ipcs().
  if (flags & CLONE_NEWIPC) {
    TraceScope c(trace, "copy_ipcs");
    nsp->ipc_ns = new_ns<IpcNamespace>(NsType::Ipc, user_ns);
    nsp->ipc_ns->ucounts_euid = current->cred->euid;
  } else {
    nsp->ipc_ns = share(old->ipc_ns, "ipc");
  }
  // kernel/pid_namespace.c: copy_pid_ns() — only from the active pid
  // namespace: a second unshare(CLONE_NEWPID) before forking is EINVAL.
  if (flags & CLONE_NEWPID) {
    TraceScope c(trace, "copy_pid_ns");
    if (task_active_pid_ns(current) != old->pid_ns_for_children) {
      NSSIM_EVENT(trace, "copy_pid_ns", "pid_for_children {} is not the active {}: EINVAL",
                  ns_str(old->pid_ns_for_children), ns_str(task_active_pid_ns(current)));
      return unwind(EINVAL);
    }
    auto r = create_pid_namespace(user_ns, old->pid_ns_for_children);
    if (!r) return unwind(r.error().code);
    nsp->pid_ns_for_children = *r;
    nsp->pid_ns_for_children->ucounts_euid = current->cred->euid;
  } else {
    nsp->pid_ns_for_children = share(old->pid_ns_for_children, "pid_for_children");
  }
  // kernel/cgroup/namespace.c: copy_cgroup_ns() — checks CAP_SYS_ADMIN itself.
  if (flags & CLONE_NEWCGROUP) {
    TraceScope c(trace, "copy_cgroup_ns");
    if (!ns_capable(tsk->cred, user_ns, CAP_SYS_ADMIN)) return unwind(EPERM);
    nsp->cgroup_ns = new_ns<CgroupNamespace>(NsType::Cgroup, user_ns);
    nsp->cgroup_ns->ucounts_euid = current->cred->euid;
    // root_cset: current's css_set, so its cgroup is the new namespace's root.
    nsp->cgroup_ns->root_cgrp = task_dfl_cgroup(current);
  } else {
    nsp->cgroup_ns = share(old->cgroup_ns, "cgroup");
  }
  // net/core/net_namespace.c: copy_net_ns().
  if (flags & CLONE_NEWNET) {
    TraceScope c(trace, "copy_net_ns");
    nsp->net_ns = new_ns<NetNamespace>(NsType::Net, user_ns);
    nsp->net_ns->ucounts_euid = current->cred->euid;
  } else {
    nsp->net_ns = share(old->net_ns, "net");
  }
  // kernel/time/namespace.c: copy_time_ns() makes time_for_children; the
  // task's own time_ns is kept (it changes at the next fork: timens_on_fork()).
  if (flags & CLONE_NEWTIME) {
    TraceScope c(trace, "copy_time_ns");
    nsp->time_ns_for_children = new_ns<TimeNamespace>(NsType::Time, user_ns);
    nsp->time_ns_for_children->ucounts_euid = current->cred->euid;
  } else {
    nsp->time_ns_for_children = share(old->time_ns_for_children, "time_for_children");
  }
  nsp->time_ns = share(old->time_ns, "time");
  return nsp;
}

// kernel/time/namespace.c: timens_on_fork() @ v6.18 — a child created while
// time_for_children differs from time enters time_for_children.
static void timens_on_fork(Kernel& k, NsProxy* nsp) {
  TimeNamespace* ns = nsp->time_ns_for_children;
  if (nsp->time_ns == ns) return;
  NSSIM_SCOPE(s, k.trace, "timens_on_fork", "child enters {}", k.ns_str(ns));
  k.get_ns(ns, Why("nsproxy", nsp->id(), "time"));
  k.put_ns(nsp->time_ns, Why("nsproxy", nsp->id(), "time"));
  nsp->time_ns = ns;
  ns->frozen_offsets = true;  // timens_commit()
}

// kernel/nsproxy.c: exec_task_namespaces() @ v6.12, called by begin_new_exec():
// a task whose time_for_children differs from its time namespace enters it,
// through a new nsproxy (its old one may be shared). Feature::TimensForCloneVm
// brought it; before, exec left the time namespace alone.
Result<void> Kernel::exec_task_namespaces(Task* tsk) {
  NsProxy* old = tsk->nsproxy;
  if (!has(Feature::TimensForCloneVm)) return {};
  if (old->time_ns_for_children == old->time_ns) return {};
  NSSIM_SCOPE(s, trace, "exec_task_namespaces", "{} enters {}", tsk->comm, ns_str(old->time_ns_for_children));
  auto r = create_new_namespaces(0, tsk, tsk->cred->user_ns, tsk->fs, tsk);
  if (!r) return std::unexpected(r.error());
  timens_on_fork(*this, *r);
  switch_task_namespaces(tsk, *r);  // ownership: the new nsproxy's count=1 moves to tsk
  return {};
}

// kernel/nsproxy.c: copy_namespaces() @ v6.18, called by copy_process().
Result<void> Kernel::copy_namespaces(uint64_t flags, Task* tsk, Task* current) {
  NSSIM_SCOPE(s, trace, "copy_namespaces", "flags={}", clone_flags_str(flags & ~CSIGNAL));
  NsProxy* old = tsk->nsproxy;
  UserNamespace* user_ns = tsk->cred->user_ns;  // the child's cred: a new user ns owns the rest
  if (!(flags & (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET |
                 CLONE_NEWCGROUP | CLONE_NEWTIME))) {
    // Before Feature::TimensForCloneVm copy_process() has already refused a
    // CLONE_VM child here (the time namespaces differ), so the clause is moot.
    if (((flags & CLONE_VM) && has(Feature::TimensForCloneVm)) || old->time_ns_for_children == old->time_ns) {
      get_nsproxy(old);  // shared: the child points at the parent's nsproxy
      return {};
    }
    NSSIM_EVENT(trace, "copy_namespaces", "time_for_children {} != time {}: copy for the child",
                ns_str(old->time_ns_for_children), ns_str(old->time_ns));
  } else if (!ns_capable(tsk->cred, user_ns, CAP_SYS_ADMIN)) {
    NSSIM_EVENT(trace, "ns_capable", "no CAP_SYS_ADMIN in {}: EPERM", ns_str(user_ns));
    return fail(EPERM);
  }
  // A new ipc namespace cannot share the SysV semaphore undo list.
  if ((flags & (CLONE_NEWIPC | CLONE_SYSVSEM)) == (CLONE_NEWIPC | CLONE_SYSVSEM)) {
    NSSIM_EVENT(trace, "copy_namespaces", "CLONE_NEWIPC with CLONE_SYSVSEM: EINVAL");
    return fail(EINVAL);
  }
  auto r = create_new_namespaces(flags, tsk, user_ns, tsk->fs, current);
  if (!r) return std::unexpected(r.error());
  // A CLONE_VM child keeps its time ns (Feature::TimensForCloneVm; before it,
  // every child entered time_for_children).
  if (!(flags & CLONE_VM) || !has(Feature::TimensForCloneVm)) timens_on_fork(*this, *r);
  tsk->nsproxy = *r;  // ownership: the new nsproxy's count=1 belongs to the child
  return {};
}

// kernel/nsproxy.c: switch_task_namespaces() @ v6.18.
void Kernel::switch_task_namespaces(Task* p, NsProxy* new_ns) {
  NsProxy* old = p->nsproxy;
  NSSIM_EVENT(trace, "switch_task_namespaces", "{}: {} -> {}", p->comm,
              old ? fmt::format("nsproxy#{}", old->id()) : "NULL",
              new_ns ? fmt::format("nsproxy#{}", new_ns->id()) : "NULL");
  p->nsproxy = new_ns;
  if (old) put_nsproxy(old);
}

// kernel/nsproxy.c: exit_task_namespaces() @ v6.18 — called from do_exit()
// before exit_notify(), so a zombie has no nsproxy.
void Kernel::exit_task_namespaces(Task* p) {
  TraceScope s(trace, "exit_task_namespaces");
  switch_task_namespaces(p, nullptr);
}

// ---- setns ---------------------------------------------------------------

// kernel/nsproxy.c: struct nsset @ v6.18: what prepare_nsset() gathers and
// ->install() fills in; commit_nsset() makes it the task's.
struct NsSet {
  uint64_t flags = 0;
  NsProxy* nsproxy = nullptr;  // the new nsproxy (count 1), committed on success
  Cred* cred = nullptr;        // a new cred when CLONE_NEWUSER is requested
  uint32_t fs_users = 1;       // users of the fs_struct mntns_install() checks (1: a temporary copy)
  uint8_t borrowed = 0;        // slots of nsproxy holding no reference yet (NsProxySlot bits; see prepare_nsset())
};

// prepare_nsset()'s copy with borrowed slots: the same namespaces as `old`,
// count 1, no reference taken (the caller owns NsSet::borrowed).
[[gnu::always_inline]] inline NsProxy* Kernel::copy_nsproxy_borrowed(const NsProxy* old) {
  auto* nsp = new NsProxy(reg_, next_id(ObjKind::NsProxy));
  nsp->mnt_ns = old->mnt_ns;
  nsp->uts_ns = old->uts_ns;
  nsp->ipc_ns = old->ipc_ns;
  nsp->pid_ns_for_children = old->pid_ns_for_children;
  nsp->cgroup_ns = old->cgroup_ns;
  nsp->net_ns = old->net_ns;
  nsp->time_ns_for_children = old->time_ns_for_children;
  nsp->time_ns = old->time_ns;
  return nsp;
}

// The references of the borrowed slots of `nsp` (a copy of `old`), at commit
// or on failure. `keep`: nsp is committed in place of `old`; when old dies
// in switch_task_namespaces() (count 1), each borrowed reference moves from
// old to nsp (old's slot becomes unheld, free_nsproxy() skips it); when old
// lives on (shared), nsp takes its own now. Not keeping: nsp is dropped, and
// its borrowed slots hold nothing to put.
[[gnu::always_inline]] inline void Kernel::settle_borrowed(NsProxy* nsp, NsProxy* old, uint8_t borrowed, bool keep) {
  if (!keep) {
    nsp->unheld = borrowed;
    return;
  }
  if (old->count() == 1) {
    old->unheld = borrowed;
    return;
  }
  auto take = [&](NsCommon* ns, uint8_t bit, const char* name) {
    if (borrowed & bit) get_ns(ns, Why("nsproxy", nsp->id(), name));
  };
  take(nsp->mnt_ns, kSlotMnt, "mnt");
  take(nsp->uts_ns, kSlotUts, "uts");
  take(nsp->ipc_ns, kSlotIpc, "ipc");
  take(nsp->pid_ns_for_children, kSlotPidForChildren, "pid_for_children");
  take(nsp->cgroup_ns, kSlotCgroup, "cgroup");
  take(nsp->net_ns, kSlotNet, "net");
  take(nsp->time_ns_for_children, kSlotTimeForChildren, "time_for_children");
  take(nsp->time_ns, kSlotTime, "time");
}

// The setns path is written once, as templates on the tracer Tr (Trace or
// NoTrace, sim/trace.h), and compiled twice: sys_setns_traced() records every
// event, sys_setns()'s quiet build has no trace hook left in it. Only the
// quiet build takes the model's shortcuts (prepare_nsset()): they change no
// count, id or sharing the kernel would show, only which events happen.

// A reference taken or dropped on the setns path: with the event while
// tracing, bare otherwise.
template <class Tr>
[[gnu::always_inline]] inline void Kernel::setns_get(Tr&, NsCommon* ns, const Why& why) {
  if constexpr (std::is_same_v<Tr, NoTrace>)
    ns->get();
  else
    get_ns(ns, why);
}
template <class Tr>
[[gnu::always_inline]] inline void Kernel::setns_put(Tr&, NsCommon* ns, const Why& why) {
  if constexpr (std::is_same_v<Tr, NoTrace>) {
    if (ns->put()) free_ns(ns);
  } else {
    put_ns(ns, why);
  }
}

// The head of kernel/nsproxy.c: sys_setns() @ v6.18: fdget() (EBADF for a
// free slot), then an nsfs file's namespace, whose type nstype must name
// unless 0 (EINVAL), or a pidfd's flags (check_setns_flags(): at least one,
// only CLONE_NEW* bits, else EINVAL); any other file: EINVAL. Fills f, one
// (the nsfs file's namespace, null for a pidfd) and flags. Returns 0 or the errno.
template <class Tr>
[[gnu::always_inline]] inline int Kernel::setns_fdget(Tr& tr, Task* cur, int fd, uint64_t& flags, File*& f,
                                                      NsCommon*& one) {
  f = (cur->files && fd >= 0 && static_cast<size_t>(fd) < cur->files->fdt.size()) ? cur->files->fdt[fd] : nullptr;
  if (!f) return EBADF;
  if (f->fkind == FileKind::Nsfs) {
    one = f->ns;
    uint64_t type_flag = ns_type_clone_flag(one->type);
    if (flags && flags != type_flag) {
      NSSIM_EVENT(tr, "setns", "nstype {} does not match {}: EINVAL", clone_flags_str(flags), ns_str(one));
      return EINVAL;
    }
    flags = type_flag;
    return 0;
  }
  if (f->fkind == FileKind::Pidfd) {
    if (!flags || (flags & ~CLONE_NEW_ANY)) {
      NSSIM_EVENT(tr, "check_setns_flags", "{}: EINVAL", clone_flags_str(flags));
      return EINVAL;
    }
    return 0;
  }
  NSSIM_EVENT(tr, "setns", "fd {} is neither an nsfs file nor a pidfd: EINVAL", fd);
  return EINVAL;
}

// kernel/nsproxy.c: prepare_nsset() @ v6.18: always a new nsproxy, a copy of
// ours (create_new_namespaces(0)), a new cred for CLONE_NEWUSER, and the
// fs_struct users mntns_install() will check. Returns 0 or the errno of the copy.
//
// The model's shortcuts (quiet build only):
//  - Borrowing: the kernel's copy takes a reference on all eight slots, and
//    commit_nsset() usually drops our old nsproxy, whose free_nsproxy() puts
//    the same eight again: 16 refcount updates that cancel out for every slot
//    this setns does not change. While nobody watches them happen, the copy
//    *borrows* the old nsproxy's references instead (NsSet::borrowed): a
//    slot that ->install() changes gets its new reference as in the kernel;
//    the others settle at commit by moving the old nsproxy's reference when
//    it dies there, or by a get when other tasks still share it
//    (settle_borrowed()). The nsproxy is new all the same, and every count
//    after the call is the kernel's.
//  - In place (`in_place`: one nsfs namespace, our nsproxy ours alone, count
//    1): the kernel's "copy, ->install() into the copy, switch, free the old"
//    ends with one nsproxy, count 1, held by this task only, whose slots are
//    the old ones but the installed slot(s), whose reference moved from the
//    old namespace to the new one. Updating the old nsproxy in place ends the
//    same: ->install() gets the new namespace and puts the old one as the
//    copy's slot would have, and NsProxy::renew() gives it the fresh id the
//    copy would have had (identity is the id: nsproxy#N, a.nsproxy ==
//    b.nsproxy, the graph and the ledger; no other task points at it, so no
//    sharing relation changes). One ->install() fails before touching a
//    slot, so a failed setns leaves the nsproxy as it was; its id (new_id) is
//    consumed as the kernel's dropped copy consumes one. Pidfds (several
//    ->install()s, a later one may fail) and shared nsproxies take the copy.
template <class Tr>
[[gnu::always_inline]] inline int Kernel::prepare_nsset(Tr& tr, NsSet& ns, Task* cur, uint64_t flags, bool in_place,
                                                        uint32_t& new_id) {
  BasicTraceScope<Tr> p(tr, "prepare_nsset");
  ns.flags = flags;
  if (in_place) {
    ns.nsproxy = cur->nsproxy;
    new_id = next_id(ObjKind::NsProxy);
  } else if constexpr (!std::is_same_v<Tr, NoTrace>) {
    auto r = create_new_namespaces(0, cur, cur->cred->user_ns, cur->fs, cur);
    if (!r) return r.error().code;
    ns.nsproxy = *r;
  } else {
    ns.nsproxy = copy_nsproxy_borrowed(cur->nsproxy);
    ns.borrowed = kAllSlots;
  }
  if (flags & CLONE_NEWUSER) ns.cred = prepare_creds(cur->cred);
  // Only setns(CLONE_NEWNS) alone checks the task's own fs_struct; with
  // other flags a temporary copy (users == 1) is checked (copy_fs_struct()).
  // Between Feature::MntnsInstallChecksCurrentFs and
  // Feature::MntnsInstallChecksNssetFs mntns_install() checks current->fs
  // whatever the flags (fs/namespace.c @ v6.12).
  const bool current_fs =
      has(Feature::MntnsInstallChecksCurrentFs) && !has(Feature::MntnsInstallChecksNssetFs);
  if (cur->fs && (flags == CLONE_NEWNS || current_fs)) ns.fs_users = cur->fs->refs();
  return 0;
}

// One slot of the nsset's nsproxy enters `target`: get the new namespace,
// put the one the slot held (nothing to put for a borrowed slot).
template <class Tr, class T>
[[gnu::always_inline]] inline void Kernel::nsset_slot(Tr& tr, NsSet& ns, T*& slot, uint8_t bit, NsCommon* target,
                                                      const char* name) {
  setns_get(tr, target, Why("nsproxy", ns.nsproxy->id(), name));
  if (ns.borrowed & bit)
    ns.borrowed &= static_cast<uint8_t>(~bit);
  else
    setns_put(tr, slot, Why("nsproxy", ns.nsproxy->id(), name));
  slot = static_cast<T*>(target);
}

// kernel/nsproxy.c: validate_ns() @ v6.18: target's ->install() into the
// nsset: utsns_install(), ipcns_install(), mntns_install(), pidns_install(),
// netns_install(), cgroupns_install(), timens_install(), userns_install().
// Returns 0, or the errno of the first check that fails (in the kernel's
// order), before any slot changes.
template <class Tr>
[[gnu::always_inline]] inline int Kernel::validate_ns(Tr& tr, NsSet& ns, Task* cur, NsCommon* target) {
  static constexpr const char* kInstall[] = {"utsns_install", "ipcns_install",  "mntns_install",    "pidns_install",
                                             "netns_install", "timens_install", "cgroupns_install", "userns_install"};
  NSSIM_SCOPE(i, tr, kInstall[static_cast<int>(target->type)], "{}", ns_str(target));
  NsProxy* nsp = ns.nsproxy;
  const Cred* cred = cur->cred;  // capabilities are checked against the caller's current cred
  UserNamespace* nsset_userns = ns.cred ? ns.cred->user_ns : cred->user_ns;  // nsset->cred->user_ns
  // ns_capable(owner of target) && ns_capable(nsset->cred->user_ns), both CAP_SYS_ADMIN.
  auto admin_both = [&]() __attribute__((always_inline)) {
    return ns_capable(cred, target->user_ns, CAP_SYS_ADMIN) && ns_capable(cred, nsset_userns, CAP_SYS_ADMIN);
  };
  // A refusal, with its reason in the trace (nothing at all in the quiet build).
  auto refuse = [&](int err, const char* why) __attribute__((always_inline)) {
    NSSIM_EVENT(tr, kInstall[static_cast<int>(target->type)], "{}: {}", why, errno_name(err));
    return err;
  };
  static constexpr const char* kNoAdmin = "no CAP_SYS_ADMIN over the namespace's owner or in the caller's user namespace";
  switch (target->type) {
    case NsType::Uts:
      if (!admin_both()) return refuse(EPERM, kNoAdmin);
      nsset_slot(tr, ns, nsp->uts_ns, kSlotUts, target, "uts");
      return 0;
    case NsType::Ipc:
      if (!admin_both()) return refuse(EPERM, kNoAdmin);
      nsset_slot(tr, ns, nsp->ipc_ns, kSlotIpc, target, "ipc");
      return 0;
    case NsType::Net:
      if (!admin_both()) return refuse(EPERM, kNoAdmin);
      nsset_slot(tr, ns, nsp->net_ns, kSlotNet, target, "net");
      return 0;
    case NsType::Cgroup:
      if (!ns_capable(cred, nsset_userns, CAP_SYS_ADMIN) || !ns_capable(cred, target->user_ns, CAP_SYS_ADMIN))
        return refuse(EPERM, kNoAdmin);
      if (target == nsp->cgroup_ns) return 0;
      nsset_slot(tr, ns, nsp->cgroup_ns, kSlotCgroup, target, "cgroup");
      return 0;
    case NsType::Mnt:
      // fs/namespace.c: mntns_install(): CAP_SYS_ADMIN over the target, and
      // CAP_SYS_CHROOT + CAP_SYS_ADMIN in our user ns; then fs->users == 1.
      if (!ns_capable(cred, target->user_ns, CAP_SYS_ADMIN) || !ns_capable(cred, nsset_userns, CAP_SYS_CHROOT) ||
          !ns_capable(cred, nsset_userns, CAP_SYS_ADMIN))
        return refuse(EPERM, "no CAP_SYS_ADMIN over the namespace's owner, or no CAP_SYS_CHROOT and CAP_SYS_ADMIN in "
                             "the caller's user namespace");
      if (ns.fs_users != 1) {
        NSSIM_EVENT(tr, "mntns_install", "fs_struct shared by {} tasks: EINVAL", ns.fs_users);
        return EINVAL;
      }
      nsset_slot(tr, ns, nsp->mnt_ns, kSlotMnt, target, "mnt");
      return 0;
    case NsType::Pid: {
      // kernel/pid_namespace.c: pidns_install(): only the active pid ns or a
      // descendant; only pid_for_children changes.
      auto* nw = static_cast<PidNamespace*>(target);
      PidNamespace* active = task_active_pid_ns(cur);
      if (!admin_both()) return refuse(EPERM, kNoAdmin);
      if (nw->level < active->level) {
        NSSIM_EVENT(tr, "pidns_install", "{} is above the active {}: EINVAL", ns_str(nw), ns_str(active));
        return EINVAL;
      }
      PidNamespace* anc = nw;
      while (anc->level > active->level) anc = anc->parent;
      if (anc != active) {
        NSSIM_EVENT(tr, "pidns_install", "{} is not below the active {}: EINVAL", ns_str(nw), ns_str(active));
        return EINVAL;
      }
      nsset_slot(tr, ns, nsp->pid_ns_for_children, kSlotPidForChildren, nw, "pid_for_children");
      return 0;
    }
    case NsType::Time:
      // kernel/time/namespace.c: timens_install(): single-threaded only (EUSERS);
      // both time links change.
      if (!current_is_single_threaded(cur)) return refuse(EUSERS, "the caller has other live threads");
      if (!admin_both()) return refuse(EPERM, kNoAdmin);
      nsset_slot(tr, ns, nsp->time_ns, kSlotTime, target, "time");
      nsset_slot(tr, ns, nsp->time_ns_for_children, kSlotTimeForChildren, target, "time_for_children");
      return 0;
    case NsType::User: {
      // kernel/user_namespace.c: userns_install().
      auto* u = static_cast<UserNamespace*>(target);
      if (u == cred->user_ns) return refuse(EINVAL, "already the caller's user namespace");
      if (!cur->thread_group_empty()) return refuse(EINVAL, "the caller has other threads");
      if (cur->fs && cur->fs->refs() != 1) return refuse(EINVAL, "the caller's fs_struct is shared");
      if (!ns_capable(cred, u, CAP_SYS_ADMIN)) return refuse(EPERM, "no CAP_SYS_ADMIN in the target user namespace");
      // put_user_ns(cred->user_ns), then set_cred_user_ns(cred, get_user_ns(u)):
      // full capabilities in the entered namespace. (The nsset's cred and the
      // task's current one both hold the old namespace: this put never frees.)
      setns_put(tr, ns.cred->user_ns, Why("cred", ns.cred->id()));
      setns_get(tr, u, Why("cred", ns.cred->id()));
      ns.cred->user_ns = u;
      ns.cred->caps_id = full_caps_id_;
      return 0;
    }
  }
  return EINVAL;
}

// kernel/nsproxy.c: commit_nsset() @ v6.18: creds first, then the time
// namespace, then the nsproxy. new_id: nonzero when the nsset's nsproxy is
// our own, updated in place (prepare_nsset()), and the id it takes.
template <class Tr>
[[gnu::always_inline]] inline void Kernel::commit_nsset(Tr& tr, NsSet& ns, Task* cur, NsProxy* old_nsp,
                                                        uint32_t new_id) {
  BasicTraceScope<Tr> c(tr, "commit_nsset");
  NsProxy* nsp = ns.nsproxy;
  if (ns.flags & CLONE_NEWUSER) {
    commit_creds(cur, ns.cred);  // ownership: nsset's cred becomes the task's
    ns.cred = nullptr;
  }
  if (ns.flags & CLONE_NEWTIME) nsp->time_ns->frozen_offsets = true;  // timens_commit()
  // The root moves into the new mount namespace: set_fs_root() on the
  // task's own fs_struct (mntns_install(), or commit_nsset() copying it
  // from the temporary one with more flags). Threads sharing that
  // fs_struct keep their nsproxy: found by nssim fuzz --real, they are then
  // "chrooted" and may not create user namespaces (EPERM).
  if ((ns.flags & CLONE_NEWNS) && cur->fs) cur->fs->root_mnt = cur->fs->refs() > 1 ? nsp->mnt_ns->serial + 1 : 0;
  // The new root is the namespace's own root: a chroot() directory is left
  // (fs/namespace.c: mntns_install() -> set_fs_root() @ v6.12).
  if ((ns.flags & CLONE_NEWNS) && cur->fs) cur->fs->root_dir.clear();
  if (new_id) {
    nsp->renew(new_id);  // switch_task_namespaces() + free_nsproxy(old), in place
  } else {
    if (ns.borrowed) settle_borrowed(nsp, old_nsp, ns.borrowed, /*keep=*/true);
    ns.borrowed = 0;
    switch_task_namespaces(cur, nsp);  // ownership: the nsset's nsproxy becomes the task's
  }
  ns.nsproxy = nullptr;
}

// kernel/nsproxy.c: put_nsset() @ v6.18: drops what the nsset still holds
// (all of it after a failure; nothing of an in-place nsproxy, which is ours).
template <class Tr>
[[gnu::always_inline]] inline void Kernel::put_nsset(Tr& tr, NsSet& ns, NsProxy* old_nsp) {
  BasicTraceScope<Tr> p(tr, "put_nsset");
  if (ns.cred) put_cred(ns.cred, "nsset cred");
  if (ns.nsproxy && ns.nsproxy != old_nsp) {
    if (ns.borrowed) settle_borrowed(ns.nsproxy, old_nsp, ns.borrowed, /*keep=*/false);
    // free_nsproxy() directly, as the kernel does: nobody else ever saw the
    // copy (its count 1 goes with it; found by a tester).
    (void)ns.nsproxy->put();
    free_nsproxy(ns.nsproxy);
  }
}

// sys_setns() after setns_fdget(), on a copy of our nsproxy: an nsfs file's
// namespace (one) or, for a pidfd, validate_nsset(): the target task's
// namespaces of `flags`, user first, then mnt, uts, ipc, pid (its active
// one), cgroup, net, time.
template <class Tr>
[[gnu::noinline]] Result<void> Kernel::setns_nsset(Tr& tr, Task* cur, File* f, NsCommon* one, uint64_t flags) {
  NsSet ns;
  NsProxy* old_nsp = cur->nsproxy;
  uint32_t new_id = 0;
  if (int err = prepare_nsset(tr, ns, cur, flags, /*in_place=*/false, new_id)) return fail(err);
  int err = 0;
  if (one) {
    err = validate_ns(tr, ns, cur, one);
  } else {
    BasicTraceScope<Tr> v(tr, "validate_nsset");
    Task* tsk = f->pid->task;
    if (!tsk) {
      NSSIM_EVENT(tr, "validate_nsset", "target was reaped: ESRCH");
      err = ESRCH;
    } else if (!ptrace_may_access(cur, tsk, /*realcreds=*/true)) {
      NSSIM_EVENT(tr, "validate_nsset", "ptrace_may_access({}) denied: EPERM", tsk->comm);
      err = EPERM;
    } else if (!tsk->nsproxy) {
      NSSIM_EVENT(tr, "validate_nsset", "{} has exited (no nsproxy): ESRCH", tsk->comm);
      err = ESRCH;
    } else {
      NsProxy* tp = tsk->nsproxy;
      NsCommon* order[kNsTypes];
      int n = 0;
      if (flags & CLONE_NEWUSER) order[n++] = tsk->cred->user_ns;
      if (flags & CLONE_NEWNS) order[n++] = tp->mnt_ns;
      if (flags & CLONE_NEWUTS) order[n++] = tp->uts_ns;
      if (flags & CLONE_NEWIPC) order[n++] = tp->ipc_ns;
      if (flags & CLONE_NEWPID) order[n++] = task_active_pid_ns(tsk);
      if (flags & CLONE_NEWCGROUP) order[n++] = tp->cgroup_ns;
      if (flags & CLONE_NEWNET) order[n++] = tp->net_ns;
      if (flags & CLONE_NEWTIME) order[n++] = tp->time_ns;
      for (int i = 0; i < n && !err; ++i) err = validate_ns(tr, ns, cur, order[i]);
    }
  }
  if (err) {
    NSSIM_EVENT(tr, "setns", "failed: {}", errno_name(err));
  } else {
    commit_nsset(tr, ns, cur, old_nsp, /*new_id=*/0);
  }
  put_nsset(tr, ns, old_nsp);
  if (err) return fail(err);
  return {};
}

// kernel/nsproxy.c: sys_setns() @ v6.18. The quiet build updates a count-1
// nsproxy in place for an nsfs file (prepare_nsset()), in a straight line
// with a small frame; everything else goes through setns_nsset().
template <class Tr>
[[gnu::always_inline]] inline Result<void> Kernel::do_setns(Tr& tr, Task* cur, int fd, uint64_t nstype) {
  NSSIM_SCOPE(s, tr, "setns", "fd={} nstype={}", fd, clone_flags_str(nstype));
  // SYSCALL_DEFINE2(setns, int, fd, int, flags): the flags are an int, so the
  // high 32 bits never reach the kernel, and a pidfd's check_setns_flags()
  // (unsigned long) sees bit 31 sign-extended, outside CLONE_NEW*: EINVAL.
  // Found by a tester: setns(fd, 0x100000000) is "any type" on the kernel.
  uint64_t flags = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(nstype)));
  File* f = nullptr;
  NsCommon* one = nullptr;  // nsfs file: the namespace to enter; null for a pidfd
  if (int err = setns_fdget(tr, cur, fd, flags, f, one)) return fail(err);
  if (std::is_same_v<Tr, NoTrace> && one && cur->nsproxy->count() == 1) {
    NsSet ns;
    uint32_t new_id = 0;
    prepare_nsset(tr, ns, cur, flags, /*in_place=*/true, new_id);  // cannot fail in place
    int err = validate_ns(tr, ns, cur, one);
    if (!err) commit_nsset(tr, ns, cur, ns.nsproxy, new_id);
    if (ns.cred) put_nsset(tr, ns, cur->nsproxy);  // in place, the nsset holds only a cred
    if (err) return fail(err);
    return {};
  }
  return setns_nsset(tr, cur, f, one, flags);
}

// The traced build, out of line so the quiet one keeps a small frame.
[[gnu::noinline]] Result<void> Kernel::sys_setns_traced(Task* cur, int fd, uint64_t nstype) {
  return do_setns(trace, cur, fd, nstype);
}

Result<void> Kernel::sys_setns(Task* cur, int fd, uint64_t nstype) {
  if (trace.on) [[unlikely]]
    return sys_setns_traced(cur, fd, nstype);
  NoTrace quiet;
  return do_setns(quiet, cur, fd, nstype);
}

}  // namespace nssim
