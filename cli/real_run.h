// --real (nssim trace, nssim lab check): the live kernel as the model's peer.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "real/real_backend.h"
#include "sim/kernel.h"
#include "sim/scenario.h"

namespace nssim::cli {

struct RealPeer {
  std::unique_ptr<real::RealBackend> backend;  // the sandbox; must outlive the run that uses it as peer
  Kernel::Config config;  // the scenario's config (Runner::config_for), root_pid_level at the sandbox's level
  std::string note;       // backend->describe(), for the output's header
  std::vector<std::string> not_checked;  // backend->notes(): for --json's summary
};

// Starts the sandbox for `sc` (its init name; each step may take
// `step_timeout_ms` milliseconds; `paranoid`: every task is read after every
// step, RealBackend::Options::paranoid). nullopt when the live kernel cannot run it
// (not root, a namespace type missing...), after printing
// "nssim: cannot run on the live kernel: WHY" to stderr; the caller exits 3.
std::optional<RealPeer> start_real_peer(const Scenario& sc, int step_timeout_ms, bool paranoid = false);

// "\nlive kernel: NOTE" for each of p.not_checked ("not checked here: WHAT
// and why", or how the environment is modelled: rootless, capabilities): the
// header's lines on what this environment keeps nssim from checking.
std::string not_checked_lines(const RealPeer& p);

}  // namespace nssim::cli
