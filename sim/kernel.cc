// Boot, object lifetime, the inode-number allocator and the refcount ledger.
#include "sim/kernel.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <iterator>
#include <unordered_map>
#include <unordered_set>

namespace nssim {

const char* task_state_name(TaskState s) {
  switch (s) {
    case TaskState::Running: return "running";
    case TaskState::Exiting: return "exiting";
    case TaskState::Zombie: return "zombie";
    case TaskState::Reaped: return "reaped";
  }
  return "?";
}

namespace {
ObjKind kind_of(NsType t) {
  switch (t) {
    case NsType::Uts: return ObjKind::UtsNamespace;
    case NsType::Ipc: return ObjKind::IpcNamespace;
    case NsType::Mnt: return ObjKind::MntNamespace;
    case NsType::Pid: return ObjKind::PidNamespace;
    case NsType::Net: return ObjKind::NetNamespace;
    case NsType::Time: return ObjKind::TimeNamespace;
    case NsType::Cgroup: return ObjKind::CgroupNamespace;
    case NsType::User: return ObjKind::UserNamespace;
  }
  return ObjKind::UtsNamespace;
}
}  // namespace

Kernel::Kernel() : Kernel(Config{}) {}
Kernel::Kernel(Config cfg) : cfg_(std::move(cfg)), features_(cfg_.kernel) {
  intern_caps(CapSets{});  // seeds the cap table's id 0 before any cred reads it
  full_caps_id_ = intern_caps(CapSets{0, CAP_FULL_SET, CAP_FULL_SET, CAP_FULL_SET, 0});
  boot();
}

// fs/proc/generic.c: proc_alloc_inum() @ v6.18 — ida_alloc_max() hands out
// the lowest free id, offset by PROC_DYNAMIC_FIRST; freed ids are reused.
uint32_t Kernel::proc_alloc_inum() {
  // inum_hint_: no free bit below this word (kept by alloc and free).
  for (size_t w = inum_hint_; w < inum_used_.size(); ++w) {
    if (~inum_used_[w]) {
      int bit = std::countr_one(inum_used_[w]);
      inum_used_[w] |= 1ULL << bit;
      inum_hint_ = w;
      return PROC_DYNAMIC_FIRST + static_cast<uint32_t>(w * 64 + bit);
    }
  }
  inum_used_.push_back(1);
  inum_hint_ = inum_used_.size() - 1;
  return PROC_DYNAMIC_FIRST + static_cast<uint32_t>((inum_used_.size() - 1) * 64);
}

// fs/proc/generic.c: proc_free_inum() @ v6.18.
void Kernel::proc_free_inum(uint32_t inum) {
  uint32_t i = inum - PROC_DYNAMIC_FIRST;
  inum_used_[i / 64] &= ~(1ULL << (i % 64));
  inum_hint_ = std::min<size_t>(inum_hint_, i / 64);
}

template <class T>
T* Kernel::new_ns(NsType type, UserNamespace* owner) {
  auto* ns = new T(reg_, kind_of(type), next_id(kind_of(type)), type);
  ns->inum = proc_alloc_inum();
  ns->serial = static_cast<uint32_t>(records_.size());
  records_.push_back(NsRecord{type, ns->inum, ns});
  ns->ns_id = ns_tree_gen_id();
  if (owner) {
    get_ns(owner, "owner");
    ns->user_ns = owner;  // ns->user_ns = get_user_ns(user_ns)
  }
  NSSIM_EVENT(trace, "ns_common_init", "{} new refs=1{}", ns_str(ns),
              owner ? fmt::format(" owner={}", ns_str(owner)) : std::string());
  return ns;
}

template UtsNamespace* Kernel::new_ns<UtsNamespace>(NsType, UserNamespace*);
template IpcNamespace* Kernel::new_ns<IpcNamespace>(NsType, UserNamespace*);
template MntNamespace* Kernel::new_ns<MntNamespace>(NsType, UserNamespace*);
template PidNamespace* Kernel::new_ns<PidNamespace>(NsType, UserNamespace*);
template NetNamespace* Kernel::new_ns<NetNamespace>(NsType, UserNamespace*);
template TimeNamespace* Kernel::new_ns<TimeNamespace>(NsType, UserNamespace*);
template CgroupNamespace* Kernel::new_ns<CgroupNamespace>(NsType, UserNamespace*);
template UserNamespace* Kernel::new_ns<UserNamespace>(NsType, UserNamespace*);

std::string Kernel::ns_str(const NsCommon* ns) const {
  return fmt::format("{}:[{}]", ns_type_name(ns->type), ns->inum);
}

std::string Kernel::why_str(const Why& w) const { return w.ns ? fmt::format("{} {}", w.what, ns_str(w.ns)) : w.str(); }

void Kernel::trace_ref(bool get, const NsCommon* ns, const char* what, const char* slot, const NsCommon* why_ns,
                       uint64_t packed_id) {
  Why why = Why::unpack(what, slot, why_ns, packed_id);
  // "ns_str(ns) refs A→B (why_str(why))", appended piece by piece into one
  // string: with --json every reference a step takes or drops is an event.
  std::string d;
  d.reserve(96);
  auto num = [&](uint64_t v) {
    char tmp[24];
    d.append(tmp, std::to_chars(tmp, tmp + sizeof tmp, v).ptr);
  };
  auto name = [&](const NsCommon* n) {
    d += ns_type_name(n->type);
    d += ":[";
    num(n->inum);
    d += ']';
  };
  name(ns);
  d += " refs ";
  num(get ? ns->refs() - 1 : ns->refs() + 1);
  d += "→";
  num(ns->refs());
  d += " (";
  d += why.what;
  if (why.ns) {
    d += ' ';
    name(why.ns);
  } else if (why.numbered) {
    d += '#';
    num(why.id);
    if (why.slot) d += '.', d += why.slot;
  } else if (why.id) {
    num(why.id);
  }
  d += ')';
  trace.emit(get ? "get" : "put", std::move(d));
}

// The per-type free functions (free_uts_ns(), free_pid_ns(), free_user_ns(),
// ... @ v6.18): release the inode number, drop the references the namespace
// holds (owner user namespace, parent), free it.
void Kernel::free_ns(NsCommon* ns) {
  NSSIM_SCOPE(s, trace, "free_ns", "{} freed", ns_str(ns));
  if (ns->initial) refcount_bug("initial namespace freed", ns->kind(), ns->id(), 0);
  records_[ns->serial].ns = nullptr;
  proc_free_inum(ns->inum);
  UserNamespace* owner = ns->user_ns;
  switch (ns->type) {
    case NsType::Uts: delete static_cast<UtsNamespace*>(ns); break;
    case NsType::Ipc: delete static_cast<IpcNamespace*>(ns); break;
    case NsType::Net: delete static_cast<NetNamespace*>(ns); break;
    case NsType::Cgroup: delete static_cast<CgroupNamespace*>(ns); break;
    case NsType::Time: delete static_cast<TimeNamespace*>(ns); break;
    case NsType::Mnt: {
      // fs/namespace.c: put_mnt_ns() -> umount_tree(): the namespace's mounts
      // go, releasing what they pin (the bind-mount cascade).
      auto* m = static_cast<MntNamespace*>(ns);
      leave_peer_group(m);  // umount_tree() -> change_mnt_propagation(MS_PRIVATE) @ v6.12
      auto mounts = std::move(m->mounts);
      delete m;
      for (Mount* mnt : mounts) {
        // Detached even if busy; an open file keeps the detached mount (and its pin).
        NSSIM_EVENT(trace, "umount_tree", "{} unmounted (namespace gone)", mnt->mountpoint);
        put_mount(mnt);
      }
      break;
    }
    case NsType::Pid: {
      // kernel/pid_namespace.c: put_pid_ns() walks up: a freed child drops its parent.
      auto* p = static_cast<PidNamespace*>(ns);
      PidNamespace* parent = p->parent;
      delete p;
      if (parent) put_ns(parent, "child pid namespace freed");
      break;
    }
    case NsType::User: {
      // kernel/user_namespace.c: free_user_ns() drops the parent's reference.
      auto* u = static_cast<UserNamespace*>(ns);
      UserNamespace* parent = u->parent;
      delete u;
      if (parent) put_ns(parent, "child user namespace freed");
      break;
    }
  }
  if (owner) put_ns(owner, "owned namespace freed");
}

void Kernel::boot() {
  // init_user_ns: kernel/user.c. Identity maps over the whole id range.
  init_user_ns_ = new UserNamespace(reg_, ObjKind::UserNamespace, next_id(ObjKind::UserNamespace), NsType::User);
  init_user_ns_->uid_map = {{0, 0, 4294967295U}};
  init_user_ns_->gid_map = {{0, 0, 4294967295U}};
  // Who owns the other initial namespaces: init_user_ns, or the live run's
  // user namespace (Config::env_user), in which the sandbox made them.
  UserNamespace* owner = init_user_ns_;
  // include/uapi/linux/nsfs.h @ v7.2: the initial namespaces' fixed ids
  // (IPC_NS_INIT_ID .. MNT_NS_INIT_ID); the counter starts above
  // NS_LAST_INIT_ID (kernel/nstree.c: namespace_cookie @ v7.2).
  const bool fixed_ids = has(Feature::FixedInitNsIds);
  if (fixed_ids) ns_id_cookie_ = 9;
  auto fixed_id = [](NsType t) -> uint64_t {
    switch (t) {
      case NsType::Ipc: return 1;
      case NsType::Uts: return 2;
      case NsType::User: return 3;
      case NsType::Pid: return 4;
      case NsType::Cgroup: return 5;
      case NsType::Time: return 6;
      case NsType::Net: return 7;
      case NsType::Mnt: return 8;
    }
    return 0;
  };
  auto init_one = [&](NsCommon* ns, uint32_t inum) {
    ns->initial = true;
    ns->inum = inum;
    // The run's own user namespace (Config::env_user) is no boot namespace:
    // the sandbox made it, so it draws from the counter.
    ns->ns_id = fixed_ids && ns != env_user_ns_ ? fixed_id(ns->type) : ns_tree_gen_id();
    ns->serial = static_cast<uint32_t>(records_.size());
    records_.push_back(NsRecord{ns->type, inum, ns});
    if (ns->type != NsType::User) {
      owner->get();
      ns->user_ns = owner;
    }
    init_ns_.push_back(ns);
  };
  init_one(init_user_ns_, PROC_USER_INIT_INO);
  if (cfg_.env_user) {
    // kernel/user_namespace.c: create_user_ns() made it below the host's; it
    // lives as long as the run (nssim is in it), like a boot namespace.
    const EnvUserNs& e = *cfg_.env_user;
    env_user_ns_ = new UserNamespace(reg_, ObjKind::UserNamespace, next_id(ObjKind::UserNamespace), NsType::User);
    init_user_ns_->get();
    env_user_ns_->parent = init_user_ns_;
    env_user_ns_->level = e.level;
    env_user_ns_->owner = e.owner;
    env_user_ns_->group = e.group;
    env_user_ns_->uid_map = e.uid_map;
    env_user_ns_->gid_map = e.gid_map;
    env_user_ns_->setgroups_allowed = e.setgroups_allowed;
    init_one(env_user_ns_, proc_alloc_inum());
    owner = env_user_ns_;
  }
  mm_user_ns_ = cfg_.env_user && cfg_.env_user->exec_inside ? env_user_ns_ : init_user_ns_;
  auto* uts = new UtsNamespace(reg_, ObjKind::UtsNamespace, next_id(ObjKind::UtsNamespace), NsType::Uts);
  uts->nodename = cfg_.hostname;
  init_one(uts, PROC_UTS_INIT_INO);
  auto* ipc = new IpcNamespace(reg_, ObjKind::IpcNamespace, next_id(ObjKind::IpcNamespace), NsType::Ipc);
  init_one(ipc, PROC_IPC_INIT_INO);
  init_pid_ns_ = new PidNamespace(reg_, ObjKind::PidNamespace, next_id(ObjKind::PidNamespace), NsType::Pid);
  init_pid_ns_->level = cfg_.root_pid_level;
  init_pid_ns_->pid_max = cfg_.pid_max;
  init_one(init_pid_ns_, PROC_PID_INIT_INO);
  auto* cg = new CgroupNamespace(reg_, ObjKind::CgroupNamespace, next_id(ObjKind::CgroupNamespace), NsType::Cgroup);
  init_one(cg, PROC_CGROUP_INIT_INO);
  auto* tm = new TimeNamespace(reg_, ObjKind::TimeNamespace, next_id(ObjKind::TimeNamespace), NsType::Time);
  init_one(tm, PROC_TIME_INIT_INO);
  tm->frozen_offsets = true;  // kernel/time/namespace.c: init_time_ns is made frozen (its offsets are the host's)
  auto* net = new NetNamespace(reg_, ObjKind::NetNamespace, next_id(ObjKind::NetNamespace), NsType::Net);
  auto* mnt = new MntNamespace(reg_, ObjKind::MntNamespace, next_id(ObjKind::MntNamespace), NsType::Mnt);
  mnt->root_locked = cfg_.root_mount_locked;
  if (has(Feature::FixedInitNetMntInum)) {
    init_one(net, NET_NS_INIT_INO);
    init_one(mnt, MNT_NS_INIT_INO);
  } else {
    // Before the fixed numbers, init_net and the initial mount namespace took
    // the first dynamic inode numbers at boot (net first: net_ns_init() runs
    // before mnt_init() creates the initial mount tree).
    init_one(net, proc_alloc_inum());
    init_one(mnt, proc_alloc_inum());
  }

  // fs/namespace.c @ v6.12: mnt_ns_seq starts at 1 and alloc_mnt_ns() adds
  // before it reads, so the initial namespace is 2 (what NS_GET_MNTNS_ID
  // shows on 6.12).
  mnt_seq_ = 1;
  mnt->seq = ++mnt_seq_;
  // The scenario's first task and its nsproxy (each slot one reference).
  init_nsproxy_ = new NsProxy(reg_, next_id(ObjKind::NsProxy));
  auto slot = [&](auto* ns) {
    ns->get();
    return ns;
  };
  init_nsproxy_->uts_ns = slot(uts);
  init_nsproxy_->ipc_ns = slot(ipc);
  init_nsproxy_->mnt_ns = slot(mnt);
  init_nsproxy_->pid_ns_for_children = slot(init_pid_ns_);
  init_nsproxy_->net_ns = slot(net);
  init_nsproxy_->time_ns = slot(tm);
  init_nsproxy_->time_ns_for_children = slot(tm);
  init_nsproxy_->cgroup_ns = slot(cg);

  auto* t = new Task;
  t->id = 0;
  t->comm = cfg_.init_comm;
  t->exit_signal = SIGCHLD_NR;
  t->nsproxy = init_nsproxy_;
  t->cred = new Cred(next_id(ObjKind::Cred));
  t->cred->caps_id = cfg_.init_caps ? intern_caps(*cfg_.init_caps) : full_caps_id_;
  owner->get();
  t->cred->user_ns = owner;
  if (env_user_ns_) {
    // Root in the run's user namespace: its uid and gid 0, as kernel ids.
    uint32_t kuid = make_kid(env_user_ns_, 0, false), kgid = make_kid(env_user_ns_, 0, true);
    t->cred->uid = t->cred->euid = t->cred->suid = t->cred->fsuid = kuid;
    t->cred->gid = t->cred->egid = t->cred->sgid = t->cred->fsgid = kgid;
  }
  tasks_.push_back(t);
  // nssim reading /proc: root with every capability in the observer's user
  // namespace. No reference: it is not a model object (~Kernel frees it).
  observer_cred_ = new Cred(0);
  observer_cred_->get();
  observer_cred_->caps_id = t->cred->caps_id;  // nssim's own, which its sandbox inherited
  observer_cred_->user_ns = const_cast<UserNamespace*>(observer_user_ns());
  for (uint32_t* id : {&observer_cred_->uid, &observer_cred_->euid, &observer_cred_->suid, &observer_cred_->fsuid})
    *id = t->cred->uid;
  for (uint32_t* id : {&observer_cred_->gid, &observer_cred_->egid, &observer_cred_->sgid, &observer_cred_->fsgid})
    *id = t->cred->gid;
  // The root task is pid 1 of the root pid namespace, hence its child_reaper.
  Pid* pid = *alloc_pid(init_pid_ns_);
  pid->task = t;
  t->thread_pid = pid;
  init_pid_ns_->child_reaper = t;
}

Kernel::~Kernel() {
  // Tear down without leak reports: drop every object still alive. Creds and
  // struct pids are found through tasks and open files (not registered).
  trace.on = false;
  std::unordered_set<Cred*> creds;
  std::unordered_set<Pid*> pids;
  if (observer_cred_) creds.insert(observer_cred_);
  std::vector<Task*> tasks;  // collected first: the live-task list runs through them
  for (Task* t : tasks_) tasks.push_back(t);
  for (Task* t : tasks) {
    if (t->cred) creds.insert(t->cred);
    if (t->thread_pid) pids.insert(t->thread_pid);
    delete t;
  }
  std::unordered_set<Sock*> socks;  // a released sock lives on only through its peer
  for (auto* o : reg_.live())
    if (o->kind() == ObjKind::File) {
      auto* f = static_cast<File*>(o);
      if (f->f_cred) creds.insert(f->f_cred);
      if (f->pid) pids.insert(f->pid);
      if (f->sock) {
        socks.insert(f->sock);
        if (f->sock->peer) socks.insert(f->sock->peer);
      }
    }
  for (Sock* sk : socks) {
    if (sk->sk_peer_cred) creds.insert(sk->sk_peer_cred);
    if (sk->sk_peer_pid) pids.insert(sk->sk_peer_pid);
  }
  for (Sock* sk : socks) sk->force_zero(), delete sk;
  for (Cred* c : creds) c->force_zero(), delete c;
  for (Pid* p : pids) p->force_zero(), delete p;
  std::vector<RefCounted*> live = reg_.live();
  for (RefCounted* o : live) {
    while (o->refs() > 0) (void)o->put();
  }
  for (RefCounted* o : live) {
    switch (o->kind()) {
      case ObjKind::NsProxy: delete static_cast<NsProxy*>(o); break;
      case ObjKind::UtsNamespace: delete static_cast<UtsNamespace*>(o); break;
      case ObjKind::IpcNamespace: delete static_cast<IpcNamespace*>(o); break;
      case ObjKind::MntNamespace: delete static_cast<MntNamespace*>(o); break;
      case ObjKind::PidNamespace: delete static_cast<PidNamespace*>(o); break;
      case ObjKind::NetNamespace: delete static_cast<NetNamespace*>(o); break;
      case ObjKind::TimeNamespace: delete static_cast<TimeNamespace*>(o); break;
      case ObjKind::CgroupNamespace: delete static_cast<CgroupNamespace*>(o); break;
      case ObjKind::UserNamespace: delete static_cast<UserNamespace*>(o); break;
      case ObjKind::Cred:
      case ObjKind::Pid:
      case ObjKind::Sock: break;  // not registered
      case ObjKind::File: delete static_cast<File*>(o); break;
      case ObjKind::FilesStruct: delete static_cast<FilesStruct*>(o); break;
      case ObjKind::FsStruct: delete static_cast<FsStruct*>(o); break;
      case ObjKind::Mount: delete static_cast<Mount*>(o); break;
      case ObjKind::Mm: delete static_cast<Mm*>(o); break;
    }
  }
}

std::vector<const RefCounted*> Kernel::boot_objects() const {
  std::vector<const RefCounted*> v(init_ns_.begin(), init_ns_.end());
  return v;
}

std::vector<const NsProxy*> Kernel::nsproxies() const {
  std::vector<const NsProxy*> out;
  nsproxies(out);
  return out;
}

void Kernel::nsproxies(std::vector<const NsProxy*>& out) const {
  out.clear();
  for (Task* t : tasks_)
    if (t->nsproxy) out.push_back(t->nsproxy);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->id() < b->id(); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

// ---- the refcount ledger ---------------------------------------------------
// Derived by scanning every holder kind, never stored: a test checks after
// every step of every bundled scenario that holders(ns).size() == ns->refs(),
// which catches any get/put the model forgot.
HolderMap Kernel::all_holders() const {
  HolderTexts t;
  holder_texts(t);
  HolderMap out;
  for (auto& e : t.entries_) out.add(e.serial).push_back(Holder{t.buf_.substr(e.begin, e.end - e.begin)});
  return out;
}

void Kernel::holder_texts(HolderTexts& out) const {
  std::string& buf = out.buf_;
  buf.clear();
  out.entries_.clear();
  // Appended piece by piece (no format string: this runs after every step of `trace --json`).
  auto num = [&](uint64_t v) {
    char tmp[24];
    buf.append(tmp, std::to_chars(tmp, tmp + sizeof tmp, v).ptr);
  };
  // Each holder: text appended to buf between begin_at() and add().
  uint32_t begin = 0;
  auto begin_at = [&] { begin = static_cast<uint32_t>(buf.size()); };
  auto add = [&](const NsCommon* ns) {
    out.entries_.push_back({ns->serial, begin, static_cast<uint32_t>(buf.size())});
  };
  // "fd N of T, fd M of U": the entries of `users` (sorted by key(), with
  // .fd and .task) whose key is `k`; `none` when there are none.
  auto fd_list = [&](const auto& users, const void* k, auto key, const char* none) {
    auto it = std::lower_bound(users.begin(), users.end(), k,
                               [&](auto& u, const void* x) { return std::less<>()(key(u), x); });
    if (it == users.end() || key(*it) != k) buf += none;
    for (auto j = it; j != users.end() && key(*j) == k; ++j) {
      if (j != it) buf += ", ";
      if (!j->task) {  // an skb's: .fd is the receiving socket's id
        buf += "in flight to socket#";
        num(j->fd);
        continue;
      }
      buf += "fd ";
      num(j->fd);
      buf += " of ";
      buf += j->task->comm;
    }
  };
  auto ns_name = [&](const NsCommon* ns) {  // as ns_str()
    buf += ns_type_name(ns->type);
    buf += ":[";
    num(ns->inum);
    buf += ']';
  };
  for (const NsCommon* ns : init_ns_) begin_at(), buf += "boot (static initial namespace)", add(ns);
  for (auto& [ns, why] : external_pins_) begin_at(), buf += "external: ", buf += why, add(ns);
  std::vector<const RefCounted*>& objs = out.objs_;
  objs.assign(reg_.listed().begin(), reg_.listed().end());
  nsproxies(out.proxies_);
  objs.insert(objs.end(), out.proxies_.begin(), out.proxies_.end());
  std::sort(objs.begin(), objs.end(), [](auto* a, auto* b) {
    return a->kind() != b->kind() ? a->kind() < b->kind() : a->id() < b->id();
  });
  // Readable names for creds and nsfs inodes: the tasks using them, in task
  // order (stable sorts keep it within one cred or namespace).
  auto& cred_users = out.cred_users_;
  auto& nsfs_users = out.nsfs_users_;
  auto& socket_users = out.socket_users_;
  cred_users.clear();
  nsfs_users.clear();
  socket_users.clear();
  for (Task* t : tasks_) {
    if (!t) continue;
    if (t->cred) cred_users.emplace_back(t->cred, t);
    if (!t->files) continue;
    for (size_t fd = 0; fd < t->files->fdt.size(); ++fd) {
      File* f = t->files->fdt[fd];
      if (f && f->fkind == FileKind::Nsfs) nsfs_users.push_back({f->ns, t, fd});
      if (f && f->fkind == FileKind::Socket) socket_users.push_back({f, t, fd});
    }
  }
  // Files in flight (SCM_RIGHTS): after the fds, named by the socket whose
  // receive queue holds them.
  for (const RefCounted* o : objs) {
    if (o->kind() != ObjKind::File) continue;
    auto* rf = static_cast<const File*>(o);
    if (rf->fkind != FileKind::Socket) continue;
    for (const File* f : rf->sock->queue) {
      if (f->fkind == FileKind::Nsfs) nsfs_users.push_back({f->ns, nullptr, rf->sock->id()});
      if (f->fkind == FileKind::Socket) socket_users.push_back({f, nullptr, rf->sock->id()});
    }
  }
  std::stable_sort(cred_users.begin(), cred_users.end(),
                   [](auto& a, auto& b) { return std::less<>()(a.first, b.first); });
  std::stable_sort(nsfs_users.begin(), nsfs_users.end(),
                   [](auto& a, auto& b) { return std::less<>()(a.ns, b.ns); });
  std::stable_sort(socket_users.begin(), socket_users.end(),
                   [](auto& a, auto& b) { return std::less<>()(a.file, b.file); });
  // Creds (held by tasks and by open files) and struct pids (held by tasks
  // until reaped, and by pidfds), each counted once, in id order.
  auto& creds = out.creds_;
  auto& pids = out.pids_;
  creds.clear();
  pids.clear();
  for (Task* t : tasks_) {
    if (!t) continue;
    if (t->cred) creds.push_back(t->cred);
    if (t->thread_pid) pids.push_back(t->thread_pid);
  }
  std::vector<const Pid*> peer_pids;  // SO_PEERCRED of socketpair ends (and their released peers)
  for (const RefCounted* o : objs)
    if (o->kind() == ObjKind::File) {
      auto* f = static_cast<const File*>(o);
      if (f->f_cred) creds.push_back(f->f_cred);
      if (f->pid) pids.push_back(f->pid);
      for (const Sock* sk : {f->sock, f->sock ? f->sock->peer : nullptr}) {
        if (!sk || (sk != f->sock && sk->file)) continue;  // a peer with a file is counted through it
        if (sk->sk_peer_cred) creds.push_back(sk->sk_peer_cred);
        if (sk->sk_peer_pid) pids.push_back(sk->sk_peer_pid), peer_pids.push_back(sk->sk_peer_pid);
      }
    }
  auto by_id = [](auto* a, auto* b) { return a->id() != b->id() ? a->id() < b->id() : std::less<>()(a, b); };
  std::sort(creds.begin(), creds.end(), by_id);
  creds.erase(std::unique(creds.begin(), creds.end()), creds.end());
  std::sort(pids.begin(), pids.end(), by_id);
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  for (const Cred* c : creds) {
    begin_at();
    buf += "cred#";
    num(c->id());
    buf += ' ';
    auto it = std::lower_bound(cred_users.begin(), cred_users.end(), c,
                               [](auto& u, const Cred* x) { return std::less<>()(u.first, x); });
    if (it == cred_users.end() || it->first != c) {
      buf += "(of open files)";
    } else {
      buf += "of ";
      for (auto j = it; j != cred_users.end() && j->first == c; ++j) {
        if (j != it) buf += ',';
        buf += j->second->comm;
      }
    }
    add(c->user_ns);
  }
  // mm->user_ns of every mm made by an exec (or forked from one), once per mm
  // with the tasks using it (threads, CLONE_VM children).
  {
    // With Feature::TaskExecState the reference is task->exec_state's, which
    // exited tasks keep until they are reaped.
    bool exec_state = has(Feature::TaskExecState);
    auto mm_ref = [&](const Task* t) -> const Mm* { return exec_state ? t->exec_mm : t->mm; };
    std::vector<std::pair<const Mm*, const Task*>> mm_users;
    for (const Task* t : tasks_)
      if (t && mm_ref(t) && mm_ref(t)->user_ns && (t->is_leader() || mm_ref(t->group_leader) != mm_ref(t)))  // a group once
        mm_users.emplace_back(mm_ref(t), t);
    std::stable_sort(mm_users.begin(), mm_users.end(),
                     [](const auto& a, const auto& b) { return a.first->id() < b.first->id(); });
    for (auto it = mm_users.begin(); it != mm_users.end();) {
      begin_at();
      buf += exec_state ? "exec_state of " : "mm of ";
      auto j = it;
      for (; j != mm_users.end() && j->first == it->first; ++j) {
        if (j != it) buf += ',';
        buf += j->second->comm;
      }
      add(it->first->user_ns);
      it = j;
    }
  }
  for (const Pid* p : pids) {
    begin_at();
    buf += "struct pid ";
    num(p->numbers.back().nr);
    if (p->task)
      buf += " of ", buf += p->task->comm;
    else if (std::find(peer_pids.begin(), peer_pids.end(), p) != peer_pids.end())
      buf += " (kept by a pidfd or a unix socket's SO_PEERCRED)";
    else
      buf += " (kept by a pidfd)";
    add(p->numbers.back().ns);
  }
  // Sockets: each sock holds its net namespace once, however many fds
  // (CLONE_FILES, fork's copy of the table) refer to its file.
  for (const RefCounted* o : objs) {
    if (o->kind() != ObjKind::File) continue;
    auto* f = static_cast<const File*>(o);
    if (f->fkind != FileKind::Socket) continue;
    begin_at();
    buf += "socket#";
    num(f->sock->id());
    buf += " (";
    fd_list(socket_users, f, [](auto& u) -> const void* { return u.file; }, "no fd");
    buf += ')';
    add(f->sock->sk_net);
    // A released sock its peer still holds (unix_peer()): it keeps its
    // namespace until the peer is released too.
    if (const Sock* p = f->sock->peer; p && !p->file) {
      begin_at();
      buf += "socket#";
      num(p->id());
      buf += " (closed, held by its peer socket#";
      num(f->sock->id());
      buf += ')';
      add(p->sk_net);
    }
  }
  for (const RefCounted* o : objs) {
    if (o->kind() == ObjKind::NsProxy) {
      auto* p = static_cast<const NsProxy*>(o);
      auto slot = [&](const NsCommon* ns, const char* name) {
        begin_at();
        buf += "nsproxy#";
        num(p->id());
        buf += '.';
        buf += name;
        add(ns);
      };
      slot(p->uts_ns, "uts");
      slot(p->ipc_ns, "ipc");
      slot(p->mnt_ns, "mnt");
      slot(p->pid_ns_for_children, "pid_for_children");
      slot(p->net_ns, "net");
      slot(p->time_ns, "time");
      slot(p->time_ns_for_children, "time_for_children");
      slot(p->cgroup_ns, "cgroup");
    } else if (o->kind() >= ObjKind::UtsNamespace && o->kind() <= ObjKind::UserNamespace) {
      auto* other = static_cast<const NsCommon*>(o);
      if (other->user_ns) begin_at(), buf += "owner of ", ns_name(other), add(other->user_ns);
      const NsCommon* par = nullptr;
      if (other->type == NsType::Pid) par = static_cast<const PidNamespace*>(other)->parent;
      else if (other->type == NsType::User) par = static_cast<const UserNamespace*>(other)->parent;
      if (par) begin_at(), buf += "parent of ", ns_name(other), add(par);
      if (other->nsfs_users > 0) {
        begin_at();
        buf += "nsfs inode (";
        // Each bind mount of it by name (propagated copies too), then the fds.
        size_t before = buf.size();
        for (const NsRecord& r : records_) {
          if (!r.ns || r.ns->type != NsType::Mnt) continue;
          for (const Mount* m : static_cast<const MntNamespace*>(r.ns)->mounts) {
            if (m->ns != other) continue;
            if (buf.size() > before) buf += ", ";
            buf += "mount ";
            buf += m->mountpoint;
            buf += " in ";
            ns_name(r.ns);
          }
        }
        bool mounts = buf.size() > before;
        auto it = std::lower_bound(nsfs_users.begin(), nsfs_users.end(), other,
                                   [](auto& u, const void* x) { return std::less<>()(u.ns, x); });
        if (mounts && it != nsfs_users.end() && it->ns == other) buf += ", ";
        if (!mounts || (it != nsfs_users.end() && it->ns == other))
          fd_list(nsfs_users, other, [](auto& u) -> const void* { return u.ns; }, "pidfd/other");
        buf += ')';
        add(other);
      }
    }
    // A bind mount of an nsfs file is held through its nsfs inode; objects
    // are listed by kind, and mounts come after namespaces, so mount names
    // never reached the "nsfs inode (...)" text: unchanged here.
  }
  std::stable_sort(out.entries_.begin(), out.entries_.end(),
                   [](const HolderTexts::Entry& a, const HolderTexts::Entry& b) { return a.serial < b.serial; });
}

void Kernel::adopt_ns_id(uint64_t serial, uint64_t kernel_ns_id) {
  if (serial >= records_.size()) return;
  NsCommon* ns = records_[serial].ns;
  if (ns && ns->type == NsType::Mnt) static_cast<MntNamespace*>(ns)->seq = kernel_ns_id;
}

void Kernel::drop_external_pins() {
  auto pins = std::move(external_pins_);
  for (auto& [ns, why] : pins) put_ns(ns, "external holder gone");
}

std::vector<Holder> Kernel::holders(const NsCommon* ns) const { return all_holders()[ns->serial]; }

}  // namespace nssim
