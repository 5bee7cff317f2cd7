// nssim trace --from-snapshot SNAP [--root PID]: the scenario starts from a
// model restored from a snapshot (sim/restore.h), on the model only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sim/runner.h"

namespace nssim::cli {

struct TraceRestore {
  // For Runner::Options::initial (call once).
  std::function<std::unique_ptr<SimBackend>(const Kernel::Config&)> initial;
  std::string summary;  // "restored 8 processes (8 tasks) and 16 namespaces from SNAP; ..."
};

// Loads SNAP (a file saved by `nssim snapshot -o`, or "-": take one of the live
// system now, read-only) and restores it with the scenario's config. The
// scenario's initial task name is bound to process `root_pid` (0: pid 1).
// nullopt + err (one readable line) when the file cannot be read or parsed,
// is not a snapshot, cannot be restored, or has no process root_pid.
std::optional<TraceRestore> restore_for_trace(const std::string& snap, int root_pid, const Scenario& sc,
                                              std::string& err);

}  // namespace nssim::cli
