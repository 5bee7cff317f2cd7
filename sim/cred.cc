// kernel/cred.c: prepare_creds(), put_cred(); kernel/user_namespace.c:
// create_user_ns(); security/commoncap.c: cap_capable() (ns_capable()) @ v6.18.
#include "sim/kernel.h"

namespace nssim {

Cred* Kernel::prepare_creds(Cred* old) {
  auto* c = new Cred(next_id(ObjKind::Cred));
  NSSIM_SCOPE(s, trace, "prepare_creds", "cred#{} copied from cred#{}", c->id(), old->id());
  c->uid = old->uid, c->euid = old->euid, c->suid = old->suid, c->fsuid = old->fsuid;
  c->gid = old->gid, c->egid = old->egid, c->sgid = old->sgid, c->fsgid = old->fsgid;
  c->caps_id = old->caps_id;
  c->securebits = old->securebits;
  get_ns(old->user_ns, Why("cred", c->id()));
  c->user_ns = old->user_ns;
  return c;
}

void Kernel::put_cred(Cred* c, const char* why) {
  if (!c->put()) return;
  NSSIM_SCOPE(s, trace, "put_cred", "cred#{} freed ({})", c->id(), why);
  UserNamespace* u = c->user_ns;
  uint32_t id = c->id();
  delete c;
  put_ns(u, Why("cred", id));
}

// security/commoncap.c: cap_capable(): Kernel::ns_capable(), inline in sim/kernel.h.


// kernel/user_namespace.c: create_user_ns() @ v6.18. The creator's cred moves
// into the new namespace with full capabilities there (set_cred_user_ns()).
Result<UserNamespace*> Kernel::create_user_ns(Cred* new_cred, bool chrooted) {
  TraceScope s(trace, "create_user_ns");
  UserNamespace* parent = new_cred->user_ns;
  // Surprise (verified live): the check is parent->level > 32, so levels 1..33
  // can be created below init_user_ns; the 34th nested one fails ENOSPC.
  if (parent->level > MAX_USER_NS_LEVEL) {
    NSSIM_EVENT(trace, "create_user_ns", "parent level {} > {}: ENOSPC", parent->level, MAX_USER_NS_LEVEL);
    return fail(ENOSPC);
  }
  // A caller whose root is not its mount namespace's root may not (EPERM).
  if (chrooted) {
    NSSIM_EVENT(trace, "current_chrooted", "the caller's root is not the root of its mount namespace: EPERM");
    return fail(EPERM);
  }
  // The creator's euid/egid must be mapped in the parent namespace.
  if (from_kid(parent, new_cred->euid, false) == INVALID_ID || from_kid(parent, new_cred->egid, true) == INVALID_ID) {
    NSSIM_EVENT(trace, "create_user_ns", "euid/egid not mapped in {}: EPERM", ns_str(parent));
    return fail(EPERM);
  }
  auto* ns = new_ns<UserNamespace>(NsType::User, nullptr);
  ns->parent = parent;  // ownership: the cred's reference on parent moves to ns->parent
  ns->level = parent->level + 1;
  ns->owner = new_cred->euid;
  ns->group = new_cred->egid;
  ns->parent_could_setfcap = (new_cred->caps().effective >> CAP_SETFCAP) & 1;
  ns->setgroups_allowed = parent->setgroups_allowed;  // flags are inherited
  // set_cred_user_ns(): the cred takes the new namespace's first reference.
  new_cred->user_ns = ns;
  new_cred->caps_id = full_caps_id_;
  NSSIM_EVENT(trace, "set_cred_user_ns", "cred#{} -> {} (level {}), full capabilities there", new_cred->id(),
              ns_str(ns), ns->level);
  return ns;
}

}  // namespace nssim

