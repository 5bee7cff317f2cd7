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

uint32_t inum_of(const Observation& o, uint64_t token) {
  for (auto& t : o.tasks)
    for (int i = 0; i < kLinks; ++i)
      if (t.ns[i] == token) return t.inum[i];
  return 0;
}

}  // namespace nssim
