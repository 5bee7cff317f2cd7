// Restore a snapshot into the model (sim/restore.h). Every reference is taken
// by the model object that holds it, in the same places the syscalls take
// them: nsproxy slots (create_new_namespaces()), cred->user_ns, struct pid
// (alloc_pid()), ns->user_ns and parents (new_ns(), create_pid_namespace(),
// create_user_ns()), the nsfs inode (ns_get_path()), mounts (do_loopback()).
#include "sim/restore.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <unordered_map>

namespace nssim {

std::string restored_task_name(int pid, int tid) {
  return pid == tid ? fmt::format("p{}", pid) : fmt::format("t{}", tid);
}

namespace {
std::string ns_name(NsType t, uint32_t inum) { return fmt::format("{}:[{}]", ns_type_name(t), inum); }

// A user namespace's uid_map/gid_map as /proc shows it: empty (nothing
// mapped yet), or the lines map_write() accepted.
std::optional<std::vector<UidGidExtent>> parse_map(const std::string& s) {
  std::vector<UidGidExtent> out;
  if (s.find_first_not_of(" \t\n") == std::string::npos) return out;
  if (!parse_id_map(s, out)) return std::nullopt;
  return out;
}

// The eight nsproxy slots in the kernel's order, as links.
constexpr Link kSlotLinks[8] = {Link::Uts, Link::Ipc,  Link::Mnt,             Link::PidForChildren,
                                Link::Net, Link::Time, Link::TimeForChildren, Link::Cgroup};
int link_index(Link l) {
  for (int i = 0; i < kLinks; ++i)
    if (kAllLinks[i] == l) return i;
  return 0;
}
}  // namespace

class Restorer {
 public:
  Restorer(const RestoreInput& in, Kernel& k) : in_(in), k_(k) {}
  std::optional<std::string> run(Restored& out);

 private:
  using Err = std::optional<std::string>;
  Err index();
  Err make_ns(uint32_t inum, NsCommon*& out, int depth = 0);
  Err adopt_root_namespaces(const RestoreTask& init);
  Err make_tasks(Restored& out);
  Err make_nsproxy(const RestoreTask& t, NsProxy*& out);
  Err make_pid(const RestoreTask& t, Task* task);
  Err make_files(Restored& out);
  void pin_unheld(Restored& out);
  void mark_inum(uint32_t inum);

