#include "real/kernel_check.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "real/kernel_introspect.h"

namespace nssim::real {
namespace {
// NSpid of a host pid: its pid in every pid namespace from the host's down.
std::vector<uint32_t> nspid_of(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string l;
  std::vector<uint32_t> v;
  while (std::getline(f, l))
    if (l.rfind("NSpid:", 0) == 0) {
      std::istringstream is(l.substr(6));
      for (uint32_t x; is >> x;) v.push_back(x);
    }
  return v;
}
}  // namespace

std::string KernelStructureCheck::unavailable_reason() { return bpf_unavailable_reason(); }

int64_t KernelStructureCheck::expected_kernel_refs(const Kernel& k, const NsCommon* ns) {
  int64_t refs = ns->refs();
  // The sandbox's own uts, mnt and pid namespaces: the controller pins them
  // with an nsfs fd, so their nsfs inode always exists on the kernel; in the
  // model, the boot reference stands for the pin and the inode comes and goes.
  if (ns->initial && ns->nsfs_users > 0) refs -= 1;
  if (ns->type == NsType::User) {
    // kernel/ucount.c: alloc_ucounts() @ v6.18: one struct ucounts per
    // (namespace, uid) in use, each holding the namespace. Users: every cred
    // (set_cred_ucounts(): keyed by the real uid, not the euid — found by a
    // tester with setresuid()) of tasks and open files; every namespace this
    // one owns (ns->ucounts = inc_ucount(owner, creator's euid)); every child
    // user namespace (inc_user_namespaces(parent, owner)).
    std::set<uint32_t> uids;
    for (size_t i = 0; i < k.task_slots(); ++i) {
      const Task* t = k.task(static_cast<uint32_t>(i));
      if (!t) continue;
      if (t->cred && t->cred->user_ns == ns) uids.insert(t->cred->uid);
      if (t->files)
        for (const File* f : t->files->fdt)
          if (f && f->f_cred && f->f_cred->user_ns == ns) uids.insert(f->f_cred->uid);
    }
    for (auto& rec : k.ns_records()) {
      if (!rec.ns || rec.ns->initial) continue;
      if (rec.type == NsType::User) {
        const auto* u = static_cast<const UserNamespace*>(rec.ns);
        if (u->parent == ns) uids.insert(u->owner);
      } else if (rec.ns->user_ns == ns) {
        uids.insert(rec.ns->ucounts_euid);
      }
    }
    refs += static_cast<int64_t>(uids.size());
    // ipc/mqueue.c: mq_create_mount(): the mqueue superblock of every ipc
    // namespace holds its owner.
    for (auto& rec : k.ns_records())
      if (rec.ns && rec.type == NsType::Ipc && rec.ns->user_ns == ns) refs += 1;
  }
  return refs;
}

std::vector<std::string> KernelStructureCheck::check(const Runner& runner, const StepRecord& r, int settle_ms) {
  if (r.kind != StepRecord::Call || !r.peer_obs) return {};
  for (int waited = 0;; waited += 10) {
    bool last = waited >= settle_ms;
    auto out = check_once(runner, r, last);
    if (out.empty() || last) return out;
    usleep(10000);  // creds and struct pids are freed after an RCU grace period
  }
}

std::vector<std::string> KernelStructureCheck::check_once(const Runner& runner, const StepRecord& r, bool last_try) {
  std::vector<std::string> out;
  std::string err;
  auto k = bpf_snapshot(err, false);
  if (!k) return {"kernel structures: BPF: " + err};
  const Kernel& mk = runner.sim().kernel();
  std::map<uint64_t, const KNs*> by_id;
  for (auto& n : k->namespaces) by_id[n.ns_id] = &n;
  std::map<uint64_t, Refs> now;
  for (auto& [mtok, ktok] : runner.differ().mapping()) {
    if (mtok >= mk.ns_records().size()) continue;
    const NsCommon* ns = mk.ns_records()[mtok].ns;
    if (!ns) continue;
    // The host's own namespaces move with everything else on the machine.
    if (ns->initial && ns->type != NsType::Uts && ns->type != NsType::Mnt && ns->type != NsType::Pid) continue;
    auto it = by_id.find(ktok);
    if (it == by_id.end() || it->second->refs == kRefsUnknown) continue;
    Refs cur{expected_kernel_refs(mk, ns), static_cast<int64_t>(it->second->refs)};
    now[mtok] = cur;
    auto o = prev_.find(mtok);
    if (o == prev_.end()) continue;
    int64_t dm = cur.model - o->second.model, dk = cur.kernel - o->second.kernel;
    if (dm != dk)
      out.push_back(fmt::format("kernel structures: {} refcount changed by {:+} in the model (corrected as "
                                "docs/introspection.md says), by {:+} on the kernel (now {})",
                                mk.ns_str(ns), dm, dk, cur.kernel));
  }
  // nsproxy identity and count of every live scenario task, found by NSpid.
  std::set<int> mine;
  for (int p : real_.host_pids()) mine.insert(p);
  std::map<std::vector<uint32_t>, const KTaskNs*> by_nspid;
  for (auto& t : k->tasks)
    if (mine.count(t.pid)) {
      auto v = nspid_of(t.pid);
      if (v.size() >= 2) by_nspid[std::vector<uint32_t>(v.begin() + 1, v.end())] = &t;
    }
  std::vector<std::tuple<std::string, const NsProxy*, const KTaskNs*>> live;
  for (auto& name : runner.sim().names()) {
    const Task* mt = runner.sim().task(name);
    const TaskObs* kt = r.peer_obs->find(name);
    if (!mt || !kt || kt->nspid.empty() || mt->state == TaskState::Reaped) continue;
    auto it = by_nspid.find(kt->nspid);
    if (it == by_nspid.end()) continue;
    live.emplace_back(name, mt->nsproxy, it->second);
  }
  int pairs = 0, counts = 0;
  for (size_t i = 0; i < live.size(); ++i) {
    auto& [a, ma, ka] = live[i];
    if ((ma != nullptr) != (ka->nsproxy_id != 0)) {
      out.push_back(fmt::format("kernel structures: {} has {} nsproxy in the model, {} on the kernel", a,
                                ma ? "an" : "no", ka->nsproxy_id ? "one" : "none"));
    } else if (ma) {
      ++counts;
      if (ma->count() != ka->nsproxy_count)
        out.push_back(fmt::format("kernel structures: {}.nsproxy.count: model {}, kernel {}", a, ma->count(),
                                  ka->nsproxy_count));
    }
    for (size_t j = i + 1; j < live.size(); ++j) {
      auto& [b, mb, kb] = live[j];
      if (!ma || !mb || !ka->nsproxy_id || !kb->nsproxy_id) continue;
      ++pairs;
      if ((ma == mb) != (ka->nsproxy_id == kb->nsproxy_id))
        out.push_back(fmt::format("kernel structures: {}.nsproxy {} {}.nsproxy in the model, {} on the kernel", a,
                                  ma == mb ? "==" : "!=", b, ka->nsproxy_id == kb->nsproxy_id ? "==" : "!="));
    }
  }
  if (out.empty() || last_try) {
    for (auto& [t, v] : now) prev_[t] = v;
    compared_ += static_cast<int>(now.size());
    pairs_ += pairs;
    counts_ += counts;
  }
  return out;
}

}  // namespace nssim::real
