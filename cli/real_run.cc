#include "cli/real_run.h"

#include <fmt/format.h>

#include "sim/runner.h"

namespace nssim::cli {

std::optional<RealPeer> start_real_peer(const Scenario& sc, int step_timeout_ms, bool paranoid) {
  real::RealBackend::Options ro;
  ro.paranoid = paranoid;
  ro.init_name = sc.init_name;
  ro.step_timeout_ms = step_timeout_ms;
  ro.cgroup = uses_cgroups(sc);
  std::string why;
  RealPeer p;
  p.backend = real::RealBackend::create(ro, why);
  if (!p.backend) {
    fmt::print(stderr, "nssim: cannot run on the live kernel: {}\n", why);
    return std::nullopt;
  }
  p.config = Runner::config_for(sc);
  Runner::adopt_environment(*p.backend, p.config);
  p.note = p.backend->describe();
  p.not_checked = p.backend->notes();
  return p;
}

std::string not_checked_lines(const RealPeer& p) {
  std::string s;
  for (auto& n : p.not_checked) s += "\nlive kernel: " + n;
  return s;
}

}  // namespace nssim::cli