namespace nssim {

// ---- id maps -----------------------------------------------------------------

uint32_t Kernel::make_kid(const UserNamespace* ns, uint32_t id, bool gid) const {
  if (id == INVALID_ID) return INVALID_ID;
  for (auto& e : gid ? ns->gid_map : ns->uid_map)
    if (id >= e.first && id - e.first < e.count) return e.lower_first + (id - e.first);
  return INVALID_ID;
}

uint32_t Kernel::from_kid(const UserNamespace* ns, uint32_t kid, bool gid) const {
  if (kid == INVALID_ID) return INVALID_ID;
  for (auto& e : gid ? ns->gid_map : ns->uid_map)
    if (kid >= e.lower_first && kid - e.lower_first < e.count) return e.first + (kid - e.lower_first);
  return INVALID_ID;
}

uint32_t Kernel::from_kid_munged(const UserNamespace* ns, uint32_t kid, bool gid) const {
  uint32_t v = from_kid(ns, kid, gid);
  return v == INVALID_ID ? OVERFLOW_ID : v;
}

// kernel/cred.c: commit_creds() @ v6.18. A change of euid, egid, fsuid or
// fsgid (or a capability gain) makes the mm non-dumpable (suid_dumpable 0)
// and clears the parent-death signal.
void Kernel::commit_creds(Task* t, Cred* c) {
  Cred* old = t->cred;
  // cred_cap_issubset(): a child user namespace owned by the old euid counts as a subset.
  bool subset = false;
  if (old->user_ns == c->user_ns) {
    subset = (c->caps().permitted & ~old->caps().permitted) == 0;
  } else {
    for (const UserNamespace* u = c->user_ns; u; u = u->parent)
      if (u->parent == old->user_ns && u->owner == old->euid) subset = true;
  }
  bool gained = !subset;
  if (old->euid != c->euid || old->egid != c->egid || old->fsuid != c->fsuid || old->fsgid != c->fsgid || gained) {
    if (mm_dumpable(t)) NSSIM_EVENT(trace, "commit_creds", "{}: ids changed: mm no longer dumpable", t->comm);
    set_mm_dumpable(t, cfg_.suid_dumpable == 1);  // set_dumpable(suid_dumpable)
  }
  t->cred = c;  // ownership: the new cred's reference moves to the task
  NSSIM_EVENT(trace, "commit_creds", "{}: cred#{} -> cred#{}", t->comm, old->id(), c->id());
  put_cred(old, "replaced by commit_creds");
}

namespace {
// security/commoncap.c: cap_emulate_setxuid() @ v6.12: leaving uid 0 (of the
// cred's user namespace) in all of r/e/s drops permitted and effective
// (unless SECBIT_KEEP_CAPS: prctl(PR_SET_KEEPCAPS, 1)) and always ambient;
// euid leaving 0 drops effective; euid becoming 0 restores effective from
// permitted.
void cap_emulate_setxuid(const Kernel& k, Cred* nw, const Cred* old) {
  uint32_t root = k.make_kid(old->user_ns, 0, false);
  bool was_root = old->uid == root || old->euid == root || old->suid == root;
  bool is_root = nw->uid == root || nw->euid == root || nw->suid == root;
  CapSets caps = nw->caps();
  if (was_root && !is_root) {
    if (!(old->securebits & SECBIT_KEEP_CAPS)) {
      caps.permitted = 0;
      caps.effective = 0;
    }
    caps.ambient = 0;
  }
  if (old->euid == root && nw->euid != root) caps.effective = 0;
  if (old->euid != root && nw->euid == root) caps.effective = caps.permitted;
  nw->set_caps(caps);
}
}  // namespace

// kernel/sys.c: prctl(PR_SET_DUMPABLE) @ v6.18: SUID_DUMP_DISABLE (0) or
// SUID_DUMP_USER (1); the mm's dumpability decides who owns /proc/PID files
// and whether /proc/PID/ns needs CAP_SYS_PTRACE.
Result<void> Kernel::sys_prctl_set_dumpable(Task* cur, int v) {
  NSSIM_SCOPE(s, trace, "prctl", "PR_SET_DUMPABLE {}", v);
  if (v != 0 && v != 1) return fail(EINVAL);
  set_mm_dumpable(cur, v == 1);
  return {};
}

// kernel/sys.c: prctl(PR_SET_CHILD_SUBREAPER) @ v6.18: sets or clears the
// caller's thread group's is_child_subreaper; setting it also walks the
// process tree below (kernel/fork.c: walk_process_tree() with
// propagate_has_child_subreaper()) and sets has_child_subreaper on every
// descendant, skipping subtrees already marked and those under a pid
// namespace's init (is_child_reaper(): their orphans never leave it).
Result<void> Kernel::sys_prctl_set_child_subreaper(Task* cur, int v) {
  NSSIM_SCOPE(s, trace, "prctl", "PR_SET_CHILD_SUBREAPER {}", v);
  Task* me = cur->group_leader;
  me->is_child_subreaper = v != 0;
  if (!v) return {};
  std::vector<Task*> todo = group_children(me);
  while (!todo.empty()) {
    Task* p = todo.back();
    todo.pop_back();
    Task* sig = p->group_leader;
    bool child_reaper = p->thread_pid && p->thread_pid->numbers.back().nr == 1;
    if (sig->has_child_subreaper || child_reaper) continue;
    sig->has_child_subreaper = true;
    NSSIM_EVENT(trace, "propagate_has_child_subreaper", "{}", p->comm);
    for (Task* c : group_children(p)) todo.push_back(c);
  }
  return {};
}

// kernel/capability.c: SYSCALL_DEFINE2(capset) -> security/commoncap.c:
// cap_capset() @ v6.12, in its check order; all EPERM.
Result<void> Kernel::sys_capset(Task* cur, CapSet effective, CapSet permitted, CapSet inheritable) {
  NSSIM_SCOPE(s, trace, "capset", "effective={} permitted={} inheritable={}", cap_set_str(effective),
              cap_set_str(permitted), cap_set_str(inheritable));
  Cred* old = cur->cred;
  const CapSets& oc = old->caps();
  auto subset = [](CapSet a, CapSet b) { return (a & ~b) == 0; };
  // cap_inh_is_capped(): without CAP_SETPCAP, pI may only take from pI | pP.
  if (!ns_capable(old, old->user_ns, CAP_SETPCAP) && !subset(inheritable, oc.inheritable | oc.permitted)) {
    NSSIM_EVENT(trace, "cap_capset", "new inheritable outside old inheritable|permitted, no CAP_SETPCAP: EPERM");
    return fail(EPERM);
  }
  if (!subset(inheritable, oc.inheritable | oc.bset)) {
    NSSIM_EVENT(trace, "cap_capset", "new inheritable outside old inheritable|bounding set: EPERM");
    return fail(EPERM);
  }
  if (!subset(permitted, oc.permitted)) {
    NSSIM_EVENT(trace, "cap_capset", "new permitted is not within the old permitted: EPERM");
    return fail(EPERM);
  }
  if (!subset(effective, permitted)) {
    NSSIM_EVENT(trace, "cap_capset", "new effective is not within the new permitted: EPERM");
    return fail(EPERM);
  }
  Cred* nw = prepare_creds(old);
  CapSets nc = oc;
  nc.effective = effective, nc.permitted = permitted, nc.inheritable = inheritable;
  nc.ambient &= permitted & inheritable;  // ambient stays within pP & pI
  nw->set_caps(nc);
  commit_creds(cur, nw);
  return {};
}

// security/commoncap.c: cap_task_prctl() PR_SET_KEEPCAPS @ v6.12 (arg2 is an
// unsigned long: a negative value is > 1, EINVAL; SECURE_KEEP_CAPS_LOCKED is
// never set here: nssim has no PR_SET_SECUREBITS).
Result<void> Kernel::sys_prctl_set_keepcaps(Task* cur, int v) {
  NSSIM_SCOPE(s, trace, "prctl", "PR_SET_KEEPCAPS {}", v);
  if (v != 0 && v != 1) return fail(EINVAL);
  Cred* nw = prepare_creds(cur->cred);
  nw->securebits = v ? (nw->securebits | SECBIT_KEEP_CAPS) : (nw->securebits & ~SECBIT_KEEP_CAPS);
  commit_creds(cur, nw);
  return {};
}

// security/commoncap.c: cap_prctl_drop() @ v6.12: the capability check comes
// before the validity check.
Result<void> Kernel::sys_prctl_capbset_drop(Task* cur, int64_t cap) {
  NSSIM_SCOPE(s, trace, "prctl", "PR_CAPBSET_DROP {}", cap);
  Cred* old = cur->cred;
  if (!ns_capable(old, old->user_ns, CAP_SETPCAP)) {
    NSSIM_EVENT(trace, "cap_prctl_drop", "no CAP_SETPCAP in {}: EPERM", ns_str(old->user_ns));
    return fail(EPERM);
  }
  if (cap < 0 || cap > CAP_LAST_CAP) return fail(EINVAL);  // cap_valid()
  Cred* nw = prepare_creds(old);
  CapSets nc = old->caps();
  nc.bset &= ~(CapSet{1} << cap);
  nw->set_caps(nc);
  commit_creds(cur, nw);
  return {};
}

// kernel/groups.c: SYSCALL_DEFINE2(setgroups) @ v6.12: may_setgroups()
// (ns_capable_setid(CAP_SETGID) over the caller's user namespace, and
// kernel/user_namespace.c: userns_may_setgroups(): its gid_map written and
// setgroups not denied), then groups_from_user(): EINVAL for an unmapped gid.
Result<void> Kernel::sys_setgroups(Task* cur, const std::vector<uint32_t>& gids) {
  NSSIM_SCOPE(s, trace, "setgroups", "{} groups", gids.size());
  Cred* old = cur->cred;
  UserNamespace* ns = old->user_ns;
  if (!ns_capable(old, ns, CAP_SETGID)) {
    NSSIM_EVENT(trace, "may_setgroups", "no CAP_SETGID in {}: EPERM", ns_str(ns));
    return fail(EPERM);
  }
  if (ns->gid_map.empty() || !ns->setgroups_allowed) {
    NSSIM_EVENT(trace, "userns_may_setgroups", "{}: {}: EPERM", ns_str(ns),
                ns->gid_map.empty() ? "gid_map not written yet" : "setgroups is \"deny\"");
    return fail(EPERM);
  }
  for (uint32_t g : gids)
    if (make_kid(ns, g, true) == INVALID_ID) {
      NSSIM_EVENT(trace, "groups_from_user", "gid {} is not mapped in {}: EINVAL", g, ns_str(ns));
      return fail(EINVAL);
    }
  // set_current_groups(): a new cred with the list; nothing else changes.
  commit_creds(cur, prepare_creds(old));
  return {};
}

// kernel/sys.c: __sys_setuid() @ v6.18.
Result<void> Kernel::sys_setuid(Task* cur, uint32_t uid) {
  NSSIM_SCOPE(s, trace, "setuid", "{}", uid);
  Cred* old = cur->cred;
  uint32_t kuid = make_kid(old->user_ns, uid, false);
  if (kuid == INVALID_ID) {
    NSSIM_EVENT(trace, "make_kuid", "uid {} is not mapped in {}: EINVAL", uid, ns_str(old->user_ns));
    return fail(EINVAL);
  }
  bool cap = ns_capable(old, old->user_ns, CAP_SETUID);
  if (!cap && kuid != old->uid && kuid != old->suid) return fail(EPERM);
  Cred* nw = prepare_creds(old);
  if (cap) nw->uid = nw->suid = kuid;
  nw->euid = nw->fsuid = kuid;
  cap_emulate_setxuid(*this, nw, old);
  commit_creds(cur, nw);
  return {};
}

// kernel/sys.c: __sys_setresuid() @ v6.18.
Result<void> Kernel::sys_setresuid(Task* cur, uint32_t r, uint32_t e, uint32_t su) {
  NSSIM_SCOPE(s, trace, "setresuid", "{} {} {}", static_cast<int32_t>(r), static_cast<int32_t>(e),
               static_cast<int32_t>(su));
  Cred* old = cur->cred;
  uint32_t kr = make_kid(old->user_ns, r, false), ke = make_kid(old->user_ns, e, false),
           ks = make_kid(old->user_ns, su, false);
  if ((r != INVALID_ID && kr == INVALID_ID) || (e != INVALID_ID && ke == INVALID_ID) ||
      (su != INVALID_ID && ks == INVALID_ID))
    return fail(EINVAL);
  if ((r == INVALID_ID || kr == old->uid) && (e == INVALID_ID || (ke == old->euid && ke == old->fsuid)) &&
      (su == INVALID_ID || ks == old->suid))
    return {};  // no-op
  auto is_new = [&](uint32_t id, uint32_t k) {
    return id != INVALID_ID && k != old->uid && k != old->euid && k != old->suid;
  };
  if ((is_new(r, kr) || is_new(e, ke) || is_new(su, ks)) && !ns_capable(old, old->user_ns, CAP_SETUID))
    return fail(EPERM);
  Cred* nw = prepare_creds(old);
  if (r != INVALID_ID) nw->uid = kr;
  if (e != INVALID_ID) nw->euid = ke;
  if (su != INVALID_ID) nw->suid = ks;
  nw->fsuid = nw->euid;
  cap_emulate_setxuid(*this, nw, old);
  commit_creds(cur, nw);
  return {};
}

// kernel/sys.c: __sys_setgid() @ v6.18 (no capability juggling for gids).
Result<void> Kernel::sys_setgid(Task* cur, uint32_t gid) {
  NSSIM_SCOPE(s, trace, "setgid", "{}", gid);
  Cred* old = cur->cred;
  uint32_t kgid = make_kid(old->user_ns, gid, true);
  if (kgid == INVALID_ID) return fail(EINVAL);
  bool cap = ns_capable(old, old->user_ns, CAP_SETGID);
  if (!cap && kgid != old->gid && kgid != old->sgid) return fail(EPERM);
  Cred* nw = prepare_creds(old);
  if (cap) nw->gid = nw->sgid = kgid;
  nw->egid = nw->fsgid = kgid;
  commit_creds(cur, nw);
  return {};
}

// kernel/sys.c: __sys_setresgid() @ v6.18.
Result<void> Kernel::sys_setresgid(Task* cur, uint32_t r, uint32_t e, uint32_t sg) {
  NSSIM_SCOPE(s, trace, "setresgid", "{} {} {}", static_cast<int32_t>(r), static_cast<int32_t>(e),
               static_cast<int32_t>(sg));
  Cred* old = cur->cred;
  uint32_t kr = make_kid(old->user_ns, r, true), ke = make_kid(old->user_ns, e, true),
           ks = make_kid(old->user_ns, sg, true);
  if ((r != INVALID_ID && kr == INVALID_ID) || (e != INVALID_ID && ke == INVALID_ID) ||
      (sg != INVALID_ID && ks == INVALID_ID))
    return fail(EINVAL);
  if ((r == INVALID_ID || kr == old->gid) && (e == INVALID_ID || (ke == old->egid && ke == old->fsgid)) &&
      (sg == INVALID_ID || ks == old->sgid))
    return {};
  auto is_new = [&](uint32_t id, uint32_t k) {
    return id != INVALID_ID && k != old->gid && k != old->egid && k != old->sgid;
  };
  if ((is_new(r, kr) || is_new(e, ke) || is_new(sg, ks)) && !ns_capable(old, old->user_ns, CAP_SETGID))
    return fail(EPERM);
  Cred* nw = prepare_creds(old);
  if (r != INVALID_ID) nw->gid = kr;
  if (e != INVALID_ID) nw->egid = ke;
  if (sg != INVALID_ID) nw->sgid = ks;
  nw->fsgid = nw->egid;
  commit_creds(cur, nw);
  return {};
}

// kernel/user_namespace.c: the line format map_write() accepts: lines of
// exactly three unsigned numbers; at most 340 lines.
bool parse_id_map(std::string_view data, std::vector<UidGidExtent>& out) {
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    std::string_view line = data.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? data.size() : nl + 1;
    uint64_t v[3];
    size_t i = 0;
    for (int k = 0; k < 3; ++k) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i >= line.size() || line[i] < '0' || line[i] > '9') return false;
      uint64_t x = 0;
      while (i < line.size() && line[i] >= '0' && line[i] <= '9') {
        x = x * 10 + static_cast<uint64_t>(line[i] - '0');
        if (x > 0xffffffffULL) return false;
        ++i;
      }
      v[k] = x;
    }
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i != line.size()) return false;
    if (v[0] == INVALID_ID || v[1] == INVALID_ID || v[2] == 0) return false;
    if (v[0] + v[2] - 1 < v[0] || v[0] + v[2] > 0x100000000ULL || v[1] + v[2] > 0x100000000ULL) return false;
    for (auto& e : out) {  // neither range may overlap an earlier line
      auto overlap = [](uint64_t a, uint64_t n, uint64_t b, uint64_t m) { return a < b + m && b < a + n; };
      if (overlap(v[0], v[2], e.first, e.count) || overlap(v[1], v[2], e.lower_first, e.count)) return false;
    }
    out.push_back({static_cast<uint32_t>(v[0]), static_cast<uint32_t>(v[1]), static_cast<uint32_t>(v[2])});
    if (out.size() > 340) return false;
  }
  return !out.empty();
}

