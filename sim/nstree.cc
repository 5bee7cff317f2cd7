// kernel/nstree.c: SYSCALL_DEFINE4(listns) @ v7.2, with fs/nsfs.c:
// is_current_namespace() and kernel/nscommon.c: may_see_all_namespaces().
#include "sim/kernel.h"

namespace nssim {

namespace {
// NS_ALL: every CLONE_NEW* type bit (kernel/nstree.c @ v7.2).
constexpr uint64_t kNsAll = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                            CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME;
}  // namespace

// kernel/nscommon.c: may_see_all_namespaces() @ v7.2: the caller's active pid
// namespace is the kernel's initial one (level 0: a live run's root is the
// sandbox's, never that) and it has CAP_SYS_ADMIN over init_user_ns.
bool Kernel::may_see_all_namespaces(const Task* cur) const {
  const PidNamespace* active = task_active_pid_ns(cur);
  return active == init_pid_ns_ && active->level == 0 && cur->cred &&
         ns_capable(cur->cred, init_user_ns_, CAP_SYS_ADMIN);
}

// fs/nsfs.c: is_current_namespace() @ v7.2: one of the caller's own
// namespaces (its nsproxy's, time not time_for_children; its active pid
// namespace; its cred's user namespace).
bool Kernel::is_current_namespace(const Task* cur, const NsCommon* ns) const {
  if (ns->type == NsType::Pid) return ns == task_active_pid_ns(cur);
  if (ns->type == NsType::User) return cur->cred && ns == cur->cred->user_ns;
  const NsProxy* p = cur->nsproxy;
  if (!p) return false;
  switch (ns->type) {
    case NsType::Uts: return ns == p->uts_ns;
    case NsType::Ipc: return ns == p->ipc_ns;
    case NsType::Mnt: return ns == p->mnt_ns;
    case NsType::Net: return ns == p->net_ns;
    case NsType::Time: return ns == p->time_ns;
    case NsType::Cgroup: return ns == p->cgroup_ns;
    default: return false;
  }
}

Result<int64_t> Kernel::sys_listns(Task* cur, uint64_t ns_type, int owner_fd, uint64_t flags) {
  NSSIM_SCOPE(s, trace, "listns", "ns_type {:#x} owner fd {} flags {}", ns_type, owner_fd, flags);
  if (!has(Feature::Listns)) return fail(ENOSYS);  // no such system call (470 on x86_64)
  if (flags) return fail(EINVAL);
  // copy_ns_id_req(): a type bit outside NS_ALL.
  if (ns_type & ~kNsAll) return fail(EOPNOTSUPP);
  // do_listns_userns(): the owner, looked up by its id among the user
  // namespaces (lookup_ns_id(): an inactive one is not found): EINVAL. The
  // scenario names it by an nsfs fd, whose id the caller reads with NS_GET_ID.
  File* f = (cur->files && owner_fd >= 0 && static_cast<size_t>(owner_fd) < cur->files->fdt.size())
                ? cur->files->fdt[owner_fd]
                : nullptr;
  if (!f || f->fkind != FileKind::Nsfs || f->ns->type != NsType::User) {
    NSSIM_EVENT(trace, "do_listns_userns", "the owner is not a user namespace's id: EINVAL");
    return fail(EINVAL);
  }
  auto* owner = static_cast<const UserNamespace*>(f->ns);
  std::vector<uint8_t> active = active_namespaces();
  bool all = may_see_all_namespaces(cur);
  int64_t n = 0;
  // The owner's list (ns_owner_root): what it owns directly, in id order;
  // legitimize_ns(): of a requested type, visible (may_list_ns()), active.
  for (const NsRecord& r : records_) {
    const NsCommon* ns = r.ns;
    if (!ns) continue;
    const UserNamespace* o = ns->type == NsType::User ? static_cast<const UserNamespace*>(ns)->parent : ns->user_ns;
    if (o != owner) continue;
    if (ns_type && !(ns_type & ns_type_clone_flag(ns->type))) continue;
    if (!all && !is_current_namespace(cur, ns)) continue;
    if (ns->serial >= active.size() || !active[ns->serial]) continue;
    NSSIM_EVENT(trace, "do_listns_userns", "lists {} (id {})", ns_str(ns), ns->ns_id);
    ++n;
  }
  return n;
}

}  // namespace nssim
