#include "cli/real_run.h"

#include <fmt/format.h>

#include "sim/runner.h"

namespace nssim::cli {

std::optional<RealPeer> start_real_peer(const Scenario& sc, int step_timeout_ms, bool paranoid) {
  real::RealBackend::Options ro;
  ro.paranoid = paranoid;
  ro.init_name = sc.init_name;
  ro.step_timeout_ms = step_timeout_ms;
  std::string why;
  RealPeer p;
  p.backend = real::RealBackend::create(ro, why);
  if (!p.backend) {
    fmt::print(stderr, "nssim: cannot run on the live kernel: {}\n", why);
    return std::nullopt;
  }
  p.config = Runner::config_for(sc);
  Runner::adopt_environment(*p.backend, p.config);
  // The live kernel decides which rules the model follows.
  std::string release = p.backend->kernel_release().value_or("?");
  if (sc.kernel && *profile_from_name(*sc.kernel) != p.config.kernel)
    fmt::print(stderr,
               "nssim: warning: {} asks for kernel {}, but --real checks the live kernel {}: the model follows {}\n",
               sc.file.empty() ? "the scenario" : sc.file, *sc.kernel, release, profile_name(p.config.kernel));
  p.note = p.backend->describe();
  p.not_checked = p.backend->notes();
  if (auto v = version_from_release(release); v && *v != p.config.kernel)
    p.not_checked.push_back(fmt::format("kernel {} is modelled as {}: what changed {} is not modelled yet", release,
                                        profile_name(p.config.kernel), *v > p.config.kernel ? "since" : "before"));
  return p;
}

std::string not_checked_lines(const RealPeer& p) {
  std::string s;
  for (auto& n : p.not_checked) s += "\nlive kernel: " + n;
  return s;
}

}  // namespace nssim::cli
