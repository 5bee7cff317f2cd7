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
  Observation observe() override;

  Kernel& kernel() { return *k_; }
  const Kernel& kernel() const { return *k_; }
  // The live task of that name, or null (unknown or reaped).
  Task* task(std::string_view name) const;
  // Whether the name was ever bound to a task.
  bool known(std::string_view name) const { return ids_.count(std::string(name)) > 0; }
  // Names in creation order (reaped tasks included).
  const std::vector<std::string>& names() const { return order_; }
  // Resolve an fd name in a task's fd table; -1 if unbound.
  int fd_of(const Task* t, std::string_view fd_name) const;

 private:
  std::unique_ptr<Kernel> k_;
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<std::string> order_;
};

}  // namespace nssim
