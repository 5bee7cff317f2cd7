#include "pictures/snapshot_graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "sim/kernel.h"

namespace nssim::cli {

namespace {

using real::SnapHolder;

// The /proc link of each nsproxy slot, in kSlotInfo order.
constexpr Link kSlotLink[kSlots] = {
    Link::Uts, Link::Ipc, Link::Mnt, Link::PidForChildren, Link::Net, Link::Time, Link::TimeForChildren, Link::Cgroup};

uint32_t link_of(const real::SnapTask& t, Link l) { return t.ns[static_cast<int>(l)]; }

// include/linux/proc_ns.h: the inode numbers of the boot namespaces (net and
// mnt from v6.18; dynamic inode numbers start at 0xF0000000, so these are
// never anything else).
bool fixed_initial(NsType t, uint32_t inum) {
  switch (t) {
    case NsType::Ipc:
      return inum == PROC_IPC_INIT_INO;
    case NsType::Uts:
      return inum == PROC_UTS_INIT_INO;
    case NsType::User:
      return inum == PROC_USER_INIT_INO;
    case NsType::Pid:
      return inum == PROC_PID_INIT_INO;
    case NsType::Cgroup:
      return inum == PROC_CGROUP_INIT_INO;
    case NsType::Time:
      return inum == PROC_TIME_INIT_INO;
    case NsType::Net:
      return inum == NET_NS_INIT_INO;
    case NsType::Mnt:
      return inum == MNT_NS_INIT_INO;
  }
  return false;
}

std::string state_word(char c) {
  switch (c) {
    case 'R':
      return "running";
    case 'S':
      return "sleeping";
    case 'D':
      return "disk sleep";
    case 'T':
      return "stopped";
    case 't':
      return "tracing stop";
    case 'Z':
      return "zombie";
    case 'X':
      return "dead";
    case 'I':
      return "idle";
    default:
      return std::string("state ") + c;
  }
}

}  // namespace

ModelSnapshot model_snapshot_of(const real::Snapshot& s) {
  ModelSnapshot m;
  std::set<uint32_t> present;
  for (auto& n : s.namespaces) present.insert(n.inum);
  auto known = [&](uint32_t inum) -> std::optional<uint32_t> {
    if (inum && present.count(inum)) return inum;
    return std::nullopt;
  };

  // ---- nsproxies: the kernel's (BPF), or tasks with the same slot links ----
  std::map<int, const real::SnapTask*> by_tid;
  for (auto& t : s.tasks) by_tid.emplace(t.tid, &t);
  std::map<uint64_t, uint32_t> number;                         // BPF nsproxy id -> nsproxy#N
  std::map<std::array<uint32_t, kSlots>, uint32_t> link_sets;  // without BPF: links -> links#N
  auto slots_of = [](const real::SnapTask& t) {
    std::array<uint32_t, kSlots> a{};
    for (int i = 0; i < kSlots; ++i) a[i] = link_of(t, kSlotLink[i]);
    return a;
  };
  if (s.bpf) {
    // Numbered by the lowest tid the /proc scan saw using it, then BPF's tids, then the id.
    std::vector<std::tuple<int, int, uint64_t, const real::SnapNsProxy*>> order;
    for (auto& p : s.nsproxies) {
      int lowest_seen = INT32_MAX, lowest_bpf = INT32_MAX;
      for (auto& t : s.tasks)
        if (t.nsproxy == p.id) lowest_seen = std::min(lowest_seen, t.tid);
      for (int tid : p.tids) lowest_bpf = std::min(lowest_bpf, tid);
      order.emplace_back(lowest_seen, lowest_bpf, p.id, &p);
    }
    std::sort(order.begin(), order.end());
    for (auto& [a, b, id, p] : order) {
      ModelSnapshot::ProxyV v;
      v.id = static_cast<uint32_t>(m.nsproxies.size() + 1);
      v.count = p->count;
      for (int i = 0; i < kSlots; ++i) v.slot[i] = known(p->slots[i]).value_or(0);
      number[id] = v.id;
      m.nsproxies.push_back(v);
    }
  } else {
    // Numbered by their lowest tid (tasks are visited in tid order).
    std::vector<const real::SnapTask*> sorted;
    for (auto& [tid, t] : by_tid) sorted.push_back(t);
    for (const real::SnapTask* t : sorted) {
      auto a = slots_of(*t);
      if (std::all_of(a.begin(), a.end(), [](uint32_t x) { return x == 0; })) continue;  // a zombie: no links
      auto [it, fresh] = link_sets.try_emplace(a, static_cast<uint32_t>(m.nsproxies.size() + 1));
      if (fresh) {
        ModelSnapshot::ProxyV v;
        v.id = it->second;
        v.inferred = true;
        for (int i = 0; i < kSlots; ++i) v.slot[i] = known(a[i]).value_or(0);
        m.nsproxies.push_back(v);
      }
      ++m.nsproxies[it->second - 1].count;  // the tasks seen with these links
    }
  }

  // ---- tasks, one per thread ----
  const real::SnapTask* kthreadd = nullptr;
  for (auto& [tid, tp] : by_tid) {
    const real::SnapTask& t = *tp;
    if (t.kthread && t.comm == "kthreadd" && !kthreadd) kthreadd = &t;
    ModelSnapshot::TaskV v;
    v.id = static_cast<uint32_t>(t.tid);
    v.comm = t.comm;
    v.state = t.state == 'Z' ? TaskState::Zombie : t.state == 'X' ? TaskState::Exiting : TaskState::Running;
    v.nspid = {static_cast<uint32_t>(t.pid)};
    v.detail = t.tid == t.pid ? fmt::format("pid {}", t.pid) : fmt::format("tid {} of pid {}", t.tid, t.pid);
    v.state_text = state_word(t.state);
    v.detail += " · " + v.state_text;
    if (t.kthread) v.detail += " · kernel thread";
    if (s.bpf) {
      if (auto it = number.find(t.nsproxy); t.nsproxy && it != number.end()) v.nsproxy = it->second;
    } else if (auto it = link_sets.find(slots_of(t)); it != link_sets.end()) {
      v.nsproxy = it->second;
    }
    v.user_ns = known(link_of(t, Link::User));
    v.pid_ns = known(link_of(t, Link::Pid));
    m.tasks.push_back(std::move(v));
  }

  // ---- namespaces ----
  std::set<uint32_t> boot;
  if (kthreadd)
    for (uint32_t inum : kthreadd->ns)
      if (inum) boot.insert(inum);
  std::map<uint64_t, uint32_t> proxy_number = number;
  for (auto& n : s.namespaces) {
    ModelSnapshot::NsV v;
    v.serial = n.inum;
    v.type = n.type;
    v.inum = n.inum;
    v.refs = n.refs.value_or(0);
    v.refs_known = n.refs.has_value();
    v.initial = boot.count(n.inum) || fixed_initial(n.type, n.inum);
    if (n.type == NsType::User) {
      v.owner = v.parent = known(n.parent ? n.parent : n.owner);
    } else {
      v.owner = known(n.owner);
      if (n.type == NsType::Pid) v.parent = known(n.parent);
    }
    if (s.bpf && (n.type == NsType::Pid || n.type == NsType::User)) v.level = n.level;
    if (n.nprocs == 0) {
      // Why it is alive: every holder, as the snapshot found them.
      v.notes.push_back("no process in it");
      std::vector<std::string> held;
      for (auto& h : n.holders) {
        if (h.kind == SnapHolder::Kind::Nsproxy) {
          auto it = proxy_number.find(h.nsproxy);
          std::string who = h.comm.empty() ? fmt::format("pid {}", h.pid) : fmt::format("pid {} ({})", h.pid, h.comm);
          held.push_back(it != proxy_number.end() ? fmt::format("a slot of nsproxy#{} of {}", it->second, who)
                                                  : h.text());
        } else {
          held.push_back(h.text());
        }
      }
      std::sort(held.begin(), held.end());
      constexpr size_t kShow = 5;
      for (size_t i = 0; i < held.size() && i < kShow; ++i) v.notes.push_back((i ? "" : "held by: ") + held[i]);
      if (held.size() > kShow) v.notes.push_back(fmt::format("and {} more", held.size() - kShow));
      if (held.empty() && !n.why.empty()) v.notes.push_back(n.why);
      // The files BPF found that /proc does not name: edges from their process.
      for (auto& h : n.holders) {
        const char* what = h.kind == SnapHolder::Kind::Pidfd      ? "pidfd {}"
                           : h.kind == SnapHolder::Kind::Socket   ? "socket fd {}"
                           : h.kind == SnapHolder::Kind::FileCred ? "f_cred of fd {}"
                                                                  : nullptr;
        if (!what || !by_tid.count(h.pid)) continue;
        m.others.push_back({static_cast<uint32_t>(h.pid), h.fd, n.inum, fmt::format(fmt::runtime(what), h.fd),
                            h.kind == SnapHolder::Kind::Pidfd});
      }
    }
    m.namespaces.push_back(std::move(v));
  }
  std::sort(m.namespaces.begin(), m.namespaces.end(), [](auto& a, auto& b) { return a.serial < b.serial; });
  std::sort(m.others.begin(), m.others.end(), [](auto& a, auto& b) {
    return std::tie(a.task, a.fd, a.ns, a.label) < std::tie(b.task, b.fd, b.ns, b.label);
  });

  // ---- pins: nsfs fds (from the process's leader) and bind mounts ----
  for (auto& f : s.fds) {
    if (!by_tid.count(f.pid) || !known(f.inum)) continue;
    m.fds.push_back({static_cast<uint32_t>(f.pid), f.fd, f.inum, {}});
  }
  std::sort(m.fds.begin(), m.fds.end(),
            [](auto& a, auto& b) { return std::tie(a.task, a.fd, a.ns) < std::tie(b.task, b.fd, b.ns); });
  m.fds.erase(std::unique(m.fds.begin(), m.fds.end(),
                          [](auto& a, auto& b) { return a.task == b.task && a.fd == b.fd && a.ns == b.ns; }),
              m.fds.end());
  std::vector<std::tuple<uint32_t, std::string, uint32_t>> mounts;
  for (auto& mt : s.mounts)
    if (known(mt.mnt_ns) && known(mt.inum)) mounts.emplace_back(mt.mnt_ns, mt.mountpoint, mt.inum);
  std::sort(mounts.begin(), mounts.end());
  mounts.erase(std::unique(mounts.begin(), mounts.end()), mounts.end());
  for (auto& [mnt_ns, path, inum] : mounts)
    m.mounts.push_back({static_cast<uint32_t>(m.mounts.size()), mnt_ns, inum, path});
  return m;
}

void snapshot_caption(const real::Snapshot& s, DrawOptions& opt) {
  size_t procs = 0;
  for (auto& t : s.tasks) procs += t.tid == t.pid;
  std::string what = fmt::format("{} processes ({} tasks) · {} namespaces", procs, s.tasks.size(), s.namespaces.size());
  if (s.bpf)
    what += fmt::format(" · {} nsproxies", s.nsproxies.size());
  else
    what += " · no BPF (" + s.bpf_note + "): nsproxies and refcounts unknown";
  opt.subtitle = fmt::format("snapshot{} · {}", s.kernel.empty() ? "" : " · kernel " + s.kernel, what);
  opt.caption_lines = s.notes;
  opt.legend_lines = {
      std::string(s.bpf ? "task → nsproxy (read with BPF) → namespaces"
                        : "task → links#N (tasks with the same nsproxy-slot links) → namespaces") +
          " (one colour per type) · dashed: owner user namespace · dotted: a task's user and pid links",
      "bold: what pins a namespace (fd, bind mount; for a namespace no process is in, also pidfd, socket, "
      "f_cred) · 'no process in it': why it is alive · double border: several objects drawn as one"};
}

Graph build_snapshot_graph(const real::Snapshot& s, DrawOptions opt) {
  snapshot_caption(s, opt);
  ModelSnapshot m = model_snapshot_of(s);
  return build_graph(m, nullptr, opt);
}

}  // namespace nssim::cli
