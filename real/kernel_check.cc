#include "real/kernel_check.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include "real/kernel_introspect.h"

namespace nssim::real {
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
      // The f_cred of the files its mm maps (sim/exec.cc).
      if (t->mm)
        for (const File* f : t->mm->files)
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
    flush_lazy_tlb_mms();  // an exited task's mm can outlive it on an idle CPU
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
  // nsproxy identity and count of every live scenario task, found by its
  // thread id in nssim's pid namespace (what the BPF task records show).
  // Sharing is compared as a bijection model nsproxy <-> kernel nsproxy,
  // built in one pass over the model's tasks: the model's and the kernel's
  // partitions of the tasks by nsproxy are equal iff no task maps a model
  // nsproxy (or a kernel one) to a second partner. O(tasks), not O(pairs).
  std::unordered_map<int, const KTaskNs*> by_tid;
  by_tid.reserve(k->tasks.size());
  for (auto& t : k->tasks) by_tid.emplace(t.pid, &t);
  struct Seen {
    uint64_t kernel;
    const NsProxy* model;
    const std::string* first;  // the first task seen with it
  };
  std::unordered_map<const NsProxy*, Seen> by_model;
  std::unordered_map<uint64_t, Seen> by_kernel;
  int tasks = 0, counts = 0;
  for (const TaskObs& mo : r.obs.tasks) {
    if (mo.state == TaskState::Reaped) continue;
    const Task* mt = runner.sim().task(mo.name);
    if (!mt || mt->state == TaskState::Reaped) continue;
    auto it = by_tid.find(real_.ctltid_of(mo.name));
    if (it == by_tid.end()) continue;
    const NsProxy* ma = mt->nsproxy;
    const KTaskNs* ka = it->second;
    const std::string& a = mo.name;
    if ((ma != nullptr) != (ka->nsproxy_id != 0)) {
      out.push_back(fmt::format("kernel structures: {} has {} nsproxy in the model, {} on the kernel", a,
                                ma ? "an" : "no", ka->nsproxy_id ? "one" : "none"));
      continue;
    }
    if (!ma) continue;
    ++counts;
    if (ma->count() != ka->nsproxy_count)
      out.push_back(fmt::format("kernel structures: {}.nsproxy.count: model {}, kernel {}", a, ma->count(),
                                ka->nsproxy_count));
    ++tasks;
    auto [mi, mnew] = by_model.try_emplace(ma, Seen{ka->nsproxy_id, ma, &a});
    auto [ki, knew] = by_kernel.try_emplace(ka->nsproxy_id, Seen{ka->nsproxy_id, ma, &a});
    if (mi->second.kernel != ka->nsproxy_id)
      out.push_back(fmt::format("kernel structures: {}.nsproxy == {}.nsproxy in the model, != on the kernel",
                                *mi->second.first, a));
    else if (ki->second.model != ma)
      out.push_back(fmt::format("kernel structures: {}.nsproxy != {}.nsproxy in the model, == on the kernel",
                                *ki->second.first, a));
  }
  if (out.empty() || last_try) {
    for (auto& [t, v] : now) prev_[t] = v;
    compared_ += static_cast<int>(now.size());
    tasks_ += tasks;
    counts_ += counts;
  }
  return out;
}

}  // namespace nssim::real