  const RestoreInput& in_;
  Kernel& k_;
  std::map<uint32_t, const RestoreNs*> snap_ns_;
  std::map<uint32_t, NsCommon*> model_ns_;  // inum -> model namespace
  std::set<uint32_t> making_;
  std::map<int, Task*> by_tid_;
  std::map<std::string, NsProxy*> nsproxy_by_key_;
  std::vector<NsCommon*> created_;
  std::set<uint32_t> above_root_;
  RestoreTask init_stand_in_;  // pid 1 with unreadable links  // ancestors of pid 1's pid and user namespaces: not restored  // namespaces made here: each still holds its creation reference
};

void Restorer::mark_inum(uint32_t inum) {
  if (inum < PROC_DYNAMIC_FIRST) return;
  uint32_t i = inum - PROC_DYNAMIC_FIRST;
  if (k_.inum_used_.size() <= i / 64) k_.inum_used_.resize(i / 64 + 1);
  k_.inum_used_[i / 64] |= 1ULL << (i % 64);
}

Restorer::Err Restorer::index() {
  for (auto& n : in_.namespaces) {
    if (n.inum < PROC_DYNAMIC_FIRST && n.inum < MNT_NS_INIT_INO)
      return fmt::format("namespace {} has an inode number below the nsfs range", ns_name(n.type, n.inum));
    if (n.inum - PROC_DYNAMIC_FIRST > (1u << 24) && n.inum >= PROC_DYNAMIC_FIRST)
      return fmt::format("namespace {}: inode number too large to restore", ns_name(n.type, n.inum));
    if (!snap_ns_.emplace(n.inum, &n).second) return fmt::format("namespace {} listed twice", n.inum);
  }
  // Owners and parents, listed ones, checked here too: pid 1's namespaces are adopted, not made by make_ns().
  for (auto& [inum, n] : snap_ns_) {
    if (auto it = snap_ns_.find(n->owner); n->owner && it != snap_ns_.end() && it->second->type != NsType::User)
      return fmt::format("the owner of {} is not a user namespace", ns_name(n->type, inum));
    if (auto it = snap_ns_.find(n->parent); (n->type == NsType::Pid || n->type == NsType::User) && n->parent &&
                                            it != snap_ns_.end() && it->second->type != n->type)
      return fmt::format("the parent of {} has another type", ns_name(n->type, inum));
  }
  std::set<uint64_t> ids;
  for (auto& p : in_.nsproxies)
    if (!ids.insert(p.id).second) return fmt::format("nsproxy {:016x} listed twice", p.id);
  // The model's root pid and user namespaces have no parent: what is above
  // pid 1's (a snapshot taken in a container) is left out.
  for (auto& t : in_.tasks)
    if (t.pid == 1 && t.tid == 1)
      for (Link l : {Link::Pid, Link::User}) {
        uint32_t root = t.ns[link_index(l)];
        for (auto it = snap_ns_.find(root); it != snap_ns_.end() && it->second->parent;) {
          uint32_t par = it->second->parent;
          if (par == root || !above_root_.insert(par).second)
            return fmt::format("a cycle of parents above pid 1's {} namespace at {}", link_name(l),
                               ns_name(it->second->type, par));
          it = snap_ns_.find(par);
        }
      }
  return {};
}

// The model namespace for a snapshot inum, made (owner and parent first) if needed.
Restorer::Err Restorer::make_ns(uint32_t inum, NsCommon*& out, int depth) {
  if (auto it = model_ns_.find(inum); it != model_ns_.end()) return out = it->second, Err{};
  auto it = snap_ns_.find(inum);
  if (it == snap_ns_.end()) return fmt::format("the snapshot refers to namespace {} but does not list it", inum);
  const RestoreNs& n = *it->second;
  if (!making_.insert(inum).second || depth > 64) return fmt::format("a cycle of owners/parents at {}", inum);
  UserNamespace* owner = k_.init_user_ns_;
  NsCommon* parent = nullptr;
  if (n.owner && n.owner != n.inum && n.type != NsType::User && !above_root_.count(n.owner)) {
    NsCommon* o;
    if (auto e = make_ns(n.owner, o, depth + 1)) return e;
    if (o->type != NsType::User) return fmt::format("the owner of {} is not a user namespace", ns_name(n.type, inum));
    owner = static_cast<UserNamespace*>(o);
  }
  if (n.parent && (n.type == NsType::Pid || n.type == NsType::User) && !above_root_.count(n.parent)) {
    if (auto e = make_ns(n.parent, parent, depth + 1)) return e;
    if (parent->type != n.type) return fmt::format("the parent of {} has another type", ns_name(n.type, inum));
  }
  NsCommon* ns = nullptr;
  switch (n.type) {
    case NsType::Uts: ns = k_.new_ns<UtsNamespace>(n.type, owner); break;
    case NsType::Ipc: ns = k_.new_ns<IpcNamespace>(n.type, owner); break;
    case NsType::Net: ns = k_.new_ns<NetNamespace>(n.type, owner); break;
    case NsType::Cgroup: ns = k_.new_ns<CgroupNamespace>(n.type, owner); break;
    case NsType::Time: ns = k_.new_ns<TimeNamespace>(n.type, owner); break;
    case NsType::Mnt: {
      auto* m = k_.new_ns<MntNamespace>(n.type, owner);
      m->seq = n.ns_id;  // 0: numbered below, in inum order
      ns = m;
      break;
    }
    case NsType::Pid: {
      // kernel/pid_namespace.c: create_pid_namespace(): get_pid_ns(parent), level = parent's + 1,
      // at most MAX_PID_NS_LEVEL.
      auto* par = parent ? static_cast<PidNamespace*>(parent) : k_.init_pid_ns_;
      if (par->level + 1 > MAX_PID_NS_LEVEL)
        return fmt::format("{} would be pid namespace level {}; the kernel stops at {} (MAX_PID_NS_LEVEL)",
                           ns_name(n.type, inum), par->level + 1, MAX_PID_NS_LEVEL);
      auto* p = k_.new_ns<PidNamespace>(n.type, owner);
      par->get();
      p->parent = par;
      p->level = par->level + 1;
      p->pid_max = par->pid_max;
      ns = p;
      break;
    }
    case NsType::User: {
      // kernel/user_namespace.c: create_user_ns(): the parent reference comes from the creator's cred.
      auto* u = k_.new_ns<UserNamespace>(n.type, nullptr);
      auto* par = parent ? static_cast<UserNamespace*>(parent) : k_.init_user_ns_;
      par->get();
      u->parent = par;
      u->level = par->level + 1;
      u->owner = n.owner_uid.value_or(0);
      u->group = 0;  // not in the snapshot (NS_GET_OWNER_UID has no gid twin)
      u->setgroups_allowed = n.setgroups_allowed.value_or(true);
      for (auto [src, dst] : {std::pair{&n.uid_map, &u->uid_map}, std::pair{&n.gid_map, &u->gid_map}})
        if (*src) {
          auto m = parse_map(**src);
          if (!m) return fmt::format("{}: unreadable id map '{}'", ns_name(n.type, inum), **src);
          *dst = std::move(*m);
        }
      ns = u;
      break;
    }
  }
  // new_ns() drew a fresh inum: the namespace takes the snapshot's instead.
  k_.proc_free_inum(ns->inum);
  ns->inum = inum;
  k_.records_[ns->serial].inum = inum;
  mark_inum(inum);
  if (n.ns_id) ns->ns_id = n.ns_id;  // NS_GET_ID shows the kernel's id (0: unknown, the model's own)
  created_.push_back(ns);
  model_ns_[inum] = ns;
  making_.erase(inum);
  out = ns;
  return {};
}

// Pid 1's namespaces are the model's boot namespaces, renumbered to the
// snapshot's inums (on v6.18 the initial ones already match).
Restorer::Err Restorer::adopt_root_namespaces(const RestoreTask& init) {
  Task* t0 = k_.init_task();
  for (int i = 0; i < kLinks; ++i) {
    Link l = kAllLinks[i];
    if (l == Link::PidForChildren || l == Link::TimeForChildren) continue;
    uint32_t inum = init.ns[i];
    if (!inum) return fmt::format("pid 1's {} link could not be read", link_name(l));
    auto it = snap_ns_.find(inum);
    if (it == snap_ns_.end()) return fmt::format("the snapshot refers to namespace {} but does not list it", inum);
    if (it->second->type != link_type(l))
      return fmt::format("namespace {} is listed as {} but is pid 1's {} link", inum,
                         ns_type_name(it->second->type), link_name(l));
    NsCommon* ns = l == Link::User ? static_cast<NsCommon*>(k_.init_user_ns_) : k_.ns_of_link(t0, l);
    if (ns->inum >= PROC_DYNAMIC_FIRST) k_.proc_free_inum(ns->inum);
    ns->inum = inum;
    k_.records_[ns->serial].inum = inum;
    mark_inum(inum);
    if (l == Link::Mnt && it->second->ns_id) static_cast<MntNamespace*>(ns)->seq = it->second->ns_id;
    if (it->second->ns_id) ns->ns_id = it->second->ns_id;
    model_ns_[inum] = ns;
  }
  return {};
}

// The nsproxy of a task: one per snapshot nsproxy id (BPF), else one per
// (thread group, links). Slots from the BPF nsproxy when known, else from the
// links; an unreadable pid_for_children / time_for_children is the task's own.
Restorer::Err Restorer::make_nsproxy(const RestoreTask& t, NsProxy*& out) {
  const RestoreNsProxy* bpf = nullptr;
  for (auto& p : in_.nsproxies)
    if (t.nsproxy && p.id == t.nsproxy) bpf = &p;
  if (t.nsproxy && !bpf)
    return fmt::format("pid {} (tid {}): nsproxy {:016x} is not listed in nsproxies", t.pid, t.tid, t.nsproxy);
  std::string key = fmt::format("bpf {:x}", t.nsproxy);
  if (!t.nsproxy) {
    key = fmt::format("links of {}:", t.pid);
    for (uint32_t n : t.ns) key += fmt::format(" {}", n);
  }
  if (auto it = nsproxy_by_key_.find(key); it != nsproxy_by_key_.end()) {
    k_.get_nsproxy(it->second);
    return out = it->second, Err{};
  }
  uint32_t want[8];
  for (int s = 0; s < 8; ++s) {
    Link l = kSlotLinks[s];
    uint32_t v = bpf ? bpf->slots[s] : 0;
    if (!v) v = t.ns[link_index(l)];
    if (!v && l == Link::PidForChildren) v = t.ns[link_index(Link::Pid)];
    if (!v && l == Link::TimeForChildren) v = t.ns[link_index(Link::Time)];
    if (!v) return fmt::format("pid {} (tid {}): its {} namespace is unknown", t.pid, t.tid, link_name(l));
    want[s] = v;
  }
  std::array<NsCommon*, 8> ns{};
  for (int s = 0; s < 8; ++s) {
    if (auto e = make_ns(want[s], ns[s])) return e;
    if (ns[s]->type != link_type(kSlotLinks[s]))
      return fmt::format("namespace {} is listed as {} but is a {} slot", want[s], ns_type_name(ns[s]->type),
                         link_name(kSlotLinks[s]));
  }
  // Pid 1's first nsproxy is the boot one (its slots re-pointed if they differ).
  NsProxy* p;
  if (t.pid == 1 && t.tid == 1) {
    p = k_.init_task()->nsproxy;
    k_.get_nsproxy(p);  // the caller's; the boot task's own goes when it takes this one
  } else {
    p = new NsProxy(k_.reg_, k_.next_id(ObjKind::NsProxy));
  }
  auto set = [&](auto*& slot, NsCommon* n) {
    using T = std::remove_reference_t<decltype(*slot)>;
    if (slot == n) return;
    n->get();
    if (slot) (void)slot->put();  // a boot namespace: never the last reference
    slot = static_cast<T*>(n);
  };
  set(p->uts_ns, ns[0]);
  set(p->ipc_ns, ns[1]);
  set(p->mnt_ns, ns[2]);
  set(p->pid_ns_for_children, ns[3]);
  set(p->net_ns, ns[4]);
  set(p->time_ns, ns[5]);
  // A task is in it: frozen (timens_commit() ran); one only some task's
  // children will enter stays settable.
  p->time_ns->frozen_offsets = true;
  set(p->time_ns_for_children, ns[6]);
  set(p->cgroup_ns, ns[7]);
  nsproxy_by_key_[key] = p;
  out = p;
  return {};
}

// struct pid: one number per level from the model's root pid namespace down
// to the task's (NSpid); alloc_pid()'s bookkeeping without its allocation.
Restorer::Err Restorer::make_pid(const RestoreTask& t, Task* task) {
  NsCommon* active;
  uint32_t pid_inum = t.ns[link_index(Link::Pid)];
  if (above_root_.count(pid_inum))
    return fmt::format(
        "pid {} (tid {}) is in pid:[{}], an ancestor of pid 1's pid namespace: pid 1 must be the "
        "init of the outermost pid namespace the snapshot restores",
        t.pid, t.tid, pid_inum);
  if (auto e = make_ns(pid_inum, active)) return e;
  if (active->type != NsType::Pid)
    return fmt::format("pid {} (tid {}): its pid link is {}", t.pid, t.tid, k_.ns_str(active));
  auto* pns = static_cast<PidNamespace*>(active);
  uint32_t depth = pns->level - k_.cfg_.root_pid_level;
  auto* pid = new Pid(k_.next_id(ObjKind::Pid));
  pid->level = depth;
  pid->numbers.resize(depth + 1);
  PidNamespace* tmp = pns;
  bool have = t.nspid.size() == depth + 1;
  for (int i = static_cast<int>(depth); i >= 0; --i, tmp = tmp->parent) {
    uint32_t nr = have ? t.nspid[i] : (i == 0 ? static_cast<uint32_t>(t.tid) : 0);
    auto used = [&](uint32_t x) { return x / 64 < tmp->used.size() && ((tmp->used[x / 64] >> (x % 64)) & 1); };
    if (nr == 0) {
      // An older snapshot without NSpid: a process whose parent is outside
      // this pid namespace is its init (number 1), if it has none yet (tasks
      // come parent first); the others take the lowest free number above 1.
      bool parent_inside = false;
      if (const Task* par = task->real_parent; par && par->thread_pid)
        for (auto& pn : par->thread_pid->numbers) parent_inside |= pn.ns == tmp;
      nr = task->is_leader() && !parent_inside && !used(1) ? 1 : 2;
      while (nr > 1 && used(nr)) ++nr;
    }
    if (used(nr)) {
      (void)pid->put();
      delete pid;
      return fmt::format("pid {} (tid {}): number {} is used twice in {}", t.pid, t.tid, nr, k_.ns_str(tmp));
    }
    if (tmp->used.size() <= nr / 64) tmp->used.resize(nr / 64 + 1);
    tmp->used[nr / 64] |= 1ULL << (nr % 64);
    tmp->cursor = std::max(tmp->cursor, nr + 1);  // idr cursor: past the largest number seen
    ++tmp->pid_allocated;
    pid->numbers[i] = PidNumber{nr, tmp};
  }
  pns->get();  // the struct pid's reference on its deepest namespace (alloc_pid())
  pid->task = task;
  task->thread_pid = pid;
  if (pid->numbers.back().nr == 1 && task->is_leader()) pns->child_reaper = task;
  return {};
}

Restorer::Err Restorer::make_tasks(Restored& out) {
  // Processes in parent-first order (walk down from pid 1); leaders before their threads.
  std::map<int, std::vector<const RestoreTask*>> groups;  // pid -> threads, leader first
  size_t kthreads = 0, unreadable = 0;
  for (auto& t0 : in_.tasks) {
    const RestoreTask* tp = &t0;
    if (t0.kthread) {
      ++kthreads;
      continue;
    }
    if (t0.pid == 1 && t0.tid == 1 && std::all_of(t0.ns.begin(), t0.ns.end(), [](uint32_t n) { return n == 0; })) {
      // Pid 1's links could not be read (another user namespace's init, a
      // sandbox's supervisor...): it stands in the initial namespaces, the
      // nsproxy slots BPF read if any, else the fixed inums (v6.18).
      init_stand_in_ = t0;
      const RestoreNsProxy* bpf = nullptr;
      for (auto& p : in_.nsproxies)
        if (t0.nsproxy && p.id == t0.nsproxy) bpf = &p;
      for (int s = 0; s < 8; ++s) {
        uint32_t fixed[8] = {PROC_UTS_INIT_INO, PROC_IPC_INIT_INO, MNT_NS_INIT_INO,    PROC_PID_INIT_INO,
                             NET_NS_INIT_INO,   PROC_TIME_INIT_INO, PROC_TIME_INIT_INO, PROC_CGROUP_INIT_INO};
        init_stand_in_.ns[link_index(kSlotLinks[s])] = bpf && bpf->slots[s] ? bpf->slots[s] : fixed[s];
      }
      init_stand_in_.ns[link_index(Link::Pid)] = PROC_PID_INIT_INO;
      init_stand_in_.ns[link_index(Link::User)] = PROC_USER_INIT_INO;
      tp = &init_stand_in_;
      out.notes.push_back("pid 1's links could not be read: it stands in the initial namespaces");
    }
    const RestoreTask& t = *tp;
    // A task none of whose nsproxy links can be read has no nsproxy: it is
    // exiting, past exit_task_namespaces() (kernel/exit.c: do_exit()), though
    // its state is not Z yet; or its links are not readable at all.
    bool any =
        std::any_of(std::begin(kSlotLinks), std::end(kSlotLinks), [&](Link l) { return t.ns[link_index(l)] != 0; });
    if (!any || t.state == 'Z' || t.state == 'X') {
      ++unreadable;
      continue;
    }
    groups[t.pid].push_back(&t);
  }
  if (kthreads) out.notes.push_back(fmt::format("{} kernel thread(s) not restored", kthreads));
  if (unreadable)
    out.notes.push_back(fmt::format("{} task(s) not restored: zombies or exited, or their links unreadable", unreadable));
  // A group whose leader is not there (a zombie leader whose threads live on,
  // pthread_exit() of the main thread, or a leader exiting while the snapshot
  // was read) is left out with a note: the model has no way to restore a
  // zombie leader's threads. Found on a busy host by `nssim trace --attach`,
  // whose snapshot covers every process of the machine.
  std::vector<int> leaderless;
  for (auto& [pid, v] : groups) {
    std::stable_sort(v.begin(), v.end(), [](auto* a, auto* b) { return (a->tid == a->pid) > (b->tid == b->pid); });
    if (v.front()->tid != pid) leaderless.push_back(pid);
  }
  for (int pid : leaderless) groups.erase(pid);
  if (!leaderless.empty())
    out.notes.push_back(fmt::format("{} process(es) not restored: their leader thread has exited or is not in the "
                                    "snapshot (first: pid {})",
                                    leaderless.size(), leaderless.front()));
  if (!groups.count(1) || groups[1].front()->tid != 1)
    return std::string("the snapshot has no pid 1 (take it as root, from the pid namespace to restore)");
  // Threads share their leader's parent (CLONE_THREAD: real_parent is the leader's).
  for (auto& [pid, v] : groups)
    for (const RestoreTask* th : v)
      if (th->ppid != v.front()->ppid)
        return fmt::format("tid {}: a thread of pid {} with ppid {}, but its leader's ppid is {}", th->tid, pid,
                           th->ppid, v.front()->ppid);
  std::map<int, std::vector<int>> children;
  std::vector<int> order, orphans;
  for (auto& [pid, v] : groups)
    if (pid != 1) (groups.count(v.front()->ppid) ? children[v.front()->ppid] : orphans).push_back(pid);
  for (std::vector<int> stack{1}; !stack.empty();) {
    int p = stack.back();
    stack.pop_back();
    order.push_back(p);
    auto& c = children[p];
    for (auto it = c.rbegin(); it != c.rend(); ++it) stack.push_back(*it);
  }
  // Processes neither reached from pid 1 nor below an orphan: their ppids form a cycle.
  std::set<int> reached(order.begin(), order.end());
  for (int o : orphans) {
    std::vector<int> stack{o};
    while (!stack.empty()) {
      int p = stack.back();
      stack.pop_back();
      reached.insert(p);
      for (int c : children[p]) stack.push_back(c);
    }
  }
  for (auto& [pid, v] : groups) {
    if (reached.count(pid)) continue;
    std::vector<int> path;
    std::set<int> seen;
    for (int p = pid; seen.insert(p).second; p = groups[p].front()->ppid) path.push_back(p);
    int start = groups[path.back()].front()->ppid;
    std::string cyc;
    bool in = false;
    for (int p : path) {
      in |= p == start;
      if (in) cyc += fmt::format("{} -> ", p);
    }
    return fmt::format("parent cycle (pid -> ppid): {}{} (these processes do not descend from pid 1)", cyc, start);
  }
  if (!orphans.empty())
    out.notes.push_back(fmt::format("{} process(es) whose parent is not in the snapshot are children of pid 1",
                                    orphans.size()));
  for (int o : orphans) {  // and their descendants
    for (std::vector<int> stack{o}; !stack.empty();) {
      int p = stack.back();
      stack.pop_back();
      order.push_back(p);
      auto& c = children[p];
      for (auto it = c.rbegin(); it != c.rend(); ++it) stack.push_back(*it);
    }
  }
  if (auto e = adopt_root_namespaces(*groups[1].front())) return e;

  for (int pid : order) {
    for (const RestoreTask* st : groups[pid]) {
      bool leader = st->tid == st->pid;
      Task* t;
      if (pid == 1 && leader) {
        t = k_.init_task();
        // The boot task's struct pid is pid 1 of the root pid namespace: keep it.
      } else {
        t = new Task;
        t->id = static_cast<uint32_t>(k_.tasks_.size());
        k_.tasks_.push_back(t);
        if (leader) {
          Task* parent = by_tid_.count(st->ppid) ? by_tid_[st->ppid] : k_.init_task();
          t->real_parent = parent;
          parent->link_child(t);
          t->exit_signal = SIGCHLD_NR;
        } else {
          Task* l = by_tid_.at(pid);
          t->group_leader = l;
          t->real_parent = l->real_parent;
          ++l->nr_threads;
          t->exit_signal = 0;
        }
      }
      t->comm = restored_task_name(st->pid, st->tid);
      by_tid_[st->tid] = t;
      out.names.emplace_back(t->comm, t->id);
      // nsproxy (the boot task already holds the boot one).
      NsProxy* p;
      if (auto e = make_nsproxy(*st, p)) return e;
      if (t->nsproxy) k_.put_nsproxy(t->nsproxy);  // the boot task's boot nsproxy
      t->nsproxy = p;
      // creds: threads share the leader's cred when it is the same (copy_creds() with CLONE_THREAD).
      NsCommon* uns;
      if (auto e = make_ns(st->ns[link_index(Link::User)], uns)) return e;
      if (uns->type != NsType::User)
        return fmt::format("pid {} (tid {}): its user link is {}", st->pid, st->tid, k_.ns_str(uns));
      CapSets caps;
      if (st->creds) {
        caps = CapSets{st->cap_inh, st->cap_prm, st->cap_eff, st->cap_bnd, st->cap_amb};
      } else {  // an older snapshot: uid only; root has every capability in its user namespace
        caps = st->uids[0] == 0 ? CapSets{0, CAP_FULL_SET, CAP_FULL_SET, CAP_FULL_SET, 0} : CapSets{};
      }
      Task* leader_t = t->group_leader;
      Cred* lc = leader_t != t ? leader_t->cred : nullptr;
      if (lc && lc->user_ns == uns && lc->uid == st->uids[0] && lc->euid == st->uids[1] &&
          lc->suid == st->uids[2] && lc->fsuid == st->uids[3] && lc->gid == st->gids[0] &&
          lc->egid == st->gids[1] && lc->sgid == st->gids[2] && lc->fsgid == st->gids[3] && lc->caps() == caps) {
        lc->get();
        t->cred = lc;
      } else {
        Cred* c = new Cred(k_.next_id(ObjKind::Cred));
        c->uid = st->uids[0], c->euid = st->uids[1], c->suid = st->uids[2], c->fsuid = st->uids[3];
        c->gid = st->gids[0], c->egid = st->gids[1], c->sgid = st->gids[2], c->fsgid = st->gids[3];
        c->set_caps(caps);
        uns->get();
        c->user_ns = static_cast<UserNamespace*>(uns);
        if (t->cred) k_.put_cred(t->cred, "restore");
        t->cred = c;
      }
      if (!(pid == 1 && leader))
        if (auto e = make_pid(*st, t)) return e;
      // Threads share the leader's files and fs (CLONE_FILES | CLONE_FS).
      if (!leader) {
        FilesStruct* f = k_.files_of(leader_t);
        f->get();
        t->files = f;
        FsStruct* fs = k_.fs_of(leader_t);
        fs->get();
        t->fs = fs;
      }
    }
  }
  // Pid 1's numbers: the boot task is pid 1 of the root pid namespace already.
  // A pid namespace with tasks but no init (its pid 1 exited or is a zombie) is
  // one the kernel is emptying: the init's exit disabled pid allocation and
  // SIGKILLed the rest (kernel/pid_namespace.c: zap_pid_ns_processes() @ v6.18),
  // a transient state. The model refuses it: every pid namespace with a task
  // has a child_reaper (find_child_reaper(), exit_notify() rely on it).
  for (auto& [inum, ns] : model_ns_)
    if (ns->type == NsType::Pid) {
      auto* p = static_cast<PidNamespace*>(ns);
      if (p->pid_allocated == 0 || p->child_reaper) continue;
      int first = 0;
      for (auto& [tid, t] : by_tid_)
        if (t->thread_pid)
          for (auto& pn : t->thread_pid->numbers)
            if (pn.ns == p && !first) first = tid;
      return fmt::format(
          "pid namespace {} has tasks (pid {}) but no init: no task in it is number 1 (its init exited "
          "or is a zombie), so the kernel is killing them (zap_pid_ns_processes()); the model does not "
          "restore that transient state: take the snapshot again",
          k_.ns_str(p), first);
    }
  return {};
}

Restorer::Err Restorer::make_files(Restored& out) {
  size_t skipped = 0;
  for (auto& f : in_.fds) {
    if (f.fd < 0) return fmt::format("fd {} of pid {}: not an fd number", f.fd, f.pid);
    // The fd table is dense: fds at or above the kernel's nr_open cannot exist.
    if (f.fd >= kRestoreNrOpen)
      return fmt::format("fd {} above nr_open ({}) not supported by the model", f.fd, kRestoreNrOpen);
    auto it = by_tid_.find(f.pid);
    if (it == by_tid_.end()) {
      ++skipped;
      continue;
    }
    Task* t = it->second->group_leader;
    NsCommon* ns;
    if (auto e = make_ns(f.inum, ns)) return e;
    // fs/nsfs.c: ns_get_path(): the first user of the nsfs inode gives it a reference.
    if (ns->nsfs_users++ == 0) ns->get();
    auto* file = new File(k_.reg_, k_.next_id(ObjKind::File));
    file->fkind = FileKind::Nsfs;
    file->ns = ns;
    t->cred->get();
    file->f_cred = t->cred;
    file->path = fmt::format("/proc/{}/fd/{}", t->comm, f.fd);
    FilesStruct* files = k_.files_of(t);
    if (files->fdt.size() <= static_cast<size_t>(f.fd)) files->fdt.resize(f.fd + 1, nullptr);
    if (files->fdt[f.fd]) return fmt::format("fd {} of pid {} listed twice", f.fd, f.pid);
    files->fdt[f.fd] = file;
    files->names.emplace_back(fmt::format("fd{}", f.fd), f.fd);
  }
  if (skipped) out.notes.push_back(fmt::format("{} nsfs fd(s) of processes not restored left out", skipped));
  for (auto& m : in_.mounts) {
    NsCommon* mnt_ns;
    NsCommon* ns;
    if (auto e = make_ns(m.mnt_ns, mnt_ns)) return e;
    if (auto e = make_ns(m.inum, ns)) return e;
    if (mnt_ns->type != NsType::Mnt) return fmt::format("bind mount {} is in {}, not a mount namespace", m.mountpoint,
                                                        k_.ns_str(mnt_ns));
    // fs/namespace.c: do_loopback(): the mount holds one use of the nsfs inode.
    auto* mnt = new Mount(k_.reg_, k_.next_id(ObjKind::Mount));
    mnt->ns = ns;
    mnt->mountpoint = m.mountpoint;
    mnt->origin = mnt->id();
    if (ns->nsfs_users++ == 0) ns->get();
    static_cast<MntNamespace*>(mnt_ns)->mounts.push_back(mnt);
    if (!k_.run_file_exists(m.mountpoint)) k_.run_files_.push_back(m.mountpoint);
  }
  return {};
}

// Namespaces made here still hold their creation reference. Where some model
// object also holds one, it goes; where none does, it becomes an external pin.
void Restorer::pin_unheld(Restored& out) {
  size_t pins = 0;
  for (NsCommon* ns : created_) {
    if (ns->refs() > 1) {
      (void)ns->put();
      continue;
    }
    const RestoreNs& n = *snap_ns_.at(ns->inum);
    k_.external_pins_.emplace_back(
        ns, n.external.empty() ? std::string("a holder the snapshot could not see") : n.external);
    ++pins;
  }
  if (pins)
    out.notes.push_back(fmt::format("{} namespace(s) kept by holders the model does not have (external pins)", pins));
}

std::optional<std::string> Restorer::run(Restored& out) {
  if (auto e = index()) return e;
  if (auto e = make_tasks(out)) return e;
  if (auto e = make_files(out)) return e;
  // Namespaces no task, fd or mount refers to (e.g. an owner only).
  for (auto& n : in_.namespaces) {
    NsCommon* ns;
    if (above_root_.count(n.inum) && !model_ns_.count(n.inum)) continue;
    if (auto e = make_ns(n.inum, ns)) return e;
  }
  // Counted among the listed ones (a parent the snapshot does not list is not left out: it was never in).
  size_t above = std::count_if(above_root_.begin(), above_root_.end(), [&](uint32_t i) { return snap_ns_.count(i); });
  if (above)
    out.notes.push_back(
        fmt::format("{} namespace(s) above pid 1's pid/user namespace not restored (the model's root "
                    "has no parent)",
                    above));
  // Mount namespace order (mnt_ns_loop()): the kernel's ns_id where known,
  // else inum order after them; new ones come after all.
  uint64_t seq = 0;
  for (auto& [inum, ns] : model_ns_)
    if (ns->type == NsType::Mnt) seq = std::max(seq, static_cast<MntNamespace*>(ns)->seq);
  for (auto& [inum, ns] : model_ns_)
    if (ns->type == NsType::Mnt && static_cast<MntNamespace*>(ns)->seq == 0) static_cast<MntNamespace*>(ns)->seq = ++seq;
  k_.mnt_seq_ = std::max(k_.mnt_seq_, seq);
  // Namespace ids made after the restore come after every restored one.
  for (auto& [inum, ns] : model_ns_) k_.ns_id_cookie_ = std::max(k_.ns_id_cookie_, ns->ns_id);
  // The allocator: every number up to the largest restored inum counts as used
  // (the holes belong to procfs entries the model does not have).
  uint32_t max_inum = 0;
  for (auto& [inum, ns] : model_ns_) max_inum = std::max(max_inum, inum);
  if (max_inum >= PROC_DYNAMIC_FIRST)
    for (uint32_t i = PROC_DYNAMIC_FIRST; i <= max_inum; ++i) mark_inum(i);
  k_.inum_hint_ = 0;
  pin_unheld(out);
  return {};
}

std::expected<Restored, std::string> restore_kernel(const RestoreInput& in, Kernel::Config cfg) {
  cfg.root_pid_level = in.root_pid_level;
  Restored out;
  out.kernel = std::make_unique<Kernel>(std::move(cfg));
  out.kernel->trace.on = false;
  Restorer r(in, *out.kernel);
  if (auto e = r.run(out)) return std::unexpected(*e);
  return out;
}

}  // namespace nssim
