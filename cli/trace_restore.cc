#include "cli/trace_restore.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "real/snapshot.h"
#include "sim/restore.h"

namespace nssim::cli {

std::optional<TraceRestore> restore_for_trace(const std::string& snap, int root_pid, const Scenario& sc,
                                              std::string& err) {
  real::Snapshot s;
  std::string source = snap;
  if (snap == "-") {
    s = real::take_snapshot();
    source = "a live snapshot";
  } else {
    std::string text;
    if (!read_file(snap, text, err)) return std::nullopt;
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      err = fmt::format("nssim: --from-snapshot {}: not a JSON document (save one with 'nssim snapshot -o FILE')",
                        snap);
      return std::nullopt;
    }
    std::string why;
    auto loaded = real::snapshot_from_json(j, why);
    if (!loaded) {
      err = fmt::format("nssim: --from-snapshot {}: {}", snap, why);
      return std::nullopt;
    }
    s = std::move(*loaded);
  }
  auto r = restore_kernel(real::restore_input(s), Runner::config_for(sc));
  if (!r) {
    err = fmt::format("nssim: --from-snapshot {}: cannot restore: {}", snap, r.error());
    return std::nullopt;
  }
  std::string root_name = restored_task_name(root_pid ? root_pid : 1, root_pid ? root_pid : 1);
  uint32_t root_id = 0;
  bool found = false;
  size_t procs = 0;
  for (auto& [name, id] : r->names) {
    procs += name[0] == 'p';
    if (name == root_name) root_id = id, found = true;
  }
  if (!found && root_pid)
    for (auto& [name, id] : r->names)
      if (name == restored_task_name(0, root_pid)) {
        const Task* t = r->kernel->task(id);
        const Task* l = t ? t->group_leader : nullptr;
        err = fmt::format("nssim: --root {}: {} is a thread of process {}; --root takes a process", root_pid, root_pid,
                          l ? l->comm.substr(1) : "?");
        return std::nullopt;
      }
  if (!found) {
    err = fmt::format("nssim: --root {}: no such process in the snapshot (restored processes are named pPID; kernel "
                      "threads, zombies and exited tasks are not restored)",
                      root_pid);
    return std::nullopt;
  }
  if (!r->kernel->task(root_id) || r->kernel->task(root_id)->state != TaskState::Running) {
    err = fmt::format("nssim: --root {}: that process is not running in the restored model", root_pid);
    return std::nullopt;
  }
  std::vector<std::pair<std::string, uint32_t>> names{{sc.init_name, root_id}};
  names.insert(names.end(), r->names.begin(), r->names.end());
  size_t nns = 0;
  for (auto& rec : r->kernel->ns_records()) nns += rec.ns != nullptr;
  TraceRestore out;
  out.summary = fmt::format("restored {} processes ({} tasks) and {} namespaces from {}; '{}' is {}", procs,
                            r->names.size(), nns, source, sc.init_name, root_name);
  for (auto& n : r->notes) out.summary += "; " + n;
  auto kernel = std::make_shared<std::unique_ptr<Kernel>>(std::move(r->kernel));
  out.initial = [kernel, names](const Kernel::Config&) {
    return std::make_unique<SimBackend>(std::move(*kernel), names);
  };
  return out;
}

}  // namespace nssim::cli
