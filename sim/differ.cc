#include "sim/differ.h"

#include <fmt/format.h>

namespace nssim {

std::string describe_mismatch(const std::string& task, Link l, const TaskObs& m, const TaskObs& k, int i) {
  auto show = [&](const TaskObs& t) {
    return t.ns[i] ? fmt::format("{}:[{}]", ns_type_name(link_type(l)), t.inum[i]) : std::string("none (cannot be opened)");
  };
  return fmt::format("{}.{}: the model has {}, the kernel has {}", task, link_name(l), show(m), show(k));
}

std::string describe_split(const std::string& task, Link l, uint32_t model_inum, uint64_t kernel_before,
                           uint64_t kernel_now) {
  auto t = ns_type_name(link_type(l));
  return fmt::format("{}.{}: the model's {}:[{}] is kernel {}:[{}] elsewhere, but {}'s {} link is kernel {}:[{}]",
                     task, link_name(l), t, model_inum, t, kernel_before, task, link_name(l), t, kernel_now);
}

std::string describe_merge(const std::string& task, Link l, uint32_t model_inum, uint64_t kernel_inum,
                           uint32_t other_model_inum) {
  auto t = ns_type_name(link_type(l));
  return fmt::format("{}.{}: kernel {}:[{}] is both the model's {}:[{}] and the model's {}:[{}] (the kernel shares "
                     "a namespace the model keeps apart)",
                     task, link_name(l), t, kernel_inum, t, model_inum, t, other_model_inum);
}

uint32_t inum_of_serial(const Observation& model, uint64_t token) {
  for (auto& l : model.liveness)
    if (l.token == token) return l.inum;
  return inum_of(model, token);
}

void compare_creds(const TaskObs& m, const TaskObs& k, std::vector<std::string>& out) {
  auto ids = [](const std::array<uint32_t, 4>& v) { return fmt::format("{} {} {} {}", v[0], v[1], v[2], v[3]); };
  if (m.uids != k.uids)
    out.push_back(fmt::format("{}: uids (real effective saved fs, as kernel ids) {} in the model, {} in the kernel",
                              m.name, ids(m.uids), ids(k.uids)));
  if (m.gids != k.gids)
    out.push_back(fmt::format("{}: gids {} in the model, {} in the kernel", m.name, ids(m.gids), ids(k.gids)));
  static constexpr const char* kCapSetNames[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
  for (size_t i = 0; i < m.caps.size(); ++i)
    if (m.caps[i] != k.caps[i])
      out.push_back(fmt::format("{}: {} {} in the model, {} in the kernel", m.name, kCapSetNames[i],
                                cap_set_str(m.caps[i]), cap_set_str(k.caps[i])));
  auto show = [](const std::string& s) { return s.empty() ? std::string("(unwritten)") : "\"" + s + "\""; };
  if (m.uid_map != k.uid_map)
    out.push_back(fmt::format("{}: uid_map {} in the model, {} in the kernel", m.name, show(m.uid_map), show(k.uid_map)));
  if (m.gid_map != k.gid_map)
    out.push_back(fmt::format("{}: gid_map {} in the model, {} in the kernel", m.name, show(m.gid_map), show(k.gid_map)));
  if (m.cgroup && k.cgroup && *m.cgroup != *k.cgroup)
    out.push_back(fmt::format("{}: cgroup \"{}\" in the model, \"{}\" in the kernel (/proc/thread-self/cgroup)", m.name,
                              *m.cgroup, *k.cgroup));
  if (m.hostname && k.hostname && *m.hostname != *k.hostname)
    out.push_back(fmt::format("{}: hostname \"{}\" in the model, \"{}\" in the kernel", m.name, *m.hostname, *k.hostname));
  if (m.in_vfork != k.in_vfork)
    out.push_back(fmt::format("{}: {} in the model, {} in the kernel", m.name,
                              m.in_vfork ? "asleep in vfork()" : "back from vfork()",
                              k.in_vfork ? "asleep in vfork()" : "back from vfork()"));
}

void compare_fds(const TaskObs& m, const TaskObs& k, std::vector<std::string>& out,
                 const std::function<bool(uint64_t, uint64_t)>& same_ns) {
  auto show = [](const TaskObs::Fd& f) {
    switch (f.kind) {
      case TaskObs::Fd::Ns: return fmt::format("fd {} -> {}:[{}]", f.fd, ns_type_name(f.type), f.inum);
      case TaskObs::Fd::Pidfd: return fmt::format("fd {} -> a pidfd", f.fd);
      case TaskObs::Fd::Socket: return fmt::format("fd {} -> a socket", f.fd);
      default: return fmt::format("fd {} -> a plain file", f.fd);
    }
  };
  size_t i = 0, j = 0;
  while (i < m.fds.size() || j < k.fds.size()) {
    const TaskObs::Fd* a = i < m.fds.size() ? &m.fds[i] : nullptr;
    const TaskObs::Fd* b = j < k.fds.size() ? &k.fds[j] : nullptr;
    if (a && (!b || a->fd < b->fd)) {
      out.push_back(fmt::format("{}: {} in the model, not open in the kernel", m.name, show(*a)));
      ++i;
    } else if (b && (!a || b->fd < a->fd)) {
      out.push_back(fmt::format("{}: {} in the kernel, not open in the model", m.name, show(*b)));
      ++j;
    } else {
      if (a->kind != b->kind || (a->kind == TaskObs::Fd::Ns && (a->type != b->type || !same_ns(a->token, b->token))))
        out.push_back(fmt::format("{}: {} in the model but {} in the kernel", m.name, show(*a), show(*b)));
      ++i, ++j;
    }
  }
}

std::string describe_liveness(const NsLiveness& k, uint32_t model_inum, bool model_alive) {
  auto t = ns_type_name(k.type);
  return fmt::format("{}:[{}] (kernel {}:[{}]) is {} in the model but {} in the kernel", t, model_inum, t, k.inum,
                     model_alive ? "alive" : "freed", k.alive ? "alive" : "freed");
}

uint32_t inum_of(const Observation& o, uint64_t token) {
  for (auto& t : o.tasks)
    for (int i = 0; i < kLinks; ++i)
      if (t.ns[i] == token) return t.inum[i];
  return 0;
}

}  // namespace nssim