// write("/proc/TARGET/uid_map|gid_map|setgroups") @ v6.18:
// kernel/user_namespace.c: proc_uid_map_write(), map_write(),
// new_idmap_permitted(), verify_root_map(), proc_setgroups_write().
Result<void> Kernel::sys_write_proc(Task* cur, Task* target, ProcFile f, std::string_view data,
                                    std::string_view via) {
  const char* fname = f == ProcFile::UidMap          ? "uid_map"
                      : f == ProcFile::GidMap        ? "gid_map"
                      : f == ProcFile::TimensOffsets ? "timens_offsets"
                                                     : "setgroups";
  NSSIM_SCOPE(s, trace, "proc_write", "/proc/{}/{} \"{}\"", target ? target->comm : "?", fname, data);
  if (!target || target->state == TaskState::Reaped) return fail(ENOENT);
  if (!proc_reachable(cur, via)) return proc_outside_root(cur);
  const Cred* c = cur->cred;
  // VFS permission on the 0644 proc inode: its owner is the task's euid/egid
  // while its mm is dumpable, else root (task_dump_owner(); every nssim mm
  // belongs to the initial user namespace).
  // (7.2, Feature::TaskExecState: task_dump_owner() reads task->exec_state,
  // which an exited task keeps.)
  bool has_mm = target->state == TaskState::Running || has(Feature::TaskExecState);
  uint32_t owner = has_mm && ptrace_dumpable(target) ? target->cred->euid : 0;
  uint32_t group = has_mm && ptrace_dumpable(target) ? target->cred->egid : 0;
  bool dac = c->fsuid == owner || (ns_capable(c, c->user_ns, CAP_DAC_OVERRIDE) &&
                                   from_kid(c->user_ns, owner, false) != INVALID_ID &&
                                   from_kid(c->user_ns, group, true) != INVALID_ID);
  if (!dac) {
    NSSIM_EVENT(trace, "inode_permission", "{} may not open /proc/{}/{} for writing: EACCES", cur->comm,
                target->comm, fname);
    return fail(EACCES);
  }
  // timens_offsets is S_IRUGO|S_IWUSR: the same owner check (fs/proc/base.c).
  if (f == ProcFile::TimensOffsets) return timens_offsets_write(cur, target, data);
  UserNamespace* ns = target->cred->user_ns;
  UserNamespace* seq_ns = c->user_ns;  // the opener's (file->f_cred)
  if (f == ProcFile::Setgroups) {
    // kernel/user_namespace.c: proc_setgroups_open(): opening for writing needs
    // CAP_SYS_ADMIN in the namespace, else EACCES (found by nssim fuzz --real).
    if (!ns_capable(c, ns, CAP_SYS_ADMIN)) return fail(EACCES);
    std::string_view v = data;
    while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
    if (v != "allow" && v != "deny") return fail(EINVAL);
    if (v == "allow") {
      if (!ns->setgroups_allowed) return fail(EPERM);  // no re-enabling
    } else {
      if (!ns->gid_map.empty()) return fail(EPERM);  // too late once gid_map is written
      ns->setgroups_allowed = false;
    }
    NSSIM_EVENT(trace, "proc_setgroups_write", "{}: setgroups {}", ns_str(ns), v);
    return {};
  }
  bool gid = f == ProcFile::GidMap;
  int cap_setid = gid ? CAP_SETGID : CAP_SETUID;
  if (!ns->parent) return fail(EPERM);  // the initial user namespace's maps are fixed
  if (seq_ns != ns && seq_ns != ns->parent) {
    NSSIM_EVENT(trace, "proc_uid_map_write", "writer's {} is neither {} nor its parent: EPERM", ns_str(seq_ns),
                ns_str(ns));
    return fail(EPERM);
  }
  auto& map = gid ? ns->gid_map : ns->uid_map;
  if (!map.empty()) {
    NSSIM_EVENT(trace, "map_write", "{} of {} was already written: EPERM", fname, ns_str(ns));
    return fail(EPERM);
  }
  if (!ns_capable(c, ns, CAP_SYS_ADMIN)) return fail(EPERM);  // file_ns_capable(file, ns, CAP_SYS_ADMIN)
  std::vector<UidGidExtent> nm;
  if (!parse_id_map(data, nm)) {
    NSSIM_EVENT(trace, "map_write", "\"{}\" is not a valid map: EINVAL", data);
    return fail(EINVAL);
  }
  // new_idmap_permitted()
  bool ok = true;
  if (!gid) {
    // verify_root_map(): mapping the parent's uid 0 needs CAP_SETFCAP.
    for (auto& e : nm)
      if (e.lower_first == 0) {
        ok = (seq_ns == ns) ? ns->parent_could_setfcap : ns_capable(c, ns->parent, CAP_SETFCAP);
        break;
      }
  }
  bool permitted = false;
  if (ok) {
    if (nm.size() == 1 && nm[0].count == 1 && ns->owner == c->euid) {
      uint32_t k = make_kid(ns->parent, nm[0].lower_first, gid);
      if (!gid && k == c->euid) permitted = true;
      if (gid && !ns->setgroups_allowed && k == c->egid) permitted = true;
    }
    // CAP_SETUID/CAP_SETGID over the parent, for the writer and the opener (the same task here).
    if (!permitted && ns_capable(c, ns->parent, cap_setid)) permitted = true;
  }
  if (!permitted) {
    NSSIM_EVENT(trace, "new_idmap_permitted", "{} may not map these ids: EPERM", cur->comm);
    return fail(EPERM);
  }
  // Lower ids are the parent's: translate them to kernel ids; all must be mapped there.
  for (auto& e : nm) {
    uint32_t k = make_kid(ns->parent, e.lower_first, gid);
    uint32_t k_end = make_kid(ns->parent, e.lower_first + e.count - 1, gid);
    if (k == INVALID_ID || k_end == INVALID_ID || k_end - k != e.count - 1) return fail(EPERM);
    e.lower_first = k;
  }
  map = nm;
  NSSIM_EVENT(trace, "map_write", "{} of {} = \"{}\"", fname, ns_str(ns), data);
  return {};
}

}  // namespace nssim
