// Compares what two backends show (normally the model and the live kernel):
// the same identity partition of every task's ten links, the same nullness,
// task states and pid numbers. Namespaces are matched by a persistent
// mapping model-namespace <-> kernel inode, so a namespace that changes
// identity, or two namespaces the kernel merges, is reported.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim/backend.h"

namespace nssim {

class Differ {
 public:
  // `alive(token)` tells whether a model namespace still exists (a dead one's
  // kernel inode may be reused by a new namespace); `model_inum(token)` its
  // inode number, also once freed (the model's observation lists only what
  // is live or freed in this step). Tasks are those the model lists (live,
  // or reaped in this step): a task the kernel side still lists after the
  // model reaped it in an earlier step was reported in that step.
  template <class AliveFn, class InumFn>
  std::vector<std::string> compare(const Observation& model, const Observation& kernel, AliveFn alive,
                                   InumFn model_inum);

  // model token -> kernel inode, for display ("net:[4026532000] = kernel net:[4026532417]").
  const std::map<uint64_t, uint64_t>& mapping() const { return m2k_; }

 private:
  std::map<uint64_t, uint64_t> m2k_;
  std::map<uint64_t, uint64_t> k2m_;
};

std::string describe_mismatch(const std::string& task, Link l, const TaskObs& m, const TaskObs& k, int i);
// One model namespace seen as two kernel namespaces.
std::string describe_split(const std::string& task, Link l, uint32_t model_inum, uint64_t kernel_before,
                           uint64_t kernel_now);
// Two live model namespaces seen as one kernel namespace.
std::string describe_merge(const std::string& task, Link l, uint32_t model_inum, uint64_t kernel_inum,
                           uint32_t other_model_inum);
// The inode number the model shows for a token, from any task's links (0 if none).
uint32_t inum_of(const Observation& o, uint64_t token);
uint32_t inum_of_serial(const Observation& model, uint64_t token);
// Credentials, id maps and hostname of one task.
void compare_creds(const TaskObs& m, const TaskObs& k, std::vector<std::string>& out);
std::string describe_liveness(const NsLiveness& k, uint32_t model_inum, bool model_alive);
// The fd tables (numbers 3..999): same numbers, same kinds, same namespaces.
void compare_fds(const TaskObs& m, const TaskObs& k, std::vector<std::string>& out,
                 const std::function<bool(uint64_t, uint64_t)>& same_ns);

template <class AliveFn, class InumFn>
std::vector<std::string> Differ::compare(const Observation& model, const Observation& kernel, AliveFn alive,
                                         InumFn model_inum) {
  std::vector<std::string> out;
  // Names looked up once each: O(tasks listed), not O(tasks^2) with Observation::find().
  std::unordered_map<std::string_view, const TaskObs*> by_name;
  by_name.reserve(kernel.tasks.size());
  for (const TaskObs& t : kernel.tasks) by_name.emplace(t.name, &t);  // the first of a name, as find() does
  for (const TaskObs& mt : model.tasks) {
    auto kit = by_name.find(mt.name);
    const TaskObs* kt = kit == by_name.end() ? nullptr : kit->second;
    if (!kt) {
      out.push_back(mt.name + ": unknown to the kernel backend");
      continue;
    }
    if (mt.state != kt->state) {
      out.push_back(mt.name + ": state " + task_state_name(mt.state) + " in the model, " +
                    task_state_name(kt->state) + " in the kernel");
      continue;
    }
    if (mt.state == TaskState::Reaped) continue;
    if (!kt->nspid.empty() && mt.nspid != kt->nspid) {
      auto show = [](const std::vector<uint32_t>& v) {
        std::string s;
        for (uint32_t p : v) s += (s.empty() ? "" : " ") + std::to_string(p);
        return s.empty() ? std::string("-") : s;
      };
      out.push_back(mt.name + ": NSpid " + show(mt.nspid) + " in the model, " + show(kt->nspid) + " in the kernel");
    }
    for (int i = 0; i < kLinks; ++i) {
      const auto& ms = mt.ns[i];
      const auto& ks = kt->ns[i];
      if (ms.has_value() != ks.has_value()) {
        out.push_back(describe_mismatch(mt.name, kAllLinks[i], mt, *kt, i));
        continue;
      }
      if (!ms) continue;
      auto a = m2k_.find(*ms);
      auto b = k2m_.find(*ks);
      if (a != m2k_.end() && a->second != *ks) {
        out.push_back(describe_split(mt.name, kAllLinks[i], mt.inum[i], a->second, kt->inum[i]));
        continue;
      }
      if (b != k2m_.end() && b->second != *ms && alive(b->second)) {
        out.push_back(describe_merge(mt.name, kAllLinks[i], mt.inum[i], kt->inum[i], model_inum(b->second)));
        continue;
      }
      if (b != k2m_.end() && b->second != *ms) m2k_.erase(b->second);  // kernel inode reused
      m2k_[*ms] = *ks;
      k2m_[*ks] = *ms;
    }
    compare_creds(mt, *kt, out);
    compare_fds(mt, *kt, out, [&](uint64_t m_token, uint64_t k_token) {
      auto a = m2k_.find(m_token);
      if (a != m2k_.end()) return a->second == k_token;
      auto b = k2m_.find(k_token);
      if (b != k2m_.end() && alive(b->second)) return false;
      m2k_[m_token] = k_token;  // first sighting, through an fd
      k2m_[k_token] = m_token;
      return true;
    });
  }
  // Liveness of every namespace the kernel backend has seen, against the
  // model namespace it was matched with.
  if (kernel.has_liveness) {
    for (const NsLiveness& kl : kernel.liveness) {
      auto it = k2m_.find(kl.token);
      if (it == k2m_.end()) continue;
      bool m_alive = alive(it->second);
      if (m_alive != kl.alive)
        out.push_back(describe_liveness(kl, model_inum(it->second), m_alive));
    }
  }
  return out;
}

}  // namespace nssim
