// SimBackend: the Backend over the model (Kernel), plus the scenario's names
// for tasks. It is also what `nssim trace` inspects for expectations,
// events and the refcount ledger.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "sim/backend.h"
#include "sim/kernel.h"

namespace nssim {

class SimBackend : public Backend {
 public:
  explicit SimBackend(Kernel::Config cfg = {});
  // Over a kernel built elsewhere (a restored snapshot, sim/restore.h):
  // `names` binds scenario names to model task ids, in order (observations
  // list them in that order); the first is the scenario's initial task.
  SimBackend(std::unique_ptr<Kernel> k, const std::vector<std::pair<std::string, uint32_t>>& names);
  std::string_view name() const override { return "sim"; }
  CallOutcome call(const CallStmt& c) override;
  // What /proc shows now, costing what is live, not the run's history:
  // `tasks` are the named tasks not yet reaped, plus those reaped since the
  // last call() began (state Reaped), in creation order of their names;
  // `liveness` the namespaces alive now, plus those freed since the last
  // call() began (alive = false), in creation order (token = serial).
  // A task reaped or a namespace freed by an earlier call is no longer
  // listed: Kernel::ns_records() and known() still answer for them.
  Observation observe() override;

  Kernel& kernel() { return *k_; }
  const Kernel& kernel() const { return *k_; }
  // The live task of that name, or null (unknown or reaped).
  Task* task(std::string_view name) const;
  // Whether the name was ever bound to a task.
  bool known(std::string_view name) const { return ids_.find(name) != ids_.end(); }
  // Names in creation order (reaped tasks included): O(history), not for every step.
  const std::vector<std::string>& names() const { return order_; }
  // Resolve an fd name in a task's fd table; -1 if unbound.
  int fd_of(const Task* t, std::string_view fd_name) const;

  // Task and namespace records visited by the last observe(), including the
  // pruning at the start of the call before it (tests check that this is
  // bounded by what is live, not by history).
  struct ObserveCost {
    size_t tasks = 0;
    size_t namespaces = 0;
  };
  ObserveCost last_observe_cost() const { return cost_; }

 private:
  struct Bound {
    uint32_t id;   // model task id (Task::id) of the newest task of that name
    uint32_t pos;  // index of the name in order_
  };
  // What observe() lists: the tasks (by position of their name) and the
  // namespaces (by serial) that were live when the last call began or were
  // made since; both sorted.
  struct Watched {
    uint32_t pos;
    uint32_t id;
  };
  void bind(const std::string& name, uint32_t id);
  void forget_gone();  // at the start of each call: drop what an earlier call reaped or freed

  std::unique_ptr<Kernel> k_;
  // Looked up by string_view (every call names its task): no temporary string.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Bound, NameHash, std::equal_to<>> ids_;
  std::vector<std::string> order_;
  // File handles by scenario name (name_to_handle_at(FD) -> H): bytes, not
  // kernel objects, so any task may use them and they outlive their namespace.
  std::unordered_map<std::string, NsfsHandle, NameHash, std::equal_to<>> handles_;
  std::vector<Watched> watched_tasks_;
  std::vector<uint32_t> watched_ns_;
  size_t ns_seen_ = 0;  // ns_records() before this index are in watched_ns_ or were dropped
  ObserveCost cost_, prune_cost_;
};

}  // namespace nssim
