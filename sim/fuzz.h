// Differential testing: random valid scenarios, run on the model and (with a
// peer backend) on the live kernel, compared after every step; disagreements
// shrunk to a minimal scenario (delta debugging on steps, then on flags).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/backend.h"
#include "sim/kernel.h"

namespace nssim {

struct FuzzOptions {
  uint64_t seed = 1;
  int steps = 60;  // calls per generated scenario
  // The model the lines are made valid on: the peer's environment (a user
  // namespace of its own when rootless), so that a call the environment
  // refuses is not followed by lines that assume it worked.
  Kernel::Config config;
  // Generate cgroup statements (mkdir/rmdir/open of /sys/fs/cgroup/..., clone3
  // with CLONE_INTO_CGROUP): off when the live peer has no cgroup of its own.
  bool cgroups = true;
};

// Generates one random scenario (a list of statement lines) that is valid on
// the model: every call names a task that is running and fds that exist. The
// same seed gives the same scenario.
std::vector<std::string> generate_scenario(const FuzzOptions& opt);

// Checks one scenario. `make_peer` (may be null) creates a fresh peer backend
// for each run (e.g. the live kernel). Returns the problems found: disagreements
// with the peer, refcount-ledger inconsistencies, leaks after tearing
// everything down. Empty means clean.
struct FuzzProblem {
  int line = 0;
  std::string what;
};
using PeerFactory = std::function<std::unique_ptr<Backend>()>;
std::vector<FuzzProblem> check_scenario(const std::vector<std::string>& lines, const PeerFactory& make_peer,
                                        int* steps_run = nullptr);

// Delta debugging: the smallest scenario (lines removed, then clone/unshare/
// setns flag bits removed) that still has a problem of the same kind.
std::vector<std::string> shrink_scenario(std::vector<std::string> lines, const PeerFactory& make_peer,
                                         const std::function<void(size_t)>& progress = {});

}  // namespace nssim
